"""Deciding seats: who may, what each outcome does, conditions as actions, finality, and deputies."""

import datetime as dt

import pytest
from django.utils import timezone

from commissioning import services
from tests.factories import DelegationFactory, complete_evidence, make_strategy, person
from workflows.exceptions import AlreadyDecided, InvalidInput, NotYourSeat, TransitionNotAllowed
from workflows.models import Action, Decision, GateState, SeatState
from workflows.services import ConditionSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate(world):
    strategy = make_strategy(world, pooled=True)
    complete_evidence(strategy, world.officer)
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def seat(gate, role, organisation=None):
    seats = gate.current_seats().filter(role=role)
    return seats.get(organisation=organisation) if organisation else seats.get()


def test_approve_with_conditions_turns_each_condition_into_an_action(world, gate):
    due = timezone.localdate() + dt.timedelta(days=30)
    decision = services.seat_decide(
        actor=world.finance,
        seat_id=seat(gate, "finance").pk,
        outcome="approve_with_conditions",
        conditions=[
            ConditionSpec("Confirm the ICB's contribution in writing", world.officer.pk, due),
            ConditionSpec("Add an inflation line to the budget", world.manager.pk, due),
        ],
    )
    actions = Action.objects.filter(decision=decision).order_by("pk")
    assert [(a.description, a.owner, a.due_on, a.state) for a in actions] == [
        ("Confirm the ICB's contribution in writing", world.officer, due, "open"),
        ("Add an inflation line to the budget", world.manager, due, "open"),
    ]
    assert seat(gate, "finance").state == SeatState.APPROVED


def test_conditions_are_validated(world, gate):
    with pytest.raises(InvalidInput) as bad:
        services.seat_decide(
            actor=world.finance,
            seat_id=seat(gate, "finance").pk,
            outcome="approve_with_conditions",
            conditions=[ConditionSpec("", None, timezone.localdate() - dt.timedelta(days=1))],
        )
    assert set(bad.value.errors) == {"conditions[1].description", "conditions[1].owner", "conditions[1].due_on"}
    with pytest.raises(InvalidInput) as none:
        services.seat_decide(actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="approve_with_conditions")
    assert "conditions" in none.value.errors
    assert not Decision.objects.exists()


def test_a_rejection_needs_reasons_and_rejects_the_gate(world, gate):
    with pytest.raises(InvalidInput) as bad:
        services.seat_decide(actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="reject")
    assert "reasons" in bad.value.errors
    with pytest.raises(InvalidInput):
        services.seat_decide(actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="maybe")
    services.seat_decide(
        actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="reject", reasons="Budget does not balance"
    )
    gate.refresh_from_db()
    assert gate.state == GateState.REJECTED
    states = dict(gate.current_seats().values_list("role", "state").order_by("pk"))
    assert states["finance"] == SeatState.REJECTED
    assert set(states.values()) == {SeatState.REJECTED, SeatState.CANCELLED}


def test_every_seat_approved_passes_an_ordinary_gate(world, gate):
    services.seat_decide(actor=world.officer2, seat_id=seat(gate, "commissioning_officer").pk, outcome="approve")
    services.seat_decide(actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="approve")
    services.seat_decide(
        actor=world.icb_signatory, seat_id=seat(gate, "partner_signatory", world.icb).pk, outcome="approve"
    )
    gate.refresh_from_db()
    assert gate.state == GateState.SUBMITTED
    services.seat_decide(
        actor=world.district_signatory, seat_id=seat(gate, "partner_signatory", world.district).pk, outcome="approve"
    )
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED


def test_only_a_holder_of_the_seats_role_at_its_organisation_may_decide(world, gate):
    icb_seat = seat(gate, "partner_signatory", world.icb)
    for stranger in (world.district_signatory, world.finance, world.outsider):
        with pytest.raises(NotYourSeat) as refused:
            services.seat_decide(actor=stranger, seat_id=icb_seat.pk, outcome="approve")
        assert "Partner signatory, Midshire Integrated Care Board" in refused.value.message


