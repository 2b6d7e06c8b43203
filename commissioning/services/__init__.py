"""Every write of the commissioning domain. One service, one transaction; the acting person is passed in. Lock
order, everywhere: strategy, then gate, then seat. Each service changes the strategy's `version`, so that a
partner's poll can tell cheaply whether anything changed.

- `strategies`: create a strategy, change it, record its evidence, move it round the cycle;
- `gates`: what a submission needs and freezes, who must sign; submit and withdraw;
- `decisions`: decide a seat (where a sign-off is decided), forward-plan notices, urgency exemptions and exemptions
  from call-in, call-in, refer-back and the call-in window closing;
- `delegations`: name a deputy;
- `measures`: outcome measures and the figures partners return;
- `webhooks`: partners' webhook subscriptions and the fan-out of events to them;
- `organisations`: what follows from an administrator renaming an organisation;
- `tokens`: a person's own API tokens;
- `common`: locking, permission and version checks every service shares.
"""

from . import measures, organisations, tokens, webhooks
from .common import ensure_content_editable
from .decisions import (
    call_in_exemption_agree,
    call_in_window_close,
    decision_call_in,
    decision_refer_back,
    forward_plan_publish,
    seat_decide,
    urgency_exemption_agree,
)
from .delegations import delegation_create
from .gates import gate_submit, gate_withdraw, is_key_decision, missing_evidence, seat_specs_for, strategy_snapshot
from .strategies import PartnerSpec, evidence_update, strategy_advance, strategy_create, strategy_update

__all__ = [
    "PartnerSpec",
    "call_in_exemption_agree",
    "call_in_window_close",
    "decision_call_in",
    "decision_refer_back",
    "delegation_create",
    "ensure_content_editable",
    "evidence_update",
    "forward_plan_publish",
    "gate_submit",
    "gate_withdraw",
    "is_key_decision",
    "measures",
    "missing_evidence",
    "organisations",
    "seat_decide",
    "seat_specs_for",
    "strategy_advance",
    "strategy_create",
    "strategy_snapshot",
    "strategy_update",
    "tokens",
    "urgency_exemption_agree",
    "webhooks",
]
