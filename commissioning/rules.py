"""The domain's rules as plain functions of plain values: whether a gate is a key decision, which seats it needs and
when they are due, what its snapshot freezes, and what things are called.

The services apply them to rows they have loaded (`services.gates.seat_specs_for`, `services.strategies.
strategy_snapshot`); the benchmark data generator applies the very same functions to the world it plans in memory
before writing it in bulk, so that a change of rule here changes both. Nothing here reads or writes the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from workflows.calendar import WorkingCalendar
from workflows.services import SeatSpec

from .models import PartnerKind, Role, SeatParty, SeatRule


class Named(Protocol):
    """An organisation as the rules need it: its id and its name (a row, or the generator's plan of one)."""

    pk: int
    name: str


# --------------------------------------------------------------------------------------------------------------
# Key decisions
# --------------------------------------------------------------------------------------------------------------


def key_decision_applies(
    *,
    policy_applies: bool,
    revenue_threshold: Decimal | None,
    capital_threshold: Decimal | None,
    total_contract_value: Decimal,
    capital_value: Decimal,
) -> bool:
    """A gate is a key decision when its stage's policy allows key decisions and the strategy's total contract value
    reaches the lead organisation's revenue threshold, or its capital value the capital threshold."""
    if not policy_applies:
        return False
    return (revenue_threshold is not None and total_contract_value >= revenue_threshold) or (
        capital_threshold is not None and capital_value >= capital_threshold
    )


# --------------------------------------------------------------------------------------------------------------
# Seats
# --------------------------------------------------------------------------------------------------------------


def seat_label(role: str, organisation_name: str, required_approvals: int) -> str:
    """'Finance officer, Midshire County Council', or for a panel '2 finance officers, Midshire County Council'."""
    role_label = Role(role).label
    if required_approvals > 1:
        return f"{required_approvals} {role_label.lower()}s, {organisation_name}"
    return f"{role_label}, {organisation_name}"


def seat_due_on(
    rule: SeatRule, *, today: dt.date, decision_not_before: dt.date | None, calendar: WorkingCalendar
) -> dt.date:
    """A seat is due `rule.due_working_days` working days after submission; a seat that records a key decision is
    not due before the decision may be taken."""
    due_on = calendar.add_working_days(today, rule.due_working_days)
    if rule.requires_record_of_decision and decision_not_before and decision_not_before > due_on:
        return decision_not_before
    return due_on


def seat_specs(
    rules: Iterable[SeatRule],
    *,
    lead_organisation: Named,
    partners: Sequence[tuple[Named, str]],
    value: Decimal,
    key_decision: bool,
    today: dt.date,
    decision_not_before: dt.date | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[SeatSpec]:
    """The seats a gate policy's rules ask for at this value and key-decision status, for the lead organisation and
    its partners (organisation, partner kind), in rule order. Two rules for one role at one organisation make one
    seat: the larger panel, the later due date, a record of decision if either asks for one."""
    calendar = calendar or WorkingCalendar()
    ordered = sorted(partners, key=lambda pair: pair[0].name)
    parties = {
        SeatParty.LEAD: [lead_organisation],
        SeatParty.EACH_PARTNER: [organisation for organisation, _kind in ordered],
        SeatParty.EACH_POOLED_BUDGET_PARTNER: [
            organisation for organisation, kind in ordered if kind == PartnerKind.POOLED_BUDGET_CONTRIBUTOR
        ],
        SeatParty.EACH_CO_COMMISSIONER: [
            organisation for organisation, kind in ordered if kind == PartnerKind.CO_COMMISSIONER
        ],
    }
    merged: dict[tuple[str, int], dict] = {}
    for rule in sorted(rules, key=lambda r: (r.position, r.pk)):
        if not rule.applies(value=value, key_decision=key_decision):
            continue
        due_on = seat_due_on(rule, today=today, decision_not_before=decision_not_before, calendar=calendar)
        for organisation in parties[rule.party]:
            spec = merged.setdefault(
                (rule.role, organisation.pk),
                {"organisation": organisation, "required": 0, "due_on": due_on, "record": False},
            )
            spec["required"] = max(spec["required"], rule.required_approvals)
            spec["due_on"] = max(spec["due_on"], due_on)
            spec["record"] = spec["record"] or rule.requires_record_of_decision
    return [
        SeatSpec(
            role=role,
            organisation_id=organisation_id,
            label=seat_label(role, spec["organisation"].name, spec["required"]),
            due_on=spec["due_on"],
            required_approvals=spec["required"],
            requires_record_of_decision=spec["record"],
        )
        for (role, organisation_id), spec in merged.items()
    ]


# --------------------------------------------------------------------------------------------------------------
# Officer decisions (the Openness of Local Government Bodies Regulations 2014, reg 7)
# --------------------------------------------------------------------------------------------------------------

# Who takes a gate's decision when no executive member sits on it: the lead organisation's most senior commissioning
# seat (a manager from £100,000 under the default policies, an officer below).
DECIDING_OFFICER_ROLES = (Role.COMMISSIONING_MANAGER, Role.COMMISSIONING_OFFICER)


def officer_decision_applies(
    *, key_decision: bool, threshold: Decimal | None, total_contract_value: Decimal, seats: Sequence[SeatSpec]
) -> bool:
    """A gate is an officer decision that must be recorded and published (reg 7: a decision delegated to officers
    that awards a contract or incurs expenditure materially affecting the council's finances) when it is not a key
    decision, no executive member sits on it, and the strategy's total contract value reaches the lead
    organisation's officer-decision threshold (none set: no officer decision records)."""
    if key_decision or threshold is None or total_contract_value < threshold:
        return False
    return not any(seat.role == Role.EXECUTIVE_MEMBER for seat in seats)


def with_officer_decision_record(seats: Sequence[SeatSpec], *, lead_organisation_id: int) -> list[SeatSpec]:
    """The seats, the deciding officer's (the lead organisation's most senior commissioning seat) now asking for
    the decision record: date, decision, reasons, alternatives rejected, conflicts declared, dispensations."""
    deciding = [
        seat for seat in seats if seat.organisation_id == lead_organisation_id and seat.role in DECIDING_OFFICER_ROLES
    ]
    if not deciding:
        return list(seats)
    decider = min(deciding, key=lambda seat: DECIDING_OFFICER_ROLES.index(seat.role))
    return [replace(seat, requires_record_of_decision=True) if seat is decider else seat for seat in seats]


def decision_record_kind(role: str) -> str:
    """'executive' for a record taken by an executive member (the 2012 Regulations' record of decision), 'officer'
    for one taken by an officer under delegation (the 2014 Regulations' officer decision record)."""
    return "executive" if role == Role.EXECUTIVE_MEMBER else "officer"


# --------------------------------------------------------------------------------------------------------------
# Snapshots and names
# --------------------------------------------------------------------------------------------------------------


def evidence_snapshot(
    *,
    stage: str,
    code: str,
    title: str,
    required: bool,
    status: str,
    content: str,
    link: str,
    completed_by: str | None,
    completed_at: dt.datetime | None,
) -> dict:
    """One piece of evidence as a snapshot freezes it (`completed_by` is the person's name as it reads)."""
    return {
        "stage": stage,
        "code": code,
        "title": title,
        "required": required,
        "status": status,
        "content": content,
        "link": link,
        "completed_by": completed_by,
        "completed_at": completed_at.isoformat() if completed_at else None,
    }


def strategy_snapshot_content(
    *,
    reference: str,
    title: str,
    summary: str,
    service_area: str,
    lead_organisation: str,
    lead_officer: str,
    annual_value: Decimal,
    total_contract_value: Decimal,
    capital_value: Decimal,
    pooled_budget: bool,
    delivery_channel: str,
    recommendation: str,
    next_review_date: dt.date | None,
    partners: Sequence[tuple[Named, str]],
    evidence: Sequence[dict],
    stage: str,
    cycle: int,
) -> dict:
    """What a gate's sign-off agrees to, as plain JSON: the strategy's facts (organisations and people by name),
    its partners by name, and its evidence for the cycle (each from `evidence_snapshot`, oldest first)."""
    return {
        "strategy": {
            "reference": reference,
            "title": title,
            "summary": summary,
            "service_area": service_area,
            "lead_organisation": lead_organisation,
            "lead_officer": lead_officer,
            "annual_value": f"{annual_value:.2f}",
            "total_contract_value": f"{total_contract_value:.2f}",
            "capital_value": f"{capital_value:.2f}",
            "pooled_budget": pooled_budget,
            "delivery_channel": delivery_channel,
            "recommendation": recommendation,
            "next_review_date": next_review_date.isoformat() if next_review_date else None,
            "partners": [
                {"organisation": organisation.name, "organisation_id": organisation.pk, "kind": kind}
                for organisation, kind in sorted(partners, key=lambda pair: pair[0].name)
            ],
        },
        "stage": stage,
        "cycle": cycle,
        "evidence": list(evidence),
    }


def gate_title(stage_label: str, cycle: int, strategy_title: str) -> str:
    """'Plan gate, cycle 2: Adult carers support'."""
    return f"{stage_label} gate, cycle {cycle}: {strategy_title}"[:300]
