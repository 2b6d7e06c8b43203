"""A refused move of a strategy through the page is a conflict: 409 with the strategy page and the GOV.UK error
summary saying why and what would allow it (403 when the person may not move it at all; 412 when the page's version
is stale, as the API answers a stale If-Match). The race drill (`python -m benchmarks drills --only races`) fires 50
of these at once over HTTP and counts exactly one 302 and 49 refusals."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from commissioning import services
from commissioning.models import Stage, Strategy
from tests.factories import complete_evidence, make_strategy
from workflows.models import AuditEvent, Gate, GateState

pytestmark = pytest.mark.django_db


def passed_strategy(world) -> Strategy:
    strategy = make_strategy(world)  # seats: a commissioning officer, finance, the ICB as co-commissioner
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_officer": world.officer2,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().order_by("pk"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.PASSED
    return strategy


def advance(client, strategy: Strategy, version=None):
    data = {} if version is None else {"version": str(version)}
    return client.post(reverse("strategy-advance", args=[strategy.reference]), data)


def error_summary(page: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert found, "the page should carry the GOV.UK error summary"
    return found.group(0)


def test_moving_on_before_the_gate_has_passed_is_a_409_saying_what_is_still_needed(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    strategy.refresh_from_db()
    client.force_login(world.officer)

    response = advance(client, strategy, strategy.version)

    assert response.status_code == 409
    summary = error_summary(response.text)
    assert "There is a problem" in summary
    assert "gate must have passed" in summary
    assert "<title>Error: " in response.text
    strategy.refresh_from_db()
    assert strategy.stage == Stage.ANALYSE


def test_a_second_move_from_a_page_loaded_before_the_first_is_a_412_and_the_strategy_moves_once(client, world):
    strategy = passed_strategy(world)
    loaded_version = strategy.version
    client.force_login(world.officer)

    first = advance(client, strategy, loaded_version)
    second = advance(client, strategy, loaded_version)  # the same form, sent again (another tab, a double click)

    assert first.status_code == 302
    assert second.status_code == 412  # a stale version: the same status as the API's stale If-Match
    summary = error_summary(second.text)
    assert "has changed since you loaded it" in summary
    assert "Reload it and try again" in summary
    assert "Move to" not in second.text.split("govuk-error-summary", 1)[0]
    strategy.refresh_from_db()
    assert (strategy.stage, strategy.cycle) == (Stage.PLAN, 1)
    strategy_type = ContentType.objects.get_for_model(Strategy)
    moves = AuditEvent.objects.filter(subject_type=strategy_type, subject_id=strategy.pk, transition="begin_plan")
    assert moves.count() == 1
    assert Gate.objects.filter(subject_id=strategy.pk, stage=Stage.PLAN).count() == 1


def test_a_move_without_a_version_once_the_strategy_has_moved_is_a_409_that_the_next_gate_must_pass(client, world):
    strategy = passed_strategy(world)
    client.force_login(world.manager)
    assert advance(client, strategy).status_code == 302

    again = advance(client, strategy)

    assert again.status_code == 409
    assert "gate must have passed" in error_summary(again.text)
    strategy.refresh_from_db()
    assert strategy.stage == Stage.PLAN


def test_someone_who_may_not_move_the_strategy_gets_403_with_the_reason(client, world):
    strategy = passed_strategy(world)
    client.force_login(world.finance)

    response = advance(client, strategy, strategy.version)

    assert response.status_code == 403
    assert "You do not have permission to advance this strategy" in error_summary(response.text)
    strategy.refresh_from_db()
    assert strategy.stage == Stage.ANALYSE


def test_a_move_that_is_allowed_still_redirects_to_the_strategy_page(client, world):
    strategy = passed_strategy(world)
    client.force_login(world.officer)

    response = advance(client, strategy, strategy.version)

    assert response.status_code == 302
    assert response["Location"] == reverse("strategy-detail", args=[strategy.reference])
    assert "moved to Plan" in client.get(response["Location"]).text


# --------------------------------------------------------------------------------------------------------------
# Submit, withdraw and the forward-plan notice answer their refusals the same way: 409 a conflict, 403 not yours
# --------------------------------------------------------------------------------------------------------------


def submitted_strategy(world) -> Strategy:
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    strategy.refresh_from_db()
    return strategy


def key_decision_taken(world) -> Strategy:
    """A key decision agreed under an urgency exemption and now in its call-in window."""
    from workflows.services import RecordSpec

    strategy = make_strategy(world, value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Urgent")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    seat = gate.current_seats().get(role="executive_member")
    services.seat_decide(actor=world.member, seat_id=seat.pk, outcome="approve", record=RecordSpec("a", "b", "c", "d"))
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.CALL_IN
    return strategy


def post(client, name: str, strategy: Strategy, data=None):
    return client.post(reverse(name, args=[strategy.reference]), data or {})


def test_submitting_a_gate_already_submitted_is_a_409_with_the_error_summary(client, world):
    strategy = submitted_strategy(world)
    client.force_login(world.officer)

    response = post(client, "strategy-submit", strategy)

    assert response.status_code == 409
    assert "There is a problem" in error_summary(response.text)
    assert "<title>Error: " in response.text
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.SUBMITTED


def test_someone_who_may_not_submit_gets_403_with_the_reason(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    client.force_login(world.finance)

    response = post(client, "strategy-submit", strategy)

    assert response.status_code == 403
    assert "Only the lead officer" in error_summary(response.text)
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.OPEN


def test_withdrawing_a_gate_that_is_not_under_sign_off_is_a_409_with_the_error_summary(client, world):
    strategy = make_strategy(world)
    client.force_login(world.officer)

    response = post(client, "strategy-withdraw", strategy, {"reason": "The costs changed."})

    assert response.status_code == 409
    assert "There is a problem" in error_summary(response.text)
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.OPEN


def test_someone_who_may_not_withdraw_gets_403_with_the_reason(client, world):
    strategy = submitted_strategy(world)
    client.force_login(world.finance)

    response = post(client, "strategy-withdraw", strategy, {"reason": "Not mine to withdraw."})

    assert response.status_code == 403
    assert "Only the lead officer" in error_summary(response.text)
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.SUBMITTED


FAR_OFF = {"decision_date_day": "1", "decision_date_month": "1", "decision_date_year": "2099"}


def test_a_forward_plan_notice_once_the_decision_is_taken_is_a_409_with_the_error_summary(client, world):
    strategy = key_decision_taken(world)
    client.force_login(world.officer)

    response = post(client, "strategy-forward-plan", strategy, FAR_OFF)

    assert response.status_code == 409
    assert "The decision has already been taken" in error_summary(response.text)
    strategy.refresh_from_db()
    assert strategy.current_gate.intended_decision_date is None


def test_someone_who_may_not_publish_the_notice_gets_403_with_the_reason(client, world):
    strategy = make_strategy(world, value="600000")
    client.force_login(world.finance)

    response = post(client, "strategy-forward-plan", strategy, FAR_OFF)

    assert response.status_code == 403
    assert "Only the lead officer" in error_summary(response.text)
    strategy.refresh_from_db()
    assert strategy.current_gate.intended_decision_date is None
