"""Every write of the commissioning domain. One service, one transaction; the acting person is passed in.

Lock order, everywhere: strategy, then gate, then seat. Each service changes the strategy's `version`, so that a
partner's poll can tell cheaply whether anything changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows import services as engine
from workflows.calendar import earliest_date_after_clear_days
from workflows.exceptions import (
    ContentFrozen,
    GateNotReady,
    InvalidInput,
    NotPermitted,
    TransitionNotAllowed,
)
from workflows.models import Decision, Gate, GateState, Seat
from workflows.services import ConditionSpec, RecordSpec, SeatSpec
from workflows.transitions import apply_transition, audit, available_transitions, check_version, lock

from . import notifications, rules
from .directory import Directory
from .models import (
    ADVANCE_FROM,
    CYCLE_STAGES,
    OFFICER_ROLES,
    SCRUTINY_ROLES,
    DeliveryChannel,
    Evidence,
    EvidenceStatus,
    EvidenceTemplate,
    GatePolicy,
    Organisation,
    PartnerKind,
    Recommendation,
    Role,
    ServiceArea,
    Stage,
    StagePeriod,
    Strategy,
    StrategyPartner,
    User,
    can_manage_strategy,
)
from .selectors import holds_any_role

directory = Directory()
REFERENCE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,39}")
MAX_MONEY = Decimal("999999999999.99")

# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _require_manager_of(strategy: Strategy, actor, doing: str) -> None:
    if not can_manage_strategy(strategy, actor):
        raise NotPermitted(
            f"Only the lead officer, or a commissioning officer or manager at {strategy.lead_organisation}, can "
            f"{doing}."
        )


def _touch(strategy: Strategy) -> None:
    """Record that something about the strategy changed (its version is what a partner's poll compares)."""
    strategy.version += 1
    strategy.updated_at = timezone.now()
    strategy.save(update_fields=["version", "updated_at"])


def _locked_strategy(strategy_id: int, expected_version: int | None = None) -> Strategy:
    try:
        strategy = lock(Strategy, strategy_id)
    except Strategy.DoesNotExist as exc:
        raise InvalidInput({"strategy": "No such strategy."}) from exc
    check_version(strategy, expected_version)
    return strategy


def _require_content_editable(strategy: Strategy) -> None:
    if strategy.stage == Stage.CLOSED:
        raise ContentFrozen("This strategy is closed: it was decommissioned and can no longer change.")
    if strategy.content_frozen:
        raise ContentFrozen(
            f"The {strategy.get_stage_display()} gate is '{strategy.current_gate.get_state_display().lower()}', so "
            "what was submitted cannot change. Withdraw the gate to make changes"
            + (" (only possible while it is submitted)." if strategy.current_gate.state != GateState.SUBMITTED else ".")
        )


def _money(errors: dict[str, str], field: str, value) -> Decimal | None:
    if value is None or value == "":
        errors[field] = "Enter an amount in pounds, for example 250000."
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except (InvalidOperation, ValueError):
        errors[field] = "Enter an amount in pounds, for example 250000."
        return None
    if not amount.is_finite():
        errors[field] = "Enter an amount in pounds, for example 250000."
        return None
    if amount < 0:
        errors[field] = "The amount cannot be negative."
    elif amount > MAX_MONEY:
        errors[field] = "The amount is too large."
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = "Give the amount to the nearest penny."
    return amount


# --------------------------------------------------------------------------------------------------------------
# Strategies and evidence
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerSpec:
    organisation_id: int
    kind: str


STRATEGY_FIELDS = (
    "title",
    "summary",
    "service_area",
    "lead_officer",
    "annual_value",
    "total_contract_value",
    "capital_value",
    "pooled_budget",
    "delivery_channel",
    "recommendation",
    "next_review_date",
)


def _validate_strategy_fields(
    values: dict, *, lead_organisation_id: int, partners: Sequence[PartnerSpec] | None
) -> dict:
    """Check and normalise strategy fields; raise InvalidInput naming each bad field."""
    errors: dict[str, str] = {}
    clean: dict = {}
    for field, value in values.items():
        if field == "title":
            text = (value or "").strip()
            if not text:
                errors["title"] = "Enter a title."
            elif len(text) > 200:
                errors["title"] = "The title must be 200 characters or fewer."
            clean["title"] = text
        elif field == "summary":
            clean["summary"] = (value or "").strip()
        elif field == "service_area":
            if value not in ServiceArea.values:
                errors["service_area"] = "Choose a service area from the list."
            clean["service_area"] = value
        elif field in ("annual_value", "total_contract_value", "capital_value"):
            clean[field] = _money(errors, field, value)
        elif field == "pooled_budget":
            if not isinstance(value, bool):
                errors["pooled_budget"] = "Say whether this strategy has a pooled budget (true or false)."
            clean["pooled_budget"] = value
        elif field == "delivery_channel":
            if value not in ("", *DeliveryChannel.values):
                errors["delivery_channel"] = "Choose a delivery channel from the list."
            clean["delivery_channel"] = value or ""
        elif field == "recommendation":
            if value not in ("", *Recommendation.values):
                errors["recommendation"] = "Choose recommission, vary or decommission."
            clean["recommendation"] = value or ""
        elif field == "next_review_date":
            if value is not None and not isinstance(value, dt.date):
                errors["next_review_date"] = "Enter a real date."
            clean["next_review_date"] = value
        elif field == "lead_officer":
            if not isinstance(value, User):
                errors["lead_officer"] = "Choose the lead officer."
            elif not holds_any_role(value, lead_organisation_id, OFFICER_ROLES):
                errors["lead_officer"] = (
                    "The lead officer must be a commissioning officer or manager at the lead organisation."
                )
            clean["lead_officer"] = value
        else:
            errors[field] = "This field cannot be changed here."
    both_values = "annual_value" in clean and "total_contract_value" in clean
    if both_values and not errors and clean["total_contract_value"] < clean["annual_value"]:
        errors["total_contract_value"] = "The total contract value cannot be less than the annual value."
    if partners is not None:
        errors.update(_partner_errors(partners, lead_organisation_id, clean.get("pooled_budget", False)))
    if errors:
        raise InvalidInput(errors)
    return clean


def _partner_errors(partners: Sequence[PartnerSpec], lead_organisation_id: int, pooled_budget: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    seen: set[int] = set()
    ids = [p.organisation_id for p in partners]
    known = set(Organisation.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for index, partner in enumerate(partners, start=1):
        if partner.organisation_id not in known:
            errors[f"partners[{index}].organisation"] = "No such organisation."
        elif partner.organisation_id == lead_organisation_id:
            errors[f"partners[{index}].organisation"] = "The lead organisation cannot also be a partner."
        elif partner.organisation_id in seen:
            errors[f"partners[{index}].organisation"] = "This organisation is listed twice."
        seen.add(partner.organisation_id)
        if partner.kind not in PartnerKind.values:
            errors[f"partners[{index}].kind"] = "Choose co-commissioner, pooled-budget contributor or consultee."
    if pooled_budget and not any(p.kind == PartnerKind.POOLED_BUDGET_CONTRIBUTOR for p in partners):
        errors["partners"] = "A pooled budget needs at least one pooled-budget contributor."
    return errors


def _create_stage(strategy: Strategy, *, actor) -> Gate:
    """Open the gate and evidence checklist for the strategy's current stage and cycle."""
    now = timezone.now()
    gate = engine.gate_create(
        subject=strategy,
        stage=strategy.stage,
        cycle=strategy.cycle,
        title=rules.gate_title(strategy.get_stage_display(), strategy.cycle, strategy.title),
        actor=actor,
    )
    templates = EvidenceTemplate.objects.filter(stage=strategy.stage, active=True).order_by("position", "pk")
    Evidence.objects.bulk_create(
        Evidence(
            strategy=strategy,
            cycle=strategy.cycle,
            stage=strategy.stage,
            template=template,
            title=template.title,
            required=template.required,
            position=template.position,
            updated_at=now,
        )
        for template in templates
    )
    StagePeriod.objects.create(strategy=strategy, cycle=strategy.cycle, stage=strategy.stage, entered_at=now)
    strategy.current_gate = gate
    strategy.save(update_fields=["current_gate"])
    return gate


def strategy_create(
    *,
    actor,
    reference: str,
    title: str,
    service_area: str,
    lead_organisation: Organisation,
    lead_officer,
    annual_value,
    total_contract_value,
    capital_value=Decimal(0),
    pooled_budget: bool = False,
    summary: str = "",
    partners: Sequence[PartnerSpec] = (),
    next_review_date: dt.date | None = None,
) -> Strategy:
    """Create a strategy in Analyse, cycle 1, with its open gate and evidence checklist. Audited."""
    if not isinstance(lead_organisation, Organisation):
        raise InvalidInput({"lead_organisation": "Choose the lead organisation."})
    if not holds_any_role(actor, lead_organisation.pk, OFFICER_ROLES):
        raise NotPermitted(
            f"Only commissioning officers and managers at {lead_organisation} can create its strategies."
        )
    reference = (reference or "").strip().upper()
    errors = {}
    if not reference:
        errors["reference"] = "Enter a reference, for example LCC-ASC-001."
    elif len(reference) > 40:
        errors["reference"] = "The reference must be 40 characters or fewer."
    elif not REFERENCE_PATTERN.fullmatch(reference):
        errors["reference"] = (
            "Use only letters, digits, full stops, hyphens and underscores, starting with a letter or digit."
        )
    elif Strategy.objects.filter(reference=reference).exists():
        errors["reference"] = f"A strategy with reference {reference} already exists."
    try:
        clean = _validate_strategy_fields(
            {
                "title": title,
                "summary": summary,
                "service_area": service_area,
                "lead_officer": lead_officer,
                "annual_value": annual_value,
                "total_contract_value": total_contract_value,
                "capital_value": capital_value,
                "pooled_budget": pooled_budget,
                "next_review_date": next_review_date,
            },
            lead_organisation_id=lead_organisation.pk,
            partners=list(partners),
        )
    except InvalidInput as exc:
        raise InvalidInput({**errors, **exc.errors}) from None
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            strategy = Strategy.objects.create(reference=reference, lead_organisation=lead_organisation, **clean)
            StrategyPartner.objects.bulk_create(
                StrategyPartner(strategy=strategy, organisation_id=p.organisation_id, kind=p.kind) for p in partners
            )
            audit(strategy, transition="create", actor=actor, to_state=strategy.stage, data={"reference": reference})
            _create_stage(strategy, actor=actor)
    except IntegrityError as exc:
        raise InvalidInput({"reference": f"A strategy with reference {reference} already exists."}) from exc
    return strategy


def strategy_update(
    *,
    actor,
    strategy_id: int,
    expected_version: int | None = None,
    partners: Sequence[PartnerSpec] | None = None,
    **changes,
) -> Strategy:
    """Change a strategy's fields (and, when given, its partners) while its gate is open. Audited with the changes."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id, expected_version)
        _require_manager_of(strategy, actor, "change this strategy")
        _require_content_editable(strategy)
        clean = _validate_strategy_fields(changes, lead_organisation_id=strategy.lead_organisation_id, partners=None)
        annual = clean.get("annual_value", strategy.annual_value)
        total = clean.get("total_contract_value", strategy.total_contract_value)
        if total < annual:
            raise InvalidInput(
                {"total_contract_value": "The total contract value cannot be less than the annual value."}
            )
        pooled = clean.get("pooled_budget", strategy.pooled_budget)
        if partners is not None:
            partner_errors = _partner_errors(partners, strategy.lead_organisation_id, pooled)
            if partner_errors:
                raise InvalidInput(partner_errors)
        elif pooled and not strategy.partner_links.filter(kind=PartnerKind.POOLED_BUDGET_CONTRIBUTOR).exists():
            raise InvalidInput({"partners": "A pooled budget needs at least one pooled-budget contributor."})
        changed = {}
        for field, value in clean.items():
            old = getattr(strategy, field)
            if old != value:
                changed[field] = {"from": str(old), "to": str(value)}
                setattr(strategy, field, value)
        if partners is not None:
            before = sorted(strategy.partner_links.values_list("organisation_id", "kind"))
            after = sorted((p.organisation_id, p.kind) for p in partners)
            if before != after:
                strategy.partner_links.all().delete()
                StrategyPartner.objects.bulk_create(
                    StrategyPartner(strategy=strategy, organisation_id=p.organisation_id, kind=p.kind) for p in partners
                )
                changed["partners"] = {"from": before, "to": after}
        if not changed:
            return strategy
        strategy.version += 1
        strategy.updated_at = timezone.now()
        strategy.save()
        audit(strategy, transition="update", actor=actor, data={"changes": changed})
    return strategy


def evidence_update(
    *,
    actor,
    evidence_id: int,
    status: str,
    content: str = "",
    link: str = "",
    expected_version: int | None = None,
) -> Evidence:
    """Record progress on one deliverable of the current stage. Refused while the gate is under sign-off."""
    errors: dict[str, str] = {}
    if status not in EvidenceStatus.values:
        errors["status"] = "Choose not started, in progress or complete."
    content = (content or "").strip()
    link = (link or "").strip()
    if link:
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError:
            errors["link"] = "Enter a full web address starting https://"
        if len(link) > 500:
            errors["link"] = "The web address must be 500 characters or fewer."
    if status == EvidenceStatus.COMPLETE and not content and not link:
        errors["content"] = "Add the evidence itself or a link to it before marking it complete."
    if errors:
        raise InvalidInput(errors)
    strategy_id = Evidence.objects.filter(pk=evidence_id).values_list("strategy_id", flat=True).first()
    if strategy_id is None:
        raise InvalidInput({"evidence": "No such evidence item."})
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id, expected_version)
        _require_manager_of(strategy, actor, "record evidence for this strategy")
        evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
        if (evidence.cycle, evidence.stage) != (strategy.cycle, strategy.stage):
            raise ContentFrozen(
                f"This evidence belongs to the {evidence.get_stage_display()} stage of cycle {evidence.cycle}, which "
                "has been agreed; it is kept as it was."
            )
        _require_content_editable(strategy)
        before = evidence.status
        now = timezone.now()
        evidence.status = status
        evidence.content = content
        evidence.link = link
        evidence.updated_at = now
        if status == EvidenceStatus.COMPLETE:
            evidence.completed_by = actor
            evidence.completed_at = now
        else:
            evidence.completed_by = None
            evidence.completed_at = None
        evidence.save()
        _touch(strategy)
        audit(evidence, transition="update", actor=actor, from_state=before, to_state=status)
    return evidence


# --------------------------------------------------------------------------------------------------------------
# Gates: submission, key decisions, withdrawal, call-in
# --------------------------------------------------------------------------------------------------------------


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
    """The seats the stage's gate policy asks for, at the strategy's value (see `rules.seat_specs`)."""
    policy = GatePolicy.objects.filter(stage=strategy.stage).prefetch_related("rules").first()
    if policy is None:
        return []
    partner_links = strategy.partner_links.select_related("organisation")
    return rules.seat_specs(
        policy.rules.all(),
        lead_organisation=strategy.lead_organisation,
        partners=[(link.organisation, link.kind) for link in partner_links],
        value=strategy.total_contract_value,
        key_decision=key_decision,
        today=today,
        decision_not_before=decision_not_before,
    )


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


def gate_submit(*, actor, strategy_id: int, expected_version: int | None = None) -> Gate:
    """Submit the current stage's gate: checks evidence (and, for a key decision, the forward-plan notice), freezes
    a snapshot with its hash and creates the seats from the gate policy. Audited."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id, expected_version)
        _require_manager_of(strategy, actor, "submit this strategy's gate")
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
        )
        _touch(strategy)
        notifications.gate_submitted(strategy, gate)
    return gate


def gate_withdraw(*, actor, strategy_id: int, reason: str, expected_version: int | None = None) -> Gate:
    """Withdraw a submitted gate so the content can change. Audited."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id, expected_version)
        _require_manager_of(strategy, actor, "withdraw this strategy's gate")
        gate = lock(Gate, strategy.current_gate_id)
        engine.gate_withdraw(gate=gate, actor=actor, reason=reason)
        _touch(strategy)
    return gate


def forward_plan_publish(*, actor, strategy_id: int, decision_date: dt.date) -> Gate:
    """Publish the current gate's key decision on the forward plan with its intended decision date. Audited."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id)
        _require_manager_of(strategy, actor, "publish this strategy's forward-plan notice")
        gate = lock(Gate, strategy.current_gate_id)
        if not is_key_decision(strategy):
            raise InvalidInput(
                {"decision_date": "This gate is not a key decision, so it needs no forward-plan notice."}
            )
        if gate.state not in (GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN, GateState.SUBMITTED):
            raise TransitionNotAllowed(
                "The decision has already been taken; its forward-plan notice cannot change.",
                state=gate.state,
                allowed=available_transitions(gate),
            )
        today = timezone.localdate()
        earliest = earliest_date_after_clear_days(today, settings.FORWARD_PLAN_CLEAR_DAYS)
        if not isinstance(decision_date, dt.date):
            raise InvalidInput({"decision_date": "Enter the intended decision date."})
        if decision_date < earliest:
            raise InvalidInput(
                {
                    "decision_date": f"A notice published today allows a decision on {earliest:%-d %B %Y} at the "
                    f"earliest ({settings.FORWARD_PLAN_CLEAR_DAYS} clear days)."
                }
            )
        gate.notice_published_on = today
        gate.intended_decision_date = decision_date
        gate.decision_not_before = earliest
        gate.version += 1
        gate.updated_at = timezone.now()
        gate.save()
        audit(
            gate,
            transition="publish_forward_plan_notice",
            actor=actor,
            data={"notice_published_on": today.isoformat(), "intended_decision_date": decision_date.isoformat()},
        )
        _touch(strategy)
    return gate


def urgency_exemption_agree(*, actor, strategy_id: int, reason: str) -> Gate:
    """The scrutiny chair lets a key decision be taken without the full forward-plan notice. Audited."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id)
        if not holds_any_role(actor, strategy.lead_organisation_id, [Role.SCRUTINY_CHAIR]):
            raise NotPermitted(
                f"Only the scrutiny chair at {strategy.lead_organisation} can agree an urgency exemption."
            )
        if not (reason or "").strip():
            raise InvalidInput({"reason": "Record why the decision is urgent."})
        gate = lock(Gate, strategy.current_gate_id)
        if not is_key_decision(strategy):
            raise InvalidInput({"reason": "This gate is not a key decision, so it needs no exemption."})
        if gate.state not in (GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN, GateState.SUBMITTED):
            raise TransitionNotAllowed(
                "The decision has already been taken.", state=gate.state, allowed=available_transitions(gate)
            )
        now = timezone.now()
        gate.urgency_reason = reason.strip()
        gate.urgency_agreed_by = actor
        gate.urgency_agreed_at = now
        gate.decision_not_before = timezone.localdate()
        gate.version += 1
        gate.updated_at = now
        gate.save()
        audit(gate, transition="agree_urgency_exemption", actor=actor, reason=reason)
        _touch(strategy)
    return gate


def seat_decide(
    *,
    actor,
    seat_id: int,
    outcome: str,
    reasons: str = "",
    conditions: Sequence[ConditionSpec] = (),
    record: RecordSpec | None = None,
    expected_gate_version: int | None = None,
) -> Decision:
    """Decide a seat (see `workflows.services.seat_decide`) and record the change on the strategy."""
    strategy_id = Strategy.objects.filter(current_gate__seats__pk=seat_id).values_list("pk", flat=True).first()
    if strategy_id is None:
        seat_exists = Seat.objects.filter(pk=seat_id).exists()
        raise InvalidInput(
            {"seat": "This seat belongs to a gate that is no longer current." if seat_exists else "No such seat."}
        )
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id)
        decision = engine.seat_decide(
            seat_id=seat_id,
            actor=actor,
            outcome=outcome,
            reasons=reasons,
            conditions=conditions,
            record=record,
            expected_gate_version=expected_gate_version,
        )
        _touch(strategy)
        gate = Gate.objects.get(pk=decision.gate_id)
        notifications.gate_moved(strategy, gate)
        notifications.actions_agreed(strategy, list(decision.actions.select_related("owner").order_by("pk")))
    return decision


def decision_call_in(*, actor, strategy_id: int, reason: str) -> Gate:
    """A scrutiny member calls in a key decision during its call-in window. Audited."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id)
        if not holds_any_role(actor, strategy.lead_organisation_id, SCRUTINY_ROLES):
            raise NotPermitted(f"Only scrutiny members at {strategy.lead_organisation} can call in its decisions.")
        gate = lock(Gate, strategy.current_gate_id)
        engine.gate_call_in(gate=gate, actor=actor, reason=reason)
        _touch(strategy)
        notifications.decision_called_in(strategy, gate)
    return gate


def decision_refer_back(*, actor, strategy_id: int, reason: str) -> Gate:
    """The scrutiny chair sends a called-in decision back to its decision-maker to reconsider. Audited."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id)
        if not holds_any_role(actor, strategy.lead_organisation_id, [Role.SCRUTINY_CHAIR]):
            raise NotPermitted(f"Only the scrutiny chair at {strategy.lead_organisation} can refer a decision back.")
        gate = lock(Gate, strategy.current_gate_id)
        engine.gate_refer_back(gate=gate, actor=actor, reason=reason)
        _touch(strategy)
        notifications.decision_referred_back(strategy, gate)
    return gate


def call_in_window_close(*, strategy_id: int) -> bool:
    """Pass the strategy's gate if its call-in window has closed with no call-in (system). False if nothing to do."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id)
        if strategy.current_gate_id is None:
            return False
        gate = lock(Gate, strategy.current_gate_id)
        closed = engine.gate_close_call_in(gate=gate)
        if closed:
            _touch(strategy)
            notifications.gate_moved(strategy, gate)
    return closed


# --------------------------------------------------------------------------------------------------------------
# The stage machine
# --------------------------------------------------------------------------------------------------------------


def strategy_advance(*, actor, strategy_id: int, expected_version: int | None = None) -> Strategy:
    """Move the strategy on once its gate has passed: to the next stage, round to the next cycle's Analyse
    (recommission or vary), or to closed (decommission). Opens the next gate and evidence. Audited.

    `actor=None` is the system (the review-cycle sweep): no permission check, and the lead officer is told."""
    with transaction.atomic():
        strategy = _locked_strategy(strategy_id, expected_version)
        if strategy.current_gate_id:
            strategy.current_gate = lock(Gate, strategy.current_gate_id)
        if strategy.stage == Stage.REVIEW:
            name = "decommission" if strategy.recommendation == Recommendation.DECOMMISSION else "recommission"
        else:
            name = ADVANCE_FROM.get(strategy.stage, "begin_plan")
        left_stage, left_cycle = strategy.stage, strategy.cycle
        apply_transition(
            strategy,
            name,
            actor=actor,
            check_permission=actor is not None,
            verb="advance",
            snapshot_hash=strategy.current_gate.snapshot_hash if strategy.current_gate else "",
        )
        StagePeriod.objects.filter(strategy=strategy, cycle=left_cycle, stage=left_stage).update(left_at=timezone.now())
        if strategy.stage in CYCLE_STAGES:
            _create_stage(strategy, actor=actor)
        if actor is None and strategy.stage == Stage.REVIEW:
            notifications.moved_into_review(strategy)
    return strategy


def delegation_create(*, actor, principal, deputy, starts_on, ends_on, reason: str = ""):
    """Name a deputy for a date range (see `workflows.services.delegation_create`)."""
    return engine.delegation_create(
        actor=actor, principal=principal, deputy=deputy, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
