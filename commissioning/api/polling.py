"""Conditional requests: what an unchanged poll is answered from, and the one place that answers it early.

- A list's validators come from the change counters of the organisations where the caller holds a role today
  (`AudienceCounter`, one indexed read): the ETag is a hash of the caller, the query and each organisation's count;
  Last-Modified is the latest change among them. Any write a caller could see adds to one of those counters, in the
  write's transaction (`services.common.record_strategy_change`), so a changed list never keeps its ETag; a change
  to a strategy the caller cannot see moves none of theirs.
- A strategy's validators (its detail, its measures) are its version and its last change, read with the visibility
  check itself: one query.

`fast_poll` wraps the list and detail views: a GET with `If-None-Match` or `If-Modified-Since` and a token, and no
query parameters, is checked here with the very functions DRF's classes use (the token and the rate limit,
`authentication.check_token`; scoping, through the selectors), and an unchanged resource is answered 304 without
going through DRF's dispatch. Anything else (a changed resource, a refused token, the rate limit reached, a
session, a query) goes on to the DRF view, which reuses what was checked here rather than checking, or counting,
it again. Both paths send the same ETag, Last-Modified, Cache-Control and Vary.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from rest_framework import exceptions

from .. import selectors
from . import access
from .authentication import check_token

CACHE_CONTROL = "private, no-cache"
VARY = "Accept, Authorization, Cookie"


# --------------------------------------------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------------------------------------------


def list_validators(user, query: str) -> tuple[str, dt.datetime | None]:
    """(ETag, Last-Modified) of the strategy list as `user` sees it with this query string."""
    counts, latest = selectors.audience_changes(user)
    fingerprint = f"{user.pk}|{query}|{counts}"
    return f'"{hashlib.sha256(fingerprint.encode()).hexdigest()[:32]}"', latest


def strategy_etag(kind: str, pk: int, version: int) -> str:
    return f'"{kind}-{pk}-v{version}"'


def visible_strategy(user, reference: str) -> tuple[int, int, dt.datetime]:
    """(id, version, last change) of one of `user`'s strategies; NotFound when they cannot see it."""
    row = selectors.visible_strategy_version(user, reference)
    if row is None:
        raise exceptions.NotFound(f"No strategy {reference} that you can see.")
    return row


def still_fresh(request, etag: str, last_modified: dt.datetime | None) -> bool:
    """True when the caller's If-None-Match (or, without it, If-Modified-Since) still holds."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return etag in tags or f"W/{etag}" in tags or "*" in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since


def with_validators(response, etag: str, last_modified: dt.datetime | None):
    """The response with the validators and caching headers every answer of a conditional resource carries."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = VARY
    return response


def not_modified(etag: str, last_modified: dt.datetime | None) -> HttpResponse:
    return with_validators(HttpResponseNotModified(), etag, last_modified)


# --------------------------------------------------------------------------------------------------------------
# The early answer
# --------------------------------------------------------------------------------------------------------------


def fast_poll(view, *, kind: str):
    """Wrap a DRF view (`kind` "list" or "strategy") so that an unchanged token poll is answered 304 here."""

    @functools.wraps(view)
    def poll(request, *args, **kwargs):
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        if request.method == "GET" and conditional and not request.GET:
            answer = _early_answer(request, kind, kwargs.get("reference"))
            if answer is not None:
                return answer
        return view(request, *args, **kwargs)

    return poll


def _early_answer(request, kind: str, reference: str | None) -> HttpResponse | None:
    try:
        outcome = check_token(request)
    except exceptions.AuthenticationFailed:
        return None  # a malformed header: DRF says why
    if not isinstance(outcome, access.Verified) or outcome.count.over:
        return None  # no token, a refused one, or the limit reached: DRF answers it, counted once already
    user = outcome.user
    if kind == "list":
        etag, last_modified = list_validators(user, "")
    else:
        row = selectors.visible_strategy_version(user, reference)
        if row is None:
            return None  # DRF answers the 404
        pk, version, last_modified = row
        etag = strategy_etag("strategy", pk, version)
    if not still_fresh(request, etag, last_modified):
        return None
    return not_modified(etag, last_modified)
