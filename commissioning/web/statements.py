"""The public statements every page's footer links to, readable without signing in: accessibility, privacy and
cookies. The cookies page lists the cookies this service sets, by the names and lifetimes in the settings (a browser
test compares it with what a real session receives)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.shortcuts import render

from commissioning.statements.models import blocks
from commissioning.statements.selectors import current_statements


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expires: str


def _duration(seconds: int) -> str:
    days, hours = seconds // 86400, seconds // 3600
    if days >= 7:
        return f"{round(days / 7)} weeks" if days < 300 else f"{round(days / 365)} year"
    return f"{hours} hours" if hours else f"{seconds // 60} minutes"


def cookies_set() -> list[Cookie]:
    """Every cookie the service sets: all essential, none for analytics or advertising."""
    session_ends = "when you close your browser" if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else "after"
    return [
        Cookie(
            settings.SESSION_COOKIE_NAME,
            "Keeps you signed in as you move between pages, and holds a sign-in with your organisation's account "
            "while it is in progress.",
            f"{session_ends.capitalize()}, or {_duration(settings.SESSION_COOKIE_AGE)} after you sign in",
        ),
        Cookie(
            settings.CSRF_COOKIE_NAME,
            "Protects the forms you send from being submitted by another website.",
            _duration(settings.CSRF_COOKIE_AGE),
        ),
        Cookie(
            CookieStorage.cookie_name,
            "Shows a confirmation, such as 'the gate was submitted', on the next page you see. Removed once shown.",
            "When you close your browser",
        ),
    ]


def accessibility_statement(request):
    statements, _ = current_statements()
    context = {
        "statements": statements,
        "non_accessible": blocks(statements.non_accessible),
        "improvements": blocks(statements.improvements),
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    return render(request, "statements/accessibility.html", context)


def privacy_notice(request):
    statements, sections = current_statements()
    shown = [(section.heading, blocks(section.body)) for section in sections]
    return render(request, "statements/privacy.html", {"statements": statements, "sections": shown})


def cookies(request):
    return render(request, "statements/cookies.html", {"cookies": cookies_set()})
