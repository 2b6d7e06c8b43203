"""Services of the generic engine. Each changes state through `workflows.transitions.apply_transition` and audits
in the caller's transaction; the domain calls them with its own subject row already locked.

- `gates`: create a gate, submit it (snapshot and seats), withdraw it, call a key decision in, refer it back, close
  its call-in window;
- `decisions`: who may decide a seat and why not (`seat_decision_refusal`), and deciding it (`seat_decide`);
- `delegations`: deputies for a date range, and agreed actions marked done;
- `notifications`: in-app notifications marked read;
- `snapshots`: the canonical JSON of what a gate agrees to, and its hash.
"""

from .decisions import (
    ConditionSpec,
    RecordSpec,
    active_delegations,
    seat_decide,
    seat_decision_refusal,
    seat_principal_for,
)
from .delegations import action_complete, delegation_create, delegation_revoke
from .gates import (
    SeatSpec,
    call_in_window_end,
    gate_call_in,
    gate_close_call_in,
    gate_create,
    gate_refer_back,
    gate_submit,
    gate_withdraw,
)
from .notifications import notifications_mark_read
from .snapshots import canonical_json, content_hash

__all__ = [
    "ConditionSpec",
    "RecordSpec",
    "SeatSpec",
    "action_complete",
    "active_delegations",
    "call_in_window_end",
    "canonical_json",
    "content_hash",
    "delegation_create",
    "delegation_revoke",
    "gate_call_in",
    "gate_close_call_in",
    "gate_create",
    "gate_refer_back",
    "gate_submit",
    "gate_withdraw",
    "notifications_mark_read",
    "seat_decide",
    "seat_decision_refusal",
    "seat_principal_for",
]
