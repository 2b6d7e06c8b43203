"""Rate limits per token (a partner's service account), per person for sessions, per address otherwise."""

import logging

from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class PerTokenRateThrottle(SimpleRateThrottle):
    """Counted in the cache (Redis in production). If the cache does not answer, the request is let through: a
    partner's poll should not fail because the rate limiter is down."""

    scope = "api"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            log.warning("API rate limit not applied: cache unavailable")
            return True

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "token_key"):
            ident = f"token:{token.token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
