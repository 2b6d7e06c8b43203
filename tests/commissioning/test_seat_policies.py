"""Seats come from the gate policy: by value thresholds, by partner kind, and for key decisions."""

from decimal import Decimal

import pytest

from commissioning import services
from commissioning.models import GatePolicy, PartnerKind, SeatRule
from tests.factories import complete_evidence, make_strategy

pytestmark = pytest.mark.django_db


def seats_for(world, value, *, stage="analyse", **kwargs):
    strategy = make_strategy(world, value=value, **kwargs)
    if stage != "analyse":
        type(strategy).objects.filter(pk=strategy.pk).update(stage=stage)
        strategy.refresh_from_db()
    specs = services.seat_specs_for(
        strategy, key_decision=services.is_key_decision(strategy), today=strategy.created_at.date()
    )
    return {(spec.role, spec.organisation_id): spec for spec in specs}


def roles(seats):
    return {role for role, _ in seats}


@pytest.mark.parametrize(
    ("value", "officer", "manager"),
    [("99999.99", True, False), ("100000", False, True), ("100000.01", False, True)],
)
def test_officer_signs_below_100k_and_a_manager_from_100k(world, value, officer, manager):
    found = roles(seats_for(world, value))
    assert ("commissioning_officer" in found) is officer
    assert ("commissioning_manager" in found) is manager


@pytest.mark.parametrize(("value", "member"), [("499999.99", False), ("500000", True)])
def test_the_executive_member_signs_from_500k(world, value, member):
    world.county.key_decision_revenue_threshold = None
    world.county.key_decision_capital_threshold = None
    world.county.save()
    seats = seats_for(world, value)
    assert ("executive_member" in roles(seats)) is member
    if member:
        assert seats[("executive_member", world.county.pk)].requires_record_of_decision


@pytest.mark.parametrize(("value", "key"), [("249999.99", False), ("250000", True)])
def test_a_key_decision_threshold_brings_in_the_executive_member(world, value, key):
    world.county.key_decision_revenue_threshold = Decimal("250000")
    world.county.save()
    strategy = make_strategy(world, value=value)
    assert services.is_key_decision(strategy) is key
    seats = seats_for(world, value)
    assert ("executive_member" in roles(seats)) is key


def test_a_capital_threshold_also_makes_a_key_decision(world):
    strategy = make_strategy(world, value="1000", capital="1000000")
    assert services.is_key_decision(strategy)
    assert not services.is_key_decision(make_strategy(world, value="1000", capital="999999.99"))


def test_a_stage_whose_policy_excludes_key_decisions_is_never_one(world):
    GatePolicy.objects.filter(stage="analyse").update(key_decisions_apply=False)
    assert not services.is_key_decision(make_strategy(world, value="900000"))


@pytest.mark.parametrize(("value", "legal"), [("99999", False), ("100000", True)])
def test_legal_and_procurement_sign_plan_and_do_from_100k(world, value, legal):
    found = roles(seats_for(world, value, stage="plan"))
    assert ("legal" in found) is legal
    assert ("procurement" in found) is legal
    assert "legal" not in roles(seats_for(world, value, stage="analyse"))


def test_each_pooled_budget_contributor_and_co_commissioner_gets_a_seat(world):
    seats = seats_for(world, "50000", pooled=True)
    assert ("partner_signatory", world.district.pk) in seats  # pooled-budget contributor
    assert ("partner_signatory", world.icb.pk) in seats  # co-commissioner, at Analyse
    plan = seats_for(world, "50000", stage="plan", pooled=True)
    assert ("partner_signatory", world.district.pk) in plan
    assert ("partner_signatory", world.icb.pk) not in plan  # co-commissioners sign Analyse and Review only


def test_a_consultee_gets_no_seat(world):
    seats = seats_for(world, "50000", partners=[services.PartnerSpec(world.icb.pk, PartnerKind.CONSULTEE)])
    assert ("partner_signatory", world.icb.pk) not in seats


def test_a_panel_rule_needs_n_holders_and_duplicates_merge(world):
    policy = GatePolicy.objects.get(stage="analyse")
    SeatRule.objects.create(policy=policy, role="finance", party="lead", required_approvals=2, due_working_days=20)
    seats = seats_for(world, "50000")
    finance = seats[("finance", world.county.pk)]
    assert finance.required_approvals == 2
    assert finance.label == "2 finance officers, Midshire County Council"


def test_a_panel_seat_is_approved_only_after_n_different_holders_approve(world):
    from tests.factories import person

    second_finance = person("finance2", world.county, "finance")
    policy = GatePolicy.objects.get(stage="analyse")
    SeatRule.objects.create(policy=policy, role="finance", party="lead", required_approvals=2)
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    seat = gate.current_seats().get(role="finance")
    services.seat_decide(actor=world.finance, seat_id=seat.pk, outcome="approve")
    seat.refresh_from_db()
    assert seat.state == "pending"
    services.seat_decide(actor=second_finance, seat_id=seat.pk, outcome="approve")
    seat.refresh_from_db()
    assert seat.state == "approved"


def test_due_dates_are_in_working_days(world):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 12, 18, 10, 0), tick=False):  # a Friday before Christmas
        strategy = make_strategy(world)
        complete_evidence(strategy, world.officer)
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    # 10 working days from Fri 18 Dec 2026: 21,22,23,24,29,30,31 Dec, 4,5,6 Jan.
    assert gate.current_seats().get(role="finance").due_on == dt.date(2027, 1, 6)
