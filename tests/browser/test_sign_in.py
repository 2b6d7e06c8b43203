"""Signing in, in a real browser: GOV.UK styles, fonts and images load, and the page passes an accessibility check."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import sign_in
from tests.factories import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def serious_violations(page):
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_a_person_signs_in_and_sees_their_roles(page):
    build_world()
    sign_in(page, "finance", "wrong password")
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert serious_violations(page) == []
    sign_in(page, "finance")
    assert page.get_by_text("Finance officer, Midshire County Council").first.is_visible()
    assert serious_violations(page) == []
    assert page.broken == []


def test_gov_uk_styles_apply(page):
    page.goto("/accounts/login/")
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith('"GDS Transport"'), font
    button = page.get_by_role("button", name="Sign in")
    assert (
        page.evaluate("b => getComputedStyle(b).backgroundColor", button.element_handle()) == "rgb(15, 122, 82)"
    )  # GOV.UK green (2025 brand)


def test_gov_uk_assets_load(page):
    page.goto("/accounts/login/")
    page.evaluate("document.fonts.ready")
    statuses = page.evaluate(
        """async () => {
            const urls = [...document.styleSheets].flatMap(s => [...s.cssRules])
              .map(r => r.cssText.match(/url\\("?([^")]+)"?\\)/)).filter(Boolean).map(m => m[1]);
            const unique = [...new Set(urls)];
            return Promise.all(unique.map(async u => [u, (await fetch(u)).status]));
        }"""
    )
    assert statuses, "the stylesheet asks for fonts and images"
    assert all(status == 200 for _, status in statuses), statuses
