"""Single sign-on in a real browser: the "Sign in with <organisation>" button, the provider's own login form (the
test provider, tests/oidc/provider.mjs), back signed in with the mapped role; signing out here and there; and the
refusal page. Each page passes the accessibility check, and the Content Security Policy blocks nothing on the way
(the sign-out form's redirect to the provider is allowed by the response's own policy)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import build_world
from tests.oidc.fixtures import configure
from tests.oidc.harness import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.oidc]


def serious_violations(page):
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def sign_in_at_the_provider(page, organisation: str, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("button", name=f"Sign in with {organisation}").click()
    page.get_by_label("Account name").fill(login)
    page.get_by_label("Account password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_an_officer_signs_in_with_their_councils_account_and_out_again(page, oidc_providers, monkeypatch):
    world = build_world()
    world.officer2.email = "newcomer@midshire.gov.uk"  # an account here with no role yet
    world.officer2.save()
    configure(world, oidc_providers, monkeypatch)
    page.goto("/accounts/login/")
    assert serious_violations(page) == []

    sign_in_at_the_provider(page, "Midshire County Council", "newcomer")

    page.wait_for_url("**/")
    assert page.get_by_text("Commissioning officer, Midshire County Council").is_visible()  # from the app role
    assert page.get_by_text(f"Signed in as {world.officer2}").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own page
    page.wait_for_url("**/accounts/signed-out/")
    assert page.get_by_role("heading", name="You have signed out").is_visible()
    assert serious_violations(page) == []
    page.goto("/strategies/")
    assert "/accounts/login/" in page.url  # signed out here
    assert page.broken == []


def test_a_refused_sign_in_is_a_clear_accessible_page(page, oidc_providers, monkeypatch):
    world = build_world()
    world.officer2.email = "new.starter@midshire.gov.uk"
    world.officer2.save()
    configure(world, oidc_providers, monkeypatch)

    sign_in_at_the_provider(page, "Midshire County Council", "unverified")

    assert page.get_by_role("heading", name="Your e-mail address has not been verified").is_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Go back to the sign-in page").click()
    assert page.get_by_role("heading", name="Sign in", exact=True).is_visible()
