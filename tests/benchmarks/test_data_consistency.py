"""One source of truth: the benchmark data generator and the product's services agree on every rule they share.

Generated data, checked against the services: every frozen gate's snapshot is the strategy as it stands, its
key-decision flag is `services.is_key_decision`'s, and its seats are `services.seat_specs_for`'s. And the other way
round: strategies built and submitted through the services get the same seats, key-decision flag and snapshot hash
from the generator's own planning functions (`benchmarks.data.plan`). A rule copied into the generator and changed
in one place fails one or the other."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from benchmarks.cli import run
from benchmarks.data.plan import Org, Policies, StrategyPlan, evidence_item, snapshot
from benchmarks.world import complete_evidence, make_strategy, pass_gate
from commissioning import rules, services
from commissioning.models import PartnerKind, Stage, Strategy
from workflows.models import GATE_FROZEN_STATES, GateSnapshot
from workflows.services import content_hash

pytestmark = pytest.mark.django_db

SCALE = 0.02  # 100 strategies, 1,000 seats, 10,000 audit events
SEAT_FIELDS = ("role", "organisation_id", "label", "required_approvals", "requires_record_of_decision", "due_on")


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generate once for the module and roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        run(["data", "--scale", str(SCALE), "--seed", "11"], out=[].append)
        yield
        transaction.set_rollback(True)


def as_it_stood(strategy: Strategy, stage: str) -> Strategy:
    """The strategy in its current gate's stage. Only a closed strategy is elsewhere: decommissioning moved it on from
    Review and changed nothing else, so its Review gate is checked against it as it stood in Review (an unsaved copy
    of the row: its evidence and partners are read by its id)."""
    if strategy.stage == stage:
        return strategy
    assert strategy.stage == Stage.CLOSED and stage == Stage.REVIEW
    fields = {field.attname: getattr(strategy, field.attname) for field in Strategy._meta.concrete_fields}
    copy = Strategy(**fields | {"stage": stage})  # a protected state may be given to the constructor
    copy._state.adding, copy._state.db = False, strategy._state.db
    return copy


def seats_of(gate) -> list[tuple]:
    return sorted(gate.seats.filter(round=gate.round).values_list(*SEAT_FIELDS))


def specs_as_rows(specs) -> list[tuple]:
    return sorted(tuple(getattr(spec, name) for name in SEAT_FIELDS) for spec in specs)


def test_every_frozen_gate_of_generated_data_is_what_the_services_make_of_its_strategy(generated):
    strategies = Strategy.objects.filter(current_gate__state__in=GATE_FROZEN_STATES).select_related(
        "current_gate", "lead_organisation", "lead_officer"
    )
    checked = {"gates": 0, "key decisions": 0, "resubmitted": 0, "closed": 0, "past Analyse": 0}
    for strategy in strategies.order_by("pk"):
        gate = strategy.current_gate
        standing = as_it_stood(strategy, gate.stage)
        where = f"{strategy.reference} ({gate.stage} gate, {gate.state}, round {gate.round})"

        frozen = services.strategy_snapshot(standing)
        latest = GateSnapshot.objects.filter(gate=gate).order_by("-round").first()
        assert content_hash(frozen) == gate.snapshot_hash, f"{where}: the snapshot is not the strategy as it stands"
        assert latest.round == gate.round and latest.content_hash == gate.snapshot_hash, where
        assert latest.content == frozen, where

        assert services.is_key_decision(standing) == gate.key_decision, f"{where}: key decision"
        today = timezone.localdate(gate.submitted_at)
        expected = services.seat_specs_for(
            standing, key_decision=gate.key_decision, today=today, decision_not_before=gate.decision_not_before
        )
        assert seats_of(gate) == specs_as_rows(expected), f"{where}: seats"
        assert gate.title == rules.gate_title(Stage(gate.stage).label, gate.cycle, strategy.title), where

        checked["gates"] += 1
        checked["key decisions"] += gate.key_decision
        checked["resubmitted"] += gate.round > 1
        checked["closed"] += strategy.stage == Stage.CLOSED
        checked["past Analyse"] += gate.stage != Stage.ANALYSE
    assert all(checked.values()), f"the sample should hold every kind of frozen gate: {checked}"


# --------------------------------------------------------------------------------------------------------------
# The other way round: strategies built through the services, planned again by the generator
# --------------------------------------------------------------------------------------------------------------


def org_plan(organisation) -> Org:
    return Org(
        id=organisation.pk,
        region=0,
        kind=organisation.kind,
        code=organisation.code,
        name=organisation.name,
        revenue=organisation.key_decision_revenue_threshold,
        capital=organisation.key_decision_capital_threshold,
        call_in_days=organisation.call_in_working_days,
    )


def strategy_plan(strategy: Strategy) -> StrategyPlan:
    """The generator's plan of a strategy the services made (one year, so that its total is its annual value)."""
    assert strategy.annual_value == strategy.total_contract_value
    return StrategyPlan(
        id=strategy.pk,
        reference=strategy.reference,
        title=strategy.title,
        summary=strategy.summary,
        area=strategy.service_area,
        lead=org_plan(strategy.lead_organisation),
        officer=strategy.lead_officer_id,
        annual=strategy.annual_value,
        years=1,
        capital=strategy.capital_value,
        pooled=strategy.pooled_budget,
        partners=[(org_plan(link.organisation), link.kind) for link in strategy.partner_links.all()],
        stage=strategy.stage,
        cycle=strategy.cycle,
        gates=[],
    )


