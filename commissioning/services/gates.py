"""Gates: what a submission needs (evidence, key-decision notice), what it freezes (the snapshot) and who must sign
(the seats from the stage's gate policy); submitting and withdrawing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from workflows import services as engine
from workflows.exceptions import GateNotReady, TransitionNotAllowed
from workflows.models import Gate, GateState
from workflows.services import SeatSpec
from workflows.transitions import available_transitions, lock

from .. import notifications, rules
from ..models import EvidenceStatus, GatePolicy, Stage, Strategy
from .common import locked_strategy, record_strategy_change, require_manager_of


def missing_evidence(strategy: Strategy) -> list[str]:
    return list(
        strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage, required=True)
        .exclude(status=EvidenceStatus.COMPLETE)
        .order_by("position", "pk")
        .values_list("title", flat=True)
    )


def is_key_decision(strategy: Strategy, policy: GatePolicy | None = None) -> bool:
    """A gate is a key decision when its stage's policy allows it and a lead-organisation threshold is met."""
    policy = policy or GatePolicy.objects.filter(stage=strategy.stage).first()
    organisation = strategy.lead_organisation
    return rules.key_decision_applies(
        policy_applies=policy is not None and policy.key_decisions_apply,
        revenue_threshold=organisation.key_decision_revenue_threshold,
        capital_threshold=organisation.key_decision_capital_threshold,
        total_contract_value=strategy.total_contract_value,
        capital_value=strategy.capital_value,
    )


def seat_specs_for(
    strategy: Strategy, *, key_decision: bool, today: dt.date, decision_not_before=None
) -> list[SeatSpec]:
    """The seats the stage's gate policy asks for, at the strategy's value (see `rules.seat_specs`); for an officer
    decision (`rules.officer_decision_applies`) the deciding officer's seat records it."""
    policy = GatePolicy.objects.filter(stage=strategy.stage).prefetch_related("rules").first()
    if policy is None:
        return []
    partner_links = strategy.partner_links.select_related("organisation")
    specs = rules.seat_specs(
        policy.rules.all(),
        lead_organisation=strategy.lead_organisation,
        partners=[(link.organisation, link.kind) for link in partner_links],
        value=strategy.total_contract_value,
        key_decision=key_decision,
        today=today,
        decision_not_before=decision_not_before,
    )
    lead = strategy.lead_organisation
    if rules.officer_decision_applies(
        key_decision=key_decision,
        threshold=lead.officer_decision_threshold,
        total_contract_value=strategy.total_contract_value,
        seats=specs,
    ):
        return rules.with_officer_decision_record(specs, lead_organisation_id=lead.pk)
    return specs


def strategy_snapshot(strategy: Strategy) -> dict:
    """What a gate's sign-off agrees to: the strategy and its evidence for this cycle, as plain JSON."""
    evidence = [
        rules.evidence_snapshot(
            stage=item.stage,
            code=item.template.code,
            title=item.title,
            required=item.required,
            status=item.status,
            content=item.content,
            link=item.link,
            completed_by=str(item.completed_by) if item.completed_by else None,
            completed_at=item.completed_at,
        )
        for item in strategy.evidence.filter(cycle=strategy.cycle)
        .select_related("template", "completed_by")
        .order_by("pk")
    ]
    return rules.strategy_snapshot_content(
        reference=strategy.reference,
        title=strategy.title,
        summary=strategy.summary,
        service_area=strategy.service_area,
        lead_organisation=strategy.lead_organisation.name,
        lead_officer=str(strategy.lead_officer),
        annual_value=strategy.annual_value,
        total_contract_value=strategy.total_contract_value,
        capital_value=strategy.capital_value,
        pooled_budget=strategy.pooled_budget,
        delivery_channel=strategy.delivery_channel,
        recommendation=strategy.recommendation,
        next_review_date=strategy.next_review_date,
        partners=[(link.organisation, link.kind) for link in strategy.partner_links.select_related("organisation")],
        evidence=evidence,
        stage=strategy.stage,
        cycle=strategy.cycle,
    )


def gate_submit(*, actor, strategy_id: int, expected_version: int | None = None, note: str = "") -> Gate:
    """Submit the current stage's gate: checks evidence (and, for a key decision, the forward-plan notice), freezes
    a snapshot with its hash and creates the seats from the gate policy. `note` (a resubmission's covering note:
    what was done about the reasons it was rejected or withdrawn) is kept with the snapshot. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id, expected_version)
        require_manager_of(strategy, actor, "submit this strategy's gate")
        if strategy.stage == Stage.CLOSED:
            raise TransitionNotAllowed("This strategy is closed; it has no gate to submit.", state="closed", allowed=[])
        gate = lock(Gate, strategy.current_gate_id)
        if gate.state not in (GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN):
            raise TransitionNotAllowed(
                f"The {strategy.get_stage_display()} gate cannot be submitted: it is already "
                f"'{gate.get_state_display().lower()}'.",
                state=gate.state,
                allowed=available_transitions(gate),
            )
        missing = missing_evidence(strategy)
        if strategy.stage == Stage.PLAN and not strategy.delivery_channel:
            missing.append("the delivery-channel (right source) decision")
        if strategy.stage == Stage.REVIEW and not strategy.recommendation:
            missing.append("the review's recommendation (recommission, vary or decommission)")
        policy = GatePolicy.objects.filter(stage=strategy.stage).first()
        key = is_key_decision(strategy, policy)
        if key and gate.notice_published_on is None and gate.urgency_agreed_at is None:
            missing.append(
                f"a forward-plan notice published at least {settings.FORWARD_PLAN_CLEAR_DAYS} clear days before the "
                "decision, or an urgency exemption agreed by the scrutiny chair"
            )
        if missing:
            raise GateNotReady("The gate cannot be submitted until this is done", missing=missing)
        today = timezone.localdate()
        seats = seat_specs_for(strategy, key_decision=key, today=today, decision_not_before=gate.decision_not_before)
        engine.gate_submit(
            gate=gate,
            actor=actor,
            content=strategy_snapshot(strategy),
            seats=seats,
            key_decision=key,
            call_in_working_days=strategy.lead_organisation.call_in_working_days,
            note=note or "",
        )
        record_strategy_change(strategy)
        notifications.gate_submitted(strategy, gate)
    return gate


def gate_withdraw(*, actor, strategy_id: int, reason: str, expected_version: int | None = None) -> Gate:
    """Withdraw a submitted gate so the content can change. Audited."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id, expected_version)
        require_manager_of(strategy, actor, "withdraw this strategy's gate")
        gate = lock(Gate, strategy.current_gate_id)
        engine.gate_withdraw(gate=gate, actor=actor, reason=reason)
        record_strategy_change(strategy)
    return gate
