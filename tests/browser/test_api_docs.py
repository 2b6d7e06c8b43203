"""The API documentation, in a real browser under the Content Security Policy: Swagger UI and Redoc run from this
server's own files, with no inline script, and show the API's operations (the page fixture fails the test if the
policy blocks anything)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_shows_the_operations(page):
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("Commissioning cycle API").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/strategies/").first).to_be_visible()
    assert page.broken == []


def test_redoc_shows_the_operations(page):
    page.goto("/api/v1/redoc/")
    expect(page.get_by_role("heading", name="Commissioning cycle API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/strategies/").first).to_be_attached()
    # Redoc's bundle asks for its maker's logo from their CDN; the policy blocks it, as it should (no third-party
    # requests from the service). Nothing else may be blocked or broken.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    page.csp_blocked[:] = [message for message in page.csp_blocked if logo not in message]
    assert page.broken in ([], [f"failed {logo}"])
