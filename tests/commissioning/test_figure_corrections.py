"""Correcting a returned figure, with a reason: who may, what is accepted and refused (and how), that the earlier
value is kept and the correction audited and in the history, and that pollers see it (a new ETag)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from commissioning.management.commands.api_token import service_account
from commissioning.models import PerformanceFigure, PerformanceFigureCorrection, Role, Strategy
from commissioning.services import measures
from tests.clients import session_client, token_client
from tests.factories import OrganisationFactory, build_world, make_strategy
from workflows.exceptions import InvalidInput, NotPermitted, StaleVersion
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # in 2026/27 Q3
REASON = "The provider's revised return."


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def setup(world):
    """MCC-A in Do, led by the county with the ICB co-commissioning and the district pooling budget; a financial
    quarterly measure with the ICB's figure of 41 for 2026/27 Q1."""
    strategy = make_strategy(world, reference="MCC-A", pooled=True)
    measure = measures.measure_create(
        actor=world.officer,
        strategy_id=strategy.pk,
        code="carers-supported",
        name="Carers supported",
        unit="people",
        period="financial_quarter",
        target=Decimal(40),
    )
    Strategy.objects.filter(pk=strategy.pk).update(stage="do")
    icb = token_client(world.icb)
    returned = icb.post(figures_url(), {"period": "2026/27 Q1", "value": 41, "note": "Provisional"}, format="json")
    assert returned.status_code == 201, returned.json()
    return SimpleNamespace(w=world, strategy=strategy, measure=measure, icb=icb, figure=PerformanceFigure.objects.get())


def figures_url(code: str = "carers-supported", reference: str = "MCC-A") -> str:
    return f"/api/v1/strategies/{reference}/measures/{code}/figures/"


def corrections_url(code: str = "carers-supported", reference: str = "MCC-A") -> str:
    return f"/api/v1/strategies/{reference}/measures/{code}/corrections/"


MEASURES_URL = "/api/v1/strategies/MCC-A/measures/"


def version_of(strategy: Strategy) -> int:
    return Strategy.objects.values_list("version", flat=True).get(pk=strategy.pk)


def etag(client) -> str:
    response = client.get(MEASURES_URL)
    assert response.status_code == 200
    return response["ETag"]


def correct(s, body=None, *, client=None, if_match=None, **headers):
    client = client or s.icb
    body = {"period": "2026/27 Q1", "value": 45, "reason": REASON} if body is None else body
    if if_match is None:
        if_match = etag(client)
    if if_match:
        headers["HTTP_IF_MATCH"] = if_match
    return client.post(corrections_url(), body, format="json", **headers)


def assert_unchanged(s, version: int) -> None:
    figure = PerformanceFigure.objects.get()
    assert (figure.value, figure.note) == (Decimal("41.00"), "Provisional")
    assert not PerformanceFigureCorrection.objects.exists()
    assert not AuditEvent.objects.filter(transition="correct_figure").exists()
    assert version_of(s.strategy) == version


# --------------------------------------------------------------------------------------------------------------
# A correction keeps the earlier value, is audited, is in the history and changes the ETag
# --------------------------------------------------------------------------------------------------------------


def test_a_correction_keeps_the_earlier_value_and_shows_it_on_the_figure(setup):
    s = setup
    before = version_of(s.strategy)

    response = correct(s)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["id"], body["period"], body["value"], body["note"]) == (
        s.figure.pk,
        "2026/27 Q1",
        "45.00",
        "Provisional",
    )
    assert body["corrected"] is True
    [listed] = body["corrections"]
    assert {k: listed[k] for k in ("previous_value", "previous_note", "value", "note", "reason")} == {
        "previous_value": "41.00",
        "previous_note": "Provisional",
        "value": "45.00",
        "note": "Provisional",
        "reason": REASON,
    }
    assert listed["organisation"]["code"] == "ICB"
    assert listed["corrected_by"] == str(service_account(s.w.icb))
    assert listed["corrected_at"].startswith("2026-12-03T")
    correction = PerformanceFigureCorrection.objects.get()
    assert (correction.figure, correction.previous_value, correction.value) == (s.figure, Decimal(41), Decimal(45))
    assert PerformanceFigure.objects.get().value == Decimal("45.00")
    assert version_of(s.strategy) == before + 1


