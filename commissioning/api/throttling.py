"""The rate limit: API_THROTTLE_RATE requests per token (a partner's service account), per person for sessions,
per address otherwise, counted in fixed windows (`access.count_request`). A token's request was already counted
while its token was checked, in the same round trip to the cache. If the cache does not answer, the request is let
through: a partner's poll should not fail because the rate limiter is down."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from config.security import client_ip

from . import access
from .authentication import check_token


class PerTokenRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        outcome = check_token(request._request)
        if isinstance(outcome, access.Verified):
            self.count = outcome.count
        elif request.user and request.user.is_authenticated:
            self.count = access.count_request(f"user:{request.user.pk}")
        else:
            self.count = access.count_request(f"addr:{client_ip(request._request)}")
        return not self.count.over

    def wait(self) -> float:
        return float(self.count.retry_after)
