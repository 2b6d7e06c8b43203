"""The generator's plan of the world, in memory: organisations, strategies and their gates, and the product's rules
applied to them.

The rules are the product's own (`commissioning.rules`), called with the plan's plain values, never restated here:
whether a gate is a key decision (`key_decision_applies`), which seats a gate policy asks for and when they are due
(`seat_specs`, `seat_due_on`, `seat_label`), what a snapshot freezes (`evidence_snapshot`,
`strategy_snapshot_content`) and its hash (`workflows.services.content_hash`); the gate's title (`gate_title`) and
the key decision's dates are the product's too (see `gates.py`). `tests/benchmarks/test_data_consistency.py` builds
strategies both through the services and through these functions and compares what they give.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from commissioning import rules
from commissioning.models import GatePolicy, SeatParty
from workflows.calendar import WorkingCalendar
from workflows.models import GateState
from workflows.services import SeatSpec, content_hash

from .targets import BenchDataError


def days(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(n * 86400))


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(slots=True, eq=False)
class Org:
    """An organisation as planned. `pk` and `name` are what the rules need of one (`rules.Named`)."""

    id: int
    region: int
    kind: str
    code: str
    name: str
    revenue: Decimal | None = None
    capital: Decimal | None = None
    call_in_days: int = 5
    holders: dict[str, list[int]] = field(default_factory=dict)

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True, eq=False)
class GatePlan:
    cycle: int
    stage: str
    key: bool
    specs: list[SeatSpec]  # the seats of its final round (due dates are set again for each submission)
    state: str = GateState.PASSED
    extra_rounds: list[int] = field(default_factory=list)  # seats of each earlier, rejected round

    def seat_count(self) -> int:
        return 0 if self.state == GateState.OPEN else len(self.specs) + sum(self.extra_rounds)


@dataclass(slots=True, eq=False)
class StrategyPlan:
    id: int
    reference: str
    title: str
    summary: str
    area: str
    lead: Org
    officer: int
    annual: Decimal
    years: int
    capital: Decimal
    pooled: bool
    partners: list[tuple[Org, str]]
    stage: str  # the current stage; CLOSED after decommissioning
    cycle: int
    gates: list[GatePlan]
    imported: bool = False

    @property
    def total(self) -> Decimal:
        return self.annual * self.years

    @property
    def current(self) -> GatePlan:
        return self.gates[-1]

    def seat_count(self) -> int:
        return sum(g.seat_count() for g in self.gates)


@dataclass(slots=True)
class GateTimes:
    entered: dt.datetime
    submits: list[dt.datetime]  # one per round, oldest first
    anchor: dt.datetime | None  # when the last round ended: passed, approved, rejected or withdrawn
    advance: dt.datetime | None  # when the strategy moved on from this stage


@dataclass(slots=True)
class Standing:
    """The facts of a strategy that change over its life, as they stand while a gate is being built: what its
    snapshot freezes, and (after the last gate) what the strategy's row holds."""

    delivery_channel: str = ""
    recommendation: str = ""
    next_review_date: dt.date | None = None


class RememberingCalendar(WorkingCalendar):
    """The product's working-day calendar, remembering its answers: the generator asks the same few thousand
    questions hundreds of thousands of times."""

    def __init__(self) -> None:
        super().__init__()
        self._added: dict[tuple[dt.date, int], dt.date] = {}

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        key = (start, days)
        if key not in self._added:
            self._added[key] = super().add_working_days(start, days)
        return self._added[key]


class Policies:
    """The gate policies in the database (as an administrator left them), applied to planned strategies through
    the product's rules: the same rules, on the same values, as `services.is_key_decision` and
    `services.seat_specs_for` apply to rows."""

    def __init__(self, calendar: WorkingCalendar | None = None) -> None:
        self.calendar = calendar or RememberingCalendar()
        self.by_stage: dict[str, tuple[bool, list]] = {}
        for policy in GatePolicy.objects.prefetch_related("rules").order_by("pk"):
            self.by_stage.setdefault(policy.stage, (policy.key_decisions_apply, list(policy.rules.all())))
        if not self.by_stage:
            raise BenchDataError("No gate policies in the database: run `manage.py migrate` first (it loads them).")

    def roles_by_party(self) -> tuple[set[str], set[str]]:
        lead, partner = set(), set()
        for _apply, seat_rules in self.by_stage.values():
            for rule in seat_rules:
                (lead if rule.party == SeatParty.LEAD else partner).add(rule.role)
        return lead, partner

    def is_key(self, stage: str, lead: Org, total: Decimal, capital: Decimal) -> bool:
        applies, _rules = self.by_stage.get(stage, (False, []))
        return rules.key_decision_applies(
            policy_applies=applies,
            revenue_threshold=lead.revenue,
            capital_threshold=lead.capital,
            total_contract_value=total,
            capital_value=capital,
        )

    def specs(
        self,
        stage: str,
        plan: StrategyPlan,
        key: bool,
        *,
        today: dt.date,
        decision_not_before: dt.date | None = None,
    ) -> list[SeatSpec]:
        """The seats of a submission of this stage's gate on `today`, in the order the product makes them."""
        _applies, seat_rules = self.by_stage.get(stage, (False, []))
        return rules.seat_specs(
            seat_rules,
            lead_organisation=plan.lead,
            partners=plan.partners,
            value=plan.total,
            key_decision=key,
            today=today,
            decision_not_before=decision_not_before,
            calendar=self.calendar,
        )


def evidence_item(
    *,
    stage: str,
    code: str,
    title: str,
    required: bool,
    status: str,
    content: str,
    completed_by: str | None,
    completed_at: dt.datetime | None,
) -> dict:
    """One piece of evidence as a snapshot freezes it (the generator's evidence has no links)."""
    return rules.evidence_snapshot(
        stage=stage,
        code=code,
        title=title,
        required=required,
        status=status,
        content=content,
        link="",
        completed_by=completed_by,
        completed_at=completed_at,
    )


def snapshot(
    plan: StrategyPlan,
    *,
    stage: str,
    cycle: int,
    summary: str,
    lead_officer: str,
    delivery_channel: str,
    recommendation: str,
    next_review_date: dt.date | None,
    evidence: list[dict],
) -> tuple[dict, str]:
    """What a submission of the strategy's gate freezes, as `services.strategy_snapshot` makes it, and its hash.
    The facts that change over a strategy's life are given as they stood when it was submitted."""
    content = rules.strategy_snapshot_content(
        reference=plan.reference,
        title=plan.title,
        summary=summary,
        service_area=plan.area,
        lead_organisation=plan.lead.name,
        lead_officer=lead_officer,
        annual_value=plan.annual,
        total_contract_value=plan.total,
        capital_value=plan.capital,
        pooled_budget=plan.pooled,
        delivery_channel=delivery_channel,
        recommendation=recommendation,
        next_review_date=next_review_date,
        partners=plan.partners,
        evidence=evidence,
        stage=stage,
        cycle=cycle,
    )
    return content, content_hash(content)
