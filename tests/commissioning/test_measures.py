"""Outcome measures and the performance figures partners return for them: who may, when, what is accepted, and
what is refused (and how), through the service and the API."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from commissioning import services
from commissioning.management.commands.api_token import service_account
from commissioning.models import OutcomeMeasure, PerformanceFigure, Strategy
from commissioning.services import measures
from tests.clients import session_client, token_client
from tests.factories import OrganisationFactory, UserFactory, build_world, complete_evidence, make_strategy
from workflows.exceptions import ContentFrozen, InvalidInput, NotPermitted, TransitionNotAllowed
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 5, 15, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # in 2026-Q2


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


def in_stage(strategy: Strategy, stage: str) -> None:
    """Test set-up only: put the strategy in a stage without going round the gates."""
    Strategy.objects.filter(pk=strategy.pk).update(stage=stage)


def add_measures(w, strategy: Strategy) -> SimpleNamespace:
    def add(**kwargs):
        return measures.measure_create(actor=w.officer, strategy_id=strategy.pk, **kwargs)

    return SimpleNamespace(
        carers=add(
            code="carers-supported",
            name="Carers supported",
            level="service",
            unit="people",
            period="quarter",
            target=Decimal("120"),
        ),
        waits=add(
            code="assessment-wait",
            name="Days waiting for a carer's assessment",
            level="service",
            unit="days",
            period="month",
            target="28",
            higher_is_better=False,
        ),
        wellbeing=add(
            code="carer-wellbeing", name="Carers reporting good wellbeing", level="population", unit="%", period="year"
        ),
    )


@pytest.fixture
def setup(world):
    """MCC-A, led by the county with the ICB as co-commissioner, in Do with three measures."""
    strategy = make_strategy(world, reference="MCC-A")
    m = add_measures(world, strategy)
    in_stage(strategy, "do")
    strategy.refresh_from_db()
    return SimpleNamespace(w=world, strategy=strategy, icb=token_client(world.icb), **vars(m))


def figures_url(code: str = "carers-supported", reference: str = "MCC-A") -> str:
    return f"/api/v1/strategies/{reference}/measures/{code}/figures/"


MEASURES_URL = "/api/v1/strategies/MCC-A/measures/"


def version_of(strategy: Strategy) -> int:
    return Strategy.objects.values_list("version", flat=True).get(pk=strategy.pk)


def returned_figures() -> int:
    return AuditEvent.objects.filter(transition="return_figure").count()


# --------------------------------------------------------------------------------------------------------------
# Returning a figure
# --------------------------------------------------------------------------------------------------------------


def test_a_partner_party_to_the_strategy_returns_a_figure_that_is_listed_audited_and_changes_the_version(setup):
    s = setup
    before = version_of(s.strategy)

    response = s.icb.post(figures_url(), {"period": "2026-Q1", "value": 132, "note": "Provisional"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    figure = PerformanceFigure.objects.get()
    assert body["id"] == figure.pk
    assert (body["period"], body["value"], body["note"], body["on_target"]) == (
        "2026-Q1",
        "132.00",
        "Provisional",
        True,
    )
    assert body["organisation"]["code"] == "ICB"
    assert (figure.organisation, figure.submitted_by) == (s.w.icb, service_account(s.w.icb))
    assert version_of(s.strategy) == before + 1

    event = AuditEvent.objects.get(transition="return_figure")
    assert (event.object_type.model, event.object_id) == ("performancefigure", figure.pk)
    assert (event.subject_type.model, event.subject_id) == ("strategy", s.strategy.pk)
    assert event.actor == service_account(s.w.icb)
    assert event.data == {"measure": "carers-supported", "period": "2026-Q1", "value": "132.00", "organisation": "ICB"}

    listed = s.icb.get(MEASURES_URL).json()
    carers = next(m for m in listed if m["code"] == "carers-supported")
    assert [(f["period"], f["value"]) for f in carers["figures"]] == [("2026-Q1", "132.00")]
    history = s.icb.get("/api/v1/strategies/MCC-A/history/").json()["results"]
    assert history[-1]["transition"] == "return_figure"


def test_the_measures_list_shows_targets_units_periods_and_figures_in_order(setup):
    s = setup
    for period, value in [("2026-03", "31"), ("2026-01", "25.5"), ("2026-02", "29")]:
        measures.figure_submit(
            actor=s.w.icb_signatory,
            strategy_id=s.strategy.pk,
            measure_code="assessment-wait",
            period=period,
            value=value,
        )

    response = s.icb.get(MEASURES_URL)

    assert response.status_code == 200
    body = response.json()
    assert [m["code"] for m in body] == ["carer-wellbeing", "assessment-wait", "carers-supported"]  # population first
    waits = body[1]
    assert {k: waits[k] for k in ("unit", "period", "period_format", "target", "higher_is_better")} == {
        "unit": "days",
        "period": "month",
        "period_format": "YYYY-MM",
        "target": "28.00",
        "higher_is_better": False,
    }
    assert [(f["period"], f["value"], f["on_target"]) for f in waits["figures"]] == [
        ("2026-01", "25.50", True),
        ("2026-02", "29.00", False),
        ("2026-03", "31.00", False),
    ]
    assert body[0]["target"] is None
    assert waits["links"]["figures"] == figures_url("assessment-wait")


@pytest.mark.parametrize(
    ("who", "organisation"),
    [("icb_signatory", "icb"), ("officer", "county"), ("finance", "county")],
    ids=["partner-signatory", "lead-officer", "lead-organisation-finance"],
)
def test_people_at_the_lead_or_a_partner_organisation_return_figures_for_that_organisation(setup, who, organisation):
    s = setup
    client = session_client(getattr(s.w, who))

    response = client.post(figures_url(), {"period": "2026-Q1", "value": "120"}, format="json")

    assert response.status_code == 201, response.json()
    assert PerformanceFigure.objects.get().organisation == getattr(s.w, organisation)


def test_a_figure_can_be_returned_in_review_too(setup):
    in_stage(setup.strategy, "review")
    response = setup.icb.post(figures_url(), {"period": "2026-Q1", "value": 1}, format="json")
    assert response.status_code == 201


def test_the_service_takes_the_strategy_by_reference_as_well(setup):
    figure = measures.figure_submit(
        actor=setup.w.icb_signatory, strategy_reference="MCC-A", measure_code="carer-wellbeing", period="2025", value=61
    )
    assert (figure.measure, figure.period, figure.value) == (setup.wellbeing, "2025", Decimal("61.00"))


# --------------------------------------------------------------------------------------------------------------
# Who may: partners not party get 404, anonymous callers 401
# --------------------------------------------------------------------------------------------------------------


def test_an_organisation_not_party_to_the_strategy_gets_404_from_both_endpoints_and_learns_nothing(setup):
    s = setup
    before = version_of(s.strategy)
    for client in (token_client(s.w.district), session_client(s.w.district_signatory)):
        listed = client.get(MEASURES_URL)
        posted = client.post(figures_url(), {"period": "2026-Q1", "value": 1}, format="json")
        for response in (listed, posted):
            assert response.status_code == 404
            assert response["Content-Type"] == "application/problem+json"
            assert "carers" not in response.content.decode().lower()
    # The same answer as for a strategy that does not exist.
    missing = token_client(s.w.district).post(figures_url(reference="MCC-NOPE"), {"period": "2026-Q1", "value": 1})
    assert missing.status_code == 404
    assert not PerformanceFigure.objects.exists()
    assert version_of(s.strategy) == before


def test_the_service_refuses_a_strategy_the_person_cannot_see_as_not_found(setup):
    stranger = OrganisationFactory(name="Elsewhere Council", code="ELS")
    with pytest.raises(measures.StrategyNotFound):
        measures.figure_submit(
            actor=service_account(stranger),
            strategy_reference="MCC-A",
            measure_code="carers-supported",
            period="2026-Q1",
            value=1,
        )
    with pytest.raises(measures.StrategyNotFound):  # not a database error on PostgreSQL
        measures.figure_submit(
            actor=setup.w.officer, strategy_reference="MCC-A\x00", measure_code="x", period="2026-Q1", value=1
        )
    assert not PerformanceFigure.objects.exists()


def test_an_administrator_who_is_party_to_nothing_cannot_return_figures(setup):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    response = session_client(admin).post(figures_url(), {"period": "2026-Q1", "value": 1}, format="json")
    assert response.status_code == 403
    assert "partner organisation" in response.json()["detail"]
    assert not PerformanceFigure.objects.exists()


def test_anonymous_callers_get_401_from_both_endpoints(setup):
    client = APIClient()
    assert client.get(MEASURES_URL).status_code == 401
    response = client.post(figures_url(), {"period": "2026-Q1", "value": 1}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert not PerformanceFigure.objects.exists()


# --------------------------------------------------------------------------------------------------------------
# When: only in Do or Review
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stage", "label"), [("analyse", "Analyse"), ("plan", "Plan"), ("closed", "Closed")])
def test_outside_do_and_review_a_figure_is_refused_with_409_saying_why(setup, stage, label):
    s = setup
    in_stage(s.strategy, stage)
    before = version_of(s.strategy)

    response = s.icb.post(figures_url(), {"period": "2026-Q1", "value": 132}, format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["detail"] == f"Figures are accepted only while a strategy is in Do or Review; MCC-A is in {label}."
    assert (body["state"], body["allowed"]) == (stage, [])
    assert not PerformanceFigure.objects.exists()
    assert returned_figures() == 0
    assert version_of(s.strategy) == before


def test_the_service_raises_transition_not_allowed_outside_do_and_review(setup):
    in_stage(setup.strategy, "analyse")
    with pytest.raises(TransitionNotAllowed, match="only while a strategy is in Do or Review"):
        measures.figure_submit(
            actor=setup.w.icb_signatory, strategy_id=setup.strategy.pk, measure_code="x", period="2026", value=1
        )


# --------------------------------------------------------------------------------------------------------------
# What: bad input is a 400 naming the field, and nothing is created
# --------------------------------------------------------------------------------------------------------------


def assert_refused(response, strategy: Strategy, version: int, field: str, message: str = "") -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert list(body["errors"]) == [field], body
    assert message in body["errors"][field]
    assert body["invalid_params"][0]["name"] == field
    assert not PerformanceFigure.objects.exists()
    assert returned_figures() == 0
    assert version_of(strategy) == version
    return body


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "as a number"),
        ("", "as a number"),
        ("12abc", "as a number"),
        ("1,200", "as a number"),
        ("1_000", "as a number"),
        ("1e3", "as a number"),
        ("١٢٣", "as a number"),  # digits, but not ASCII ones
        ("NaN", "as a number"),
        ("Infinity", "as a number"),
        ("-Infinity", "as a number"),
        (True, "as a number"),
        (False, "as a number"),
        (None, "may not be null"),
        ([1], "as a number"),
        ({"amount": 1}, "as a number"),
        ("1.234", "at most 2 decimal places"),
        (1.234, "at most 2 decimal places"),
        (0.1 + 0.2, "at most 2 decimal places"),
        ("1000000000000", "between"),
        ("-1000000000000", "between"),
        (1e15, "between"),
        ("999999999999.991", "between"),
    ],
)
def test_a_value_that_is_not_a_finite_number_to_the_penny_within_range_is_a_400_naming_value(setup, value, message):
    response = setup.icb.post(figures_url(), {"period": "2026-Q1", "value": value}, format="json")
    assert_refused(response, setup.strategy, setup.strategy.version, "value", message)


@pytest.mark.parametrize(
    ("code", "period", "message"),
    [
        ("carers-supported", "2026-05", "YYYY-Qn"),
        ("carers-supported", "2026", "YYYY-Qn"),
        ("carers-supported", "2026-Q0", "YYYY-Qn"),
        ("carers-supported", "2026-Q5", "YYYY-Qn"),
        ("carers-supported", "2026 Q1", "YYYY-Qn"),
        ("carers-supported", "２０２６-Q1", "YYYY-Qn"),
        ("carers-supported", "2026-Q3", "has not started yet"),
        ("carers-supported", "2000-Q4", "2001 or later"),
        ("carers-supported", "1999-Q1", "2001 or later"),
        ("assessment-wait", "2026-13", "YYYY-MM"),
        ("assessment-wait", "2026-00", "YYYY-MM"),
        ("assessment-wait", "2026-5", "YYYY-MM"),
        ("assessment-wait", "2026-Q1", "YYYY-MM"),
        ("assessment-wait", "2026-06", "has not started yet"),
        ("assessment-wait", "2000-12", "2001 or later"),
        ("carer-wellbeing", "2027", "has not started yet"),
        ("carer-wellbeing", "2000", "2001 or later"),
        ("carer-wellbeing", "26", "YYYY"),
        ("carer-wellbeing", "2026-01", "YYYY"),
        ("carer-wellbeing", "", "may not be blank"),
        ("carer-wellbeing", "2026-Q1-2026", "no more than 10 characters"),
    ],
)
def test_a_period_not_in_the_measures_format_not_begun_or_not_after_2000_is_a_400_naming_period(
    setup, code, period, message
):
    response = setup.icb.post(figures_url(code), {"period": period, "value": 5}, format="json")
    assert_refused(response, setup.strategy, setup.strategy.version, "period", message)


def assert_not_found(response, strategy: Strategy, version: int) -> dict:
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not PerformanceFigure.objects.exists()
    assert version_of(strategy) == version
    return response.json()


def test_an_unknown_measure_is_a_404_listing_the_known_codes(setup):
    response = setup.icb.post(figures_url("carers-helped"), {"period": "2026-Q1", "value": 5}, format="json")
    body = assert_not_found(response, setup.strategy, setup.strategy.version)
    assert body["code"] == "measure_not_found"
    assert body["detail"] == (
        "MCC-A has no measure 'carers-helped'. Its measures: assessment-wait, carer-wellbeing, carers-supported."
    )
    assert body["measures"] == ["assessment-wait", "carer-wellbeing", "carers-supported"]


def test_a_measure_of_another_strategy_is_unknown_here(setup):
    other = make_strategy(setup.w, reference="MCC-B")
    measures.measure_create(
        actor=setup.w.officer, strategy_id=other.pk, code="roads-resurfaced", name="Roads", unit="km", period="year"
    )
    response = setup.icb.post(figures_url("roads-resurfaced"), {"period": "2025", "value": 5}, format="json")
    body = assert_not_found(response, setup.strategy, setup.strategy.version)
    assert "Its measures: assessment-wait" in body["detail"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"value": 5}, "period", "required"),
        ({"period": "2026-Q1"}, "value", "required"),
        ({"period": "2026-Q1", "value": 5, "note": "x" * 501}, "note", "no more than 500"),
        ({"period": "2026-Q1", "value": 5, "note": "a\x00b"}, "note", "Null characters are not allowed"),
        ({"period": "2026-Q1", "value": 5, "note": ["a"]}, "note", "Not a valid string"),
        ([{"period": "2026-Q1", "value": 5}], "request", "Expected a dictionary"),
    ],
    ids=["no-period", "no-value", "long-note", "null-in-note", "list-as-note", "not-an-object"],
)
def test_a_missing_or_malformed_field_is_a_400_naming_it(setup, body, field, message):
    response = setup.icb.post(figures_url(), body, format="json")
    assert_refused(response, setup.strategy, setup.strategy.version, field, message)


def test_a_note_with_a_broken_character_is_a_400_not_a_database_error(setup):
    body = '{"period": "2026-Q1", "value": 5, "note": "caf\\ud800"}'
    response = setup.icb.post(figures_url(), body, content_type="application/json")
    assert_refused(response, setup.strategy, setup.strategy.version, "note", "Surrogate characters")


def test_every_bad_field_is_named_at_once(setup):
    response = setup.icb.post(figures_url(), {"period": "2026-Q9", "value": "many"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["period", "value"]


def test_a_body_that_is_not_json_is_refused_without_creating_anything(setup):
    response = setup.icb.post(figures_url(), "period=2026-Q1&value=5", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    malformed = setup.icb.post(figures_url(), '{"period": "2026-Q1", "value": NaN}', content_type="application/json")
    assert malformed.status_code == 400
    assert not PerformanceFigure.objects.exists()


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("1234.5", "1234.50"),
        (" 12 ", "12.00"),
        ("1.230", "1.23"),
        (-3, "-3.00"),
        ("-0", "0.00"),
        (0, "0.00"),
        (97.25, "97.25"),
        ("999999999999.99", "999999999999.99"),
        ("-999999999999.99", "-999999999999.99"),
    ],
)
def test_numbers_and_strings_of_numbers_are_accepted_to_the_penny(setup, value, stored):
    response = setup.icb.post(figures_url(), {"period": "2026-Q1", "value": value}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["value"] == stored
    assert str(PerformanceFigure.objects.get().value) == stored


@pytest.mark.parametrize(
    ("code", "period", "stored"),
    [
        ("carers-supported", "2026-Q2", "2026-Q2"),  # the quarter under way
        ("carers-supported", "2026-q1", "2026-Q1"),
        ("carers-supported", "2001-Q1", "2001-Q1"),
        ("assessment-wait", "2026-05", "2026-05"),  # the month under way
        ("carer-wellbeing", "2026", "2026"),
        ("carer-wellbeing", " 2025 ", "2025"),
    ],
)
def test_periods_that_have_begun_are_accepted_and_stored_in_one_form(setup, code, period, stored):
    response = setup.icb.post(figures_url(code), {"period": period, "value": 1}, format="json")
    assert response.status_code == 201, response.json()
    assert PerformanceFigure.objects.get().period == stored


def test_the_service_names_value_and_note_that_are_not_what_they_should_be(setup):
    with pytest.raises(InvalidInput) as refused:
        measures.figure_submit(
            actor=setup.w.icb_signatory,
            strategy_id=setup.strategy.pk,
            measure_code="carers-supported",
            period=202601,
            value=float("nan"),
            note=["not", "text"],
        )
    assert list(refused.value.errors) == ["period", "value", "note"]
    for broken in ("caf\ud800", "a\x00b"):
        with pytest.raises(InvalidInput, match="cannot be stored"):
            measures.figure_submit(
                actor=setup.w.icb_signatory,
                strategy_id=setup.strategy.pk,
                measure_code="carers-supported",
                period="2026-Q1",
                value=1,
                note=broken,
            )
    assert not PerformanceFigure.objects.exists()


# --------------------------------------------------------------------------------------------------------------
# Once only: a figure for the same measure and period is a 409
# --------------------------------------------------------------------------------------------------------------


def test_a_second_figure_for_the_same_measure_and_period_is_a_409_naming_the_first(setup):
    s = setup
    first = s.icb.post(figures_url(), {"period": "2026-Q1", "value": 132}, format="json").json()
    version = version_of(s.strategy)

    again = session_client(s.w.officer).post(figures_url(), {"period": "2026-q1", "value": 140}, format="json")

    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    body = again.json()
    assert body["code"] == "figure_already_returned"
    assert "already returned: 132.00 by Midshire Integrated Care Board on 15 May 2026" in body["detail"]
    assert body["existing"]["id"] == first["id"]
    assert (body["existing"]["period"], body["existing"]["value"]) == ("2026-Q1", "132.00")
    assert PerformanceFigure.objects.get().value == Decimal("132")
    assert returned_figures() == 1
    assert version_of(s.strategy) == version


def test_the_same_period_of_another_measure_is_a_different_figure(setup):
    s = setup
    assert s.icb.post(figures_url(), {"period": "2026-Q1", "value": 1}, format="json").status_code == 201
    other = make_strategy(s.w, reference="MCC-B")
    measures.measure_create(
        actor=s.w.officer, strategy_id=other.pk, code="carers-supported", name="Carers", unit="people"
    )
    in_stage(other, "do")
    assert (
        s.icb.post(figures_url(reference="MCC-B"), {"period": "2026-Q1", "value": 2}, format="json").status_code == 201
    )
    assert PerformanceFigure.objects.count() == 2


def test_a_figure_inserted_between_the_check_and_the_insert_is_a_409_not_a_500(setup, monkeypatch):
    s = setup
    measures.figure_submit(
        actor=s.w.icb_signatory, strategy_id=s.strategy.pk, measure_code="carers-supported", period="2026-Q1", value=9
    )
    monkeypatch.setattr(measures, "_existing_figure", lambda measure, period: None)  # the check misses it

    response = s.icb.post(figures_url(), {"period": "2026-Q1", "value": 10}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "figure_already_returned"
    assert response.json()["existing"]["value"] == "9.00"
    assert PerformanceFigure.objects.count() == 1
    assert returned_figures() == 1


# --------------------------------------------------------------------------------------------------------------
# Cheap to read
# --------------------------------------------------------------------------------------------------------------


def test_the_measures_list_costs_the_same_queries_with_2_and_20_figures(setup):
    s = setup
    months = [f"{year}-{month:02d}" for year in (2025, 2026) for month in range(1, 13)][:17]
    quarters = ["2025-Q1", "2025-Q2"]

    def add(code, period):
        measures.figure_submit(
            actor=s.w.icb_signatory, strategy_id=s.strategy.pk, measure_code=code, period=period, value=1
        )

    def count() -> int:
        cache.clear()  # the token is checked in the database each time (it is kept in the cache after one request)
        with CaptureQueriesContext(connection) as queries:
            response = s.icb.get(MEASURES_URL)
        assert response.status_code == 200
        return len(queries), sum(len(m["figures"]) for m in response.json())

    add("carers-supported", quarters[0])
    add("assessment-wait", months[0])
    small, figures = count()
    assert figures == 2
    for period in months[1:]:
        add("assessment-wait", period)
    add("carers-supported", quarters[1])
    add("carer-wellbeing", "2025")
    large, figures = count()
    assert figures == 20
    assert small == large <= 5


def test_an_unchanged_measures_poll_is_a_304_and_a_new_figure_changes_it(setup):
    s = setup
    first = s.icb.get(MEASURES_URL)
    assert s.icb.get(MEASURES_URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    s.icb.post(figures_url(), {"period": "2026-Q1", "value": 1}, format="json")
    assert s.icb.get(MEASURES_URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_schema_documents_both_operations(setup):
    schema = setup.icb.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post = schema["paths"]["/api/v1/strategies/{reference}/measures/{code}/figures/"]["post"]
    assert {"201", "400", "404", "409"} <= set(post["responses"])
    assert "requestBody" in post
    assert "200" in schema["paths"]["/api/v1/strategies/{reference}/measures/"]["get"]["responses"]


# --------------------------------------------------------------------------------------------------------------
# Adding measures
# --------------------------------------------------------------------------------------------------------------


def test_an_officer_adds_a_measure_which_is_audited_on_the_strategy(world):
    strategy = make_strategy(world, reference="MCC-A")
    before = version_of(strategy)

    measure = measures.measure_create(
        actor=world.officer,
        strategy_id=strategy.pk,
        code="carers-supported",
        name="Carers supported",
        level="population",
        unit="people",
        period="month",
        target="1500.5",
        higher_is_better=True,
    )

    assert (measure.code, measure.target, measure.period) == ("carers-supported", Decimal("1500.50"), "month")
    assert version_of(strategy) == before + 1
    event = AuditEvent.objects.get(transition="add_measure")
    assert (event.subject_type, event.subject_id) == (ContentType.objects.get_for_model(Strategy), strategy.pk)
    assert (event.object_type.model, event.object_id) == ("outcomemeasure", measure.pk)
    assert event.data["target"] == "1500.50"


@pytest.mark.parametrize("who", ["icb_signatory", "finance", "outsider"])
def test_only_officers_of_the_lead_organisation_add_measures(world, who):
    strategy = make_strategy(world, reference="MCC-A")
    with pytest.raises(NotPermitted):
        measures.measure_create(
            actor=getattr(world, who), strategy_id=strategy.pk, code="x", name="X", unit="people", period="year"
        )
    assert not OutcomeMeasure.objects.exists()


def test_a_measure_with_bad_fields_is_refused_naming_each(world):
    strategy = make_strategy(world, reference="MCC-A")
    with pytest.raises(InvalidInput) as refused:
        measures.measure_create(
            actor=world.officer,
            strategy_id=strategy.pk,
            code="carers supported!",
            name="",
            level="galaxy",
            unit="u" * 41,
            period="weekly",
            target="NaN",
            higher_is_better="yes",
        )
    assert set(refused.value.errors) == {"code", "name", "level", "unit", "period", "target", "higher_is_better"}
    assert not OutcomeMeasure.objects.exists()


def test_a_measure_code_is_used_once_per_strategy(setup):
    with pytest.raises(InvalidInput) as refused:
        measures.measure_create(
            actor=setup.w.officer, strategy_id=setup.strategy.pk, code="carers-supported", name="Again", unit="people"
        )
    assert "already has a measure with code carers-supported" in refused.value.errors["code"]


def test_measures_cannot_be_added_while_the_gate_is_under_sign_off(world):
    strategy = make_strategy(world, reference="MCC-A")
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    with pytest.raises(ContentFrozen):
        measures.measure_create(
            actor=world.officer, strategy_id=strategy.pk, code="x", name="X", unit="people", period="year"
        )


# --------------------------------------------------------------------------------------------------------------
# Admin
# --------------------------------------------------------------------------------------------------------------


def test_the_admin_shows_a_measure_with_its_figures_read_only(admin_client, setup):
    measures.figure_submit(
        actor=setup.w.icb_signatory,
        strategy_id=setup.strategy.pk,
        measure_code="carers-supported",
        period="2026-Q1",
        value=132,
    )
    changelist = admin_client.get(reverse("admin:commissioning_outcomemeasure_changelist"))
    assert changelist.status_code == 200
    assert "carers-supported" in changelist.content.decode()
    response = admin_client.get(reverse("admin:commissioning_outcomemeasure_change", args=[setup.carers.pk]))
    assert response.status_code == 200
    assert "2026-Q1" in response.content.decode()
    [inline] = response.context["inline_admin_formsets"]
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    # Measures are added there through the service (tests/commissioning/test_measure_admin.py); figures never are.
    assert admin_client.get(reverse("admin:commissioning_outcomemeasure_add")).status_code == 200


# --------------------------------------------------------------------------------------------------------------
# Races (PostgreSQL)
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_figure_returned_twice_at_once_is_recorded_once_and_the_other_gets_a_conflict():
    w = build_world()
    strategy = make_strategy(w, reference="MCC-A")
    add_measures(w, strategy)
    in_stage(strategy, "do")
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index, actor):
        try:
            barrier.wait()
            results[index] = measures.figure_submit(
                actor=actor, strategy_id=strategy.pk, measure_code="carers-supported", period="2026-Q1", value=index
            )
        except Exception as exc:  # the race's loser is part of the result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate([w.icb_signatory, w.officer])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(r).__name__ for r in results) == ["FigureAlreadyReturned", "PerformanceFigure"]
    assert PerformanceFigure.objects.count() == 1
    assert AuditEvent.objects.filter(transition="return_figure").count() == 1


def test_the_measure_changelist_costs_the_same_queries_with_more_measures_and_figures(admin_client, setup):
    url = reverse("admin:commissioning_outcomemeasure_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    before = count()
    other = make_strategy(setup.w, reference="MCC-B")
    add_measures(setup.w, other)
    for period in ("2025-Q1", "2025-Q2", "2025-Q3"):
        measures.figure_submit(
            actor=setup.w.icb_signatory,
            strategy_id=setup.strategy.pk,
            measure_code="carers-supported",
            period=period,
            value=1,
        )
    assert count() == before
