"""Sign-in lockout (django-axes) and the address a request came from, behind however many proxies are trusted."""

from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT=n proxies in front, the address the nearest
    of them saw (the n-th from the right in X-Forwarded-For, which a client cannot forge past a trusted proxy)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def client_ip_for_axes(request, *args) -> str | None:
    return client_ip(request)


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
