"""The API's contract, strict and whole: wrong types and unknown fields are refused by name and change nothing,
cursors are checked the same way on every list, a thing that is not there is a 404, every error a client can meet
is described in the schema (problem+json, 413 and 415 where bodies are taken), nullable fields carry a type, and
the README's examples name organisations the demonstration has."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from commissioning import services
from commissioning.demo import organisations as demo_organisations
from commissioning.management.commands.api_token import service_account
from commissioning.models import PerformanceFigure, Strategy, WebhookSubscription
from commissioning.services import measures
from tests.clients import person_token_client
from tests.contract import published_schema
from tests.factories import complete_evidence, make_strategy
from workflows.models import Decision

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def problem_fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {param["name"] for param in body["invalid_params"]} == set(body["errors"])
    return set(body["errors"])


@pytest.fixture
def gate(world):
    strategy = make_strategy(world, reference="MCC-A", pooled=True)
    complete_evidence(strategy, world.officer)
    return services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


@pytest.fixture
def measured(world):
    strategy = make_strategy(world, reference="MCC-M")
    measures.measure_create(
        actor=world.officer,
        strategy_id=strategy.pk,
        code="carers-supported",
        name="Carers supported",
        unit="people",
        period="year",
        target=Decimal(100),
    )
    Strategy.objects.filter(pk=strategy.pk).update(stage="do")
    return strategy


CONDITION = {"description": "Quarterly report to the board", "owner": 1, "due_on": "2027-03-31"}


def decide(client, gate, body):
    seat = gate.current_seats().get(role="partner_signatory", organisation__code="ICB")
    return client.post(f"/api/v1/seats/{seat.pk}/decision/", body, format="json", HTTP_IF_MATCH=f'"{gate.version}"')


# ---- strict input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "reject", "reasons": 12345}, "reasons"),
        ({"outcome": "approve", "reasons": True}, "reasons"),
        ({"outcome": 1}, "outcome"),
        ({"outcome": "approve", "notes": "meant reasons"}, "notes"),
        ({"outcome": "approve_with_conditions", "conditions": [dict(CONDITION, owner="7")]}, "conditions[1].owner"),
        (
            {"outcome": "approve_with_conditions", "conditions": [dict(CONDITION, description=5)]},
            "conditions[1].description",
        ),
        (
            {"outcome": "approve_with_conditions", "conditions": [CONDITION, {**CONDITION, "ownr": 7}]},
            "conditions[2].ownr",
        ),
    ],
)
def test_a_decision_with_a_wrong_type_or_an_unknown_field_is_refused_by_name_and_records_nothing(
    world, gate, body, field
):
    response = decide(person_token_client(world.icb_signatory), gate, body)
    assert response.status_code == 400, response.json()
    assert field in problem_fields(response)
    assert not Decision.objects.exists()


def test_the_unknown_field_is_named_with_the_fields_the_operation_takes(world, gate):
    response = decide(person_token_client(world.icb_signatory), gate, {"outcome": "approve", "notes": "x"})
    message = response.json()["errors"]["notes"]
    assert "not one this operation takes" in message
    assert "reasons" in message and "conditions" in message


def test_text_must_be_text_in_the_record_of_a_decision_too(world, gate):
    response = decide(
        person_token_client(world.icb_signatory),
        gate,
        {
            "outcome": "approve",
            "record": {
                "decision_text": 1,
                "reasons": "r",
                "alternatives_considered": "a",
                "conflicts_of_interest": "-",
            },
        },
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"record.decision_text"}
    assert "Not a valid string" in response.json()["errors"]["record.decision_text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026", "value": 10, "note": 12345}, "note"),
        ({"period": "2026", "value": 10, "notes": "lost otherwise"}, "notes"),
        ({"period": 2026, "value": 10}, "period"),
        ({"period": "2026", "value": True}, "value"),
    ],
)
def test_a_figure_with_a_wrong_type_or_an_unknown_field_is_refused_by_name(world, measured, body, field):
    client = person_token_client(service_account(world.icb))
    response = client.post("/api/v1/strategies/MCC-M/measures/carers-supported/figures/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in problem_fields(response)
    assert not PerformanceFigure.objects.exists()


def test_a_right_figure_is_still_accepted(world, measured):
    client = person_token_client(service_account(world.icb))
    response = client.post(
        "/api/v1/strategies/MCC-M/measures/carers-supported/figures/",
        {"period": "2026", "value": "10.5", "note": "from the carers' centre"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert PerformanceFigure.objects.get().note == "from the carers' centre"


def test_an_unknown_measure_code_in_the_address_is_a_404(world, measured):
    client = person_token_client(service_account(world.icb))
    response = client.post(
        "/api/v1/strategies/MCC-M/measures/carers-suported/figures/", {"period": "2026", "value": 1}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "measure_not_found"
    assert response.json()["measures"] == ["carers-supported"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://partner.example/h", "evnt_types": ["decide"]}, "evnt_types"),
        ({"url": 12345}, "url"),
        ({"url": "https://partner.example/h", "secret": 1234567890123456789012345678901234567890}, "secret"),
        ({"url": "https://partner.example/h", "active": "yes"}, "active"),
    ],
)
def test_a_webhook_with_a_wrong_type_or_an_unknown_field_subscribes_nobody(world, body, field):
    response = person_token_client(service_account(world.icb)).post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in problem_fields(response)
    assert not WebhookSubscription.objects.exists()


def test_a_webhook_change_with_an_unknown_field_changes_nothing(world):
    client = person_token_client(service_account(world.icb))
    created = client.post(
        "/api/v1/webhooks/", {"url": "https://partner.example/h", "event_types": ["decide"]}, format="json"
    ).json()
    response = client.patch(f"/api/v1/webhooks/{created['id']}/", {"evnt_types": ["submit"]}, format="json")
    assert response.status_code == 400
    assert "evnt_types" in problem_fields(response)
    assert WebhookSubscription.objects.get().event_types == ["decide"]


# ---- cursors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/strategies/", "/api/v1/webhooks/"])
@pytest.mark.parametrize("cursor", ["", "%%%", "bm90LWEtY3Vyc29y"])
def test_a_bad_cursor_is_a_400_on_every_list(world, path, cursor):
    response = person_token_client(service_account(world.icb)).get(path, {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert "cursor" in problem_fields(response)


def test_a_cursor_the_api_gave_pages_on_and_next_is_an_absolute_address(world):
    for number in range(3):
        make_strategy(world, reference=f"MCC-P{number}")
    client = person_token_client(service_account(world.icb))
    first = client.get("/api/v1/strategies/", {"page_size": 2}).json()
    assert first["next"].startswith("http://testserver/api/v1/strategies/?")
    second = client.get(first["next"]).json()
    seen = [s["reference"] for s in first["results"] + second["results"]]
    assert sorted(seen) == ["MCC-P0", "MCC-P1", "MCC-P2"]


# ---- the schema ------------------------------------------------------------------------------------------------


def test_every_error_status_has_a_problem_json_body_in_the_schema():
    for path, operations in published_schema()["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            for status in ("401", "406", "429"):
                assert status in responses, f"{method} {path} lacks {status}"
            if method in {"post", "put", "patch"} and "requestBody" in operation:
                assert {"400", "413", "415"} <= set(responses), f"{method} {path}"
            for status, response in responses.items():
                if int(status) >= 400:
                    content = response.get("content", {})
                    assert list(content) == ["application/problem+json"], f"{method} {path} {status}"
                    assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_problem_schema_has_the_rfc_9457_fields_and_the_apis_own():
    problem = published_schema()["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code", "invalid_params", "errors"} <= set(problem["properties"])
    assert problem["properties"]["invalid_params"]["items"]["required"] == ["name", "reason"]


def test_nullable_fields_carry_a_type_strict_validators_accept():
    def walk(node, where):
        if isinstance(node, dict):
            if node.get("nullable"):
                assert "type" in node or ("$ref" not in node and "allOf" not in node), where
                assert "allOf" not in node, f"{where}: allOf with nullable has no type under OpenAPI 3.0"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    components = published_schema()["components"]["schemas"]
    walk(components, "components")
    assert components["Strategy"]["properties"]["next_deadline"]["nullable"] is True
    assert components["Strategy"]["properties"]["next_deadline"]["type"] == "object"


# ---- the README ------------------------------------------------------------------------------------------------


def test_the_readmes_api_token_examples_name_organisations_the_demonstration_has():
    readme = (ROOT / "README.md").read_text()
    demo_codes = {row.code for row in demo_organisations.ORGANISATIONS}
    named = re.findall(r"api_token ([A-Z][A-Z0-9]+)\b", readme)
    assert named, "the README should show how to issue a token"
    assert set(named) <= demo_codes, f"{set(named) - demo_codes} are not organisations of the demonstration"


def test_the_headers_a_partner_relies_on_are_in_the_schema_and_in_the_answers(world, gate):
    paths = published_schema()["paths"]
    listing = paths["/api/v1/strategies/"]["get"]["responses"]
    assert {"ETag", "Last-Modified", "X-Request-ID"} <= set(listing["200"]["headers"])
    assert "ETag" in listing["304"]["headers"]
    assert "Retry-After" in listing["429"]["headers"]
    deciding = paths["/api/v1/seats/{seat_id}/decision/"]["post"]["responses"]["201"]["headers"]
    assert {"ETag", "Idempotent-Replayed"} <= set(deciding)

    client = person_token_client(world.icb_signatory)
    polled = client.get("/api/v1/strategies/")
    assert polled["ETag"] and polled["Last-Modified"] and polled["X-Request-ID"]
    seat = gate.current_seats().get(role="partner_signatory", organisation__code="ICB")
    first, again = (
        client.post(
            f"/api/v1/seats/{seat.pk}/decision/",
            {"outcome": "approve"},
            format="json",
            HTTP_IF_MATCH=f'"{gate.version}"',
            HTTP_IDEMPOTENCY_KEY="headers-test",
        )
        for _ in range(2)
    )
    assert first.status_code == again.status_code == 201
    assert first["ETag"] == again["ETag"] == f'"gate-{gate.pk}-v{gate.version + 1}"'
    assert again["Idempotent-Replayed"] == "true"
