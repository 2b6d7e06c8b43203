"""Periods of outcome figures, calendar and financial-year (April to March, written as councils write them, e.g.
2026/27 and 2026/27 Q1): what is accepted and how it is stored, what is refused and what the refusal says, and that
figures are listed in the order of their periods."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.urls import reverse

from commissioning import selectors
from commissioning.models import OutcomeMeasure, PerformanceFigure, Strategy
from commissioning.services import measures
from tests.clients import token_client
from tests.factories import make_strategy

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # in 2026/27 Q3 (October to December)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def setup(world):
    """MCC-A in Do with a measure by financial quarter and one by financial year."""
    strategy = make_strategy(world, reference="MCC-A")

    def add(code, period):
        return measures.measure_create(
            actor=world.officer, strategy_id=strategy.pk, code=code, name=code, unit="people", period=period, target=10
        )

    quarterly, yearly = add("carers-supported", "financial_quarter"), add("carers-assessed", "financial_year")
    Strategy.objects.filter(pk=strategy.pk).update(stage="do")
    return SimpleNamespace(w=world, strategy=strategy, quarterly=quarterly, yearly=yearly, icb=token_client(world.icb))


def figures_url(code: str) -> str:
    return f"/api/v1/strategies/MCC-A/measures/{code}/figures/"


# --------------------------------------------------------------------------------------------------------------
# Reading periods
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "written", "stored", "starts_on"),
    [
        ("financial_quarter", "2026/27 Q1", "2026/27 Q1", dt.date(2026, 4, 1)),
        ("financial_quarter", "2026/27 Q2", "2026/27 Q2", dt.date(2026, 7, 1)),
        ("financial_quarter", "2026/27 Q3", "2026/27 Q3", dt.date(2026, 10, 1)),
        ("financial_quarter", "2025/26 Q4", "2025/26 Q4", dt.date(2026, 1, 1)),  # January to March of the next year
        ("financial_quarter", "2026/27-Q1", "2026/27 Q1", dt.date(2026, 4, 1)),
        ("financial_quarter", "2026/27 q1", "2026/27 Q1", dt.date(2026, 4, 1)),
        ("financial_quarter", "2026/27Q1", "2026/27 Q1", dt.date(2026, 4, 1)),
        ("financial_quarter", "2026-27 Q1", "2026/27 Q1", dt.date(2026, 4, 1)),
        ("financial_quarter", " 2026/27 - q2 ", "2026/27 Q2", dt.date(2026, 7, 1)),
        ("financial_quarter", "2099/00 Q1", "2099/00 Q1", dt.date(2099, 4, 1)),  # the century turns
        ("financial_year", "2026/27", "2026/27", dt.date(2026, 4, 1)),
        ("financial_year", "2026-27", "2026/27", dt.date(2026, 4, 1)),
        ("financial_year", "2001/02", "2001/02", dt.date(2001, 4, 1)),
        ("quarter", "2026-q2", "2026-Q2", dt.date(2026, 4, 1)),
        ("month", "2026-02", "2026-02", dt.date(2026, 2, 1)),
        ("year", "2025", "2025", dt.date(2025, 1, 1)),
    ],
)
def test_periods_are_read_in_their_variants_and_written_in_one_form_with_the_day_they_begin(
    kind, written, stored, starts_on
):
    assert measures.parse_period(kind, written) == (stored, starts_on)


@pytest.mark.parametrize(
    ("kind", "written", "message"),
    [
        (
            "financial_quarter",
            "2026/28 Q1",
            "2026/28 is not a financial year: the second part must be the next year's last two digits, as in 2026/27.",
        ),
        (
            "financial_year",
            "2026/28",
            "2026/28 is not a financial year: the second part must be the next year's last two digits, as in 2026/27.",
        ),
        ("financial_year", "2026/26", "the second part must be the next year's last two digits, as in 2026/27"),
        (
            "financial_quarter",
            "2026-Q1",
            "This measure is quarterly, by financial-year quarters (Q1 is April to June): enter the period as "
            "YYYY/YY Qn, for example 2025/26 Q1.",
        ),
        ("financial_quarter", "2026/27", "enter the period as YYYY/YY Qn"),
        ("financial_quarter", "2026/27 Q5", "enter the period as YYYY/YY Qn"),
        ("financial_quarter", "2026/2027 Q1", "enter the period as YYYY/YY Qn"),
        (
            "financial_year",
            "2026",
            "This measure is yearly, by financial years (April to March): enter the period as YYYY/YY, for example "
            "2025/26.",
        ),
        ("financial_year", "2026/27 Q1", "enter the period as YYYY/YY,"),
        ("financial_year", "２０２６/27", "enter the period as YYYY/YY,"),
        ("quarter", "2026/27 Q1", "This measure is quarterly, by calendar quarters: enter the period as YYYY-Qn"),
        ("year", "2026/27", "enter the period as YYYY, for example 2025"),
    ],
)
def test_a_period_not_in_the_measures_format_says_what_to_write(kind, written, message):
    with pytest.raises(ValueError) as refused:
        measures.parse_period(kind, written)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("kind", "written", "message"),
    [
        ("financial_quarter", "2026/27 Q4", "2026/27 Q4 has not started yet (it begins on 1 January 2027)"),
        ("financial_year", "2027/28", "2027/28 has not started yet (it begins on 1 April 2027)"),
        ("financial_quarter", "2000/01 Q4", "The period must be in 2001/02 or later."),
        ("financial_year", "2000/01", "The period must be in 2001/02 or later."),
        ("quarter", "2000-Q4", "The period must be in 2001 or later."),
    ],
)
def test_a_figures_period_must_have_begun_and_be_after_2000(kind, written, message):
    with pytest.raises(ValueError) as refused:
        measures.period_start(kind, written)
    assert message in str(refused.value)


def test_the_quarter_under_way_has_begun():
    assert measures.period_start("financial_quarter", "2026/27 Q3") == ("2026/27 Q3", dt.date(2026, 10, 1))
    assert measures.period_start("financial_year", "2026/27") == ("2026/27", dt.date(2026, 4, 1))


# --------------------------------------------------------------------------------------------------------------
# Through the API
# --------------------------------------------------------------------------------------------------------------


def test_a_partner_returns_a_figure_for_2026_27_q1(setup):
    response = setup.icb.post(figures_url("carers-supported"), {"period": "2026/27-q1", "value": 12}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["period"], body["starts_on"], body["corrected"], body["corrections"]) == (
        "2026/27 Q1",
        "2026-04-01",
        False,
        [],
    )
    figure = PerformanceFigure.objects.get()
    assert (figure.period, figure.starts_on) == ("2026/27 Q1", dt.date(2026, 4, 1))


@pytest.mark.parametrize(
    ("code", "period", "message"),
    [
        ("carers-supported", "2026/28 Q1", "the second part must be the next year's last two digits"),
        ("carers-supported", "2026-Q1", "YYYY/YY Qn"),
        ("carers-supported", "2026/27 Q4", "has not started yet"),
        ("carers-assessed", "2027/28", "has not started yet"),
        ("carers-assessed", "2026", "YYYY/YY"),
    ],
)
def test_a_financial_period_that_is_wrong_is_a_400_naming_period(setup, code, period, message):
    response = setup.icb.post(figures_url(code), {"period": period, "value": 12}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["period"]
    assert message in response.json()["errors"]["period"]
    assert not PerformanceFigure.objects.exists()


def test_the_same_quarter_written_another_way_is_the_same_figure(setup):
    first = setup.icb.post(figures_url("carers-supported"), {"period": "2026/27 Q1", "value": 1}, format="json")
    assert first.status_code == 201
    again = setup.icb.post(figures_url("carers-supported"), {"period": "2026-27 q1", "value": 2}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "figure_already_returned"


def test_the_measures_list_says_the_financial_formats_and_lists_figures_by_the_day_their_period_begins(setup):
    for period in ("2026/27 Q2", "2025/26 Q4", "2026/27 Q1", "2025/26 Q3"):
        setup.icb.post(figures_url("carers-supported"), {"period": period, "value": 5}, format="json")
    for period in ("2026/27", "2024/25", "2025/26"):
        setup.icb.post(figures_url("carers-assessed"), {"period": period, "value": 5}, format="json")

    body = {m["code"]: m for m in setup.icb.get("/api/v1/strategies/MCC-A/measures/").json()}

    quarterly, yearly = body["carers-supported"], body["carers-assessed"]
    assert (quarterly["period"], quarterly["period_format"]) == ("financial_quarter", "YYYY/YY Qn")
    assert (yearly["period"], yearly["period_format"]) == ("financial_year", "YYYY/YY")
    assert [f["period"] for f in quarterly["figures"]] == ["2025/26 Q3", "2025/26 Q4", "2026/27 Q1", "2026/27 Q2"]
    assert [f["starts_on"] for f in quarterly["figures"]] == ["2025-10-01", "2026-01-01", "2026-04-01", "2026-07-01"]
    assert [f["period"] for f in yearly["figures"]] == ["2024/25", "2025/26", "2026/27"]
    assert quarterly["links"]["corrections"] == "/api/v1/strategies/MCC-A/measures/carers-supported/corrections/"


def test_figures_are_ordered_by_the_day_their_period_begins_not_by_their_text(setup):
    # Rows whose text sorts the other way round from their dates: the order follows the dates.
    for period, starts_on in (("A", dt.date(2026, 7, 1)), ("B", dt.date(2026, 4, 1)), ("C", None)):
        PerformanceFigure.objects.create(
            measure=setup.quarterly,
            period=period,
            starts_on=starts_on,
            value=1,
            organisation=setup.w.icb,
            submitted_by=setup.w.icb_signatory,
        )
    [measure] = [m for m in selectors.measures_with_figures(setup.strategy.pk) if m.code == "carers-supported"]
    assert [f.period for f in measure.figures.all()] == ["B", "A", "C"]  # a row without its day comes last


def test_the_migration_fills_in_the_day_each_earlier_figure_begins(setup):
    for period in ("2025-03", "2025-Q3", "2024"):
        PerformanceFigure.objects.create(
            measure=setup.quarterly,
            period=period,
            value=1,
            organisation=setup.w.icb,
            submitted_by=setup.w.icb_signatory,
        )
    migration = importlib.import_module("commissioning.migrations.0013_financial_year_figures_and_corrections")

    migration.fill_starts_on(django_apps, None)

    assert dict(PerformanceFigure.objects.values_list("period", "starts_on")) == {
        "2025-03": dt.date(2025, 3, 1),
        "2025-Q3": dt.date(2025, 7, 1),
        "2024": dt.date(2024, 1, 1),
    }


def test_a_measure_by_financial_year_can_be_added_and_an_unknown_kind_is_refused(world):
    strategy = make_strategy(world, reference="MCC-A")
    measure = measures.measure_create(
        actor=world.officer, strategy_id=strategy.pk, code="fy", name="FY", unit="£", period="financial_year"
    )
    assert measure.period == OutcomeMeasure.Period.FINANCIAL_YEAR
    with pytest.raises(measures.InvalidInput) as refused:
        measures.measure_create(
            actor=world.officer, strategy_id=strategy.pk, code="fy2", name="FY", unit="£", period="fiscal"
        )
    assert refused.value.errors["period"] == "Choose monthly, quarterly or yearly, by calendar or financial year."


# --------------------------------------------------------------------------------------------------------------
# On the strategy page
# --------------------------------------------------------------------------------------------------------------


def test_the_strategy_page_shows_financial_periods_in_order_and_says_how_often(setup, client):
    for period, value in (("2026/27 Q2", "14"), ("2026/27 Q1", "12")):
        setup.icb.post(figures_url("carers-supported"), {"period": period, "value": value}, format="json")
    client.force_login(setup.w.officer)

    page = client.get(reverse("strategy-detail", args=["MCC-A"])).text

    assert "quarterly, by financial-year quarters (Q1 is April to June)" in page
    assert "yearly, by financial years (April to March)" in page
    assert "carers-supported (people) by financial quarter" in page
    table = page.split(f'id="measure-{setup.quarterly.pk}-table"')[1].split("</table>")[0]
    assert table.index(">2026/27 Q1</th>") < table.index(">2026/27 Q2</th>")
    assert Decimal(12) == PerformanceFigure.objects.get(period="2026/27 Q1").value
