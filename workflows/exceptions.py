"""Domain exceptions raised by services. Each carries the HTTP status that the API and the pages both answer it
with (`status`), and a `code` for machines; `message` says why, in words a person can act on."""

from __future__ import annotations


class WorkflowError(Exception):
    """Base class: `message` says why, in words a person can act on."""

    code = "workflow_error"
    status = 409

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class InvalidInput(WorkflowError):
    """Input failed validation; `errors` maps each field to what is wrong with it."""

    code = "invalid_input"
    status = 400

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        text = "; ".join(f"{field}: {problem}" for field, problem in errors.items())
        super().__init__(f"Please correct the following: {text}", errors=errors)


class NotFound(WorkflowError):
    """What was asked for is not there (or is not the person's to see: the API never says which)."""

    code = "not_found"
    status = 404


class NotPermitted(WorkflowError):
    """The person may not do this at all (whatever the state)."""

    code = "not_permitted"
    status = 403


class TransitionNotAllowed(WorkflowError):
    """A state change that the state machine refuses, with what is allowed now and what is missing."""

    code = "transition_not_allowed"

    def __init__(self, message: str, *, state: str, allowed: list[str], missing: list[str] | None = None) -> None:
        self.state = state
        self.allowed = allowed
        self.missing = missing or []
        super().__init__(message, state=state, allowed=allowed, missing=self.missing)


class GateNotReady(WorkflowError):
    """A gate cannot be submitted yet; `missing` lists what must be done first."""

    code = "gate_not_ready"

    def __init__(self, message: str, *, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(f"{message}: {'; '.join(missing)}", missing=missing)


class ContentFrozen(WorkflowError):
    """Content cannot change while its gate is under sign-off."""

    code = "content_frozen"


class NotYourSeat(WorkflowError):
    """The person holds no authority over this seat (not its role, not a deputy, or they submitted the gate)."""

    code = "not_your_seat"
    status = 403


class AlreadyDecided(WorkflowError):
    code = "already_decided"


class StaleVersion(WorkflowError):
    """Someone else changed the object since the caller read it."""

    code = "stale_version"
    status = 412

    def __init__(self, message: str, *, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(message, current_version=current_version)


class Conflict(WorkflowError):
    """Another change won a race for the same row; reload and try again."""

    code = "conflict"
