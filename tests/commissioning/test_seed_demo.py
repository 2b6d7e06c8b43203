"""`manage.py seed_demo` loads a demo a newcomer can explore: every stage, gate state and role, once."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from commissioning.management.commands.seed_demo import ADMIN_URL, DEMO_PASSWORD, PEOPLE, SIGN_IN_URL, STRATEGIES
from commissioning.models import (
    Evidence,
    Organisation,
    PartnerKind,
    Role,
    RoleAssignment,
    Stage,
    Strategy,
    StrategyPartner,
    User,
)
from workflows.models import Action, AuditEvent, Decision, Delegation, Gate, GateSnapshot, GateState, Seat, SeatState

SHOWN_GATE_STATES = {
    GateState.OPEN,
    GateState.SUBMITTED,
    GateState.CALL_IN,
    GateState.CALLED_IN,
    GateState.PASSED,
    GateState.REJECTED,
    GateState.WITHDRAWN,
}
COUNTED = (
    Organisation,
    User,
    RoleAssignment,
    Strategy,
    StrategyPartner,
    Evidence,
    Gate,
    GateSnapshot,
    Seat,
    Decision,
    Action,
    Delegation,
    AuditEvent,
)


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module (it takes a few seconds) and roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seed_output")]


def current_gate_states() -> set[str]:
    return set(Strategy.objects.values_list("current_gate__state", flat=True))


def test_it_loads_at_least_seventeen_strategies():
    assert Strategy.objects.count() >= 17
    assert Strategy.objects.count() == len(STRATEGIES)


def test_strategies_are_spread_over_every_stage():
    assert set(Strategy.objects.values_list("stage", flat=True)) == set(Stage.values)


def test_current_gates_show_every_gate_state_a_visitor_can_see():
    assert current_gate_states() >= SHOWN_GATE_STATES


def test_values_span_officer_director_and_key_decision_thresholds():
    values = list(Strategy.objects.values_list("total_contract_value", flat=True))
    assert any(v < 100_000 for v in values)
    assert any(100_000 <= v < 500_000 for v in values)
    assert any(v >= 500_000 for v in values)


def test_a_pending_seat_is_overdue():
    assert Seat.objects.filter(state=SeatState.PENDING, due_on__lt=timezone.localdate()).exists()


def test_a_key_decision_is_in_its_call_in_window_and_another_has_been_called_in():
    in_window = Strategy.objects.get(current_gate__state=GateState.CALL_IN).current_gate
    called_in = Strategy.objects.get(current_gate__state=GateState.CALLED_IN).current_gate
    assert in_window.key_decision and in_window.call_in_ends_at > timezone.now()
    assert called_in.called_in_by is not None and called_in.call_in_reason


def test_key_decisions_were_noticed_on_the_forward_plan_or_agreed_as_urgent():
    key_gates = Gate.objects.filter(key_decision=True)
    assert key_gates.filter(notice_published_on__isnull=False).exists()
    assert key_gates.filter(urgency_agreed_by__isnull=False).exists()
    assert not key_gates.filter(notice_published_on__isnull=True, urgency_agreed_at__isnull=True).exists()


def test_the_rejected_gate_gives_its_reasons():
    rejected = Strategy.objects.get(current_gate__state=GateState.REJECTED).current_gate
    assert rejected.decisions.filter(outcome="reject").exclude(reasons="").exists()


def test_a_deputy_decided_a_seat_on_someone_elses_behalf():
    decision = Decision.objects.get(on_behalf_of__isnull=False)
    assert decision.actor != decision.on_behalf_of
    assert Delegation.objects.filter(principal=decision.on_behalf_of, deputy=decision.actor).exists()


def test_a_condition_of_approval_became_an_action():
    action = Action.objects.filter(decision__outcome="approve_with_conditions").first()
    assert action is not None
    assert action.due_on >= timezone.localdate()


def test_a_strategy_is_in_its_second_cycle():
    assert Strategy.objects.filter(cycle=2).exists()


def test_a_pooled_budget_strategy_has_a_pooled_budget_contributor():
    assert StrategyPartner.objects.filter(
        strategy__pooled_budget=True, kind=PartnerKind.POOLED_BUDGET_CONTRIBUTOR
    ).exists()


def test_every_role_is_held_by_someone():
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)


def test_every_gate_state_was_reached_through_the_audited_services():
    for gate in Gate.objects.all():
        last = AuditEvent.objects.filter(object_type__model="gate", object_id=gate.pk).exclude(to_state="")
        assert last.order_by("-pk").values_list("to_state", flat=True).first() == gate.state


def test_every_demo_user_can_sign_in_with_the_demo_password():
    for username in ["admin", *(row.username for row in PEOPLE)]:
        request = RequestFactory().post("/accounts/login/")  # the sign-in lockout needs the request
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None, username
    assert User.objects.get(username="admin").is_superuser


def test_it_prints_the_accounts_the_password_and_the_admin_site(seed_output):
    assert DEMO_PASSWORD in seed_output
    assert ADMIN_URL in seed_output
    assert SIGN_IN_URL in seed_output
    for row in PEOPLE:
        assert row.username in seed_output


def test_running_it_again_changes_nothing():
    before = {model.__name__: model.objects.count() for model in COUNTED}
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo data already loaded" in out.getvalue()
    assert {model.__name__: model.objects.count() for model in COUNTED} == before


def test_a_gate_was_rejected_revised_and_resubmitted_with_changes_for_the_member_who_rejected():
    from commissioning.selectors.changes import changes_for_seat

    gate = Strategy.objects.get(reference="MCC-PH-007").current_gate
    assert gate.state == GateState.SUBMITTED and gate.round == 2
    rejecter = gate.decisions.get(outcome="reject").principal
    seat = gate.current_seats().get(role=Role.PROCUREMENT, state=SeatState.PENDING)
    comparison = changes_for_seat(seat, rejecter)
    assert comparison.yours is not None and comparison.note and comparison.changes["count"] >= 2


def test_an_officer_decision_record_and_an_urgent_decision_exempt_from_call_in_are_published(client):
    items = client.get("/decisions.json").json()["items"]
    assert any(item["kind"] == "officer" for item in items)
    exempt = [item for item in items if item["exempt_from_call_in"]]
    assert exempt and exempt[0]["strategy"]["reference"] == "MCC-HOU-006"
    assert Strategy.objects.get(reference="MCC-HOU-006").stage == Stage.PLAN


def test_a_strategy_in_do_publishes_its_procurement_as_ocds(client):
    package = client.get("/open-data/ocds/MCC-ENV-010.json").json()
    assert {tag for release in package["releases"] for tag in release["tag"]} >= {"planning", "award", "contract"}
    assert any(
        release.get("awards", [{}])[0].get("documents") for release in package["releases"] if "awards" in release
    )
