"""How a page shows a service's refusal: the lines of the GOV.UK error summary, and the status it answers with.

A refused change answers with the status its exception carries (`workflows.exceptions`: 403 not allowed, 409 a
conflict with the state things are in, 412 a stale form), the same status the API gives. Bad input is shown on the
form as it was sent, field by field, and answers 200, as every form of the service does.
"""

from __future__ import annotations

from workflows.exceptions import GateNotReady, InvalidInput, TransitionNotAllowed, WorkflowError


def refusal_status(error: WorkflowError) -> int:
    return 200 if isinstance(error, InvalidInput) else error.status


def refusal_lines(error: WorkflowError) -> list[tuple[str, str]]:
    """The error summary's lines for a service's refusal: its message, and each thing still missing."""
    if isinstance(error, InvalidInput):
        return [("", message) for message in error.errors.values()]
    if isinstance(error, GateNotReady):
        return [("", f"{error.message.split(':')[0]}:"), *(("", item) for item in error.missing)]
    lines = [("", error.message)]
    if isinstance(error, TransitionNotAllowed):
        lines += [("", f"Still needed: {item}") for item in error.missing]
    return lines
