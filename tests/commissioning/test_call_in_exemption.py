"""Urgent key decisions exempt from call-in: only where the lead organisation's constitution allows it, only with the
scrutiny chair's recorded agreement and reasons, and then the approved gate passes at once and its published record
of decision says it was exempt, by whose agreement and why."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from commissioning import services
from tests.factories import complete_evidence, make_strategy
from workflows.exceptions import InvalidInput, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent, GateState
from workflows.services import RecordSpec

pytestmark = pytest.mark.django_db

REASON = "The provider gives notice on Friday; a five-day call-in would leave 400 people without care."
RECORD = RecordSpec("Agree the interim contract.", "Continuity of care.", "Do nothing: rejected.", "None declared.")


def urgent(world, *, allowed=True, reference="MCC-URG"):
    world.county.urgent_decisions_may_skip_call_in = allowed
    world.county.save()
    strategy = make_strategy(world, reference=reference, value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Provider failure")
    return strategy


def decide_everything(world, strategy):
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    member = gate.current_seats().get(role="executive_member")
    decision = services.seat_decide(actor=world.member, seat_id=member.pk, outcome="approve", record=RECORD)
    gate.refresh_from_db()
    return gate, decision


def test_only_the_scrutiny_chair_can_agree_it(world):
    strategy = urgent(world)
    for someone in (world.scrutiny, world.member, world.officer):
        with pytest.raises(NotPermitted):
            services.call_in_exemption_agree(actor=someone, strategy_id=strategy.pk, reason=REASON)


def test_only_where_the_constitution_allows_it(world):
    strategy = urgent(world, allowed=False)
    with pytest.raises(NotPermitted) as refused:
        services.call_in_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason=REASON)
    assert "constitution" in refused.value.message


def test_the_chair_must_say_why(world):
    strategy = urgent(world)
    with pytest.raises(InvalidInput) as refused:
        services.call_in_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="  ")
    assert "reason" in refused.value.errors


def test_a_gate_that_is_not_a_key_decision_has_no_call_in_to_be_exempt_from(world):
    world.county.urgent_decisions_may_skip_call_in = True
    world.county.save()
    strategy = make_strategy(world, value="50000")
    with pytest.raises(InvalidInput):
        services.call_in_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason=REASON)


def test_an_exempt_key_decision_passes_as_soon_as_it_is_taken_and_the_agreement_is_audited(world):
    strategy = urgent(world)
    services.call_in_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason=REASON)
    event = AuditEvent.objects.filter(transition="agree_call_in_exemption").get()
    assert (event.actor, event.reason, event.from_state, event.to_state) == (world.chair, REASON, "open", "open")
    gate, _decision = decide_everything(world, strategy)
    assert gate.state == GateState.PASSED and gate.call_in_ends_at is None and gate.passed_at is not None
    assert (gate.call_in_exemption_agreed_by, gate.call_in_exemption_reason) == (world.chair, REASON)
    with pytest.raises(TransitionNotAllowed):
        services.call_in_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason=REASON)


def test_without_the_exemption_the_same_decision_waits_out_its_call_in_window(world):
    gate, _decision = decide_everything(world, urgent(world))
    assert gate.state == GateState.CALL_IN and gate.call_in_ends_at is not None


def test_the_record_of_decision_says_it_was_exempt_by_whose_agreement_and_why(client, world):
    strategy = urgent(world)
    services.call_in_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason=REASON)
    _gate, decision = decide_everything(world, strategy)
    page = client.get(reverse("record-of-decision", args=[decision.pk])).text
    assert "Exempt from call-in as urgent" in page and str(world.chair) in page and escape(REASON) in page
    assert "In effect (urgent: exempt from call-in)" in client.get(reverse("records-of-decision")).text
    [item] = client.get(reverse("decisions-json")).json()["items"]
    assert item["exempt_from_call_in"]["agreed_by"] == str(world.chair)
    assert item["exempt_from_call_in"]["reason"] == REASON


def test_the_chairs_page_records_the_agreement(client, world):
    strategy = urgent(world)
    url = reverse("call-in-exemption", args=[strategy.reference])
    client.force_login(world.chair)
    assert url in client.get(reverse("strategy-detail", args=[strategy.reference])).text
    assert "Why must this decision take effect without a call-in window?" in client.get(url).text
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and "Record why the decision is urgent" in empty.text
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    strategy.current_gate.refresh_from_db()
    assert strategy.current_gate.call_in_exemption_agreed_by == world.chair


def test_anyone_else_is_told_why_not_and_refused(client, world):
    strategy = urgent(world)
    url = reverse("call-in-exemption", args=[strategy.reference])
    client.force_login(world.scrutiny)
    assert "Only the scrutiny chair" in client.get(url).text
    assert client.post(url, {"reason": REASON}).status_code == 403
    strategy.current_gate.refresh_from_db()
    assert strategy.current_gate.call_in_exemption_agreed_at is None
