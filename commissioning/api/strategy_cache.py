"""Each strategy's JSON as the API shows it, kept in the cache by (strategy, version) and put together into pages.

A partner's page of 100 strategies holds some 1,000 seats; building it takes tens of milliseconds. A strategy's
representation is the same for everyone who may see it and changes only with its version (every change that shows
in it raises the version: the services, and an organisation's rename), so it is built once per version, kept as
JSON bytes (orjson) under `strategy-json:<schema>:<id>:<version>:<last change>` (the time as well as the version,
so that a database restored from a backup, whose versions count again, can never be answered from the cache), and
a page is the bytes of its strategies fetched in one round trip (MGET) and joined. `serializers.StrategySerializer`
stays the contract; `serializers.strategy_data` builds what it says (a test checks both are the same for every
demonstration strategy, cached or not).

A whole page is kept too, for a few minutes, under the list's ETag (which changes with everything the page depends
on: the caller, the query, any change to what they can see) and the address it was asked at: a partner that asks
for the same page again without If-None-Match gets it without its strategies being fetched.

Where the cache does not answer, every strategy is built: slower, never wrong.
"""

from __future__ import annotations

import logging

import orjson
from django.core.cache import cache
from django.urls import reverse

from config.cache import redis_client

from .. import selectors
from . import serializers as s

log = logging.getLogger(__name__)

SCHEMA = 1  # raise it when strategy_data's shape changes: entries of the old shape are never read again
KEEP_SECONDS = 7 * 24 * 3600


def cache_key(pk: int, version: int, updated_at) -> str:
    return f"strategy-json:{SCHEMA}:{pk}:{version}:{updated_at.timestamp():.6f}"


def strategies_json(user, rows: list[tuple[int, int, object]]) -> list[bytes]:
    """The JSON of each (id, version, last change) in `rows`, in order: from the cache, or built (and kept) for
    those missing. The caller has already scoped `rows` to what `user` may see."""
    keys = [cache_key(*row) for row in rows]
    client = redis_client(cache)
    try:
        if client is not None:  # raw bytes, one MGET: no pickling of what is already JSON
            values = client.mget([cache.make_key(key) for key in keys]) if keys else []
            found = {key: value for key, value in zip(keys, values, strict=True) if value is not None}
        else:
            found = cache.get_many(keys)
    except Exception:
        log.warning("Strategy representations built without the cache: cache unavailable")
        found = {}
    missing = [row[0] for row, key in zip(rows, keys, strict=True) if key not in found]
    built: dict[int, bytes] = {}
    if missing:
        base = reverse("api:strategy-list")
        fresh = {}
        for strategy in selectors.strategies_for_api(user).filter(pk__in=missing):
            key = cache_key(strategy.pk, strategy.version, strategy.updated_at)
            built[strategy.pk] = fresh[key] = orjson.dumps(s.strategy_data(strategy, base))
        try:
            if client is not None:
                pipe = client.pipeline(transaction=False)
                for key, value in fresh.items():
                    pipe.set(cache.make_key(key), value, ex=KEEP_SECONDS)
                pipe.execute()
            else:
                cache.set_many(fresh, timeout=KEEP_SECONDS)
        except Exception:
            log.warning("Strategy representations not kept: cache unavailable")
    parts = [found.get(key) or built.get(row[0]) for row, key in zip(rows, keys, strict=True)]
    return [part for part in parts if part is not None]  # one that left the person's sight meanwhile is left out


def page_body(parts: list[bytes], *, next_link: str | None, previous_link: str | None) -> bytes:
    """A list page as DRF's cursor pagination shapes it: {"next", "previous", "results"}."""
    head = orjson.dumps({"next": next_link, "previous": previous_link})[:-1]
    return head + b',"results":[' + b",".join(parts) + b"]}"


PAGE_SECONDS = 600


def page_key(etag: str, base_url: str) -> str:
    return f"strategy-page:{SCHEMA}:{etag.strip(chr(34))}:{base_url}"


def kept_page(key: str) -> bytes | None:
    client = redis_client(cache)
    try:
        return client.get(cache.make_key(key)) if client is not None else cache.get(key)
    except Exception:
        return None


def keep_page(key: str, body: bytes) -> None:
    client = redis_client(cache)
    try:
        if client is not None:
            client.set(cache.make_key(key), body, ex=PAGE_SECONDS)
        else:
            cache.set(key, body, timeout=PAGE_SECONDS)
    except Exception:
        log.warning("A strategy page not kept: cache unavailable")
