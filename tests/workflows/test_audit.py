"""Every engine service writes the audit trail in the same transaction; nothing can change or delete it.

The gates here belong to the test app's `Proposal` (tests/workflows/testapp). What the domain's own services audit
is tested in tests/commissioning/test_audit.py.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.workflows.testapp.models import Proposal
from tests.workflows.testapp.services import (
    proposal_call_in,
    proposal_close_call_in,
    proposal_create,
    proposal_decide,
    proposal_refer_back,
    proposal_submit,
    proposal_withdraw,
)
from tests.workflows.testapp.world import key_decision_seats, ordinary_seats, person
from workflows.exceptions import GateNotReady, NotYourSeat
from workflows.models import AuditEvent, Gate, GateState
from workflows.services import (
    ConditionSpec,
    RecordSpec,
    action_complete,
    delegation_create,
    delegation_revoke,
    gate_submit,
)
from workflows.transitions import lock

pytestmark = pytest.mark.django_db


def new_events(since):
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def last_id():
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def signers_of(world):
    return {
        "manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
        "executive_member": world.member,
    }


def test_creating_a_gate_is_audited_against_its_subject(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    proposal_type = ContentType.objects.get_for_model(Proposal)
    events = list(AuditEvent.objects.filter(subject_type=proposal_type, subject_id=proposal.pk).order_by("pk"))
    assert [(e.transition, e.actor) for e in events] == [("create", world.officer), ("create", world.officer)]
    assert events[0].object_repr == f"Proposal #{proposal.pk}: Adult carers support"
    assert events[1].object_repr.startswith("Gate #")
    assert (events[1].object_id, events[1].to_state) == (proposal.gate.pk, GateState.OPEN)


def test_every_service_writes_its_audit_rows(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    mark = last_id()
    gate = proposal_submit(
        actor=world.officer, proposal_id=proposal.pk, seats=key_decision_seats(world), key_decision=True
    )
    [submit] = new_events(mark)
    assert (submit.transition, submit.from_state, submit.to_state) == ("submit", "open", "submitted")
    assert submit.snapshot_hash == gate.snapshot_hash

    signers = signers_of(world)
    for seat in gate.current_seats().exclude(role="executive_member"):
        proposal_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    deputy = person("deputy", world.county)
    mark = last_id()
    delegation = delegation_create(
        actor=world.member,
        principal=world.member,
        deputy=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=3),
    )
    assert [e.transition for e in new_events(mark)] == ["delegate"]

    mark = last_id()
    seat = gate.current_seats().get(role="executive_member")
    proposal_decide(
        actor=deputy,
        seat_id=seat.pk,
        outcome="approve_with_conditions",
        conditions=[ConditionSpec("Report back in six months", world.officer.pk, timezone.localdate())],
        record=RecordSpec("Approve", "Sound case", "None viable", "None declared"),
    )
    events = new_events(mark)
    assert [(e.transition, e.to_state) for e in events] == [
        ("decide", "approve_with_conditions"),
        ("create", "open"),
        ("approve", "approved"),
        ("approve", "approved"),
        ("open_call_in", "call_in"),
    ]
    assert {(e.actor, e.on_behalf_of) for e in events} == {(deputy, world.member)}
    assert {e.snapshot_hash for e in events if e.transition != "create"} == {gate.snapshot_hash}

    mark = last_id()
    delegation_revoke(actor=world.member, delegation_id=delegation.pk)
    assert [e.transition for e in new_events(mark)] == ["revoke"]

    mark = last_id()
    action = gate.actions.get()
    action_complete(actor=world.officer, action_id=action.pk)
    assert [(e.transition, e.from_state, e.to_state) for e in new_events(mark)] == [("complete", "open", "done")]

    mark = last_id()
    proposal_call_in(actor=world.scrutiny, proposal_id=proposal.pk, reason="Consultation too short")
    proposal_refer_back(actor=world.chair, proposal_id=proposal.pk, reason="Consult for longer")
    assert [e.transition for e in new_events(mark)] == ["call_in", "refer_back", "supersede"]

    mark = last_id()
    proposal_withdraw(actor=world.officer, proposal_id=proposal.pk, reason="Start again")
    assert [e.transition for e in new_events(mark)] == ["withdraw", "cancel"]
    assert new_events(mark)[0].reason == "Start again"


def test_the_system_closing_a_call_in_window_is_audited_with_no_actor(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    gate = proposal_submit(
        actor=world.officer, proposal_id=proposal.pk, seats=key_decision_seats(world), key_decision=True
    )
    signers = signers_of(world)
    for seat in gate.current_seats():
        proposal_decide(
            actor=signers[seat.role], seat_id=seat.pk, outcome="approve", record=RecordSpec("a", "b", "c", "d")
        )
    mark = last_id()
    with time_machine.travel(timezone.now() + dt.timedelta(days=14)):
        assert proposal_close_call_in(proposal_id=proposal.pk) is True
    events = new_events(mark)
    assert [(e.transition, e.actor, e.from_state, e.to_state) for e in events] == [
        ("close_call_in", None, "call_in", "passed")
    ]
    assert events[0].snapshot_hash == gate.snapshot_hash
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED


def test_a_refused_change_leaves_no_audit_row(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    mark = last_id()
    with pytest.raises(GateNotReady, match="cannot be submitted"), transaction.atomic():
        gate_submit(gate=lock(Gate, proposal.gate.pk), actor=world.officer, content={}, seats=[])
    assert new_events(mark) == []
    gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    mark = last_id()
    with pytest.raises(NotYourSeat):
        proposal_decide(actor=world.outsider, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
    assert new_events(mark) == []


def test_the_orm_refuses_to_change_or_delete_audit_rows(world):
    proposal_create(actor=world.officer, title="Adult carers support")
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgresql
def test_postgresql_itself_refuses_to_change_or_delete_audit_rows(world):
    proposal_create(actor=world.officer, title="Adult carers support")
    for statement in ("UPDATE workflows_auditevent SET reason = 'x'", "DELETE FROM workflows_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(reason="x").count() == 0
