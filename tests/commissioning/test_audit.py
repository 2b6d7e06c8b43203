"""The domain's services write the audit trail in the same transaction as their change: creating a strategy, editing
it and its evidence, urgency exemptions, calls-in, and the engine's rows each of them causes; a refusal writes none.

That the engine's own services audit every change, and that nothing can change or delete the trail, is tested on the
engine's own test subject in tests/workflows/test_audit.py.
"""

import datetime as dt

import pytest
from django.utils import timezone

from commissioning import services
from tests.factories import complete_evidence, make_strategy, person
from workflows.models import AuditEvent
from workflows.services import ConditionSpec, RecordSpec, action_complete, delegation_revoke

pytestmark = pytest.mark.django_db


def new_events(since):
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))


def last_id():
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_creating_a_strategy_is_audited(world):
    strategy = make_strategy(world)
    events = list(AuditEvent.objects.filter(subject_id=strategy.pk).order_by("pk"))
    assert [(e.transition, e.actor) for e in events] == [("create", world.officer), ("create", world.officer)]
    assert events[0].object_repr == "MCC-001: Adult carers support"
    assert events[1].object_repr.startswith("Gate #")


def test_every_service_writes_its_audit_rows(world):
    strategy = make_strategy(world, value="600000")
    mark = last_id()
    services.strategy_update(actor=world.officer, strategy_id=strategy.pk, summary="Support for unpaid carers")
    [update] = new_events(mark)
    assert (update.transition, update.data["changes"]["summary"]["to"]) == ("update", "Support for unpaid carers")

    mark = last_id()
    complete_evidence(strategy, world.officer)
    assert {e.transition for e in new_events(mark)} == {"update"}
    assert new_events(mark)[0].to_state == "complete"

    mark = last_id()
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Provider failure")
    assert [(e.transition, e.actor) for e in new_events(mark)] == [("agree_urgency_exemption", world.chair)]

    mark = last_id()
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    [submit] = new_events(mark)
    assert (submit.transition, submit.from_state, submit.to_state) == ("submit", "open", "submitted")
    assert submit.snapshot_hash == gate.snapshot_hash

    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    deputy = person("deputy", world.county)
    mark = last_id()
    delegation = services.delegation_create(
        actor=world.member,
        principal=world.member,
        deputy=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=3),
    )
    assert [e.transition for e in new_events(mark)] == ["delegate"]

    mark = last_id()
    seat = gate.current_seats().get(role="executive_member")
    services.seat_decide(
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
    services.decision_call_in(actor=world.scrutiny, strategy_id=strategy.pk, reason="Consultation too short")
    services.decision_refer_back(actor=world.chair, strategy_id=strategy.pk, reason="Consult for longer")
    assert [e.transition for e in new_events(mark)] == ["call_in", "refer_back", "supersede"]

    mark = last_id()
    services.gate_withdraw(actor=world.officer, strategy_id=strategy.pk, reason="Start again")
    assert [e.transition for e in new_events(mark)] == ["withdraw", "cancel"]
    assert new_events(mark)[0].reason == "Start again"


def test_the_system_closing_a_call_in_window_is_audited_with_no_actor(world):
    import time_machine

    strategy = make_strategy(world, value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Urgent")
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
    mark = last_id()
    with time_machine.travel(timezone.now() + dt.timedelta(days=14)):
        services.call_in_window_close(strategy_id=strategy.pk)
        strategy = services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    events = new_events(mark)
    assert (events[0].transition, events[0].actor, events[0].to_state) == ("close_call_in", None, "passed")
    assert events[1].transition == "begin_plan"
    assert strategy.stage == "plan"


def test_a_refused_change_leaves_no_audit_row(world):
    strategy = make_strategy(world)
    mark = last_id()
    with pytest.raises(Exception, match="cannot be submitted"):
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert new_events(mark) == []
