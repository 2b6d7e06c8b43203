"""Who is calling the API and whether they may, in one round trip to Redis.

A partner polls with its token many times a minute, so checking it must cost almost nothing, and a revoked token
must still be refused on the very next request on every web server:

- A token that the database has verified is kept in the cache (`api-token:<digest>`: the person and the token's
  key and expiry), for at most `TOKEN_CACHE_SECONDS` and never beyond the token's expiry, which is checked from the
  kept row on every request. Every web server shares the cache (Redis in production).
- Revoking a token (deleting its row: `manage.py api_token --revoke-all`, the admin, knox) writes a tombstone over
  its entry once the deletion commits, so the next request is refused; an entry is only ever added where there is
  none, so a request that read the row just before the deletion cannot put it back. A change to the person (made
  inactive, renamed) marks their tokens' entries to be checked in the database again.
- The rate limit is a counter per token (per person for sessions) and per fixed window, incremented in the same
  pipeline as the token's entry is read: one round trip for both.
- A wrong or expired token is counted per client address only when it fails; from `API_AUTH_FAILURE_LIMIT`
  failures within `API_AUTH_LOCKOUT_MINUTES` that address's wrong tokens get 429 instead of 401.

Where the cache is not Redis (the embedded default, the unit tests) the same rules run through Django's cache API;
where Redis does not answer, tokens are checked in the database and no limit is applied: slower, never wrong.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.settings import api_settings

from commissioning.models import User
from config import cache as config_cache

log = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 300
TOMBSTONE_SECONDS = 2 * TOKEN_CACHE_SECONDS  # outlives any entry a racing request could have added
REVOKED = "revoked"  # the token is gone: refuse it
RECHECK = "recheck"  # something about its person changed: ask the database, and keep nothing
USER_FIELDS = ("id", "username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")


def token_key(digest: str) -> str:
    return f"api-token:{digest}"


def failure_key(address: str | None) -> str:
    return f"api-auth-failures:{address}"


def redis_client():
    """The cache's Redis client, or None when the cache is not Redis."""
    return config_cache.redis_client(cache)


# --------------------------------------------------------------------------------------------------------------
# The rate limit
# --------------------------------------------------------------------------------------------------------------


def throttle_rate() -> tuple[int, int]:
    """(requests, seconds) from API_THROTTLE_RATE, e.g. 1200/minute."""
    rate = api_settings.DEFAULT_THROTTLE_RATES["api"]
    number, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(number), seconds


