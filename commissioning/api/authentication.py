"""API authentication: knox tokens (hashed at rest, expiring), checked in one query per request.

Wrong or expired tokens are counted per client address; after API_AUTH_FAILURE_LIMIT of them within
API_AUTH_LOCKOUT_MINUTES the address is refused with 429 until the window has passed, so nobody can try tokens
at speed. The count lives in the cache (Redis in production, shared by every web server); if the cache does not
answer, requests are let through rather than refused.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.settings import knox_settings
from rest_framework import exceptions

from config.security import client_ip

log = logging.getLogger(__name__)


def _failure_key(request) -> str:
    return f"api-auth-failures:{client_ip(request)}"


def _failures(key: str) -> int:
    try:
        return int(cache.get(key, 0))
    except Exception:  # the cache is down: do not lock anyone out because of it
        log.warning("Cannot read failed API sign-in count: cache unavailable")
        return 0


def _record_failure(key: str) -> None:
    window = settings.API_AUTH_LOCKOUT_MINUTES * 60
    try:
        if not cache.add(key, 1, timeout=window):
            cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
    except Exception:
        log.warning("Cannot count a failed API sign-in: cache unavailable")


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's authentication without its per-request sweep of the user's other tokens (an extra query on every
    poll); expired tokens are refused here and removed by `manage.py api_token --purge-expired`."""

    def authenticate(self, request):
        key = _failure_key(request._request)
        if _failures(key) >= settings.API_AUTH_FAILURE_LIMIT:
            minutes = settings.API_AUTH_LOCKOUT_MINUTES
            raise exceptions.Throttled(
                wait=minutes * 60,
                detail=f"Too many requests with a wrong or expired token from this address. Wait {minutes} minutes, "
                "then use a valid token (an administrator issues one with `manage.py api_token`).",
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            _record_failure(key)
            log.info("API request with a wrong or expired token from %s", client_ip(request._request))
            raise

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


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
