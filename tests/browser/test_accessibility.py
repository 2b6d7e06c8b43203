"""Every main page, as the person who uses it: no serious or critical axe violations, no asset that fails."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from commissioning import services
from tests.browser.conftest import sign_in
from tests.factories import build_world, complete_evidence, make_strategy

pytestmark = pytest.mark.django_db(transaction=True)


def check(page, url: str) -> None:
    page.goto(url)
    assert page.locator("h1").count() == 1, url
    results = Axe().run(page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{url}: {serious}"
    assert page.broken == [], page.broken


def test_every_main_page_is_accessible(page):
    world = build_world()
    strategy = make_strategy(world, reference="MCC-ACC-001", title="Reablement")
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    public = ("/", "/forward-plan/", "/decisions/", "/decisions/chain/", "/accounts/login/", "/accessibility/")
    for url in (*public, "/privacy/", "/cookies/"):
        check(page, url)
    sign_in(page, "officer")
    evidence = strategy.evidence.first()
    for url in (
        "/",
        "/strategies/",
        "/strategies/new/",
        f"/strategies/{strategy.reference}/",
        f"/strategies/{strategy.reference}/history/",
        f"/strategies/{strategy.reference}/edit/",
        f"/strategies/{strategy.reference}/evidence/{evidence.pk}/",
        "/reports/",
        "/notifications/",
        "/delegations/",
        "/calendar/",
    ):
        check(page, url)
    page.context.clear_cookies()
    sign_in(page, "finance")
    check(page, f"/seats/{gate.current_seats().get(role='finance').pk}/")
