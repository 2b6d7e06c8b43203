"""The states of the engine's machines (gate, seat, action) and the outcomes a decision can have.

They live apart from the models so that a gate's guards can ask about its seats' states, and a seat can point at
its gate, without the two modules importing each other.
"""

from __future__ import annotations

from django.db import models


class GateState(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted for sign-off"
    APPROVED = "approved", "Approved"
    CALL_IN = "call_in", "In call-in window"
    CALLED_IN = "called_in", "Called in"
    PASSED = "passed", "Passed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# While a gate is in one of these states, what it agreed cannot change.
GATE_FROZEN_STATES = frozenset(
    {GateState.SUBMITTED, GateState.APPROVED, GateState.CALL_IN, GateState.CALLED_IN, GateState.PASSED}
)


class SeatState(models.TextChoices):
    PENDING = "pending", "Waiting for decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Not needed (gate closed)"
    SUPERSEDED = "superseded", "Superseded (decision referred back)"


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
    REJECT = "reject", "Reject"


class ActionState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
