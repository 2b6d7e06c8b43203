"""The sign-off page (frozen snapshot and decision form), call-in and refer-back, delegations and notifications."""

import datetime as dt
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from commissioning import services
from tests.factories import DelegationFactory, complete_evidence, make_strategy, person
from workflows import outbox
from workflows.models import (
    Action,
    Decision,
    Delegation,
    GateState,
    Notification,
    OutboxMessage,
    RecordOfDecision,
    SeatState,
)
from workflows.services import RecordSpec

pytestmark = pytest.mark.django_db

RECORD = RecordSpec(
    decision_text="Approve the strategy.",
    reasons="It meets the assessed need within budget.",
    alternatives_considered="Do nothing (rejected: unmet need).",
    conflicts_of_interest="None declared.",
)


def submitted(world, **kwargs):
    strategy = make_strategy(world, **kwargs)
    complete_evidence(strategy, world.officer)
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def key_submitted(world):
    """A key decision, submitted without the 28-day wait because the scrutiny chair agreed it is urgent."""
    strategy = make_strategy(world, value="600000", reference="MCC-KEY")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="The provider is failing.")
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def in_call_in(world):
    gate = key_submitted(world)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    services.seat_decide(
        actor=world.member,
        seat_id=gate.current_seats().get(role="executive_member").pk,
        outcome="approve",
        record=RECORD,
    )
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    return gate


def seat_url(gate, role):
    return reverse("seat-signoff", args=[gate.current_seats().get(role=role).pk])


def date_parts(prefix, day: dt.date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def assert_plain(page: str) -> None:
    """No inline script or style (a content security policy will forbid them)."""
    assert "<script" not in page
    assert "style=" not in page


# --------------------------------------------------------------------------------------------------------------
# Signing in
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/seats/1/"),
        ("post", "/seats/1/"),
        ("get", "/strategies/MCC-001/call-in/"),
        ("post", "/strategies/MCC-001/call-in/"),
        ("get", "/strategies/MCC-001/refer-back/"),
        ("get", "/delegations/"),
        ("post", "/delegations/"),
        ("post", "/delegations/1/revoke/"),
        ("get", "/notifications/"),
        ("post", "/notifications/read/"),
    ],
)
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


# --------------------------------------------------------------------------------------------------------------
# The sign-off page
# --------------------------------------------------------------------------------------------------------------


def test_the_sign_off_page_shows_the_frozen_snapshot_and_its_hash(client, world):
    gate = submitted(world)
    client.force_login(world.finance)
    response = client.get(seat_url(gate, "finance"))
    page = response.text
    assert response.status_code == 200
    assert gate.snapshot_hash in page
    assert "Hash verified" in page
    assert "Needs assessment: done." in page
    assert "Commissioning strategy document: done." in page
    assert "Adult carers support" in page
    assert "Co-commissioner" in page  # the partners as submitted
    assert "Partner signatory, Midshire Integrated Care Board" in page  # the other seats and their states
    assert 'name="gate_version"' in page
    assert "Record decision" in page
    assert_plain(page)


