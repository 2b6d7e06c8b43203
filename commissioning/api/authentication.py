"""API authentication: knox tokens (hashed at rest, expiring), checked through `access.verify`: one round trip to
the cache for a token seen in the last few minutes, one query otherwise, and the rate limit counted on the way.

A wrong or expired token is a 401; from API_AUTH_FAILURE_LIMIT of them from one address within
API_AUTH_LOCKOUT_MINUTES, that address's wrong tokens get 429 (see `access`).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from config.security import client_ip

from . import access

# The outcome is kept on the Django request, so that a request that the polling fast path has already checked
# (`api.polling`) is not checked, or counted, twice.
OUTCOME = "_api_access"


def bearer_token(request) -> str | None:
    """The token from `Authorization: Token <token>`, None without one; AuthenticationFailed when malformed."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != knox_settings.AUTH_HEADER_PREFIX.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed("Invalid token header: give `Token <token>`, with no spaces in it.")
    try:
        return parts[1].decode("utf-8")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed("Invalid token header.") from None


def check_token(request) -> access.Verified | access.TokenRefused | None:
    """`access.verify` for the request's token, once per request (the outcome is kept on it)."""
    if hasattr(request, OUTCOME):
        return getattr(request, OUTCOME)
    token = bearer_token(request)
    outcome = None
    if token is not None:
        try:
            outcome = access.verify(token, address=client_ip(request))
        except access.TokenRefused as refused:
            outcome = refused
    setattr(request, OUTCOME, outcome)
    return outcome


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        outcome = check_token(request._request)
        if outcome is None:
            return None
        if isinstance(outcome, access.TokenRefused):
            if outcome.locked_out:
                minutes = settings.API_AUTH_LOCKOUT_MINUTES
                raise exceptions.Throttled(
                    wait=minutes * 60,
                    detail=f"Too many requests with a wrong or expired token from this address. Wait {minutes} "
                    "minutes, then use a valid token (an administrator issues one with `manage.py api_token`).",
                )
            raise exceptions.AuthenticationFailed("Invalid token.")
        return outcome.user, outcome.token

    def authenticate_header(self, request):
        return knox_settings.AUTH_HEADER_PREFIX


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "commissioning.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`Authorization: {knox_settings.AUTH_HEADER_PREFIX} <token>`; tokens come from "
            "`manage.py api_token` and expire.",
        }
