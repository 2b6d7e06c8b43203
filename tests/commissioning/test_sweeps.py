"""The domain's sweeps: call-in windows close, decision dates are announced, reviews come round, stalled
strategies are flagged, and everyone gets a weekly digest, each once."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from commissioning import services, sweeps
from commissioning.models import PerformanceReview, Stage, Strategy
from tests.factories import complete_evidence, make_strategy
from workflows.models import AuditEvent, Gate, GateState, OutboxMessage
from workflows.services import RecordSpec

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour=9):
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))), tick=False)


def told(template):
    return sorted(
        OutboxMessage.objects.filter(template=template, channel="in_app").values_list("recipient__username", flat=True)
    )


def approve_all(world, gate, record=False):
    signers = {
        "commissioning_officer": world.officer2,
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
        "executive_member": world.member,
        "legal": world.legal,
        "procurement": world.procurement,
    }
    for seat in gate.current_seats().filter(state="pending").order_by("requires_record_of_decision", "pk"):
        services.seat_decide(
            actor=signers[seat.role], seat_id=seat.pk, outcome="approve", record=RecordSpec("a", "b", "c", "d")
        )


def test_a_closed_call_in_window_passes_the_gate_and_tells_the_lead_once(world):
    strategy = make_strategy(world, value="600000")
    complete_evidence(strategy, world.officer)
    with at(dt.date(2026, 11, 2)):
        services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Urgent")
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
        approve_all(world, gate)
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    with at(dt.date(2026, 11, 9), hour=23):  # the fifth working day: still open
        assert sweeps.close_call_in_windows().reminders == 0
    with at(dt.date(2026, 11, 10), hour=0):
        assert sweeps.close_call_in_windows().reminders == 1
        assert sweeps.close_call_in_windows().examined == 0
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED
    assert told("gate_passed") == ["officer"]
    event = AuditEvent.objects.get(transition="close_call_in")
    assert event.actor is None


def test_decision_makers_are_told_when_the_earliest_decision_date_arrives(world):
    strategy = make_strategy(world, value="600000")
    complete_evidence(strategy, world.officer)
    with at(dt.date(2026, 11, 2)):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 7))
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    with at(dt.date(2026, 11, 30)):
        assert sweeps.announce_decision_dates().examined == 0
    with at(dt.date(2026, 12, 1)):
        sweeps.announce_decision_dates()
        sweeps.announce_decision_dates()
    assert told("decision_date_reached") == ["member"]


def in_delivery(world, *, entered: dt.date, review: dt.date | None, gate_state=GateState.PASSED) -> Strategy:
    strategy = make_strategy(world)
    Strategy.objects.filter(pk=strategy.pk).update(
        stage=Stage.DO,
        stage_entered_at=timezone.make_aware(dt.datetime.combine(entered, dt.time(9))),
        next_review_date=review,
    )
    Gate.objects.filter(pk=strategy.current_gate_id).update(state=gate_state)
    strategy.refresh_from_db()
    return strategy


def test_performance_reviews_fall_due_quarterly_while_in_do(world):
    strategy = in_delivery(world, entered=dt.date(2026, 1, 15), review=dt.date(2028, 1, 15))
    with at(dt.date(2026, 4, 14)):
        sweeps.run_review_cycles()
    assert not PerformanceReview.objects.exists()
    with at(dt.date(2026, 4, 15)):
        sweeps.run_review_cycles()
        sweeps.run_review_cycles()
    with at(dt.date(2026, 11, 23)):
        sweeps.run_review_cycles()
    assert list(
        PerformanceReview.objects.filter(strategy=strategy).values_list("due_on", flat=True).order_by("due_on")
    ) == [
        dt.date(2026, 4, 15),
        dt.date(2026, 10, 15),
    ]
    assert told("performance_review_due") == ["officer", "officer"]


def test_a_strategy_moves_into_review_on_its_review_date_through_the_normal_path(world):
    strategy = in_delivery(world, entered=dt.date(2026, 1, 15), review=dt.date(2026, 11, 23))
    with at(dt.date(2026, 11, 22)):
        sweeps.run_review_cycles()
    strategy.refresh_from_db()
    assert strategy.stage == Stage.DO
    with at(dt.date(2026, 11, 23)):
        sweeps.run_review_cycles()
        sweeps.run_review_cycles()
    strategy.refresh_from_db()
    assert strategy.stage == Stage.REVIEW
    assert strategy.current_gate.stage == Stage.REVIEW
    event = AuditEvent.objects.get(subject_id=strategy.pk, transition="begin_review")
    assert event.actor is None
    assert told("review_started") == ["officer"]


def test_no_move_into_review_while_the_do_gate_has_not_passed(world):
    strategy = in_delivery(
        world, entered=dt.date(2026, 1, 15), review=dt.date(2026, 6, 1), gate_state=GateState.SUBMITTED
    )
    with at(dt.date(2026, 11, 23)):
        sweeps.run_review_cycles()
    strategy.refresh_from_db()
    assert strategy.stage == Stage.DO


def test_stalled_strategies_are_flagged_to_lead_and_managers_at_most_weekly(world):
    with at(dt.date(2026, 9, 1)):
        make_strategy(world)
    with at(dt.date(2026, 9, 25)):
        assert sweeps.flag_stalled_strategies().examined == 0  # 24 days: not stalled
    with at(dt.date(2026, 10, 5)):  # Monday, 34 days
        sweeps.flag_stalled_strategies()
    with at(dt.date(2026, 10, 9)):  # same week
        sweeps.flag_stalled_strategies()
    assert told("strategy_stalled") == ["manager", "officer"]
    with at(dt.date(2026, 10, 12)):  # next week
        sweeps.flag_stalled_strategies()
    assert told("strategy_stalled") == ["manager", "manager", "officer", "officer"]


def test_a_strategy_in_delivery_is_not_stalled(world):
    with at(dt.date(2026, 1, 1)):
        in_delivery(world, entered=dt.date(2026, 1, 1), review=dt.date(2027, 1, 1))
    with at(dt.date(2026, 10, 5)):
        assert sweeps.flag_stalled_strategies().examined == 0


def test_the_weekly_digest_lists_what_waits_on_each_person_once_a_week(world):
    with at(dt.date(2026, 11, 2)):
        strategy = make_strategy(world)
        complete_evidence(strategy, world.officer)
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    with at(dt.date(2026, 11, 9)):
        sweeps.send_weekly_digests()
        sweeps.send_weekly_digests()
    assert told("weekly_digest") == ["finance", "icb_signatory", "officer2"]
    digest = OutboxMessage.objects.get(template="weekly_digest", channel="in_app", recipient=world.finance)
    assert digest.context["seats"][0]["seat"] == "Finance officer, Midshire County Council"
    with at(dt.date(2026, 11, 16)):
        sweeps.send_weekly_digests()
    assert len(told("weekly_digest")) == 6


def test_run_sweep_runs_any_sweep_by_hand(world, capsys):
    call_command("run_sweep", "all")
    out = capsys.readouterr().out
    for name in ("seat-reminders", "action-reminders", "call-in-windows", "review-cycles", "weekly-digest", "outbox"):
        assert f"{name}:" in out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No sweep called"):
        call_command("run_sweep", "nonsense")