def window() -> tuple[int, int, int]:
    """(limit, the current window's start, seconds until it ends)."""
    limit, seconds = throttle_rate()
    now = time.time()
    start = int(now // seconds * seconds)
    return limit, start, max(1, math.ceil(start + seconds - now))


@dataclass
class Count:
    """How many requests this caller has made in the current window; None when it could not be counted."""

    used: int | None
    limit: int
    retry_after: int

    @property
    def over(self) -> bool:
        return self.used is not None and self.used > self.limit


def rate_key(ident: str, start: int) -> str:
    return f"api-rate:{ident}:{start}"


def count_request(ident: str) -> Count:
    """Count one request for `ident` (a token's key, or a person) in the current window."""
    limit, start, retry_after = window()
    key = rate_key(ident, start)
    try:
        client = redis_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            pipe.incr(cache.make_key(key))
            pipe.expire(cache.make_key(key), retry_after + 1)
            used, _ = pipe.execute()
        else:
            used = _incr(key, retry_after + 1)
    except Exception:
        log.warning("API rate limit not applied: cache unavailable")
        used = None
    return Count(used, limit, retry_after)


def _incr(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


# --------------------------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------------------------


class TokenRefused(Exception):
    """The token is wrong, expired, revoked, or its person may not use it; `locked_out` after too many."""

    def __init__(self, message: str, *, locked_out: bool = False) -> None:
        super().__init__(message)
        self.locked_out = locked_out


@dataclass
class Verified:
    user: User
    token: AuthToken
    count: Count


def verify(token: str, *, address: str | None) -> Verified:
    """The person a token belongs to, and this request counted against the token's rate limit: one round trip to
    the cache when the token is kept there, and a query when it is not. TokenRefused when it may not be used."""
    try:
        digest = hash_token(token)
    except Exception:  # not hex, or not text at all
        raise _refused(address) from None
    key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
    limit, start, retry_after = window()
    entry, used = _entry_and_count(digest, key, start, retry_after)
    count = Count(used, limit, retry_after)
    if entry == REVOKED:
        raise _refused(address)
    if entry not in (None, RECHECK):
        found = _from_entry(entry)
        if found is not None:
            return Verified(*found, count)
    user, auth_token = _from_database(token, digest, address)
    if entry is None:
        _keep(digest, user, auth_token)
    return Verified(user, auth_token, count)


def _entry_and_count(digest: str, key: str, start: int, retry_after: int) -> tuple[str | None, int | None]:
    try:
        client = redis_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            pipe.get(cache.make_key(token_key(digest)))
            pipe.incr(cache.make_key(rate_key(key, start)))
            pipe.expire(cache.make_key(rate_key(key, start)), retry_after + 1)
            entry, used, _ = pipe.execute()
            return (entry.decode() if isinstance(entry, bytes) else entry), used
        return cache.get(token_key(digest)), _incr(rate_key(key, start), retry_after + 1)
    except Exception:
        log.warning("API token cache and rate limit not used: cache unavailable")
        return RECHECK, None


def _from_entry(entry: str) -> tuple[User, AuthToken] | None:
    try:
        data = json.loads(entry)
        expiry = parse_datetime(data["expiry"]) if data["expiry"] else None
    except (ValueError, KeyError, TypeError):
        return None
    if expiry is not None and expiry <= timezone.now():
        return None  # expired since it was kept: the database refuses it and removes it
    user = _instance(User, data["user"])
    if not user.is_active:
        return None
    token = _instance(
        AuthToken,
        {
            "digest": data["digest"],
            "token_key": data["token_key"],
            "user_id": user.pk,
            "expiry": expiry,
            "created": parse_datetime(data["created"]),
        },
    )
    token.user = user
    return user, token


def _instance(model, values: dict):
    """A row as the database would give it, with only these fields loaded (Model.from_db wants them in the order
    the model declares them)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db("default", names, [values[name] for name in names])


def _from_database(token: str, digest: str, address: str | None) -> tuple[User, AuthToken]:
    from knox.auth import TokenAuthentication
    from rest_framework import exceptions

    try:
        auth_token = (
            AuthToken.objects.select_related("user").filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).first()
        )
        if auth_token is None or auth_token.digest != digest:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed("Invalid token.")
        TokenAuthentication().validate_user(auth_token)
    except exceptions.AuthenticationFailed:
        raise _refused(address) from None
    return auth_token.user, auth_token


def _keep(digest: str, user: User, auth_token: AuthToken) -> None:
    seconds = TOKEN_CACHE_SECONDS
    if auth_token.expiry is not None:
        seconds = min(seconds, int((auth_token.expiry - timezone.now()).total_seconds()))
    if seconds < 1:
        return
    entry = json.dumps(
        {
            "user": {name: getattr(user, name) for name in USER_FIELDS},
            "digest": digest,
            "token_key": auth_token.token_key,
            "expiry": auth_token.expiry.isoformat() if auth_token.expiry else None,
            "created": auth_token.created.isoformat(),
        }
    )
    try:
        client = redis_client()
        if client is not None:  # stored as text, as the pipeline reads it
            client.set(cache.make_key(token_key(digest)), entry, nx=True, ex=seconds)  # never over a tombstone
        else:
            cache.add(token_key(digest), entry, timeout=seconds)
    except Exception:
        log.warning("API token not kept: cache unavailable")


def _refused(address: str | None) -> TokenRefused:
    """Count a failed token for the address (only now, as it failed); locked out from the limit on."""
    seconds = settings.API_AUTH_LOCKOUT_MINUTES * 60
    try:
        client = redis_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            pipe.incr(cache.make_key(failure_key(address)))
            pipe.expire(cache.make_key(failure_key(address)), seconds)
            failures, _ = pipe.execute()
        else:
            failures = _incr(failure_key(address), seconds)
    except Exception:
        log.warning("Cannot count a failed API sign-in: cache unavailable")
        failures = 0
    log.info("API request with a wrong or expired token from %s", address)
    return TokenRefused("Invalid token.", locked_out=failures > settings.API_AUTH_FAILURE_LIMIT)


# --------------------------------------------------------------------------------------------------------------
# Revocation: receivers of the token's deletion and the person's change (connected in CommissioningConfig.ready)
# --------------------------------------------------------------------------------------------------------------


def _mark(digests: list[str], value: str) -> None:
    try:
        client = redis_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            for digest in digests:
                pipe.set(cache.make_key(token_key(digest)), value, ex=TOMBSTONE_SECONDS)
            pipe.execute()
        else:
            cache.set_many({token_key(digest): value for digest in digests}, timeout=TOMBSTONE_SECONDS)
    except Exception:
        log.error(
            "Could not mark revoked or changed API tokens in the cache; they lapse within %ss", TOKEN_CACHE_SECONDS
        )


def token_deleted(sender, instance: AuthToken, **kwargs) -> None:
    """A token's row was deleted: once that commits, no web server accepts it again."""
    digest = instance.digest
    transaction.on_commit(lambda: _mark([digest], REVOKED))


def person_changed(sender, instance: User, created: bool = False, **kwargs) -> None:
    """A person changed (deactivated, renamed): their kept tokens are checked in the database again."""
    if created:
        return
    digests = list(AuthToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True))
    if digests:
        transaction.on_commit(lambda: _mark(digests, RECHECK))


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    post_delete.connect(token_deleted, sender=AuthToken, dispatch_uid="api-token-deleted")
    post_save.connect(person_changed, sender=User, dispatch_uid="api-person-changed")
