"""Key decisions: 28 clear days on the forward plan, a record of decision, and a call-in window."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from commissioning import services
from tests.factories import complete_evidence, make_strategy
from workflows.exceptions import GateNotReady, InvalidInput, NotPermitted, TransitionNotAllowed
from workflows.models import GateState, SeatState
from workflows.services import RecordSpec

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 2, 9, 0)
RECORD = RecordSpec(
    decision_text="Approve the commissioning strategy for adult carers support.",
    reasons="Meets the needs assessment within budget.",
    alternatives_considered="Do nothing (rejected: unmet need); in-house only (rejected: cost).",
    conflicts_of_interest="None declared.",
    dispensations="",
)


def at(moment):
    return time_machine.travel(timezone.make_aware(moment), tick=False)


def key_strategy(world):
    strategy = make_strategy(world, value="600000")
    complete_evidence(strategy, world.officer)
    return strategy


def approve_officer_seats(world, gate):
    signer = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().filter(state=SeatState.PENDING).exclude(role="executive_member"):
        services.seat_decide(actor=signer[seat.role], seat_id=seat.pk, outcome="approve")


def test_a_key_decision_cannot_be_submitted_without_a_forward_plan_notice(world):
    strategy = key_strategy(world)
    with pytest.raises(GateNotReady) as refused:
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert "forward-plan notice" in refused.value.missing[0]
    assert "urgency exemption" in refused.value.missing[0]


def test_the_notice_must_give_28_clear_days(world):
    strategy = key_strategy(world)
    with at(MONDAY):
        with pytest.raises(InvalidInput) as bad:
            services.forward_plan_publish(
                actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 11, 30)
            )
        assert "1 December 2026 at the earliest" in bad.value.errors["decision_date"]
        gate = services.forward_plan_publish(
            actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 1)
        )
    assert gate.notice_published_on == dt.date(2026, 11, 2)
    assert gate.decision_not_before == dt.date(2026, 12, 1)


def test_a_notice_is_refused_for_a_gate_that_is_not_a_key_decision(world):
    strategy = make_strategy(world, value="50000")
    with pytest.raises(InvalidInput):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2030, 1, 1))


def test_the_member_cannot_decide_before_the_earliest_date_and_must_record_the_decision(world):
    strategy = key_strategy(world)
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 3))
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert gate.key_decision
    seat = gate.current_seats().get(role="executive_member")
    assert seat.requires_record_of_decision
    assert seat.due_on >= dt.date(2026, 12, 1)
    with at(dt.datetime(2026, 11, 30, 12, 0)), pytest.raises(TransitionNotAllowed) as early:
        services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RECORD)
    assert "before 1 December 2026" in early.value.message
    with at(dt.datetime(2026, 12, 1, 10, 0)):
        with pytest.raises(InvalidInput) as missing:
            services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve")
        assert set(missing.value.errors) == {
            "record.decision_text",
            "record.reasons",
            "record.alternatives_considered",
            "record.conflicts_of_interest",
        }
        decision = services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RECORD)
    assert decision.record.alternatives_considered.startswith("Do nothing")


def test_an_approved_key_decision_waits_out_a_five_working_day_call_in_window_then_passes(world):
    strategy = key_strategy(world)
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 1))
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
        approve_officer_seats(world, gate)
    with at(dt.datetime(2026, 12, 18, 15, 0)):  # Friday before Christmas
        seat = gate.current_seats().get(role="executive_member")
        services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RECORD)
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    # 5 working days after Fri 18 Dec 2026: 21, 22, 23, 24, 29 Dec; the window closes at the end of the 29th.
    assert timezone.localtime(gate.call_in_ends_at) == timezone.make_aware(dt.datetime(2026, 12, 30, 0, 0))
    with at(dt.datetime(2026, 12, 29, 23, 0)):
        assert services.call_in_window_close(strategy_id=strategy.pk) is False
    with at(dt.datetime(2026, 12, 30, 0, 5)):
        assert services.call_in_window_close(strategy_id=strategy.pk) is True
        assert services.call_in_window_close(strategy_id=strategy.pk) is False  # idempotent
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED
    assert gate.passed_at is not None


def test_scrutiny_can_call_in_during_the_window_and_the_chair_refers_it_back(world):
    strategy = key_strategy(world)
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 1))
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
        approve_officer_seats(world, gate)
    with at(dt.datetime(2026, 12, 2, 10, 0)):
        seat = gate.current_seats().get(role="executive_member")
        services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RECORD)
        with pytest.raises(NotPermitted):
            services.decision_call_in(actor=world.finance, strategy_id=strategy.pk, reason="I disagree")
        with pytest.raises(InvalidInput):
            services.decision_call_in(actor=world.scrutiny, strategy_id=strategy.pk, reason="")
        services.decision_call_in(actor=world.scrutiny, strategy_id=strategy.pk, reason="Consultation was too short")
        gate.refresh_from_db()
        assert gate.state == GateState.CALLED_IN
        assert gate.called_in_by == world.scrutiny
        with pytest.raises(NotPermitted):
            services.decision_refer_back(actor=world.scrutiny, strategy_id=strategy.pk, reason="Reconsider")
        services.decision_refer_back(actor=world.chair, strategy_id=strategy.pk, reason="Extend the consultation")
    gate.refresh_from_db()
    assert gate.state == GateState.SUBMITTED
    old, new = gate.seats.filter(role="executive_member").order_by("pk")
    assert old.state == SeatState.SUPERSEDED
    assert new.state == SeatState.PENDING
    assert gate.current_seats().filter(role="finance", state=SeatState.APPROVED).exists()  # others stand
    with at(dt.datetime(2026, 12, 10, 10, 0)):
        services.seat_decide(actor=world.member, seat_id=new.pk, outcome="approve", record=RECORD)
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED  # a decision is not called in twice


def test_call_in_is_refused_after_the_window_closes(world):
    strategy = key_strategy(world)
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 1))
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
        approve_officer_seats(world, gate)
    with at(dt.datetime(2026, 12, 1, 10, 0)):
        seat = gate.current_seats().get(role="executive_member")
        services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RECORD)
    with at(dt.datetime(2026, 12, 9, 10, 0)), pytest.raises(TransitionNotAllowed) as late:
        services.decision_call_in(actor=world.scrutiny, strategy_id=strategy.pk, reason="Too late?")
    assert late.value.missing == ["the call-in window must still be open"]
    assert "close_call_in" in late.value.allowed


def test_the_scrutiny_chair_can_agree_an_urgency_exemption(world):
    strategy = key_strategy(world)
    with pytest.raises(NotPermitted):
        services.urgency_exemption_agree(actor=world.scrutiny, strategy_id=strategy.pk, reason="Provider failure")
    with pytest.raises(InvalidInput):
        services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason=" ")
    services.urgency_exemption_agree(
        actor=world.chair, strategy_id=strategy.pk, reason="Provider has gone into administration"
    )
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    approve_officer_seats(world, gate)
    seat = gate.current_seats().get(role="executive_member")
    services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RECORD)
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    assert gate.urgency_agreed_by == world.chair
