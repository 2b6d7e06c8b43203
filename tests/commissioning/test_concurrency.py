"""Races, run with real threads against PostgreSQL: row locks make each outcome happen exactly once."""

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from commissioning import services
from commissioning.models import Stage, Strategy
from tests.factories import build_world, complete_evidence, make_strategy
from workflows.exceptions import AlreadyDecided, TransitionNotAllowed, WorkflowError
from workflows.models import AuditEvent, Gate, GateState

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Start every call at the same moment in its own thread (own connection); return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the race's loser is part of the result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def gate_transitions(gate, name):
    return AuditEvent.objects.filter(
        object_type=ContentType.objects.get_for_model(Gate), object_id=gate.pk, transition=name
    ).count()


def submitted_gate_with_two_seats_left():
    w = build_world()
    strategy = make_strategy(w)  # seats: officer, finance, ICB co-commissioner
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    services.seat_decide(
        actor=w.officer2, seat_id=gate.current_seats().get(role="commissioning_officer").pk, outcome="approve"
    )
    return w, strategy, gate


def test_two_people_deciding_the_last_two_seats_at_once_approve_the_gate_exactly_once():
    w, _, gate = submitted_gate_with_two_seats_left()
    finance = gate.current_seats().get(role="finance")
    partner = gate.current_seats().get(role="partner_signatory")
    results = race(
        lambda: services.seat_decide(actor=w.finance, seat_id=finance.pk, outcome="approve"),
        lambda: services.seat_decide(actor=w.icb_signatory, seat_id=partner.pk, outcome="approve"),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED
    assert gate_transitions(gate, "approve") == 1
    assert gate_transitions(gate, "pass_gate") == 1
    assert gate.decisions.count() == 3


def test_the_same_decision_sent_twice_at_once_is_recorded_once_and_the_repeat_refused():
    w, _, gate = submitted_gate_with_two_seats_left()
    finance = gate.current_seats().get(role="finance")
    results = race(
        lambda: services.seat_decide(actor=w.finance, seat_id=finance.pk, outcome="approve"),
        lambda: services.seat_decide(actor=w.finance, seat_id=finance.pk, outcome="approve"),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], AlreadyDecided), repr(errors[0])
    assert finance.decisions.count() == 1


def test_two_advances_of_one_strategy_at_once_move_it_once_and_the_loser_gets_a_clear_conflict():
    w, strategy, gate = submitted_gate_with_two_seats_left()
    services.seat_decide(actor=w.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
    services.seat_decide(
        actor=w.icb_signatory, seat_id=gate.current_seats().get(role="partner_signatory").pk, outcome="approve"
    )
    results = race(
        lambda: services.strategy_advance(actor=w.officer, strategy_id=strategy.pk),
        lambda: services.strategy_advance(actor=w.manager, strategy_id=strategy.pk),
    )
    winners = [r for r in results if isinstance(r, Strategy)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], TransitionNotAllowed)
    assert isinstance(losers[0], WorkflowError)
    assert "gate must have passed" in losers[0].message
    strategy.refresh_from_db()
    assert (strategy.stage, strategy.cycle) == (Stage.PLAN, 1)
    assert AuditEvent.objects.filter(subject_id=strategy.pk, transition="begin_plan").count() == 1
    assert Gate.objects.filter(subject_id=strategy.pk, stage=Stage.PLAN).count() == 1
