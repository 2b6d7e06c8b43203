"""End-to-end journeys in a real browser, each asserting what the person sees. Every page visited passes an axe
check (no serious or critical violations) and loads no asset that fails."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from commissioning import services
from tests.browser.conftest import sign_in
from tests.factories import build_world, complete_evidence, make_strategy

pytestmark = pytest.mark.django_db(transaction=True)


def accessible(page) -> None:
    results = Axe().run(page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
    assert page.broken == [], page.broken


def test_an_officer_creates_a_strategy_completes_the_analyse_evidence_and_submits_the_gate(page):
    world = build_world()
    sign_in(page, "officer")
    page.goto("/strategies/")
    accessible(page)
    page.get_by_role("button", name="Create a strategy").click()
    accessible(page)
    page.get_by_role("button", name="Create strategy").click()  # nothing filled in
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_role("link", name="Enter a title").first.is_visible()
    accessible(page)
    page.get_by_label("Reference").fill("MCC-CAR-001")
    page.get_by_label("Title").fill("Adult carers support")
    page.get_by_label("Service area").select_option(label="Adult social care")
    page.get_by_label("Lead organisation").select_option(label="Midshire County Council")
    page.get_by_label("Lead officer").select_option(label=str(world.officer))
    page.get_by_label("Annual value (£)").fill("40000")
    page.get_by_label("Total contract value (£)").fill("40000")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Partner 1: organisation").select_option(label="Midshire Integrated Care Board")
    page.get_by_label("Partner 1: kind of partner").select_option(label="Co-commissioner")
    page.get_by_role("button", name="Create strategy").click()
    assert page.get_by_role("heading", name="Adult carers support").is_visible()
    accessible(page)

    titles = [link.inner_text() for link in page.locator(".govuk-task-list__link").all()]
    assert titles[0] == "Needs assessment"
    for title in titles:
        page.get_by_role("link", name=title, exact=True).click()
        page.get_by_label("Complete", exact=True).check()
        page.get_by_label("The evidence").fill(f"{title}: agreed with partners.")
        page.get_by_role("button", name="Save evidence").click()
    accessible(page)
    assert page.locator(".govuk-task-list__status").filter(has_text="Complete").count() == len(titles)

    page.get_by_role("button", name="Submit for sign-off").click()
    assert page.get_by_text("Submitted for sign-off").first.is_visible()
    for seat in ("Finance officer, Midshire County Council", "Partner signatory, Midshire Integrated Care Board"):
        assert page.get_by_text(seat).first.is_visible()
    accessible(page)


def test_a_visitor_reads_the_forward_plan_without_signing_in(page):
    world = build_world()
    strategy = make_strategy(world, reference="MCC-HOM-001", title="Home care", value="2400000")
    complete_evidence(strategy, world.officer)
    services.forward_plan_publish(
        actor=world.officer, strategy_id=strategy.pk, decision_date=timezone.localdate() + dt.timedelta(days=40)
    )
    page.goto("/forward-plan/")
    assert page.get_by_role("heading", level=1).inner_text().strip() != ""
    assert page.get_by_text("Home care").first.is_visible()
    assert page.get_by_text("MCC-HOM-001").first.is_visible()
    assert "/accounts/login/" not in page.url
    accessible(page)
