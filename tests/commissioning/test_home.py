"""Signing in and the home page: each person sees their roles, the seats waiting for them and their strategies."""

import pytest
from django.urls import reverse

from commissioning import services
from tests.factories import DelegationFactory, complete_evidence, make_strategy, person

pytestmark = pytest.mark.django_db


def submitted(world, **kwargs):
    strategy = make_strategy(world, **kwargs)
    complete_evidence(strategy, world.officer)
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def test_a_visitor_is_offered_the_sign_in_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("login") in response.text


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
    services.seat_decide(actor=world.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
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
    assert gate.title in client.get(reverse("home")).text
    client.force_login(world.district_signatory)
    assert "Nothing is waiting" in client.get(reverse("home")).text


def test_the_home_page_costs_the_same_queries_with_more_seats(client, world):
    client.force_login(world.finance)
    submitted(world)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(5):
        submitted(world)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))
    assert response.text.count("Finance officer, Midshire County Council") == 7  # role line + 6 seats
    assert len(many) == len(few)
