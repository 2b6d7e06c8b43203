"""Deciding seats through the API: the caller's queue, If-Match on the gate's version, and Idempotency-Key."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from commissioning import services
from tests.factories import complete_evidence, make_strategy
from workflows.models import Decision, GateState

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    _, secret = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def gate(world):
    strategy = make_strategy(world, reference="MCC-A", pooled=True)
    complete_evidence(strategy, world.officer)
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def seat_of(gate, role, organisation):
    return gate.current_seats().get(role=role, organisation=organisation)


def decide(client, seat, version, body, **headers):
    return client.post(
        f"/api/v1/seats/{seat.pk}/decision/", body, format="json", HTTP_IF_MATCH=f'"{version}"', **headers
    )


def test_a_partner_signatory_sees_their_organisations_seat_in_their_queue(world, gate):
    queue = client_for(world.icb_signatory).get("/api/v1/seats/").json()
    assert [(item["strategy"], item["label"]) for item in queue] == [
        ("MCC-A", "Partner signatory, Midshire Integrated Care Board")
    ]
    assert queue[0]["gate_version"] == gate.version
    assert client_for(world.outsider).get("/api/v1/seats/").json() == []


def test_a_partner_signatory_approves_through_the_api(world, gate):
    seat = seat_of(gate, "partner_signatory", world.icb)
    response = decide(client_for(world.icb_signatory), seat, gate.version, {"outcome": "approve"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["decision"]["snapshot_hash"] == gate.snapshot_hash
    assert body["gate_state"] == "submitted"
    assert body["gate_version"] == gate.version + 1
    assert response["ETag"] == f'"gate-{gate.pk}-v{gate.version + 1}"'
    assert Decision.objects.get(seat=seat).actor == world.icb_signatory


def test_a_rejection_with_reasons_rejects_the_gate_and_without_them_is_a_400(world, gate):
    client = client_for(world.district_signatory)
    seat = seat_of(gate, "partner_signatory", world.district)
    bad = decide(client, seat, gate.version, {"outcome": "reject"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert "reasons" in bad.json()["errors"]
    ok = decide(client, seat, gate.version, {"outcome": "reject", "reasons": "Our contribution is not agreed"})
    assert ok.status_code == 201
    gate.refresh_from_db()
    assert gate.state == GateState.REJECTED


def test_bad_input_names_each_field(world, gate):
    seat = seat_of(gate, "partner_signatory", world.icb)
    response = decide(
        client_for(world.icb_signatory),
        seat,
        gate.version,
        {"outcome": "maybe", "conditions": [{"description": "", "owner": "x", "due_on": "soon"}]},
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "outcome",
        "conditions[1].description",
        "conditions[1].owner",
        "conditions[1].due_on",
    }


def test_if_match_is_required_and_a_stale_one_is_a_412(world, gate):
    client = client_for(world.icb_signatory)
    seat = seat_of(gate, "partner_signatory", world.icb)
    missing = client.post(f"/api/v1/seats/{seat.pk}/decision/", {"outcome": "approve"}, format="json")
    assert missing.status_code == 428
    services.seat_decide(actor=world.finance, seat_id=seat_of(gate, "finance", world.county).pk, outcome="approve")
    stale = decide(client, seat, gate.version, {"outcome": "approve"})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == gate.version + 1
    assert not Decision.objects.filter(seat=seat).exists()
    assert decide(client, seat, gate.version + 1, {"outcome": "approve"}).status_code == 201
    assert decide(client, seat, "nonsense", {"outcome": "approve"}).status_code == 400


def test_a_retry_with_the_same_idempotency_key_returns_the_first_result_and_changes_nothing(world, gate):
    client = client_for(world.icb_signatory)
    seat = seat_of(gate, "partner_signatory", world.icb)
    first = decide(client, seat, gate.version, {"outcome": "approve"}, HTTP_IDEMPOTENCY_KEY="key-1")
    again = decide(client, seat, gate.version, {"outcome": "approve"}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content  # byte for byte, not the same data serialised again
    assert again["ETag"] == first["ETag"] and again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert Decision.objects.filter(seat=seat).count() == 1
    reused = decide(client, seat, gate.version, {"outcome": "reject", "reasons": "x"}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    without_key = decide(client, seat, gate.version + 1, {"outcome": "approve"})
    assert without_key.status_code == 409  # already decided: a clear conflict, not a second decision


def test_a_refusal_is_replayed_too(world, gate):
    client = client_for(world.icb_signatory)
    seat = seat_of(gate, "finance", world.county)  # not the ICB's seat
    first = decide(client, seat, gate.version, {"outcome": "approve"}, HTTP_IDEMPOTENCY_KEY="k")
    again = decide(client, seat, gate.version, {"outcome": "approve"}, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 403
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/problem+json"


def test_a_seat_on_a_strategy_the_caller_cannot_see_is_a_404(world):
    strategy = make_strategy(world, reference="MCC-B", partners=[])
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    seat = gate.current_seats().get(role="finance")
    response = decide(client_for(world.icb_signatory), seat, gate.version, {"outcome": "approve"})
    assert response.status_code == 404
    assert "MCC-B" not in response.content.decode()
