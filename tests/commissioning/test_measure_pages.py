"""Adding an outcome measure on the strategy's page (`measure-create`): the strategy's officers add one and partners
see it in the API; bad input is shown against its fields and creates nothing; others are refused, with a message
that says why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning import services
from commissioning.models import OutcomeMeasure, Strategy
from commissioning.services import measures
from tests.clients import token_client
from tests.factories import complete_evidence, make_strategy
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(world):
    return make_strategy(world, reference="MCC-A")


def url(reference: str = "MCC-A") -> str:
    return reverse("measure-create", args=[reference])


FORM = {
    "code": "carers-supported",
    "name": "Carers supported",
    "level": "service",
    "unit": "people",
    "period": "financial_quarter",
    "target": "1,200",
    "direction": "yes",
}


def version_of(strategy: Strategy) -> int:
    return Strategy.objects.values_list("version", flat=True).get(pk=strategy.pk)


# --------------------------------------------------------------------------------------------------------------
# An officer adds a measure
# --------------------------------------------------------------------------------------------------------------


def test_the_strategy_page_links_its_officers_to_the_measure_page(client, world, strategy):
    client.force_login(world.officer)
    assert f'href="{url()}"' in client.get(reverse("strategy-detail", args=["MCC-A"])).text
    client.force_login(world.icb_signatory)
    assert url() not in client.get(reverse("strategy-detail", args=["MCC-A"])).text


def test_the_page_offers_calendar_and_financial_periods(client, world, strategy):
    client.force_login(world.officer)
    page = client.get(url())
    assert page.status_code == 200
    text = page.text
    for kind in ("month", "quarter", "year", "financial_quarter", "financial_year"):
        assert f'value="{kind}"' in text
    assert "Quarterly, financial-year quarters (YYYY/YY Qn: Q1 is April to June)" in text
    assert "2026/27" in text


def test_an_officer_adds_a_measure_on_the_page_and_a_partner_sees_it_in_the_api(client, world, strategy):
    before = version_of(strategy)
    client.force_login(world.officer)

    response = client.post(url(), FORM)

    assert response.status_code == 302
    assert response["Location"] == "/strategies/MCC-A/#outcomes"
    page = client.get(response["Location"]).text
    assert "Outcome measure ‘Carers supported’ (carers-supported) added." in page
    measure = OutcomeMeasure.objects.get()
    assert (measure.strategy, measure.period, str(measure.target), measure.higher_is_better) == (
        strategy,
        "financial_quarter",
        "1200.00",
        True,
    )
    assert AuditEvent.objects.get(transition="add_measure").actor == world.officer
    assert version_of(strategy) == before + 1

    listed = token_client(world.icb).get("/api/v1/strategies/MCC-A/measures/")
    assert listed.status_code == 200
    [shown] = listed.json()
    assert {k: shown[k] for k in ("code", "name", "unit", "period", "period_format", "target")} == {
        "code": "carers-supported",
        "name": "Carers supported",
        "unit": "people",
        "period": "financial_quarter",
        "period_format": "YYYY/YY Qn",
        "target": "1200.00",
    }


def test_a_commissioning_manager_may_add_one_too_and_lower_can_be_better(client, world, strategy):
    client.force_login(world.manager)
    response = client.post(url(), {**FORM, "code": "waits", "target": "", "direction": "no", "period": "month"})
    assert response.status_code == 302
    measure = OutcomeMeasure.objects.get()
    assert (measure.code, measure.target, measure.higher_is_better) == ("waits", None, False)


# --------------------------------------------------------------------------------------------------------------
# Bad input is shown on the page and creates nothing
# --------------------------------------------------------------------------------------------------------------


def test_missing_fields_are_shown_in_the_error_summary_and_nothing_is_created(client, world, strategy):
    before = version_of(strategy)
    client.force_login(world.officer)

    response = client.post(url(), {"level": "service", "direction": "yes"})

    assert response.status_code == 200
    page = response.text
    assert "Error: Add an outcome measure" in page
    assert "There is a problem" in page
    for message in (
        "Enter a short code, for example carers-supported",
        "Enter the measure&#x27;s name",
        "Enter the unit, for example people, %, days or £",
        "Choose monthly, quarterly or yearly, by calendar or financial year",
    ):
        assert message in page
    assert 'href="#id_code"' in page
    assert not OutcomeMeasure.objects.exists()
    assert version_of(strategy) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target", "lots", "Enter the target as a number, for example 42 or 97.5"),
        ("target", "1.234", "Give the target to at most two decimal places"),
        ("code", "carers supported!", "Use only letters, numbers, hyphens and underscores"),
        ("period", "weekly", "Select a valid choice"),
    ],
)
def test_a_bad_field_is_shown_against_it_and_nothing_is_created(client, world, strategy, field, value, message):
    client.force_login(world.officer)
    response = client.post(url(), {**FORM, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert f'href="#id_{field}"' in response.text
    assert not OutcomeMeasure.objects.exists()


def test_a_code_the_strategy_already_has_is_the_services_error_on_the_code(client, world, strategy):
    measures.measure_create(actor=world.officer, strategy_id=strategy.pk, code="carers-supported", name="X", unit="u")
    client.force_login(world.officer)

    response = client.post(url(), FORM)

    assert response.status_code == 200
    assert "MCC-A already has a measure with code carers-supported." in response.text
    assert OutcomeMeasure.objects.count() == 1


# --------------------------------------------------------------------------------------------------------------
# Who may, and when
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["icb_signatory", "finance", "member", "outsider"])
def test_someone_who_may_not_manage_the_strategy_gets_403_saying_who_may(client, world, strategy, who):
    client.force_login(getattr(world, who))

    for response in (client.get(url()), client.post(url(), FORM)):
        assert response.status_code == 403
        assert (
            "Only the lead officer, or a commissioning officer or manager at Midshire County Council, can add "
            "outcome measures to this strategy." in response.text
        )
        assert "<form" not in response.text.split('id="refusal"')[1]
    assert not OutcomeMeasure.objects.exists()


def test_someone_who_cannot_see_the_strategy_gets_404(client, world, strategy):
    client.force_login(world.district_signatory)
    assert client.get(url()).status_code == 404
    assert client.post(url(), FORM).status_code == 404
    assert client.get(url("MCC-NOPE")).status_code == 404
    assert not OutcomeMeasure.objects.exists()


def test_signing_in_is_needed(client, strategy):
    response = client.get(url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_while_the_gate_is_under_sign_off_the_page_says_why_nothing_can_be_added(client, world, strategy):
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    client.force_login(world.officer)

    page = client.get(url())
    posted = client.post(url(), FORM)

    for response in (page, posted):
        assert response.status_code == 409
        assert "so what was submitted cannot change. Withdraw the gate to make changes." in response.text
        assert 'name="code"' not in response.text
    assert not OutcomeMeasure.objects.exists()


def test_a_closed_strategy_takes_no_new_measures(client, world, strategy):
    Strategy.objects.filter(pk=strategy.pk).update(stage="closed")
    client.force_login(world.officer)
    response = client.post(url(), FORM)
    assert response.status_code == 409
    assert "This strategy is closed" in response.text
    assert not OutcomeMeasure.objects.exists()