def test_a_correction_is_audited_with_from_to_and_reason_and_shows_in_the_strategys_history(setup, client):
    s = setup

    correct(s)

    event = AuditEvent.objects.get(transition="correct_figure")
    assert (event.subject_type.model, event.subject_id) == ("strategy", s.strategy.pk)
    assert (event.object_type.model, event.object_id) == ("performancefigure", s.figure.pk)
    assert event.actor == service_account(s.w.icb)
    assert event.reason == REASON
    assert {k: event.data[k] for k in ("from", "to", "reason", "measure", "period")} == {
        "from": "41.00",
        "to": "45.00",
        "reason": REASON,
        "measure": "carers-supported",
        "period": "2026/27 Q1",
    }
    history = s.icb.get("/api/v1/strategies/MCC-A/history/").json()["results"]
    assert (history[-1]["transition"], history[-1]["reason"]) == ("correct_figure", REASON)
    events = s.icb.get("/api/v1/events/").json()["results"]
    assert events[-1]["transition"] == "correct_figure"
    client.force_login(s.w.officer)
    page = client.get(reverse("strategy-history", args=["MCC-A"])).text
    assert "correct_figure" in page and REASON.replace("'", "&#x27;") in page


def test_a_correction_changes_the_measures_etag_so_an_old_one_gets_200_not_304(setup):
    s = setup
    old = etag(s.icb)
    assert s.icb.get(MEASURES_URL, HTTP_IF_NONE_MATCH=old).status_code == 304

    response = correct(s, if_match=old)

    assert response.status_code == 201
    polled = s.icb.get(MEASURES_URL, HTTP_IF_NONE_MATCH=old)
    assert polled.status_code == 200
    assert polled["ETag"] == response["ETag"] != old
    [measure] = polled.json()
    assert measure["figures"][0]["value"] == "45.00"
    assert measure["figures"][0]["corrections"][0]["previous_value"] == "41.00"
    strategy_etag = s.icb.get("/api/v1/strategies/MCC-A/")["ETag"]
    assert s.icb.get("/api/v1/strategies/MCC-A/", HTTP_IF_NONE_MATCH=strategy_etag).status_code == 304


def test_a_figure_corrected_twice_keeps_each_earlier_value_oldest_first(setup):
    s = setup
    assert correct(s).status_code == 201
    response = correct(s, {"period": "2026/27 q1", "value": "44.5", "reason": "Duplicates removed.", "note": ""})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["value"], body["note"]) == ("44.50", "")
    assert [(c["previous_value"], c["value"], c["reason"]) for c in body["corrections"]] == [
        ("41.00", "45.00", REASON),
        ("45.00", "44.50", "Duplicates removed."),
    ]
    assert body["corrections"][1]["previous_note"] == "Provisional"
    assert AuditEvent.objects.filter(transition="correct_figure").count() == 2


def test_a_correction_of_the_note_alone_is_a_correction(setup):
    figure = measures.figure_correct(
        actor=setup.w.icb_signatory,
        strategy_reference="MCC-A",
        measure_code="carers-supported",
        period="2026-27-Q1",
        value="41",
        note="Final",
        reason="Confirmed by the provider.",
    ).figure
    assert (figure.value, figure.note) == (Decimal(41), "Final")
    event = AuditEvent.objects.get(transition="correct_figure")
    assert event.data["note"] == {"from": "Provisional", "to": "Final"}


def test_corrections_are_append_only(setup):
    correct(setup)
    correction = PerformanceFigureCorrection.objects.get()
    correction.reason = "Changed"
    with pytest.raises(TypeError):
        correction.save()
    with pytest.raises(TypeError):
        PerformanceFigureCorrection.objects.update(reason="Changed")
    with pytest.raises(TypeError):
        correction.delete()
    assert PerformanceFigureCorrection.objects.get().reason == REASON


