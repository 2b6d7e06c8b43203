"""Lets the sign-out form of a person signed in through a provider lead on to that provider.

Browsers apply a page's `form-action` policy to every address its forms' answers redirect to, and the pages allow
forms to post only to this service ('self'). Signing out of a single sign-on redirects to the provider's end-session
address (RP-initiated logout), so for those sessions the pages also allow that one origin, read from the session
where the sign-in put it. Nothing else changes, and other sessions keep 'self' alone.
"""

from __future__ import annotations

from django.conf import settings

SESSION_SIGN_OUT_ORIGIN = "identity_sign_out_origin"


class SignOutFormActionMiddleware:
    """Listed after the session and authentication middleware (so it sees the response before django-csp does)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "session"):
            return response  # no session: nothing to look up (the API's token requests, first visits)
        origin = request.session.get(SESSION_SIGN_OUT_ORIGIN)
        if origin and response.get("Content-Type", "").startswith("text/html"):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), origin]
            response._csp_update = update
        return response
