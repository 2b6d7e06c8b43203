"""The engine's exemption from call-in: a transition that keeps the gate's state, allowed until the decision is taken;
once agreed, an approved key decision passes without a call-in window. And a submission's covering note, kept with
its snapshot but outside the hash. The gates belong to the test app's `Proposal`."""

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from tests.workflows.testapp.services import proposal_create, proposal_decide, proposal_submit
from tests.workflows.testapp.world import key_decision_seats, ordinary_seats
from workflows import services as engine
from workflows.exceptions import TransitionNotAllowed
from workflows.models import AuditEvent, Gate, GateSnapshot, GateState
from workflows.services import RecordSpec
from workflows.transitions import apply_transition, ensure_can, lock

pytestmark = pytest.mark.django_db

BEFORE_THE_DECISION = {GateState.OPEN, GateState.SUBMITTED, GateState.REJECTED, GateState.WITHDRAWN}


def gate_in(state, world) -> Gate:
    gate = proposal_create(actor=world.officer, title="Adult carers support").gate
    Gate.objects.filter(pk=gate.pk).update(state=state)
    gate.refresh_from_db()
    return gate


@pytest.mark.parametrize("state", GateState.values)
def test_the_exemption_can_be_agreed_until_the_decision_is_taken_and_keeps_the_state(world, state):
    gate = gate_in(state, world)
    allowed = state in BEFORE_THE_DECISION
    assert can_proceed(gate.agree_call_in_exemption, check_conditions=False) is allowed
    if allowed:
        assert gate.agree_call_in_exemption._django_fsm.next_state(state) is None  # target None: the state stays
    else:
        with pytest.raises(TransitionNotAllowed):
            ensure_can(gate, "agree_call_in_exemption")


def agree(gate, chair, reason="Urgent"):
    with transaction.atomic():
        locked = lock(Gate, gate.pk)
        apply_transition(
            locked,
            "agree_call_in_exemption",
            actor=chair,
            reason=reason,
            params={"by": chair, "at": timezone.now(), "reason": reason},
        )


def test_an_exempt_key_decision_passes_without_a_call_in_window(world):
    proposal = proposal_create(actor=world.officer, title="Home care")
    gate = proposal_submit(
        actor=world.officer, proposal_id=proposal.pk, seats=key_decision_seats(world), key_decision=True
    )
    agree(gate, world.chair)
    gate.refresh_from_db()
    assert gate.exempt_from_call_in
    signers = {
        "manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
        "executive_member": world.member,
    }
    for seat in gate.current_seats().order_by("pk"):
        proposal_decide(
            actor=signers[seat.role], seat_id=seat.pk, outcome="approve", record=RecordSpec("a", "b", "c", "d")
        )
    gate.refresh_from_db()
    assert gate.state == GateState.PASSED and gate.call_in_ends_at is None
    transitions = list(
        AuditEvent.objects.filter(object_id=gate.pk, object_type__model="gate").values_list("transition", flat=True)
    )
    assert "open_call_in" not in transitions and transitions[-1] == "pass_gate"


def test_the_guard_explains_why_an_exempt_gate_has_no_call_in_window(world):
    gate = gate_in(GateState.APPROVED, world)
    Gate.objects.filter(pk=gate.pk).update(key_decision=True, call_in_exemption_agreed_at=timezone.now())
    gate.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as refused:
        ensure_can(gate, "open_call_in")
    assert "exempt from call-in" in refused.value.missing[0]
    ensure_can(gate, "pass_gate")


def test_a_resubmission_keeps_its_covering_note_outside_the_hash(world):
    proposal = proposal_create(actor=world.officer, title="Carers")
    gate = proposal.gate
    with transaction.atomic():
        locked = lock(Gate, gate.pk)
        without = engine.gate_submit(gate=locked, actor=world.officer, content={"a": 1}, seats=ordinary_seats(world))
        engine.gate_withdraw(gate=locked, actor=world.officer, reason="Add carers' views")
        with_note = engine.gate_submit(
            gate=locked, actor=world.officer, content={"a": 1}, seats=ordinary_seats(world), note=" Views added. "
        )
    assert with_note.note == "Views added." and without.note == ""
    assert with_note.content_hash == without.content_hash
    assert GateSnapshot.objects.filter(gate=gate).count() == 2
    submit = AuditEvent.objects.filter(object_id=gate.pk, transition="submit").order_by("-pk").first()
    assert submit.reason == "Views added."