def test_the_person_who_submitted_cannot_sign_off(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    with pytest.raises(NotYourSeat) as refused:
        services.seat_decide(actor=world.officer, seat_id=seat(gate, "commissioning_officer").pk, outcome="approve")
    assert "You submitted this gate" in refused.value.message


def test_a_decision_is_final(world, gate):
    finance_seat = seat(gate, "finance")
    services.seat_decide(actor=world.finance, seat_id=finance_seat.pk, outcome="approve")
    with pytest.raises(AlreadyDecided):
        services.seat_decide(actor=world.finance, seat_id=finance_seat.pk, outcome="reject", reasons="Changed my mind")
    decision = Decision.objects.get(seat=finance_seat)
    decision.outcome = "reject"
    with pytest.raises(TypeError):
        decision.save()
    with pytest.raises(TypeError):
        decision.delete()


def test_no_decision_once_the_gate_is_withdrawn(world, gate):
    services.gate_withdraw(actor=world.officer, strategy_id=gate.subject_id, reason="Rethink")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.seat_decide(actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="approve")
    assert "not waiting for sign-off" in refused.value.message


def test_a_deputy_decides_on_behalf_of_the_principal(world, gate):
    deputy = person("deputy", world.county)  # holds no role of their own
    with pytest.raises(NotYourSeat):
        services.seat_decide(actor=deputy, seat_id=seat(gate, "finance").pk, outcome="approve")
    services.delegation_create(
        actor=world.finance,
        principal=world.finance,
        deputy=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=7),
        reason="Annual leave",
    )
    decision = services.seat_decide(actor=deputy, seat_id=seat(gate, "finance").pk, outcome="approve")
    assert decision.actor == deputy
    assert decision.on_behalf_of == world.finance
    assert decision.principal == world.finance


def test_an_expired_or_revoked_delegation_gives_no_authority(world, gate):
    deputy = person("deputy", world.county)
    today = timezone.localdate()
    DelegationFactory(
        principal=world.finance, deputy=deputy, starts_on=today - dt.timedelta(10), ends_on=today - dt.timedelta(1)
    )
    DelegationFactory(
        principal=world.finance, deputy=deputy, starts_on=today + dt.timedelta(1), ends_on=today + dt.timedelta(5)
    )
    DelegationFactory(principal=world.finance, deputy=deputy, revoked_at=timezone.now())
    with pytest.raises(NotYourSeat):
        services.seat_decide(actor=deputy, seat_id=seat(gate, "finance").pk, outcome="approve")


def test_delegations_are_validated(world):
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as bad:
        services.delegation_create(
            actor=world.finance,
            principal=world.finance,
            deputy=world.finance,
            starts_on=today,
            ends_on=today - dt.timedelta(1),
        )
    assert set(bad.value.errors) == {"deputy", "ends_on"}


def test_a_principal_and_their_deputy_count_once_on_a_panel(world):
    from commissioning.models import GatePolicy, SeatRule

    SeatRule.objects.create(
        policy=GatePolicy.objects.get(stage="analyse"), role="finance", party="lead", required_approvals=2
    )
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    deputy = person("deputy", world.county)
    DelegationFactory(principal=world.finance, deputy=deputy)
    services.seat_decide(actor=world.finance, seat_id=seat(gate, "finance").pk, outcome="approve")
    with pytest.raises(AlreadyDecided):
        services.seat_decide(actor=deputy, seat_id=seat(gate, "finance").pk, outcome="approve")


def test_the_submitter_cannot_sign_off_as_someone_elses_deputy(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    DelegationFactory(principal=world.finance, deputy=world.officer)
    with pytest.raises(NotYourSeat) as refused:
        services.seat_decide(actor=world.officer, seat_id=seat(gate, "finance").pk, outcome="approve")
    assert "deputising does not change that" in refused.value.message
    assert not Decision.objects.filter(gate=gate).exists()


def test_a_condition_owner_must_be_a_real_active_person(world, gate):
    world.manager.is_active = False
    world.manager.save()
    due = timezone.localdate()
    for owner_id in (world.manager.pk, 999999):
        with pytest.raises(InvalidInput) as bad:
            services.seat_decide(
                actor=world.finance,
                seat_id=seat(gate, "finance").pk,
                outcome="approve_with_conditions",
                conditions=[ConditionSpec("Do it", owner_id, due)],
            )
        assert "active account" in bad.value.errors["conditions[1].owner"]
