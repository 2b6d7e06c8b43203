"""Each change tells the right people, once, through the outbox."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from commissioning import services
from tests.factories import complete_evidence, make_strategy
from workflows.models import OutboxMessage
from workflows.services import ConditionSpec, RecordSpec

pytestmark = pytest.mark.django_db


def told(template):
    return sorted(
        OutboxMessage.objects.filter(template=template, channel="in_app").values_list("recipient__username", flat=True)
    )


def submitted(world, **kwargs):
    strategy = make_strategy(world, **kwargs)
    complete_evidence(strategy, world.officer)
    return strategy, services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def test_submitting_tells_everyone_who_may_decide_a_seat_but_not_the_submitter(world):
    _, _gate = submitted(world, pooled=True)
    assert told("signoff_needed") == ["district_signatory", "finance", "icb_signatory", "officer2"]
    email = OutboxMessage.objects.get(template="signoff_needed", channel="email", recipient=world.finance)
    assert email.address == world.finance.email
    assert email.context["seat"] == "Finance officer, Midshire County Council"


def test_a_rejection_tells_the_lead_officer_why(world):
    _strategy, gate = submitted(world)
    services.seat_decide(
        actor=world.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="reject", reasons="No budget"
    )
    assert told("gate_rejected") == ["officer"]
    assert OutboxMessage.objects.filter(template="gate_rejected").first().context["reasons"] == ["No budget"]


def test_passing_tells_the_lead_officer_and_conditions_tell_their_owners(world):
    _strategy, gate = submitted(world)
    due = timezone.localdate() + dt.timedelta(days=20)
    signers = {
        "commissioning_officer": world.officer2,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats():
        conditions = [ConditionSpec("Confirm ICB funding", world.manager.pk, due)] if seat.role == "finance" else []
        services.seat_decide(
            actor=signers[seat.role],
            seat_id=seat.pk,
            outcome="approve_with_conditions" if conditions else "approve",
            conditions=conditions,
        )
    assert told("gate_passed") == ["officer"]
    assert told("action_assigned") == ["manager"]


def test_a_key_decision_in_call_in_tells_scrutiny_and_a_call_in_tells_the_decision_maker(world):
    strategy, _ = (make_strategy(world, value="600000"), None)
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Provider failure")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    signers["executive_member"] = world.member
    for seat in gate.current_seats():
        services.seat_decide(
            actor=signers[seat.role], seat_id=seat.pk, outcome="approve", record=RecordSpec("a", "b", "c", "d")
        )
    assert told("call_in_open") == ["chair", "officer", "scrutiny"]
    services.decision_call_in(actor=world.scrutiny, strategy_id=strategy.pk, reason="Consultation too short")
    assert told("decision_called_in") == ["chair", "member", "officer"]
    services.decision_refer_back(actor=world.chair, strategy_id=strategy.pk, reason="Consult for longer")
    assert told("decision_referred_back") == ["member"]


def test_the_same_change_never_tells_anyone_twice(world):
    _, gate = submitted(world)
    before = OutboxMessage.objects.count()
    from commissioning import notifications

    notifications.gate_submitted(gate.subject, gate)
    assert OutboxMessage.objects.count() == before


def test_an_e_mail_reads_well_with_apostrophes_and_pound_signs(world):
    from workflows.outbox import deliver_due

    with time_machine.travel(timezone.now()):
        submitted(world, title="Children's residential care")
        deliver_due()
    from django.core import mail

    subjects = {m.subject for m in mail.outbox}
    assert "Sign-off needed: Analyse gate, cycle 1: Children's residential care" in subjects
