"""A strategy goes round the whole cycle through the services."""

import pytest

from commissioning import services
from commissioning.models import Stage
from tests.factories import complete_evidence, make_strategy
from workflows.models import AuditEvent, GateState, SeatState


@pytest.mark.django_db
def test_a_small_strategy_goes_round_analyse_plan_do_review_and_into_the_next_cycle(world):
    w = world
    strategy = make_strategy(w, value="50000")
    signers = {"commissioning_officer": w.officer2, "finance": w.finance, "partner_signatory": w.icb_signatory}
    for expected_stage in (Stage.ANALYSE, Stage.PLAN, Stage.DO, Stage.REVIEW):
        strategy.refresh_from_db()
        assert strategy.stage == expected_stage
        complete_evidence(strategy, w.officer)
        gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
        assert gate.state == GateState.SUBMITTED
        for seat in gate.current_seats().order_by("pk"):
            services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
        gate.refresh_from_db()
        assert gate.state == GateState.PASSED
        assert not gate.current_seats().exclude(state=SeatState.APPROVED).exists()
        strategy = services.strategy_advance(actor=w.officer, strategy_id=strategy.pk)
    assert strategy.stage == Stage.ANALYSE
    assert strategy.cycle == 2
    assert AuditEvent.objects.filter(subject_id=strategy.pk, transition="recommission").count() == 1
