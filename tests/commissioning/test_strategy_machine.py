"""The strategy's stage machine: every (stage, transition) pair is allowed or refused as designed."""

import datetime as dt
import itertools

import pytest
from django_fsm import can_proceed

from commissioning import services
from commissioning.models import Stage, Strategy
from tests.factories import complete_evidence, make_strategy
from workflows.exceptions import NotPermitted, TransitionNotAllowed
from workflows.models import Gate, GateState
from workflows.transitions import ensure_can

TRANSITIONS = ["begin_plan", "begin_do", "begin_review", "recommission", "decommission"]

DESIGNED = {
    (Stage.ANALYSE, "begin_plan"): Stage.PLAN,
    (Stage.PLAN, "begin_do"): Stage.DO,
    (Stage.DO, "begin_review"): Stage.REVIEW,
    (Stage.REVIEW, "recommission"): Stage.ANALYSE,
    (Stage.REVIEW, "decommission"): Stage.CLOSED,
}


def strategy_in(stage, world, *, gate_state=GateState.OPEN, recommendation="") -> Strategy:
    strategy = make_strategy(world)
    Strategy.objects.filter(pk=strategy.pk).update(
        stage=stage, recommendation=recommendation, next_review_date=dt.date(2026, 6, 30)
    )
    Gate.objects.filter(pk=strategy.current_gate_id).update(state=gate_state)
    strategy.refresh_from_db()
    return strategy


@pytest.mark.django_db
@pytest.mark.parametrize(("stage", "name"), list(itertools.product(Stage.values, TRANSITIONS)))
def test_strategy_transition_matrix(world, stage, name):
    strategy = strategy_in(stage, world)
    method = getattr(strategy, name)
    designed = DESIGNED.get((stage, name))
    assert can_proceed(method, check_conditions=False) is (designed is not None)
    if designed is None:
        with pytest.raises(TransitionNotAllowed):
            ensure_can(strategy, name)
    else:
        assert method._django_fsm.next_state(stage) == designed


@pytest.mark.django_db
@pytest.mark.parametrize("gate_state", [s for s in GateState.values if s != GateState.PASSED])
def test_a_strategy_cannot_advance_until_its_gate_has_passed(world, gate_state):
    strategy = strategy_in(Stage.ANALYSE, world, gate_state=gate_state)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    assert refused.value.missing == ["the current stage's gate must have passed"]
    strategy.refresh_from_db()
    assert strategy.stage == Stage.ANALYSE


@pytest.mark.django_db
def test_review_leads_round_to_analyse_only_when_it_recommends_continuing(world):
    strategy = strategy_in(Stage.REVIEW, world, gate_state=GateState.PASSED, recommendation="decommission")
    with pytest.raises(TransitionNotAllowed) as refused:
        ensure_can(strategy, "recommission")
    assert refused.value.missing == ["the review must recommend recommissioning or varying the service"]
    strategy = services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    assert strategy.stage == Stage.CLOSED


@pytest.mark.django_db
def test_recommissioning_starts_the_next_cycle_with_a_fresh_gate_and_evidence(world):
    strategy = strategy_in(Stage.REVIEW, world, gate_state=GateState.PASSED, recommendation="vary")
    old_gate = strategy.current_gate_id
    strategy = services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    assert (strategy.stage, strategy.cycle) == (Stage.ANALYSE, 2)
    assert strategy.current_gate_id != old_gate
    assert strategy.current_gate.state == GateState.OPEN
    assert strategy.evidence.filter(cycle=2, stage=Stage.ANALYSE).count() == 5
    assert strategy.recommendation == ""
    assert strategy.next_review_date is None


@pytest.mark.django_db
def test_only_the_lead_organisations_officers_can_advance(world):
    strategy = strategy_in(Stage.ANALYSE, world, gate_state=GateState.PASSED)
    for outsider in (world.finance, world.member, world.icb_signatory):
        with pytest.raises(NotPermitted):
            services.strategy_advance(actor=outsider, strategy_id=strategy.pk)
    assert services.strategy_advance(actor=world.manager, strategy_id=strategy.pk).stage == Stage.PLAN


@pytest.mark.django_db
def test_a_stale_version_is_refused(world):
    from workflows.exceptions import StaleVersion

    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    with pytest.raises(StaleVersion) as stale:
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk, expected_version=1)
    assert "Reload it" in stale.value.message
