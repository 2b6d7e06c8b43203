"""Strategies: creating one (with its first gate and evidence checklist), changing its facts and partners,
recording progress on its evidence, and moving it on round the cycle once its gate has passed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows import services as engine
from workflows.exceptions import ContentFrozen, InvalidInput, NotPermitted
from workflows.models import Gate
from workflows.transitions import apply_transition, audit, lock

from .. import notifications, rules
from ..models import (
    ADVANCE_FROM,
    CYCLE_STAGES,
    OFFICER_ROLES,
    DeliveryChannel,
    Evidence,
    EvidenceStatus,
    EvidenceTemplate,
    Organisation,
    PartnerKind,
    Recommendation,
    ServiceArea,
    Stage,
    StagePeriod,
    Strategy,
    StrategyPartner,
    User,
)
from ..selectors import audiences_of, holds_any_role
from .common import (
    ensure_content_editable,
    locked_strategy,
    money,
    record_strategy_change,
    require_manager_of,
    tell_audiences,
)

REFERENCE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,39}")


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
            clean[field] = money(errors, field, value)
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


def open_stage(strategy: Strategy, *, actor) -> Gate:
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
            open_stage(strategy, actor=actor)
            tell_audiences(audiences_of([strategy.pk]))
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
        strategy = locked_strategy(strategy_id, expected_version)
        require_manager_of(strategy, actor, "change this strategy")
        ensure_content_editable(strategy)
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
        former = {organisation_id for organisation_id, _kind in changed.get("partners", {}).get("from", [])}
        record_strategy_change(strategy, *(field for field in changed if field != "partners"), also_shown_to=former)
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
        strategy = locked_strategy(strategy_id, expected_version)
        require_manager_of(strategy, actor, "record evidence for this strategy")
        evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
        if (evidence.cycle, evidence.stage) != (strategy.cycle, strategy.stage):
            raise ContentFrozen(
                f"This evidence belongs to the {evidence.get_stage_display()} stage of cycle {evidence.cycle}, which "
                "has been agreed; it is kept as it was."
            )
        ensure_content_editable(strategy)
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
        record_strategy_change(strategy)
        audit(evidence, transition="update", actor=actor, from_state=before, to_state=status)
    return evidence


def strategy_advance(*, actor, strategy_id: int, expected_version: int | None = None) -> Strategy:
    """Move the strategy on once its gate has passed: to the next stage, round to the next cycle's Analyse
    (recommission or vary), or to closed (decommission). Opens the next gate and evidence. Audited.

    `actor=None` is the system (the review-cycle sweep): no permission check, and the lead officer is told."""
    with transaction.atomic():
        strategy = locked_strategy(strategy_id, expected_version)
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
            open_stage(strategy, actor=actor)
        tell_audiences(audiences_of([strategy.pk]))  # the transition raised the version
        if actor is None and strategy.stage == Stage.REVIEW:
            notifications.moved_into_review(strategy)
    return strategy
