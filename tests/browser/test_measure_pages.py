"""The outcome-measure pages in a real browser: adding a measure by financial quarter, and correcting a figure the
person's organisation returned; no serious or critical axe violations on either, nor on the strategy page showing the
corrected figure."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from commissioning.models import Strategy
from commissioning.services import measures
from tests.browser.conftest import sign_in
from tests.factories import build_world, make_strategy

pytestmark = pytest.mark.django_db(transaction=True)


def accessible(page) -> None:
    assert page.locator("h1").count() == 1, page.url
    results = Axe().run(page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
    assert page.broken == [], page.broken


def test_an_officer_adds_a_measure_and_a_partner_corrects_a_figure_of_it(page):
    world = build_world()
    strategy = make_strategy(world, reference="MCC-FY-001", title="Reablement")
    Strategy.objects.filter(pk=strategy.pk).update(stage="do")

    sign_in(page, "officer")
    page.goto(f"/strategies/{strategy.reference}/measures/new/")
    accessible(page)
    page.get_by_label("Code").fill("people-reabled")
    page.get_by_label("Name").fill("People reabled")
    page.get_by_label("Unit").fill("people")
    page.get_by_label("Quarterly, financial-year quarters (YYYY/YY Qn: Q1 is April to June)").check()
    page.get_by_label("Target (optional)").fill("40")
    page.get_by_role("button", name="Add measure").click()
    assert page.url.endswith(f"/strategies/{strategy.reference}/#outcomes")
    assert "Outcome measure ‘People reabled’ (people-reabled) added." in page.content()

    measures.figure_submit(
        actor=world.icb_signatory,
        strategy_id=strategy.pk,
        measure_code="people-reabled",
        period="2025/26 Q1",
        value=41,
    )
    page.context.clear_cookies()
    sign_in(page, "icb_signatory")
    page.goto(f"/strategies/{strategy.reference}/")
    page.get_by_role("link", name="Correct a figure of People reabled").click()
    accessible(page)
    page.get_by_label("People reabled, 2025/26 Q1: 41 people").check()
    page.get_by_label("Corrected figure").fill("45")
    page.get_by_label("Why is it corrected?").fill("The provider sent a revised return.")
    page.get_by_role("button", name="Correct the figure").click()
    assert "Corrected from 41 on" in page.content()
    assert "The provider sent a revised return." in page.content()
    accessible(page)
