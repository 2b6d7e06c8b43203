"""The cookies page lists exactly the cookies this service sets: a real Chromium session signs in with a provider
and with a password, visits pages and sends a form that leaves a confirmation message, and every cookie the service's
responses set is on the page, and nothing else is."""

import re

import pytest

from tests.browser.conftest import sign_in
from tests.factories import build_world, complete_evidence, make_strategy
from tests.oidc.fixtures import configure
from tests.oidc.harness import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.oidc]


def test_the_cookies_page_lists_every_cookie_a_session_receives(page, live_server, oidc_providers, monkeypatch):
    world = build_world()
    world.officer.email = "priya.shah@midshire.gov.uk"
    world.officer.save()
    configure(world, oidc_providers, monkeypatch)
    strategy = make_strategy(world, reference="MCC-COOKIES", title="Carers' support")
    complete_evidence(strategy, world.officer)
    received: set[str] = set()

    def record(response):
        if response.url.startswith(live_server.url):
            for header in response.headers_array():
                if header["name"].lower() == "set-cookie":
                    received.add(header["value"].split("=", 1)[0].strip())

    page.on("response", record)
    for url in ("/", "/forward-plan/", "/accessibility/", "/accounts/login/"):
        page.goto(url)
    page.get_by_role("button", name="Sign in with Midshire County Council").click()
    page.get_by_label("Account name").fill("priya")
    page.get_by_label("Account password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"/strategies/{strategy.reference}/")
    page.get_by_role("button", name="Submit for sign-off").click()  # a form that leaves a confirmation
    assert page.get_by_text("submitted for sign-off").first.is_visible()
    page.goto("/reports/")
    page.context.clear_cookies()
    sign_in(page, "finance")  # and with a password
    page.goto("/notifications/")

    page.goto("/cookies/")
    listed = {name.strip() for name in page.locator("#cookies code").all_inner_texts()}

    assert received == listed, f"set: {sorted(received)}, listed: {sorted(listed)}"
    assert {"sessionid", "csrftoken", "messages"} <= listed
    assert all(re.fullmatch(r"[a-z_]+", name) for name in listed)