def test_the_strategy_page_shows_a_corrected_figure_with_its_earlier_value(setup, client):
    correct(setup)
    client.force_login(setup.w.icb_signatory)
    page = client.get(reverse("strategy-detail", args=["MCC-A"])).text
    table = page.split(f'id="measure-{setup.measure.pk}-table"')[1].split("</table>")[0]
    assert ">2026/27 Q1</th>" in table
    assert "45" in table
    assert (
        "Corrected from 41 on 3 December 2026 by Midshire Integrated Care Board: The provider&#x27;s revised return."
        in table
    )


# --------------------------------------------------------------------------------------------------------------
# Bad input is a 400 naming the field, and nothing changes
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"period": "2026/27 Q1", "value": 45}, "reason", "required"),
        ({"period": "2026/27 Q1", "value": 45, "reason": ""}, "reason", "may not be blank"),
        ({"period": "2026/27 Q1", "value": 45, "reason": "   "}, "reason", "may not be blank"),
        ({"period": "2026/27 Q1", "value": 45, "reason": 12345}, "reason", "Not a valid string"),
        ({"period": "2026/27 Q1", "value": 45, "reason": "x" * 1001}, "reason", "no more than 1000"),
        ({"period": "2026/27 Q1", "value": "lots", "reason": REASON}, "value", "as a number"),
        ({"period": "2026/27 Q1", "value": 1.234, "reason": REASON}, "value", "at most 2 decimal places"),
        ({"period": "2026/27 Q1", "value": True, "reason": REASON}, "value", "as a number"),
        ({"period": "2026/27 Q1", "value": 41, "reason": REASON}, "value", "is 41.00 already"),
        ({"period": "2026/27 Q1", "value": 45, "reason": REASON, "note": ["a"]}, "note", "Not a valid string"),
        ({"period": "2026/27 Q1", "value": 45, "reason": REASON, "reasons": "x"}, "reasons", "not one this operation"),
        ({"period": "2026-Q1", "value": 45, "reason": REASON}, "period", "YYYY/YY Qn"),
        ({"period": "2026/28 Q1", "value": 45, "reason": REASON}, "period", "next year's last two digits"),
        ({"value": 45, "reason": REASON}, "period", "required"),
    ],
    ids=[
        "no-reason",
        "empty-reason",
        "blank-reason",
        "number-as-reason",
        "long-reason",
        "value-not-a-number",
        "value-past-the-penny",
        "value-true",
        "value-unchanged",
        "list-as-note",
        "unknown-field",
        "calendar-quarter",
        "not-a-financial-year",
        "no-period",
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(setup, body, field, message):
    version = version_of(setup.strategy)

    response = correct(setup, body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert list(problem["errors"]) == [field], problem
    assert message in problem["errors"][field]
    assert problem["invalid_params"][0]["name"] == field
    assert_unchanged(setup, version)


def test_the_service_refuses_an_empty_reason_and_nothing_changes(setup):
    version = version_of(setup.strategy)
    for reason in ("", "  ", None, 42):
        with pytest.raises(InvalidInput) as refused:
            measures.figure_correct(
                actor=setup.w.icb_signatory,
                strategy_id=setup.strategy.pk,
                measure_code="carers-supported",
                period="2026/27 Q1",
                value=45,
                reason=reason,
            )
        assert list(refused.value.errors) == ["reason"]
    assert_unchanged(setup, version)


def test_a_period_with_no_figure_is_a_404_and_an_unknown_measure_too(setup):
    version = version_of(setup.strategy)

    response = correct(setup, {"period": "2026/27 Q2", "value": 45, "reason": REASON})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "figure_not_found"
    assert "No figure for carers-supported 2026/27 Q2 has been returned" in response.json()["detail"]
    unknown = setup.icb.post(
        corrections_url("carers-helped"),
        {"period": "2026/27 Q1", "value": 45, "reason": REASON},
        format="json",
        HTTP_IF_MATCH=etag(setup.icb),
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "measure_not_found"
    assert_unchanged(setup, version)


def test_outside_do_and_review_a_correction_is_a_409(setup):
    Strategy.objects.filter(pk=setup.strategy.pk).update(stage="analyse")
    version = version_of(setup.strategy)
    response = correct(setup)
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert "Figures can be corrected only while a strategy is in Do or Review" in response.json()["detail"]
    assert_unchanged(setup, version)


# --------------------------------------------------------------------------------------------------------------
# Who may: the organisation that returned the figure
# --------------------------------------------------------------------------------------------------------------


def test_an_organisation_not_party_to_the_strategy_gets_404_and_learns_nothing(setup):
    s = setup
    version = version_of(s.strategy)
    stranger = OrganisationFactory(name="Elsewhere Council", code="ELS")
    signatory = s.w.person("elsewhere", stranger, Role.PARTNER_SIGNATORY)
    for client in (token_client(stranger), session_client(signatory)):
        response = client.post(
            corrections_url(),
            {"period": "2026/27 Q1", "value": 45, "reason": REASON},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert "carers" not in response.content.decode().lower()
    with pytest.raises(measures.StrategyNotFound):
        measures.figure_correct(
            actor=service_account(stranger),
            strategy_reference="MCC-A",
            measure_code="carers-supported",
            period="2026/27 Q1",
            value=45,
            reason=REASON,
        )
    assert_unchanged(s, version)


@pytest.mark.parametrize("who", ["district_signatory", "officer"], ids=["another-partner", "the-lead-organisation"])
def test_another_party_to_the_strategy_cannot_correct_the_figure_the_icb_returned(setup, who):
    version = version_of(setup.strategy)

    response = correct(setup, client=session_client(getattr(setup.w, who)))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "Only people at Midshire Integrated Care Board, which returned it" in response.json()["detail"]
    assert_unchanged(setup, version)


def test_a_person_at_the_organisation_that_returned_it_may_correct_it(setup):
    response = correct(setup, client=session_client(setup.w.icb_signatory))
    assert response.status_code == 201, response.json()
    assert response.json()["corrections"][0]["corrected_by"] == str(setup.w.icb_signatory)


def test_anonymous_callers_get_401(setup):
    response = APIClient().post(corrections_url(), {"period": "2026/27 Q1", "value": 45, "reason": REASON})
    assert response.status_code == 401
    assert not PerformanceFigureCorrection.objects.exists()


def test_the_service_refuses_a_party_that_did_not_return_the_figure(setup):
    with pytest.raises(NotPermitted, match="which returned it"):
        measures.figure_correct(
            actor=setup.w.officer,
            strategy_id=setup.strategy.pk,
            measure_code="carers-supported",
            period="2026/27 Q1",
            value=45,
            reason=REASON,
        )


# --------------------------------------------------------------------------------------------------------------
# If-Match and Idempotency-Key
# --------------------------------------------------------------------------------------------------------------


def test_without_if_match_a_correction_is_a_428(setup):
    version = version_of(setup.strategy)
    response = correct(setup, if_match="")
    assert response.status_code == 428
    assert response.json()["code"] == "if_match_required"
    assert_unchanged(setup, version)


def test_a_stale_if_match_is_a_412_with_the_current_version(setup):
    s = setup
    old = etag(s.icb)
    s.icb.post(figures_url(), {"period": "2026/27 Q2", "value": 40}, format="json")  # the strategy moves on
    version = version_of(s.strategy)

    response = correct(s, if_match=old)

    assert response.status_code == 412
    assert response.json()["code"] == "stale_version"
    assert response.json()["current_version"] == version
    assert PerformanceFigure.objects.get(period="2026/27 Q1").value == Decimal(41)
    assert not PerformanceFigureCorrection.objects.exists()
    with pytest.raises(StaleVersion):
        measures.figure_correct(
            actor=s.w.icb_signatory,
            strategy_id=s.strategy.pk,
            measure_code="carers-supported",
            period="2026/27 Q1",
            value=45,
            reason=REASON,
            expected_version=version - 1,
        )


@pytest.mark.parametrize("if_match", ['"version seven"', '"measures-999999-v1"'], ids=["not-a-version", "elsewhere"])
def test_an_if_match_that_is_not_this_strategys_version_is_refused(setup, if_match):
    version = version_of(setup.strategy)
    response = correct(setup, if_match=if_match)
    assert response.status_code in (400, 412)
    assert response["Content-Type"] == "application/problem+json"
    assert_unchanged(setup, version)


@pytest.mark.parametrize("form", ["{tag}", "W/{tag}", '"{version}"', "{version}"])
def test_if_match_takes_the_measures_etag_or_the_bare_version(setup, form):
    tag = etag(setup.icb)
    version = version_of(setup.strategy)
    response = correct(setup, if_match=form.format(tag=tag, version=version))
    assert response.status_code == 201, response.json()


def test_a_retry_with_the_same_idempotency_key_returns_the_first_response_and_corrects_once(setup):
    s = setup
    tag = etag(s.icb)
    first = correct(s, if_match=tag, HTTP_IDEMPOTENCY_KEY="fix-q1")
    again = correct(s, if_match=tag, HTTP_IDEMPOTENCY_KEY="fix-q1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert PerformanceFigureCorrection.objects.count() == 1
    reused = correct(
        s,
        {"period": "2026/27 Q1", "value": 46, "reason": REASON},
        if_match=first["ETag"],
        HTTP_IDEMPOTENCY_KEY="fix-q1",
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert PerformanceFigureCorrection.objects.count() == 1


def test_a_refusal_is_kept_with_its_idempotency_key_and_replayed(setup):
    first = correct(setup, {"period": "2026/27 Q1", "value": 45}, HTTP_IDEMPOTENCY_KEY="no-reason")
    again = correct(setup, {"period": "2026/27 Q1", "value": 45}, HTTP_IDEMPOTENCY_KEY="no-reason")
    assert first.status_code == again.status_code == 400
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"


# --------------------------------------------------------------------------------------------------------------
# The schema and the admin
# --------------------------------------------------------------------------------------------------------------


def test_the_schema_documents_the_corrections_operation(setup):
    schema = setup.icb.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post = schema["paths"]["/api/v1/strategies/{reference}/measures/{code}/corrections/"]["post"]
    assert {"201", "400", "403", "404", "409", "412", "413", "415", "428"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CorrectionCreateRequest")
    figure = schema["components"]["schemas"]["Figure"]["properties"]
    assert {"corrected", "corrections", "starts_on"} <= set(figure)


def test_the_admin_shows_a_figures_corrections_read_only(admin_client, setup):
    correct(setup)
    response = admin_client.get(reverse("admin:commissioning_outcomemeasure_change", args=[setup.measure.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026/27 Q1" in page
    assert "Corrected from 41.00 to 45.00 on 3 December 2026" in page
    assert "revised return" in page
    [inline] = response.context["inline_admin_formsets"]
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)


# --------------------------------------------------------------------------------------------------------------
# On the strategy page
# --------------------------------------------------------------------------------------------------------------


def correct_page(reference: str = "MCC-A") -> str:
    return reverse("figure-correct", args=[reference])


def test_the_strategy_page_links_to_the_correction_page_only_those_whose_organisation_returned_a_figure(setup, client):
    client.force_login(setup.w.icb_signatory)
    page = client.get(reverse("strategy-detail", args=["MCC-A"])).text
    assert f'href="{correct_page()}?measure=carers-supported"' in page
    client.force_login(setup.w.officer)  # the county returned none
    assert correct_page() not in client.get(reverse("strategy-detail", args=["MCC-A"])).text


def test_a_partner_signatory_corrects_a_figure_on_the_page(setup, client):
    s = setup
    before = version_of(s.strategy)
    client.force_login(s.w.icb_signatory)
    page = client.get(correct_page(), {"measure": "carers-supported", "figure": s.figure.pk})
    assert page.status_code == 200
    assert "Carers supported, 2026/27 Q1: 41 people" in page.text
    assert f'value="{s.figure.pk}" checked' in page.text

    response = client.post(
        correct_page(), {"version": before, "figure": s.figure.pk, "value": "45", "reason": "Revised return."}
    )

    assert response.status_code == 302
    assert response["Location"] == "/strategies/MCC-A/#outcomes"
    shown = client.get(response["Location"]).text
    assert "The figure for Carers supported, 2026/27 Q1, was corrected." in shown
    assert "Corrected from 41 on 3 December 2026 by Midshire Integrated Care Board: Revised return." in shown
    correction = PerformanceFigureCorrection.objects.get()
    assert (correction.previous_value, correction.value, correction.corrected_by) == (
        Decimal(41),
        Decimal(45),
        s.w.icb_signatory,
    )
    assert AuditEvent.objects.get(transition="correct_figure").actor == s.w.icb_signatory
    assert version_of(s.strategy) == before + 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "45", "reason": ""}, "Say why the figure is corrected"),
        ({"value": "lots", "reason": "Revised."}, "Enter the corrected figure as a number"),
        ({"value": "41", "reason": "Revised."}, "is 41.00 already"),
        ({"value": "45", "reason": "Revised.", "figure": "999999"}, "Choose the figure to correct"),
    ],
    ids=["no-reason", "not-a-number", "unchanged", "not-a-figure-of-yours"],
)
def test_bad_input_on_the_page_is_shown_and_nothing_changes(setup, client, data, message):
    version = version_of(setup.strategy)
    client.force_login(setup.w.icb_signatory)

    response = client.post(correct_page(), {"version": version, "figure": setup.figure.pk, **data})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert_unchanged(setup, version)


def test_a_stale_page_is_refused_with_412_and_nothing_changes(setup, client):
    version = version_of(setup.strategy)
    client.force_login(setup.w.icb_signatory)
    response = client.post(
        correct_page(), {"version": version - 1, "figure": setup.figure.pk, "value": "45", "reason": "Revised."}
    )
    assert response.status_code == 412
    assert "has changed since you loaded it" in response.text
    assert_unchanged(setup, version)


@pytest.mark.parametrize("who", ["officer", "district_signatory"])
def test_someone_whose_organisation_did_not_return_the_figure_is_refused_on_the_page(setup, client, who):
    version = version_of(setup.strategy)
    client.force_login(getattr(setup.w, who))

    for response in (
        client.get(correct_page()),
        client.post(correct_page(), {"figure": setup.figure.pk, "value": "45", "reason": "Revised."}),
    ):
        assert response.status_code == 403
        assert "Only people at the organisation that returned a figure can correct it" in response.text
    assert_unchanged(setup, version)


def test_outside_do_and_review_the_page_says_so(setup, client):
    Strategy.objects.filter(pk=setup.strategy.pk).update(stage="analyse")
    client.force_login(setup.w.icb_signatory)
    response = client.get(correct_page())
    assert response.status_code == 409
    assert "Figures can be corrected only while a strategy is in Do or Review; MCC-A is in Analyse." in response.text


# --------------------------------------------------------------------------------------------------------------
# Races (PostgreSQL)
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_once_from_the_same_version_make_one_and_the_other_is_stale():
    w = build_world()
    strategy = make_strategy(w, reference="MCC-A")
    measures.measure_create(
        actor=w.officer, strategy_id=strategy.pk, code="carers", name="Carers", unit="people", period="financial_year"
    )
    Strategy.objects.filter(pk=strategy.pk).update(stage="do")
    measures.figure_submit(
        actor=w.icb_signatory, strategy_id=strategy.pk, measure_code="carers", period="2025/26", value=1
    )
    version = version_of(strategy)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index):
        try:
            barrier.wait()
            results[index] = measures.figure_correct(
                actor=w.icb_signatory,
                strategy_id=strategy.pk,
                measure_code="carers",
                period="2025/26",
                value=10 + index,
                reason=f"Correction {index}",
                expected_version=version,
            )
        except Exception as exc:  # the race's loser is part of the result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(r).__name__ for r in results) == ["PerformanceFigureCorrection", "StaleVersion"]
    [correction] = PerformanceFigureCorrection.objects.all()
    assert correction.previous_value == Decimal(1)
    assert PerformanceFigure.objects.get().value == correction.value
    assert AuditEvent.objects.filter(transition="correct_figure").count() == 1
