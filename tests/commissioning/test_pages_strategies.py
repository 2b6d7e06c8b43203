"""The strategy pages: list, create, the strategy page and its buttons, editing, evidence and history."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from commissioning import services
from commissioning.models import (
    Evidence,
    EvidenceStatus,
    PerformanceFigure,
    Role,
    Strategy,
)
from commissioning.services import measures
from tests.factories import OrganisationFactory, complete_evidence, make_strategy, person
from workflows.models import GateState
from workflows.transitions import audit

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def strategy_urls(strategy):
    evidence = strategy.evidence.order_by("pk").first()
    ref = strategy.reference
    return {
        "get": [
            reverse("strategy-detail", args=[ref]),
            reverse("strategy-history", args=[ref]),
            reverse("strategy-edit", args=[ref]),
            reverse("evidence-edit", args=[ref, evidence.pk]),
        ],
        "post": [
            reverse("strategy-submit", args=[ref]),
            reverse("strategy-withdraw", args=[ref]),
            reverse("strategy-advance", args=[ref]),
            reverse("strategy-forward-plan", args=[ref]),
            reverse("strategy-edit", args=[ref]),
            reverse("evidence-edit", args=[ref, evidence.pk]),
        ],
    }


def valid_create_data(world, **overrides):
    data = {
        "reference": "mcc-asc-100",
        "title": "Carers' breaks",
        "summary": "Short breaks for unpaid carers.",
        "service_area": "adult_social_care",
        "lead_organisation": world.county.pk,
        "lead_officer": world.officer.pk,
        "annual_value": "£40,000",
        "total_contract_value": "120000",
        "capital_value": "0",
        "pooled_budget": "no",
        "next_review_date_day": "1",
        "next_review_date_month": "4",
        "next_review_date_year": "2030",
        "partner_1_organisation": world.icb.pk,
        "partner_1_kind": "co_commissioner",
    }
    data.update(overrides)
    return data


def submit_button(page: str) -> bool:
    return "Submit for sign-off" in page


# --------------------------------------------------------------------------------------------------------------
# Who may see what
# --------------------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(client, world):
    strategy = make_strategy(world)
    urls = strategy_urls(strategy)
    for url in [reverse("strategy-list"), reverse("strategy-create"), *urls["get"]]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}"
    for url in urls["post"]:
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")
    assert Strategy.objects.get().current_gate.state == GateState.OPEN


def test_a_person_whose_organisation_is_not_party_gets_404_for_every_strategy_url(client, world):
    strategy = make_strategy(world)
    stranger_org = OrganisationFactory(name="Faraway Borough Council", code="FBC")
    stranger = person("stranger", stranger_org, Role.COMMISSIONING_MANAGER)
    client.force_login(stranger)
    urls = strategy_urls(strategy)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {"reason": "x", "version": strategy.version}).status_code == 404, url
    assert strategy.reference not in client.get(reverse("strategy-list")).text
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.OPEN


def test_an_unknown_reference_is_a_404(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("strategy-detail", args=["NOPE-1"])).status_code == 404


def test_the_list_groups_strategies_by_stage_and_offers_creation_to_officers(client, world):
    make_strategy(world, title="Carers")
    client.force_login(world.officer)
    page = client.get(reverse("strategy-list")).text
    assert "Analyse" in page and "MCC-001" in page and "Midshire County Council" in page
    assert "Create a strategy" in page
    client.force_login(world.icb_signatory)  # a partner: sees it, may not create
    page = client.get(reverse("strategy-list")).text
    assert "MCC-001" in page
    assert "Create a strategy" not in page


# --------------------------------------------------------------------------------------------------------------
# Creating and editing
# --------------------------------------------------------------------------------------------------------------


def test_an_officer_creates_a_strategy_through_the_form(client, world):
    client.force_login(world.officer)
    form = client.get(reverse("strategy-create")).text
    assert 'name="next_review_date_day"' in form
    assert 'name="partner_4_kind"' in form
    response = client.post(reverse("strategy-create"), valid_create_data(world))
    assert response.status_code == 302
    strategy = Strategy.objects.get(reference="MCC-ASC-100")
    assert response["Location"] == reverse("strategy-detail", args=["MCC-ASC-100"])
    assert strategy.annual_value == Decimal("40000")
    assert strategy.next_review_date.isoformat() == "2030-04-01"
    assert list(strategy.partner_links.values_list("organisation_id", "kind")) == [(world.icb.pk, "co_commissioner")]
    page = client.get(response["Location"]).text
    assert "Strategy MCC-ASC-100 created" in page
    assert "govuk-notification-banner--success" in page


def test_bad_input_shows_the_error_summary_naming_each_field_and_creates_nothing(client, world):
    client.force_login(world.officer)
    data = valid_create_data(
        world,
        reference="",
        title="",
        service_area="",
        annual_value="lots",
        next_review_date_month="",
        partner_1_kind="",
    )
    response = client.post(reverse("strategy-create"), data)
    assert response.status_code == 200
    page = response.text
    assert "There is a problem" in page
    for anchor in (
        "#id_reference",
        "#id_title",
        "#id_service_area",
        "#id_annual_value",
        "#id_next_review_date",
        "#id_partner_1_kind",
    ):
        assert f'href="{anchor}"' in page, anchor
    assert "must include a month" in page
    assert "govuk-form-group--error" in page
    assert not Strategy.objects.exists()


def test_the_services_rules_land_on_the_right_fields(client, world):
    make_strategy(world, reference="MCC-ASC-100")
    client.force_login(world.officer)
    data = valid_create_data(
        world, pooled_budget="yes", partner_2_organisation=world.icb.pk, partner_2_kind="consultee"
    )
    page = client.post(reverse("strategy-create"), data).text
    assert "There is a problem" in page
    assert 'href="#id_reference"' in page and "already exists" in page
    assert 'href="#id_partner_2_organisation"' in page and "listed twice" in page
    assert Strategy.objects.count() == 1


def test_someone_without_an_officer_role_cannot_create(client, world):
    client.force_login(world.finance)
    assert client.get(reverse("strategy-create")).status_code == 403
    assert client.post(reverse("strategy-create"), valid_create_data(world)).status_code == 403
    assert not Strategy.objects.exists()


def test_an_officer_edits_a_strategy_and_a_stale_edit_is_refused_clearly(client, world):
    strategy = make_strategy(world)
    client.force_login(world.officer)
    form = client.get(reverse("strategy-edit", args=[strategy.reference])).text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    data = {
        "version": version,
        "title": "Carers support, refreshed",
        "summary": "",
        "service_area": "adult_social_care",
        "lead_officer": world.officer2.pk,
        "annual_value": "50000",
        "total_contract_value": "50000",
        "capital_value": "0",
        "pooled_budget": "no",
        "delivery_channel": "",
        "recommendation": "",
    }
    response = client.post(reverse("strategy-edit", args=[strategy.reference]), data)
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.title == "Carers support, refreshed"
    assert strategy.lead_officer == world.officer2
    stale = client.post(reverse("strategy-edit", args=[strategy.reference]), {**data, "title": "Again"})
    assert stale.status_code == 412  # a stale version: the same status as the API's stale If-Match
    assert "There is a problem" in stale.text
    assert "has changed since you loaded it" in stale.text
    strategy.refresh_from_db()
    assert strategy.title == "Carers support, refreshed"


def test_editing_is_refused_while_the_gate_is_under_sign_off(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    strategy.refresh_from_db()
    client.force_login(world.officer)
    assert "cannot change" in client.get(reverse("strategy-edit", args=[strategy.reference])).text
    data = {
        "version": strategy.version,
        "title": "Changed",
        "service_area": "adult_social_care",
        "lead_officer": world.officer.pk,
        "annual_value": "50000",
        "total_contract_value": "50000",
        "capital_value": "0",
        "pooled_budget": "no",
    }
    page = client.post(reverse("strategy-edit", args=[strategy.reference]), data).text
    assert "There is a problem" in page and "Withdraw the gate to make changes" in page
    strategy.refresh_from_db()
    assert strategy.title != "Changed"


# --------------------------------------------------------------------------------------------------------------
# Evidence and the gate
# --------------------------------------------------------------------------------------------------------------


def test_an_officer_completes_evidence_through_the_evidence_page(client, world):
    strategy = make_strategy(world)
    item = strategy.evidence.order_by("position", "pk").first()
    client.force_login(world.officer)
    detail = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    url = reverse("evidence-edit", args=[strategy.reference, item.pk])
    assert f'href="{url}"' in detail
    assert "govuk-task-list" in detail
    page = client.get(url).text
    assert 'type="radio"' in page and "govuk-textarea" in page
    response = client.post(url, {"status": "complete", "content": "Needs assessment done.", "link": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == EvidenceStatus.COMPLETE
    assert item.completed_by == world.officer
    assert "saved" in client.get(response["Location"]).text


def test_evidence_marked_complete_without_content_shows_the_services_error(client, world):
    strategy = make_strategy(world)
    item = strategy.evidence.order_by("pk").first()
    client.force_login(world.officer)
    url = reverse("evidence-edit", args=[strategy.reference, item.pk])
    page = client.post(url, {"status": "complete", "content": "", "link": "not a link"}).text
    assert "There is a problem" in page
    assert 'href="#id_link"' in page and "https://" in page
    assert 'href="#id_content"' not in page or "Add the evidence" in page
    item.refresh_from_db()
    assert item.status == EvidenceStatus.NOT_STARTED


def test_evidence_of_another_strategy_is_a_404(client, world):
    first = make_strategy(world)
    second = make_strategy(world)
    other_item = second.evidence.first()
    client.force_login(world.officer)
    assert client.get(reverse("evidence-edit", args=[first.reference, other_item.pk])).status_code == 404


def test_an_officer_submits_the_gate_with_the_button(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    client.force_login(world.officer)
    page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    assert submit_button(page)
    assert f'action="{reverse("strategy-submit", args=[strategy.reference])}"' in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(reverse("strategy-submit", args=[strategy.reference]), {"version": version})
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.SUBMITTED
    page = client.get(response["Location"]).text
    assert "submitted for sign-off" in page
    assert "Finance officer, Midshire County Council" in page  # the seats table
    assert strategy.current_gate.snapshot_hash in page
    assert not submit_button(page)
    assert "Withdraw" in page


def test_submitting_with_missing_evidence_shows_the_missing_items(client, world):
    strategy = make_strategy(world)
    titles = list(strategy.evidence.filter(required=True).values_list("title", flat=True))
    client.force_login(world.officer)
    response = client.post(reverse("strategy-submit", args=[strategy.reference]))
    assert response.status_code == 409  # refused: the gate is not ready, as the API would say
    page = response.text
    assert "There is a problem" in page
    assert "cannot be submitted until this is done" in page
    for title in titles:
        assert title.replace("'", "&#x27;") in page
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.OPEN


def test_buttons_are_hidden_from_people_not_allowed(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    for who in (world.finance, world.icb_signatory, world.member):
        client.force_login(who)
        page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
        assert not submit_button(page), who
        assert "Change the strategy" not in page
        assert "Withdraw" not in page and "Publish the forward-plan notice" not in page
    client.force_login(world.finance)
    assert client.get(reverse("strategy-edit", args=[strategy.reference])).status_code == 403
    page = client.post(reverse("strategy-submit", args=[strategy.reference])).text
    assert "There is a problem" in page and "Only the lead officer" in page
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.OPEN


def test_withdraw_needs_a_reason(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    client.force_login(world.officer)
    url = reverse("strategy-withdraw", args=[strategy.reference])
    page = client.post(url, {"reason": "  "}).text
    assert "There is a problem" in page
    assert 'href="#id_reason"' in page and "Say why the gate is being withdrawn" in page
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.SUBMITTED
    response = client.post(url, {"reason": "The costs changed."})
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.WITHDRAWN
    assert submit_button(client.get(response["Location"]).text)


def test_the_state_changing_urls_refuse_get(client, world):
    strategy = make_strategy(world)
    client.force_login(world.officer)
    for name in ("strategy-submit", "strategy-withdraw", "strategy-advance", "strategy-forward-plan"):
        assert client.get(reverse(name, args=[strategy.reference])).status_code == 405


def test_advance_is_offered_once_the_gate_has_passed(client, world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    client.force_login(world.officer)
    assert "Move to Plan" not in client.get(reverse("strategy-detail", args=[strategy.reference])).text
    refused = client.post(reverse("strategy-advance", args=[strategy.reference])).text
    assert "There is a problem" in refused and "gate must have passed" in refused
    signers = {
        "commissioning_officer": world.officer2,
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
        "executive_member": world.member,
        "legal": world.legal,
        "procurement": world.procurement,
    }
    for seat in gate.current_seats().order_by("pk"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.PASSED
    page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    assert "Move to Plan" in page
    response = client.post(reverse("strategy-advance", args=[strategy.reference]))
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.stage == "plan"
    assert "moved to Plan" in client.get(response["Location"]).text


def test_a_key_decision_offers_the_forward_plan_notice_and_checks_the_date(client, world):
    strategy = make_strategy(world, value="600000")
    client.force_login(world.officer)
    page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    assert "Publish the forward-plan notice" in page
    url = reverse("strategy-forward-plan", args=[strategy.reference])
    page = client.post(url, {"decision_date_day": "1", "decision_date_month": "1", "decision_date_year": "2000"}).text
    assert "There is a problem" in page and 'href="#id_decision_date"' in page and "clear days" in page
    response = client.post(url, {"decision_date_day": "1", "decision_date_month": "1", "decision_date_year": "2099"})
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.current_gate.intended_decision_date.isoformat() == "2099-01-01"
    assert "1 January 2099" in client.get(response["Location"]).text


# --------------------------------------------------------------------------------------------------------------
# Outcomes, history and the page's cost
# --------------------------------------------------------------------------------------------------------------


def test_the_chart_has_a_title_and_description_and_the_table_has_the_same_numbers(client, world):
    strategy = make_strategy(world)
    measure = measures.measure_create(
        actor=world.officer, strategy_id=strategy.pk, code="carers", name="Carers supported", unit="people", target=100
    )
    for period, value in (("2024-Q1", "80"), ("2024-Q2", "120"), ("2024-Q3", "97.5")):
        PerformanceFigure.objects.create(
            measure=measure, period=period, value=Decimal(value), organisation=world.county, submitted_by=world.officer
        )
    client.force_login(world.icb_signatory)
    page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert f'aria-labelledby="measure-{measure.pk}-title measure-{measure.pk}-desc"' in svg
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S).group(1)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert "Carers supported" in title
    table = re.search(rf'<table class="govuk-table" id="measure-{measure.pk}-table">.*?</table>', page, re.S).group(0)
    for period, shown in (("2024-Q1", "80"), ("2024-Q2", "120"), ("2024-Q3", "97.50")):
        assert f"{period}: {shown} people" in desc
        assert re.search(rf">{period}</th>\s*<td[^>]*>{re.escape(shown)}</td>", table), period
        assert f">{period}</text>" in svg
    assert "target is 100 people" in desc and "1 of 3 figures meet it" in desc
    assert table.count("(not met)") == 2 and table.count("(met)") == 1
    assert "<script" not in page and "style=" not in page


def add_history(strategy, actor, count):
    with transaction.atomic():  # through the one writer, so that each event takes its place on the strategy's chain
        for n in range(count):
            audit(strategy, transition=f"note_{n}", actor=actor)


@pytest.mark.parametrize("events", [10, 200])
def test_the_strategy_page_takes_at_most_20_queries_however_long_its_history(
    client, world, django_assert_max_num_queries, events
):
    strategy = make_strategy(world, value="600000")
    for code in ("carers", "breaks"):
        measure = measures.measure_create(
            actor=world.officer, strategy_id=strategy.pk, code=code, name=code, unit="people", target=10
        )
        PerformanceFigure.objects.create(
            measure=measure, period="2024-Q1", value=9, organisation=world.county, submitted_by=world.officer
        )
    complete_evidence(strategy, world.officer)
    services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2099, 1, 1))
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    services.seat_decide(actor=world.finance, seat_id=gate.current_seats().get(role="finance").pk, outcome="approve")
    add_history(strategy, world.officer, events)
    client.force_login(world.officer)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("strategy-detail", args=[strategy.reference]))
    assert response.status_code == 200
    assert response.text.count("note_") == min(events, 50)
    assert reverse("strategy-history", args=[strategy.reference]) in response.text


def test_the_history_page_shows_100_changes_a_page(client, world):
    strategy = make_strategy(world)
    add_history(strategy, world.officer, 150)
    client.force_login(world.icb_signatory)
    url = reverse("strategy-history", args=[strategy.reference])
    first = client.get(url).text
    assert first.count("note_") == 100
    assert "?page=2" in first
    second = client.get(url + "?page=2").text
    assert second.count("note_") == 50
    assert "Create strategy" not in second


def test_pages_use_no_inline_scripts_or_styles(client, world):
    strategy = make_strategy(world)
    item = Evidence.objects.filter(strategy=strategy).first()
    client.force_login(world.officer)
    for url in (
        reverse("strategy-list"),
        reverse("strategy-create"),
        reverse("strategy-detail", args=[strategy.reference]),
        reverse("strategy-edit", args=[strategy.reference]),
        reverse("strategy-history", args=[strategy.reference]),
        reverse("evidence-edit", args=[strategy.reference, item.pk]),
    ):
        page = client.get(url).text
        assert "<script" not in page, url
        assert "style=" not in page, url
