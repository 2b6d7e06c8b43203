"""Admin for the engine: gates, seats, decisions, snapshots, actions and the audit trail are records kept by the
services, so the admin shows them and changes nothing. Administrators edit the closure-day calendar, and may
name a deputy (through `services.delegation_create`) or revoke a delegation (through `services.delegation_revoke`).

The admin classes live in modules by model family; importing this package registers them all:

- `base`: the read-only building blocks (the commissioning admin imports them from here)
- `audited`: administrators' adds, changes and deletes written to the audit trail (`AuditedAdminMixin`)
- `gates`: gates, seats, decisions, records of decision, snapshots and actions
- `audit`: the audit trail and its chains' heads
- `outbox`: outbox messages and in-app notifications
- `calendar`: the closure-day calendar
- `delegations`: delegations, added and revoked through the services
"""

from .audited import AuditedAdminMixin, AuditedUserAdminMixin
from .base import ReadOnlyAdmin, ReadOnlyInline, content_type_link, model_field_names, pretty_json, short_hash

# Registered in the order they were declared when this was one module.
# isort: off
from .gates import (
    ActionAdmin,
    DecisionAdmin,
    GateAdmin,
    GateSnapshotAdmin,
    RecordOfDecisionAdmin,
    RecordOfDecisionInline,
    SeatAdmin,
    SeatInline,
    SeatRoleFilter,
)
from .audit import AuditChainAdmin, AuditEventAdmin
from .outbox import NotificationAdmin, OutboxMessageAdmin
from .calendar import NonWorkingDayAdmin
from .delegations import DelegationAddForm, DelegationAdmin, DelegationStatusFilter
# isort: on

__all__ = [
    "ActionAdmin",
    "AuditChainAdmin",
    "AuditEventAdmin",
    "AuditedAdminMixin",
    "AuditedUserAdminMixin",
    "DecisionAdmin",
    "DelegationAddForm",
    "DelegationAdmin",
    "DelegationStatusFilter",
    "GateAdmin",
    "GateSnapshotAdmin",
    "NonWorkingDayAdmin",
    "NotificationAdmin",
    "OutboxMessageAdmin",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "RecordOfDecisionAdmin",
    "RecordOfDecisionInline",
    "SeatAdmin",
    "SeatInline",
    "SeatRoleFilter",
    "content_type_link",
    "model_field_names",
    "pretty_json",
    "short_hash",
]
