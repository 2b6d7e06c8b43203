"""Signing in and the home page: a start page for visitors; for each person, their roles, the seats waiting for
them (soonest due first, key decisions and overdue seats marked), their strategies and what needs them, scrutiny's
call-in windows and a partner's strategies and seats."""

import datetime as dt
from html import escape

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning import services
from commissioning.models import Strategy
from tests.factories import DelegationFactory, complete_evidence, make_strategy, person
from workflows.models import Gate, Seat, SeatState

pytestmark = pytest.mark.django_db


def submitted(world, **kwargs):
    strategy = make_strategy(world, **kwargs)
    complete_evidence(strategy, world.officer)
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def key_submitted(world, **kwargs):
    strategy = make_strategy(world, value="600000", **kwargs)
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Provider failure.")
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def queue_table(page: str) -> str:
    start = page.index('id="queue"')
    return page[start : page.index("</table>", start)]


def test_a_visitor_is_offered_the_sign_in_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("login") in response.text
    assert "govuk-button--start" in response.text


def test_every_role_can_sign_in_with_a_password(client, world):
    response = client.post(reverse("login"), {"username": "finance", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert "Finance officer, Midshire County Council" in client.get(reverse("home")).text


def test_a_wrong_password_is_a_clear_error_not_a_crash(client, world):
    response = client.post(reverse("login"), {"username": "finance", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "correct username and password" in response.text


def test_finance_sees_the_seat_waiting_for_them_until_they_decide_it(client, world):
    gate = submitted(world)
    client.force_login(world.finance)
    page = client.get(reverse("home")).text
    assert "Finance officer, Midshire County Council" in page
    assert gate.title in page
    seat = gate.current_seats().get(role="finance")
    assert reverse("seat-signoff", args=[seat.pk]) in page
    services.seat_decide(actor=world.finance, seat_id=seat.pk, outcome="approve")
    assert "Nothing is waiting for your sign-off." in client.get(reverse("home")).text


def test_the_submitter_does_not_see_their_own_gate_in_their_queue(client, world):
    submitted(world)
    client.force_login(world.officer)
    page = client.get(reverse("home")).text
    assert "Nothing is waiting for your sign-off." in page
    assert "MCC-001: Adult carers support" in page  # but it is among the strategies they lead


def test_a_deputy_sees_their_principals_seats_and_others_see_none(client, world):
    gate = submitted(world)
    deputy = person("deputy", world.county)
    client.force_login(deputy)
    assert "Nothing is waiting" in client.get(reverse("home")).text
    DelegationFactory(principal=world.finance, deputy=deputy)
    page = client.get(reverse("home")).text
    assert gate.title in page
    assert escape(f"as deputy for {world.finance}") in page
    client.force_login(world.district_signatory)
    assert "Nothing is waiting" in client.get(reverse("home")).text


def test_the_queue_is_soonest_due_first_with_key_decisions_overdue_seats_and_counts(client, world):
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        overdue = submitted(world, reference="MCC-OLD", title="Highways maintenance")
    key = key_submitted(world, reference="MCC-KEY", title="Community mental health")
    later = submitted(world, reference="MCC-NEW", title="Adult carers support")
    client.force_login(world.finance)
    page = client.get(reverse("home")).text
    table = queue_table(page)
    assert table.index("MCC-OLD") < table.index("MCC-KEY") < table.index("MCC-NEW")
    assert table.count("Overdue</strong>") == 1
    assert table.count("Key decision</strong>") == 1
    assert '<strong class="govuk-!-font-weight-bold" id="queue-waiting">3</strong>' in page
    assert '<strong class="govuk-!-font-weight-bold" id="queue-overdue">1</strong>' in page
    assert '<strong class="govuk-!-font-weight-bold" id="queue-key">1</strong>' in page
    for gate in (overdue, key, later):
        seat = gate.current_seats().get(role="finance")
        assert reverse("seat-signoff", args=[seat.pk]) in table


def test_an_officer_sees_their_strategies_by_stage_and_what_needs_them(client, world):
    strategy = make_strategy(world, reference="MCC-EVI")
    rejected = submitted(world, reference="MCC-REJ", title="Highways maintenance")
    services.seat_decide(
        actor=world.finance,
        seat_id=rejected.current_seats().get(role="finance").pk,
        outcome="reject",
        reasons="The budget does not add up.",
    )
    client.force_login(world.officer)
    page = client.get(reverse("home")).text
    assert "Strategies you lead" in page
    assert "Analyse (2)" in page
    assert f"{strategy.reference}: {strategy.title}</a>: 5 required evidence items" in page
    assert "Gate rejected" in page
    assert "The budget does not add up." in page


def test_scrutiny_sees_the_decisions_in_their_call_in_window_and_a_partner_its_strategies(client, world):
    gate = key_submitted(world, reference="MCC-KEY")
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    client.force_login(world.outsider)  # a partner viewer at the ICB, a co-commissioner
    page = client.get(reverse("home")).text
    assert "Strategies your organisation is party to" in page
    assert "MCC-KEY" in page
    assert "Partner signatory, Midshire Integrated Care Board</a>: approved" in page
    client.force_login(world.scrutiny)
    assert "No decision is in its call-in window." in client.get(reverse("home")).text
    from workflows.services import RecordSpec

    services.seat_decide(
        actor=world.member,
        seat_id=gate.current_seats().get(role="executive_member").pk,
        outcome="approve",
        record=RecordSpec("Approve.", "Needed.", "None viable.", "None declared."),
    )
    page = client.get(reverse("home")).text
    assert reverse("decision-call-in", args=["MCC-KEY"]) in page
    assert " left)" in page


def bulk_queue(world, count: int, *, for_others_only: bool = False) -> None:
    """`count` submitted gates, bulk-created (bypassing the services): on each, one seat waiting for finance (every
    third as the executive member's deputy) and four seats waiting for other people."""
    content_type = ContentType.objects.get_for_model(Strategy)
    first = Strategy.objects.count()
    strategies = Strategy.objects.bulk_create(
        Strategy(
            reference=f"BULK-{first + i:05d}",
            title=f"Bulk strategy {first + i}",
            service_area="corporate",
            lead_organisation=world.county,
            lead_officer=world.officer,
        )
        for i in range(count)
    )
    gates = Gate.objects.bulk_create(
        Gate(
            subject_type=content_type,
            subject_id=strategy.pk,
            stage="analyse",
            cycle=1,
            title=f"Analyse gate, cycle 1: {strategy.title}",
            state="submitted",
            round=1,
            key_decision=i % 4 == 0,
            submitted_by=world.officer,
            snapshot_hash="0" * 64,
        )
        for i, strategy in enumerate(strategies)
    )
    for strategy, gate in zip(strategies, gates, strict=True):
        strategy.current_gate = gate
    Strategy.objects.bulk_update(strategies, ["current_gate"])
    today = timezone.localdate()
    seats = []
    for i, gate in enumerate(gates):
        mine = "executive_member" if i % 3 == 0 else "finance"
        if for_others_only:
            mine = "scrutiny_member"
        for role in (mine, "legal", "procurement", "commissioning_manager", "commissioning_officer"):
            seats.append(
                Seat(
                    gate=gate,
                    round=1,
                    role=role,
                    organisation=world.county,
                    label=f"{role}, Midshire County Council",
                    due_on=today + dt.timedelta(days=(i % 30) - 10),
                    state=SeatState.PENDING,
                )
            )
    Seat.objects.bulk_create(seats)


def test_the_home_page_costs_the_same_few_queries_with_5_or_500_waiting_seats_among_50000(client, world):
    """500 waiting seats among 50,000."""
    DelegationFactory(principal=world.member, deputy=world.finance)
    client.force_login(world.finance)
    bulk_queue(world, 5)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("home"))
    assert response.text.count("Review and decide") == 5
    bulk_queue(world, 495)
    bulk_queue(world, 9500, for_others_only=True)
    assert Seat.objects.count() == 50_000
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))
    page = response.text
    assert len(many) == len(few) <= 12, [q["sql"] for q in many.captured_queries]
    # The queue comes a page of 50 at a time, with the counts of the whole queue.
    assert '<strong class="govuk-!-font-weight-bold" id="queue-waiting">500</strong>' in page
    assert page.count("Review and decide") == 50
    assert "(1 to 50 of 500)" in page
    pages = [client.get(reverse("home"), {"page": n}).text for n in range(1, 11)]
    assert [p.count("Review and decide") for p in pages] == [50] * 10
    assert "(451 to 500 of 500)" in pages[-1]
    assert sum(p.count(escape(f"as deputy for {world.member}")) for p in pages) == 167
    assert client.get(reverse("home"), {"page": "eleven"}).text.count("(1 to 50 of 500)") == 1  # first page


def test_the_home_page_costs_the_same_queries_for_an_officer_scrutiny_and_a_partner(client, world):
    for user in (world.officer, world.chair, world.outsider):
        client.force_login(user)
        submitted(world)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("home"))
        for _ in range(4):
            submitted(world)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("home"))
        assert len(many) == len(few) <= 12