def test_approving_with_conditions_through_the_form_creates_the_actions(client, world):
    gate = submitted(world)
    client.force_login(world.finance)
    due = timezone.localdate() + dt.timedelta(days=30)
    response = client.post(
        seat_url(gate, "finance"),
        {
            "gate_version": gate.version,
            "outcome": "approve_with_conditions",
            "condition_1_description": "Publish the carers' engagement report.",
            "condition_1_owner": world.officer.pk,
            **date_parts("condition_1_due", due),
            "condition_2_description": "Agree the monitoring measures with the ICB.",
            "condition_2_owner": world.icb_signatory.pk,
            **date_parts("condition_2_due", due + dt.timedelta(days=7)),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    decision = Decision.objects.get(seat__gate=gate, seat__role="finance")
    assert decision.outcome == "approve_with_conditions"
    assert decision.snapshot_hash == gate.snapshot_hash
    actions = list(Action.objects.filter(decision=decision).order_by("pk"))
    assert [(a.description, a.owner, a.due_on) for a in actions] == [
        ("Publish the carers' engagement report.", world.officer, due),
        ("Agree the monitoring measures with the ICB.", world.icb_signatory, due + dt.timedelta(days=7)),
    ]
    assert "Your decision on MCC-001" in client.get(reverse("home")).text


def test_a_condition_needs_an_owner_a_real_date_and_an_owner_from_the_strategys_organisations(client, world):
    gate = submitted(world)
    stranger = person("stranger", world.district)  # the district is not party to this strategy
    client.force_login(world.finance)
    response = client.post(
        seat_url(gate, "finance"),
        {
            "gate_version": gate.version,
            "outcome": "approve_with_conditions",
            "condition_1_description": "Publish the report.",
            "condition_1_owner": stranger.pk,
            "condition_1_due_day": "31",
            "condition_1_due_month": "2",
            "condition_1_due_year": "2030",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Choose the owner from the list" in response.text
    assert "The due date of condition 1 must be a real date" in response.text
    assert not Decision.objects.exists()


def test_rejecting_without_reasons_shows_the_error_summary_and_changes_nothing(client, world):
    gate = submitted(world)
    version = gate.version
    client.force_login(world.finance)
    response = client.post(seat_url(gate, "finance"), {"gate_version": gate.version, "outcome": "reject"})
    assert response.status_code == 200
    page = response.text
    assert "govuk-error-summary" in page
    assert '<a href="#id_reasons">Give the reasons for rejecting' in page
    assert "govuk-form-group--error" in page
    assert not Decision.objects.exists()
    gate.refresh_from_db()
    assert gate.state == GateState.SUBMITTED and gate.version == version
    assert gate.current_seats().get(role="finance").state == SeatState.PENDING
    assert_plain(page)


def test_choosing_nothing_is_an_error_too(client, world):
    gate = submitted(world)
    client.force_login(world.finance)
    response = client.post(seat_url(gate, "finance"), {"gate_version": gate.version})
    assert '<a href="#id_outcome">Choose approve, approve with conditions, or reject</a>' in response.text
    assert not Decision.objects.exists()


def test_a_stale_form_is_refused_with_the_reason(client, world):
    gate = submitted(world)
    client.force_login(world.finance)
    services.seat_decide(
        actor=world.icb_signatory, seat_id=gate.current_seats().get(role="partner_signatory").pk, outcome="approve"
    )
    response = client.post(seat_url(gate, "finance"), {"gate_version": gate.version, "outcome": "approve"})
    assert response.status_code == 412  # a stale version: the same status as the API's stale If-Match
    assert "There is a problem" in response.text
    assert "has changed since you loaded it" in response.text
    assert not Decision.objects.filter(seat__role="finance").exists()


def test_a_key_decision_seat_needs_the_record_of_decision(client, world):
    gate = key_submitted(world)
    url = seat_url(gate, "executive_member")
    client.force_login(world.member)
    page = client.get(url).text
    assert "Record of decision" in page
    assert "Key decision" in page
    assert "Urgency exemption" in page and "The provider is failing." in page
    response = client.post(url, {"gate_version": gate.version, "outcome": "approve"})
    assert response.status_code == 200
    for message in (
        "Record the decision",
        "Record the reasons for the decision",
        "Record the alternatives considered and rejected",
        "Record any conflicts of interest declared",
    ):
        assert message in response.text
    assert not Decision.objects.exists()
    response = client.post(
        url,
        {
            "gate_version": gate.version,
            "outcome": "approve",
            "record_decision_text": RECORD.decision_text,
            "record_reasons": RECORD.reasons,
            "record_alternatives_considered": RECORD.alternatives_considered,
            "record_conflicts_of_interest": RECORD.conflicts_of_interest,
        },
    )
    assert response.status_code == 302
    record = RecordOfDecision.objects.get()
    assert record.decision.actor == world.member
    assert record.alternatives_considered == RECORD.alternatives_considered


def test_a_deputy_is_told_they_decide_on_behalf_of_their_principal_and_the_decision_records_it(client, world):
    gate = submitted(world)
    deputy = person("deputy", world.county)
    DelegationFactory(principal=world.finance, deputy=deputy)
    client.force_login(deputy)
    url = seat_url(gate, "finance")
    assert escape(f"You are deciding on behalf of {world.finance}") in client.get(url).text
    response = client.post(url, {"gate_version": gate.version, "outcome": "approve"})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.actor == deputy
    assert decision.on_behalf_of == world.finance


def test_someone_who_cannot_decide_sees_why_and_no_form_and_their_post_is_refused(client, world):
    gate = submitted(world)
    url = seat_url(gate, "finance")
    client.force_login(world.legal)  # at the lead organisation: may see the strategy, not decide the seat
    response = client.get(url)
    assert response.status_code == 200
    assert gate.snapshot_hash in response.text
    assert "Record decision" not in response.text
    assert "You cannot decide this seat: it needs Finance officer, Midshire County Council" in response.text
    response = client.post(url, {"gate_version": gate.version, "outcome": "approve"})
    assert response.status_code == 403
    assert "There is a problem" in response.text
    assert not Decision.objects.exists()


def test_the_submitter_sees_why_they_cannot_sign_off_their_own_gate(client, world):
    gate = submitted(world)
    client.force_login(world.officer)
    response = client.post(
        seat_url(gate, "commissioning_officer"), {"gate_version": gate.version, "outcome": "approve"}
    )
    assert response.status_code == 403
    assert "You submitted this gate" in response.text
    assert not Decision.objects.exists()


def test_a_seat_of_a_strategy_the_person_cannot_see_is_not_found(client, world):
    gate = submitted(world)
    client.force_login(world.district_signatory)  # the district is not party to this strategy
    assert client.get(seat_url(gate, "finance")).status_code == 404
    assert client.post(seat_url(gate, "finance"), {"outcome": "approve"}).status_code == 404
    assert client.get(reverse("seat-signoff", args=[999999])).status_code == 404


def test_a_decided_seat_shows_the_decision_and_no_form(client, world):
    gate = submitted(world)
    services.seat_decide(actor=world.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
    client.force_login(world.finance)
    page = client.get(seat_url(gate, "finance")).text
    assert "This seat has already been decided: approved." in page
    assert escape(f"Approve by {world.finance}") in page
    assert "Record decision" not in page


# --------------------------------------------------------------------------------------------------------------
# Call-in and refer-back
# --------------------------------------------------------------------------------------------------------------


def test_a_scrutiny_member_calls_in_a_decision_in_its_window(client, world):
    gate = in_call_in(world)
    url = reverse("decision-call-in", args=["MCC-KEY"])
    client.force_login(world.scrutiny)
    page = client.get(url).text
    assert "Call in the decision</button>" in page
    assert RECORD.alternatives_considered in page
    assert " left)" in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert '<a href="#id_reason">Give the reasons for calling the decision in</a>' in response.text
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    response = client.post(url, {"reason": "The consultation did not include carers' groups."})
    assert response.status_code == 302
    gate.refresh_from_db()
    assert gate.state == GateState.CALLED_IN
    assert gate.called_in_by == world.scrutiny
    assert "has been called in" in client.get(response["Location"]).text


def test_only_scrutiny_may_call_in_and_only_the_chair_may_refer_back(client, world):
    gate = in_call_in(world)
    client.force_login(world.finance)
    url = reverse("decision-call-in", args=["MCC-KEY"])
    assert "Call in the decision</button>" not in client.get(url).text
    response = client.post(url, {"reason": "I disagree."})
    assert response.status_code == 403
    assert "Only scrutiny members at Midshire County Council" in response.text
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    client.force_login(world.district_signatory)
    assert client.get(url).status_code == 404  # cannot see the strategy at all


def test_the_scrutiny_chair_refers_a_called_in_decision_back(client, world):
    gate = in_call_in(world)
    services.decision_call_in(actor=world.scrutiny, strategy_id=gate.subject_id, reason="Carers were not asked.")
    url = reverse("decision-refer-back", args=["MCC-KEY"])
    client.force_login(world.scrutiny)
    assert client.post(url, {"reason": "Ask carers."}).status_code == 403
    client.force_login(world.chair)
    assert "Refer the decision back</button>" in client.get(url).text
    response = client.post(url, {"reason": "Consult carers' groups, then decide again."})
    assert response.status_code == 302
    gate.refresh_from_db()
    assert gate.state == GateState.SUBMITTED
    assert gate.current_seats().get(role="executive_member").state == SeatState.PENDING


# --------------------------------------------------------------------------------------------------------------
# Delegations
# --------------------------------------------------------------------------------------------------------------


def test_a_person_names_a_deputy_and_revokes_them(client, world):
    client.force_login(world.finance)
    page = client.get(reverse("delegations")).text
    assert f'<option value="{world.manager.pk}">' in page
    assert f'<option value="{world.icb_signatory.pk}">' not in page  # not at the person's organisation
    assert_plain(page)
    today = timezone.localdate()
    response = client.post(
        reverse("delegations"),
        {
            "deputy": world.manager.pk,
            **date_parts("starts_on", today),
            **date_parts("ends_on", today + dt.timedelta(days=10)),
            "reason": "Annual leave",
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.principal, delegation.deputy, delegation.reason) == (
        world.finance,
        world.manager,
        "Annual leave",
    )
    page = client.get(reverse("delegations")).text
    assert "Active</strong>" in page
    response = client.post(reverse("delegation-revoke", args=[delegation.pk]))
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert "Revoked</strong>" in client.get(reverse("delegations")).text


def test_naming_a_deputy_shows_every_error(client, world):
    client.force_login(world.finance)
    today = timezone.localdate()
    response = client.post(
        reverse("delegations"),
        {
            "deputy": "",
            "starts_on_day": "31",
            "starts_on_month": "2",
            "starts_on_year": str(today.year + 1),
            **date_parts("ends_on", today - dt.timedelta(days=1)),
        },
    )
    page = response.text
    assert response.status_code == 200
    assert '<a href="#id_deputy">Choose a deputy</a>' in page
    assert '<a href="#id_starts_on_day">The first day must be a real date</a>' in page
    assert '<a href="#id_ends_on_day">The last day must be today or later</a>' in page
    assert not Delegation.objects.exists()


def test_the_deputy_sees_the_delegation_they_hold_and_cannot_revoke_it(client, world):
    delegation = DelegationFactory(principal=world.finance, deputy=world.manager)
    client.force_login(world.manager)
    page = client.get(reverse("delegations")).text
    assert "Seats you can decide as a deputy" in page
    assert str(world.finance) in page
    assert client.post(reverse("delegation-revoke", args=[delegation.pk])).status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


# --------------------------------------------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------------------------------------------


def test_notifications_are_listed_newest_first_and_marked_read(client, world):
    submitted(world, reference="MCC-001", title="Adult carers support")
    submitted(world, reference="MCC-002", title="Highways maintenance")
    outbox.deliver_due()
    mine = list(Notification.objects.filter(recipient=world.finance).order_by("-created_at", "-pk"))
    assert len(mine) == 2
    client.force_login(world.finance)
    page = client.get(reverse("notifications")).text
    assert page.index(mine[0].title) < page.index(mine[1].title)
    assert page.count("Unread</strong>") == 2
    assert_plain(page)
    response = client.post(reverse("notifications-read"), {"notification": mine[1].pk})
    assert response.status_code == 302
    mine[1].refresh_from_db()
    mine[0].refresh_from_db()
    assert mine[1].read_at is not None and mine[0].read_at is None
    client.post(reverse("notifications-read"))
    assert not Notification.objects.filter(recipient=world.finance, read_at__isnull=True).exists()
    assert "Unread</strong>" not in client.get(reverse("notifications")).text


def test_a_person_cannot_mark_someone_elses_notification(client, world):
    submitted(world)
    outbox.deliver_due()
    theirs = Notification.objects.filter(recipient=world.finance).first()
    client.force_login(world.legal)
    assert client.post(reverse("notifications-read"), {"notification": theirs.pk}).status_code == 404
    assert client.post(reverse("notifications-read"), {"notification": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert theirs.title not in client.get(reverse("notifications")).text


def test_notifications_are_paginated_fifty_a_page(client, world):
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(dedup_key=f"test:{n}", channel="in_app", recipient=world.finance, template="t") for n in range(55)
    )
    Notification.objects.bulk_create(
        Notification(recipient=world.finance, message=message, title=f"Notice number {n:02d}")
        for n, message in enumerate(messages)
    )
    client.force_login(world.finance)
    first = client.get(reverse("notifications")).text
    assert first.count("Unread</strong>") == 50
    assert "Notice number 54" in first and "Notice number 04" not in first
    assert 'href="?page=2" rel="next"' in first
    second = client.get(reverse("notifications"), {"page": 2}).text
    assert second.count("Unread</strong>") == 5
    assert "Notice number 00" in second
