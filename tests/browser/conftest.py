"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against a live server.

Marked `browser`; skipped when Chromium is missing (CI installs it and requires these tests to run).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "var" / "browser"

# The live server runs in a thread of this process; Playwright's sync API runs an event loop in it too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
                item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context per test; every response that 404s or fails is recorded and must not happen, and
    nothing may be blocked by the Content Security Policy."""
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    broken: list[str] = []
    page.on(
        "response",
        lambda r: broken.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    # A request the browser abandoned because the page moved on is not a broken asset.
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else broken.append(f"failed {r.url}"))
    page.broken = broken
    # The Content Security Policy allows no inline script or style: anything it blocks is a defect of the page.
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.csp_blocked = blocked
    yield page
    assert not blocked, f"the Content Security Policy blocked: {blocked}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context.close()


def sign_in(page, username: str, password: str = "correct horse battery staple"):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
