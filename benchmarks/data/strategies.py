"""Planning the strategies: lead, values and partners, the stages and gates each has reached, a backlog in the
benchmark member's queue, and exactly the target number of seats."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

from commissioning.models import CYCLE_STAGES, PartnerKind, Role, Stage, Strategy
from workflows.models import GateState

from .plan import GatePlan, Org, StrategyPlan, pick
from .targets import BenchDataError
from .vocabulary import (
    AREA_CODES,
    COUNTY_AREAS,
    CYCLE_WEIGHTS,
    DISTRICT_AREAS,
    DO_GATE_STATE_WEIGHTS,
    GATE_STATE_WEIGHTS,
    HEALTH_AREAS,
    LEAD_KINDS,
    RESUBMITTED_SHARE,
    STAGE_WEIGHTS,
    TITLES,
    A,
    K,
)


class StrategyPlanner:
    """The `Generator`'s strategies and their gates (a mixin: the state lives in `Generator.__init__`)."""

    def plan_strategies(self) -> None:
        rng = self.rng
        leads = [org for org in self.orgs if org.kind in LEAD_KINDS]
        weights = [16 if org is self.council else 8 if org.kind == K.COUNTY_COUNCIL else 1 for org in leads]
        sequence: Counter = Counter()
        for _ in range(self.t.strategies):
            lead = rng.choices(leads, weights=weights)[0]
            area = pick(rng, COUNTY_AREAS if lead.kind == K.COUNTY_COUNCIL else DISTRICT_AREAS)
            sequence[(lead.code, area)] += 1
            reference = f"{lead.code}-{AREA_CODES[area]}-{sequence[(lead.code, area)]:04d}"
            title = rng.choice(TITLES[area])
            high = 6_000_000 if lead.kind == K.COUNTY_COUNCIL else 1_500_000
            annual = Decimal(round(math.exp(rng.uniform(math.log(12_000), math.log(high))) / 500) * 500)
            years = rng.choice([1, 2, 3, 3, 3, 4, 5, 5, 7])
            capital = Decimal(0)
            if rng.random() < (0.4 if area in (A.HIGHWAYS, A.ENVIRONMENT, A.HOUSING) else 0.05):
                capital = Decimal(round(math.exp(rng.uniform(math.log(200_000), math.log(8_000_000))) / 1000) * 1000)
            partners, pooled = self.choose_partners(lead, area)
            officers = lead.holders[Role.COMMISSIONING_OFFICER]
            officer_weights = [3 if lead is self.council and n == 0 else 1 for n in range(len(officers))]
            officer = rng.choices(officers, weights=officer_weights)[0]
            stage = pick(rng, STAGE_WEIGHTS)
            cycle = pick(rng, CYCLE_WEIGHTS)
            region_name = lead.name.replace(" County Council", "").replace(" District Council", "")
            summary = f"{title} across {region_name}, commissioned by {lead.name}" + (
                f" with {partners[0][0].name}." if partners else "."
            )
            plan = StrategyPlan(
                id=self.ids.next(Strategy),
                reference=reference,
                title=title,
                summary=summary,
                area=area,
                lead=lead,
                officer=officer,
                annual=annual,
                years=years,
                capital=capital,
                pooled=pooled,
                partners=partners,
                stage=stage,
                cycle=cycle,
                gates=[],
            )
            self.plan_gates(plan)
            self.plans.append(plan)

    def choose_partners(self, lead: Org, area: str) -> tuple[list[tuple[Org, str]], bool]:
        rng = self.rng
        region = self.regions[lead.region]
        icb = (region[K.ICB] or [None])[0]
        county = (region[K.COUNTY_COUNCIL] or [None])[0]
        trusts = region[K.NHS_TRUST]
        districts = [org for org in region[K.DISTRICT_COUNCIL] if org is not lead]
        others = region[K.VOLUNTARY_SECTOR] + region[K.PROVIDER] + region[K.PUBLIC_HEALTH]
        health = area in HEALTH_AREAS
        chosen: dict[int, tuple[Org, str]] = {}

        def add(org: Org | None, kind: str) -> None:
            if org is not None and org is not lead and org.id not in chosen:
                chosen[org.id] = (org, kind)

        pooled = rng.random() < (0.35 if health else 0.12)
        if pooled:
            if health and icb and rng.random() < 0.85:
                add(icb, PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
            elif districts or trusts:
                add(rng.choice(districts or trusts), PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
            if (trusts or districts) and rng.random() < 0.3:
                add(rng.choice(trusts + districts), PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
            pooled = any(kind == PartnerKind.POOLED_BUDGET_CONTRIBUTOR for _org, kind in chosen.values())
        roll = rng.random()
        if health and roll < 0.45:
            add(icb, PartnerKind.CO_COMMISSIONER)
        elif roll < (0.75 if health else 0.15):
            add(icb, PartnerKind.CONSULTEE)
        if lead.kind == K.COUNTY_COUNCIL and districts and rng.random() < 0.2:
            add(rng.choice(districts), PartnerKind.CO_COMMISSIONER)
        if lead.kind == K.DISTRICT_COUNCIL and rng.random() < 0.3:
            add(county, PartnerKind.CO_COMMISSIONER)
        if health and trusts and rng.random() < 0.25:
            add(rng.choice(trusts), PartnerKind.CONSULTEE)
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            if others:
                add(rng.choice(others), PartnerKind.CONSULTEE)
        return list(chosen.values()), pooled

    def plan_gates(self, plan: StrategyPlan) -> None:
        """The gates the strategy has reached: every earlier one passed, the current one in some state."""
        rng = self.rng
        reached = []
        for cycle in range(1, plan.cycle + 1):
            for stage in CYCLE_STAGES:
                reached.append((cycle, stage))
                if cycle == plan.cycle and stage == plan.stage:
                    break
        gates = [GatePlan(cycle, stage, False, []) for cycle, stage in reached]
        current = gates[-1]
        if plan.stage != Stage.CLOSED:
            current.state = pick(rng, DO_GATE_STATE_WEIGHTS if plan.stage == Stage.DO else GATE_STATE_WEIGHTS)
        plan.gates = gates
        self.refresh_specs(plan)
        if not current.key and current.state in (GateState.CALL_IN, GateState.CALLED_IN):
            current.state = GateState.SUBMITTED  # only a key decision has a call-in window
        for gate in gates:
            if gate.state != GateState.OPEN and rng.random() < RESUBMITTED_SHARE:
                gate.extra_rounds.append(len(gate.specs))

    def refresh_specs(self, plan: StrategyPlan) -> None:
        """Each gate's key-decision status and seats at the strategy's values (the due dates, set again when each
        round is built, are today's here: planning needs only how many seats, and whose)."""
        for gate in plan.gates:
            gate.key = self.policies.is_key(gate.stage, plan.lead, plan.total, plan.capital)
            gate.specs = self.policies.specs(gate.stage, plan, gate.key, today=self.today)
            gate.extra_rounds = [min(size, len(gate.specs)) for size in gate.extra_rounds]

    def ensure_member_queue(self) -> None:
        """Put strategies of the benchmark council forward to its executive members until `bench-member` has
        at least `targets.member_queue` seats waiting (a backlog the sign-off queue must cope with)."""
        rng = self.rng

        def waiting(plan: StrategyPlan) -> bool:
            gate = plan.current
            return gate.state == GateState.SUBMITTED and any(s.role == Role.EXECUTIVE_MEMBER for s in gate.specs)

        ours = [p for p in self.plans if p.lead is self.council and p.stage != Stage.CLOSED]
        count = sum(1 for p in ours if waiting(p))
        candidates = [p for p in ours if not waiting(p) and p.current.state in (GateState.SUBMITTED, GateState.OPEN)]
        rng.shuffle(candidates)
        candidates.sort(key=lambda p: p.current.state != GateState.SUBMITTED)  # already submitted ones first
        for plan in candidates:
            if count >= self.t.member_queue:
                break
            if plan.total < Decimal(500_000):
                plan.annual = Decimal(math.ceil(Decimal(600_000) / plan.years / 500) * 500)
            plan.current.state = GateState.SUBMITTED
            self.refresh_specs(plan)
            if waiting(plan):
                count += 1
        if count < self.t.member_queue:
            self.log(f"  note: only {count} seats could be put in the member's queue (wanted {self.t.member_queue})")

    def balance_seats(self) -> None:
        """Make the seat count exact: import strategies (drop their earlier gates) while there are too many, then
        give gates earlier, rejected rounds until there are enough."""
        rng = self.rng
        target = self.t.seats
        total = sum(p.seat_count() for p in self.plans)
        with_history = [p for p in self.plans if len(p.gates) > 1]
        rng.shuffle(with_history)
        while (total > target or target - total == 1) and with_history:
            plan = with_history.pop()
            before = plan.seat_count()
            plan.gates = [plan.current]
            plan.imported = True
            total += plan.seat_count() - before
            self.imported += 1
        if total > target:
            raise BenchDataError(
                f"{self.t.strategies:,} strategies need at least {total:,} seats in their current gates; "
                f"{target:,} is too few."
            )
        eligible = [g for p in self.plans for g in p.gates if g.state != GateState.OPEN and len(g.specs) >= 2]
        if total < target and not eligible:
            raise BenchDataError("No gate has been submitted, so no seats can be added.")
        attempts = 0
        while total < target:
            attempts += 1
            if attempts > 10 * target + 1000:
                raise BenchDataError(f"Could not make exactly {target:,} seats (stuck at {total:,}).")
            missing = target - total
            if missing == 1:  # an earlier round that had one seat fewer than the gate has now gets it back
                grown = next(
                    (g for g in eligible if any(size < len(g.specs) for size in g.extra_rounds)),
                    None,
                )
                if grown is None:
                    raise BenchDataError(f"Could not make exactly {target:,} seats (one short).")
                at = next(i for i, size in enumerate(grown.extra_rounds) if size < len(grown.specs))
                grown.extra_rounds[at] += 1
                total += 1
                continue
            gate = rng.choice(eligible)
            n = len(gate.specs)
            size = missing if missing <= n else (n if missing - n != 1 else n - 1)
            if size < 2:
                continue
            gate.extra_rounds.append(size)
            total += size
