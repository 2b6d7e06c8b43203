"""The generic gated-workflow engine: gates, sign-off seats, decisions, actions, delegations and the audit trail.

Nothing here knows about commissioning. A gate belongs to any subject (through a generic relation); seats name a
role at an organisation of the model named by `settings.WORKFLOWS_ORGANISATION_MODEL`.

State fields are protected: they change only through the transition methods, which the services in
`workflows.transitions` call with the row locked. Transition methods check guards and set fields, nothing more.

The models live in modules by what they hold; import them from here (`from workflows.models import Gate`):

- `base`: `guard` and the append-only building blocks
- `states`: the states of gates, seats and actions, and the outcomes of decisions
- `gates`: gates, their guards and the snapshots submitted to them
- `seats`: seats, decisions, records of decision and actions
- `delegations`: deputies for a date range
- `audit`: the audit trail and the heads of its hash chains
- `calendar`: closure days of the working-day calendar
- `outbox`: outbox messages, in-app notifications, webhook delivery attempts and idempotency keys
"""

# Imported in the order the models were declared when this was one module: the app registry (and so
# `apps.get_models()` and the content types a fresh database gets) lists them in that order.
# isort: off
from .base import AppendOnlyModel, AppendOnlyQuerySet, guard
from .states import GATE_FROZEN_STATES, ActionState, DecisionOutcome, GateState, SeatState
from .gates import Gate, GateSnapshot
from .seats import Action, Decision, RecordOfDecision, Seat
from .delegations import Delegation
from .audit import AuditEvent, AuditChain
from .calendar import NonWorkingDay
from .outbox import DeliveryAttempt, IdempotencyKey, Notification, OutboxChannel, OutboxMessage, OutboxState
# isort: on

__all__ = [
    "GATE_FROZEN_STATES",
    "Action",
    "ActionState",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "AuditChain",
    "AuditEvent",
    "Decision",
    "DecisionOutcome",
    "Delegation",
    "DeliveryAttempt",
    "Gate",
    "GateSnapshot",
    "GateState",
    "IdempotencyKey",
    "NonWorkingDay",
    "Notification",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxState",
    "RecordOfDecision",
    "Seat",
    "SeatState",
    "guard",
]
