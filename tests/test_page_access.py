"""Over every page's URL pattern: an anonymous visitor is sent to sign in (unless the page is public), and a person
whose organisation is not party to a strategy never sees it (404), whatever the page."""

import re

import pytest
from django.urls import URLResolver, get_resolver, reverse

from commissioning import services
from tests.factories import OrganisationFactory, complete_evidence, make_strategy, person

pytestmark = pytest.mark.django_db

PUBLIC = {
    "home",
    "login",
    "logout",
    "signed-out",
    "sso-login",
    "sso-callback",
    "forward-plan",
    "records-of-decision",
    "record-of-decision",
    "open-data",
    "forward-plan-atom",
    "forward-plan-json",
    "forward-plan-csv",
    "decisions-atom",
    "decisions-json",
    "decisions-csv",
    "open-data-ocds",
    "record-of-decision-proof",
    "audit-chain",
    "audit-chain-json",
    "calendar-feed",
    "accessibility",
    "privacy",
    "cookies",
}


def page_patterns():
    """(name, route) of every page, leaving out the admin and the API (tested on their own)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in ("admin", "api"):
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield pattern.name, prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def places(world):
    """A key decision of the county's, past sign-off, so every kind of page has something to show."""
    from workflows.services import RecordSpec

    strategy = make_strategy(world, reference="MCC-A", value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Urgent")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    member_seat = gate.current_seats().get(role="executive_member")
    decision = services.seat_decide(
        actor=world.member, seat_id=member_seat.pk, outcome="approve", record=RecordSpec("a", "b", "c", "d")
    )
    delegation = services.delegation_create(
        actor=world.finance,
        principal=world.finance,
        deputy=world.manager,
        starts_on=decision.decided_at.date(),
        ends_on=decision.decided_at.date(),
    )
    kwargs = {
        "reference": strategy.reference,
        "evidence_id": strategy.evidence.first().pk,
        "seat_id": member_seat.pk,
        "decision_id": decision.pk,
        "delegation_id": delegation.pk,
        "name": "stages",
        "token": "not-a-real-token",
        "token_key": "not-a-real-key",
    }
    return world, kwargs


def url_for(name, route, kwargs):
    needed = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(name, kwargs={key: kwargs[key] for key in needed})


def test_the_table_knows_every_page():
    names = {name for name, _ in page_patterns()}
    assert names >= PUBLIC - {"logout"}
    assert "strategy-detail" in names


def test_every_private_page_sends_an_anonymous_visitor_to_sign_in(client, places):
    _, kwargs = places
    for name, route in page_patterns():
        if name in PUBLIC:
            continue
        url = url_for(name, route, kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, f"{method.upper()} {url}: {response.status_code}"
            assert response["Location"].startswith("/accounts/login/"), f"{method.upper()} {url}"


def test_a_person_from_an_organisation_not_party_never_sees_the_strategy(client, places):
    _, kwargs = places
    stranger = person(
        "stranger", OrganisationFactory(name="Faraway Borough Council", code="FBC"), "commissioning_manager"
    )
    client.force_login(stranger)
    for name, route in page_patterns():
        if "reference" not in route and "seat_id" not in route and "evidence_id" not in route:
            continue
        url = url_for(name, route, kwargs)
        response = client.get(url)
        assert response.status_code in (404, 405), f"GET {url}: {response.status_code}"
        assert "MCC-A" not in response.content.decode(), url
        posted = client.post(url)
        assert posted.status_code in (403, 404, 405), f"POST {url}: {posted.status_code}"
    for url in ("/strategies/", "/reports/", "/"):
        assert "MCC-A" not in client.get(url).content.decode(), url
