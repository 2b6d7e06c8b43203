"""The gate's state machine: every (state, transition) pair is allowed or refused as designed. The gates belong to
the test app's `Proposal`."""

import itertools

import pytest
from django.db import transaction
from django_fsm import can_proceed

from tests.workflows.testapp.services import proposal_create, proposal_submit
from tests.workflows.testapp.world import ordinary_seats
from workflows.exceptions import TransitionNotAllowed
from workflows.models import Gate, GateState
from workflows.transitions import apply_transition, ensure_can

TRANSITIONS = [
    "submit",
    "withdraw",
    "reopen",
    "approve",
    "reject",
    "open_call_in",
    "pass_gate",
    "close_call_in",
    "call_in",
    "refer_back",
]

DESIGNED = {
    (GateState.OPEN, "submit"): GateState.SUBMITTED,
    (GateState.SUBMITTED, "withdraw"): GateState.WITHDRAWN,
    (GateState.SUBMITTED, "approve"): GateState.APPROVED,
    (GateState.SUBMITTED, "reject"): GateState.REJECTED,
    (GateState.REJECTED, "reopen"): GateState.OPEN,
    (GateState.WITHDRAWN, "reopen"): GateState.OPEN,
    (GateState.APPROVED, "open_call_in"): GateState.CALL_IN,
    (GateState.APPROVED, "pass_gate"): GateState.PASSED,
    (GateState.CALL_IN, "close_call_in"): GateState.PASSED,
    (GateState.CALL_IN, "call_in"): GateState.CALLED_IN,
    (GateState.CALLED_IN, "refer_back"): GateState.SUBMITTED,
}


def gate_in(state, world) -> Gate:
    gate = proposal_create(actor=world.officer, title="Adult carers support").gate
    Gate.objects.filter(pk=gate.pk).update(state=state)
    gate.refresh_from_db()
    return gate


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "name"), list(itertools.product(GateState.values, TRANSITIONS)))
def test_gate_transition_matrix(world, state, name):
    gate = gate_in(state, world)
    method = getattr(gate, name)
    designed = DESIGNED.get((state, name))
    assert can_proceed(method, check_conditions=False) is (designed is not None)
    if designed is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            ensure_can(gate, name)
        assert f"while it is '{GateState(state).label}'" in refused.value.message
    else:
        assert method._django_fsm.next_state(state) == designed


@pytest.mark.django_db
def test_a_gate_cannot_be_approved_while_a_seat_is_pending(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    with transaction.atomic(), pytest.raises(TransitionNotAllowed) as refused:
        apply_transition(gate, "approve", actor=world.officer, params={"at": None})
    assert refused.value.missing == ["every sign-off seat must be approved"]
    assert "withdraw" in refused.value.allowed


@pytest.mark.django_db
def test_a_gate_cannot_be_rejected_unless_a_seat_rejected_it(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    with pytest.raises(TransitionNotAllowed) as refused:
        ensure_can(gate, "reject")
    assert refused.value.missing == ["a sign-off seat must have been rejected"]


@pytest.mark.django_db
def test_an_ordinary_gate_cannot_open_a_call_in_window(world):
    gate = gate_in(GateState.APPROVED, world)
    with pytest.raises(TransitionNotAllowed) as refused:
        ensure_can(gate, "open_call_in")
    assert "only a key decision" in refused.value.missing[0]
    ensure_can(gate, "pass_gate")


@pytest.mark.django_db
def test_the_state_field_cannot_be_set_directly(world):
    gate = gate_in(GateState.OPEN, world)
    with pytest.raises(AttributeError):
        gate.state = GateState.PASSED
