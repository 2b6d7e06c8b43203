"""Who may do what in the API: every endpoint, for an anonymous caller, partner A (party to the strategy),
partner B (not party), an officer of the lead council and an elected member. Partner B never sees A's data."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from commissioning import services
from commissioning.models import OutcomeMeasure
from tests.factories import complete_evidence, make_strategy

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "partner_a", "partner_b", "officer", "member"]


@pytest.fixture
def setting(world):
    strategy = make_strategy(world, reference="MCC-A", title="Adult carers support")  # the ICB is co-commissioner
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    OutcomeMeasure.objects.create(strategy=strategy, code="carers-supported", name="Carers supported", unit="people")
    people = {
        "partner_a": world.icb_signatory,
        "partner_b": world.district_signatory,
        "officer": world.officer,
        "member": world.member,
    }
    return world, strategy, gate, people


def call(setting, caller, method, url, body=None, **headers):
    _world, _strategy, _gate, people = setting
    client = APIClient()
    if caller != "anonymous":
        _, secret = AuthToken.objects.create(user=people[caller])
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return (
        getattr(client, method)(url, body, format="json", **headers)
        if body is not None
        else getattr(client, method)(url, **headers)
    )


READS = {
    # url: statuses for anonymous, partner A, partner B, officer, member
    "/api/v1/strategies/": [401, 200, 200, 200, 200],
    "/api/v1/strategies/MCC-A/": [401, 200, 404, 200, 200],
    "/api/v1/strategies/MCC-A/history/": [401, 200, 404, 200, 200],
    "/api/v1/strategies/MCC-A/decisions/": [401, 200, 404, 200, 200],
    "/api/v1/events/": [401, 200, 200, 200, 200],
    "/api/v1/seats/": [401, 200, 200, 200, 200],
    "/api/v1/strategies/MCC-A/measures/": [401, 200, 404, 200, 200],
    "/api/v1/webhooks/": [401, 200, 200, 200, 200],
    "/api/v1/schema/": [200, 200, 200, 200, 200],
    "/api/v1/docs/": [200, 200, 200, 200, 200],
    "/api/v1/redoc/": [200, 200, 200, 200, 200],
}


@pytest.mark.parametrize(("url", "caller"), [(url, caller) for url in READS for caller in CALLERS])
def test_reads(setting, url, caller):
    response = call(setting, caller, "get", url)
    assert response.status_code == READS[url][CALLERS.index(caller)]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
    if caller == "partner_b" and url.startswith("/api/v1/") and "schema" not in url:
        assert "MCC-A" not in response.content.decode() or response.status_code == 404
        assert "Adult carers support" not in response.content.decode()


@pytest.mark.parametrize(("caller", "expected"), list(zip(CALLERS, [401, 201, 404, 403, 403], strict=True)))
def test_deciding_the_icb_seat(setting, caller, expected):
    _world, _strategy, gate, _people = setting
    seat = gate.current_seats().get(role="partner_signatory")
    response = call(
        setting,
        caller,
        "post",
        f"/api/v1/seats/{seat.pk}/decision/",
        {"outcome": "approve"},
        HTTP_IF_MATCH=f'"{gate.version}"',
    )
    assert response.status_code == expected
    if expected != 201:
        assert response["Content-Type"] == "application/problem+json"
        seat.refresh_from_db()
        assert seat.state == "pending"


def test_partner_b_sees_none_of_partner_as_events_or_seats(setting):
    events = call(setting, "partner_b", "get", "/api/v1/events/").json()["results"]
    seats = call(setting, "partner_b", "get", "/api/v1/seats/").json()
    assert events == []
    assert seats == []
    assert call(setting, "partner_a", "get", "/api/v1/events/").json()["results"]


@pytest.mark.parametrize(("caller", "expected"), list(zip(CALLERS, [401, 409, 404, 409, 409], strict=True)))
def test_returning_a_figure_while_the_strategy_is_in_analyse(setting, caller, expected):
    """Partner B cannot even learn the strategy exists; everyone party to it is told why not yet."""
    response = call(
        setting,
        caller,
        "post",
        "/api/v1/strategies/MCC-A/measures/carers-supported/figures/",
        {"period": "2026-Q1", "value": "12"},
    )
    assert response.status_code == expected


def test_a_partners_webhooks_are_its_own(setting):
    created = call(
        setting, "partner_a", "post", "/api/v1/webhooks/", {"url": "https://hooks.example.org/cc", "event_types": []}
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/webhooks/{created.json()['id']}/"
    statuses = {caller: call(setting, caller, "get", url).status_code for caller in CALLERS}
    assert statuses == {"anonymous": 401, "partner_a": 200, "partner_b": 404, "officer": 404, "member": 404}
    assert call(setting, "partner_b", "delete", url).status_code == 404
    assert call(setting, "partner_b", "get", url + "deliveries/").status_code == 404
    assert "secret" not in call(setting, "partner_a", "get", url).json()