def generator_snapshot_hash(strategy: Strategy, plan: StrategyPlan) -> str:
    evidence = [
        evidence_item(
            stage=item.stage,
            code=item.template.code,
            title=item.title,
            required=item.required,
            status=item.status,
            content=item.content,
            completed_by=str(item.completed_by) if item.completed_by else None,
            completed_at=item.completed_at,
        )
        for item in strategy.evidence.filter(cycle=strategy.cycle).order_by("pk")
    ]
    _content, found = snapshot(
        plan,
        stage=strategy.stage,
        cycle=strategy.cycle,
        summary=strategy.summary,
        lead_officer=str(strategy.lead_officer),
        delivery_channel=strategy.delivery_channel,
        recommendation=strategy.recommendation,
        next_review_date=strategy.next_review_date,
        evidence=evidence,
    )
    return found


def submitted(world, strategy: Strategy, *, key: bool = False) -> Strategy:
    complete_evidence(strategy, world.officer)
    if key:
        decision_date = timezone.localdate() + dt.timedelta(days=40)
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=decision_date)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    return Strategy.objects.select_related("current_gate", "lead_organisation", "lead_officer").get(pk=strategy.pk)


def test_the_generator_plans_the_seats_flag_and_hash_the_services_gave_strategies_they_submitted(world):
    w = world
    consultee = services.PartnerSpec(w.district.pk, PartnerKind.CONSULTEE)
    co_commissioner = services.PartnerSpec(w.icb.pk, PartnerKind.CO_COMMISSIONER)
    pooled = [co_commissioner, services.PartnerSpec(w.district.pk, PartnerKind.POOLED_BUDGET_CONTRIBUTOR)]
    in_plan = make_strategy(w, reference="MCC-PLAN", value="150000", pooled=True)
    pass_gate(w, in_plan)
    services.strategy_advance(actor=w.officer, strategy_id=in_plan.pk)
    strategies = {
        "below every threshold": submitted(w, make_strategy(w, value="50000")),
        "a manager's value, a consultee": submitted(w, make_strategy(w, value="250000", partners=[consultee])),
        "a key decision by value, pooled": submitted(w, make_strategy(w, value="600000", pooled=True), key=True),
        "a key decision by capital": submitted(
            w, make_strategy(w, value="80000", capital="1200000", partners=[co_commissioner]), key=True
        ),
        "pooled, a review date": submitted(
            w, make_strategy(w, value="120000", partners=pooled, next_review_date=dt.date(2031, 3, 31))
        ),
        "in Plan, its delivery channel decided": submitted(w, in_plan),
    }
    policies = Policies()
    key_decisions = 0
    for what, strategy in strategies.items():
        gate = strategy.current_gate
        plan = strategy_plan(strategy)
        key = policies.is_key(strategy.stage, plan.lead, plan.total, plan.capital)
        assert key == gate.key_decision, what
        specs = policies.specs(
            strategy.stage,
            plan,
            key,
            today=timezone.localdate(gate.submitted_at),
            decision_not_before=gate.decision_not_before,
        )
        assert specs_as_rows(specs) == seats_of(gate), what
        assert generator_snapshot_hash(strategy, plan) == gate.snapshot_hash, what
        key_decisions += key
    assert key_decisions == 2
    assert strategies["in Plan, its delivery channel decided"].delivery_channel
    assert {row[0] for row in seats_of(strategies["a key decision by value, pooled"].current_gate)} >= {
        "executive_member",
        "partner_signatory",
    }
    assert Decimal(strategies["a key decision by capital"].capital_value) >= w.county.key_decision_capital_threshold
