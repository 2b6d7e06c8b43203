"""The partner API's read side: who sees what, conditional requests, filters, history and the events feed."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from commissioning import services
from commissioning.api import serializers as s
from commissioning.management.commands.api_token import service_account
from tests.clients import token_client
from tests.factories import OrganisationFactory, complete_evidence, make_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    """Strategy A has the ICB as a partner; strategy B has the district council; C has both."""
    a = make_strategy(world, reference="MCC-A")
    b = make_strategy(world, reference="MCC-B", partners=[services.PartnerSpec(world.district.pk, "consultee")])
    c = make_strategy(world, reference="MCC-C", pooled=True)
    return world, a, b, c


def references(response):
    return sorted(item["reference"] for item in response.json()["results"])


def test_anonymous_callers_get_401_as_problem_json(api):
    response = APIClient().get("/api/v1/strategies/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["title"]) == (401, "Not signed in")
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_partner_sees_only_the_strategies_it_is_party_to(api):
    w, _a, _b, _c = api
    assert references(token_client(w.icb).get("/api/v1/strategies/")) == ["MCC-A", "MCC-C"]
    assert references(token_client(w.district).get("/api/v1/strategies/")) == ["MCC-B", "MCC-C"]
    stranger = OrganisationFactory(name="Elsewhere Council", code="ELS")
    assert references(token_client(stranger).get("/api/v1/strategies/")) == []


@pytest.mark.parametrize("suffix", ["", "history/", "decisions/"])
def test_another_partners_strategy_is_a_404_never_a_leak(api, suffix):
    w, _a, _b, _c = api
    response = token_client(w.district).get(f"/api/v1/strategies/MCC-A/{suffix}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "MCC-A" in response.json()["detail"]
    assert "Adult carers" not in response.content.decode()
    assert token_client(w.icb).get(f"/api/v1/strategies/MCC-A/{suffix}").status_code == 200


def test_council_staff_see_their_organisations_strategies_with_their_session(api):
    w, *_ = api
    client = APIClient()
    client.force_login(w.finance)
    assert references(client.get("/api/v1/strategies/")) == ["MCC-A", "MCC-B", "MCC-C"]


def test_the_detail_shows_stage_gate_seats_evidence_and_links(api):
    w, a, *_ = api
    complete_evidence(a, w.officer)
    services.gate_submit(actor=w.officer, strategy_id=a.pk)
    body = token_client(w.icb).get("/api/v1/strategies/MCC-A/").json()
    assert (body["stage"], body["cycle"], body["current_gate"]["state"]) == ("analyse", 1, "submitted")
    assert body["evidence_progress"] == {"required": 5, "complete": 5}
    assert sorted(seat["role"] for seat in body["current_gate"]["seats"]) == [
        "commissioning_officer",
        "finance",
        "partner_signatory",
    ]
    assert body["next_deadline"]["what"].startswith("sign-off due")
    assert len(body["current_gate"]["snapshot_hash"]) == 64
    assert body["links"]["history"] == "/api/v1/strategies/MCC-A/history/"


def test_an_unchanged_detail_poll_is_a_304_in_two_queries(api):
    w, a, *_ = api
    client = token_client(w.icb)
    first = client.get("/api/v1/strategies/MCC-A/")
    assert first.status_code == 200
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/strategies/MCC-A/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert len(queries) <= 2
    services.strategy_update(actor=w.officer, strategy_id=a.pk, summary="Changed")
    changed = client.get("/api/v1/strategies/MCC-A/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_an_unchanged_list_poll_is_a_304_in_two_queries_and_any_change_shows(api):
    w, _a, _b, c = api
    client = token_client(w.icb)
    first = client.get("/api/v1/strategies/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/strategies/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert len(queries) <= 2
    last_modified = first["Last-Modified"]
    assert client.get("/api/v1/strategies/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    complete_evidence(c, w.officer)  # a change to a strategy the ICB can see
    assert client.get("/api/v1/strategies/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_change_to_a_strategy_the_partner_cannot_see_does_not_change_its_etag(api):
    w, _a, b, _c = api
    client = token_client(w.icb)
    etag = client.get("/api/v1/strategies/")["ETag"]
    services.strategy_update(actor=w.officer, strategy_id=b.pk, summary="Only the district can see this")
    assert client.get("/api/v1/strategies/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_page_of_strategies_with_gates_and_seats_costs_the_same_few_queries_at_10_and_100_rows(world):
    client = token_client(world.icb)
    counts = {}
    made = 0
    for size in (10, 100):
        for n in range(made, size):
            strategy = make_strategy(world, reference=f"MCC-{n:03d}", pooled=n % 2 == 0)
            if n % 3 == 0:
                complete_evidence(strategy, world.officer)
                services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
        made = size
        cache.clear()  # nothing kept: the token is checked in the database and every strategy is built
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/strategies/?page_size=100")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        assert sum(len(item["current_gate"]["seats"]) for item in response.json()["results"]) > 0
        counts[size] = len(queries)
    assert counts[10] == counts[100] <= 8, counts


def test_filters_work_and_bad_ones_are_a_400_naming_the_field(api):
    w, _a, _b, _c = api
    client = token_client(w.icb)
    assert references(client.get(f"/api/v1/strategies/?organisation={w.district.pk}")) == ["MCC-C"]
    assert references(client.get("/api/v1/strategies/?stage=plan")) == []
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert references(client.get("/api/v1/strategies/", {"updated_since": future})) == []
    bad = client.get("/api/v1/strategies/?stage=pondering&page_size=0&updated_since=yesterday")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert set(bad.json()["errors"]) == {"stage", "page_size", "updated_since"}


def test_cursor_pagination_is_stable(world):
    for n in range(5):
        make_strategy(world, reference=f"MCC-{n}")
    client = token_client(world.icb)
    page = client.get("/api/v1/strategies/?page_size=2").json()
    seen = [item["reference"] for item in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [item["reference"] for item in page["results"]]
    assert seen == [f"MCC-{n}" for n in range(5)]


def test_history_and_the_events_feed_sync_incrementally(api):
    w, a, b, _c = api
    client = token_client(w.icb)
    history = client.get("/api/v1/strategies/MCC-A/history/").json()
    assert [e["transition"] for e in history["results"]] == ["create", "create"]
    feed = client.get("/api/v1/events/").json()
    assert {e["strategy"] for e in feed["results"]} == {"MCC-A", "MCC-C"}
    cursor = feed["next_after"]
    assert client.get(f"/api/v1/events/?after={cursor}").json()["results"] == []
    complete_evidence(a, w.officer)
    services.strategy_update(actor=w.officer, strategy_id=b.pk, summary="Not for the ICB")
    new = client.get(f"/api/v1/events/?after={cursor}").json()["results"]
    assert len(new) == 5
    assert {e["strategy"] for e in new} == {"MCC-A"}
    assert client.get("/api/v1/events/?after=-1").status_code == 400


def test_decisions_show_the_snapshot_hash_each_approved(api):
    w, a, *_ = api
    complete_evidence(a, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=a.pk)
    services.seat_decide(actor=w.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
    [decision] = token_client(w.icb).get("/api/v1/strategies/MCC-A/decisions/").json()
    assert decision["snapshot_hash"] == gate.snapshot_hash
    assert (decision["outcome"], decision["seat_label"]) == ("approve", "Finance officer, Midshire County Council")


def test_an_expired_or_revoked_token_is_refused(api):
    w, *_ = api
    expired = token_client(w.icb, expiry=dt.timedelta(seconds=-1))
    assert expired.get("/api/v1/strategies/").status_code == 401
    client = token_client(w.icb)
    call_command("api_token", "ICB", "--revoke-all")
    assert client.get("/api/v1/strategies/").status_code == 401


def test_the_token_command_prints_the_secret_once_and_stores_only_its_hash(api, capsys):
    call_command("api_token", "icb", "--days", "30")
    out = capsys.readouterr().out
    secret = next(line for line in out.splitlines() if line.startswith("cce_"))
    token = AuthToken.objects.get()
    assert secret not in (token.digest, token.token_key)
    assert token.expiry.date() == (timezone.now() + dt.timedelta(days=30)).date()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/api/v1/strategies/").status_code == 200


def test_a_body_over_the_limit_is_a_413(api, settings):
    w, *_ = api
    settings.API_MAX_BODY_BYTES = 1000
    response = token_client(w.icb).post("/api/v1/strategies/", {"x": "y" * 2000}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_too_many_requests_from_one_token_is_a_429_with_retry_after(api, settings):
    from django.core.cache import cache

    w, *_ = api
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/minute"}}
    try:
        client = token_client(w.icb)
        statuses = [client.get("/api/v1/strategies/").status_code for _ in range(4)]
        other = token_client(w.district).get("/api/v1/strategies/").status_code
        limited = client.get("/api/v1/strategies/")
    finally:
        cache.clear()
    assert statuses == [200, 200, 200, 429]
    assert other == 200  # per token, not global
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) > 0


def test_the_schema_and_offline_docs_are_served(api):
    w, *_ = api
    client = token_client(w.icb)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/strategies/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "/assets/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content.decode()


def test_the_fast_representation_is_exactly_what_the_serializer_gives(api):
    """The list and detail build their JSON directly (api.serializers.strategy_data) for speed; the serializers are
    the published contract. Both must say the same for strategies in every kind of state."""
    from django.urls import reverse

    from commissioning.selectors import strategies_for_api

    w, _, _, c = api
    complete_evidence(c, w.officer)
    services.gate_submit(actor=w.officer, strategy_id=c.pk)
    service_user = service_account(w.icb)
    base = reverse("api:strategy-list")
    compared = 0
    for strategy in strategies_for_api(service_user).order_by("pk"):
        assert s.strategy_data(strategy, base) == dict(s.StrategySerializer(strategy).data), strategy.reference
        compared += 1
    assert compared == 2  # A and C: the ICB's


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/strategies/?updated_since=", "updated_since"),
        ("/api/v1/strategies/?stage=", "stage"),
        ("/api/v1/events/?after=", "after"),
        ("/api/v1/events/?limit=0", "limit"),
        ("/api/v1/strategies/MCC-A/history/?limit=0", "limit"),
        ("/api/v1/webhooks/?page_size=null", "page_size"),
        ("/api/v1/strategies/?page_size=101", "page_size"),
    ],
)
def test_an_empty_or_unreadable_query_parameter_is_a_400_naming_it(api, path, parameter):
    w, *_ = api
    response = token_client(w.icb).get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert parameter in response.json()["errors"]
