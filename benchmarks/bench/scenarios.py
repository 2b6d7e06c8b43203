"""The scenarios: what each requests, and whether an answer is the scenario's (checked before it is loaded)."""

from __future__ import annotations

import json
import re

BASELINE = "baseline"
SCENARIOS = (
    "poll-304", "list-100", "detail", "events-none", "events-100", "member-queue",
    "peer-poll-304", "peer-list-100", "peer-detail",
)  # fmt: skip
# Each of ours beside the same request to the peer (benchmarks/peer.py: what a typical Django team would build).
PEERS = {"poll-304": "peer-poll-304", "list-100": "peer-list-100", "detail": "peer-detail"}
DESCRIPTIONS = {
    BASELINE: "a bare view with a fixed JSON body (run before, between and after the scenarios)",
    "poll-304": "partner's unchanged poll: GET /api/v1/strategies/ with If-None-Match -> 304",
    "list-100": "partner's list page: GET /api/v1/strategies/?page_size=100 -> 100 strategies",
    "events-none": "events feed, nothing new: GET /api/v1/events/?after=<latest>",
    "events-100": "events feed, 100 new: GET /api/v1/events/?after=<101st newest>&limit=100",
    "member-queue": "elected member's start page with the sign-off queue: GET / (session)",
    "detail": "partner's strategy: GET /api/v1/strategies/<reference>/ -> 200",
    "peer-poll-304": "the peer's list with If-None-Match (ConditionalGetMiddleware) -> 304",
    "peer-list-100": "the peer's list page: ModelViewSet, nested serializers, knox -> 100 strategies",
    "peer-detail": "the peer's strategy: GET /bench/peer/strategies/<reference>/ -> 200",
}

# The targets the issue sets.
# at least this share of the baseline's requests/s
THROUGHPUT_TARGETS = {"poll-304": 0.5, "events-none": 0.4, "list-100": 0.2, "events-100": 0.15, "member-queue": 0.1}
GROWTH_TARGETS = {"member-queue": 1.5, "list-100": 1.5}  # p50 at 1x at most this many times p50 at 0.1x


class BenchError(RuntimeError):
    """The benchmark could not run: a missing tool, a server that does not answer, data that is not as expected."""


def check_answer(name: str, status: int, body: str, expect: dict) -> str | None:
    """Why this answer is not the scenario's, or None. `expect` holds what the probe found in the database."""
    wanted = 304 if name.endswith("poll-304") else 200
    if status != wanted:
        return f"answered {status}, not {wanted}: {body[:300]!r}"
    if name.endswith("poll-304"):
        return None
    if name == "member-queue":
        match = re.search(r'id="queue-waiting">(\d+)<', body)
        if match is None or int(match.group(1)) == 0:
            return "the start page lists no seats waiting for the member"
        if 'id="queue"' not in body:
            return "the start page has no queue table"
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:200]!r}"
    if name == BASELINE:
        return None if data.get("status") == "ok" else f"not the baseline's body: {body[:200]!r}"
    if name.endswith("detail"):
        return None if data.get("reference") == expect.get("reference") else f"not {expect.get('reference')}"
    results = data.get("results")
    if not isinstance(results, list):
        return f"no results: {body[:200]!r}"
    if name.endswith("list-100") and len(results) != 100:
        return f"{len(results)} strategies on the page, not 100"
    if name == "events-none" and results:
        return f"{len(results)} events after the latest, not none"
    if name == "events-100":
        if len(results) != 100:
            return f"{len(results)} new events, not 100"
        if results[-1].get("id") != expect.get("latest_event"):
            return f"the last event is {results[-1].get('id')}, not the latest ({expect.get('latest_event')})"
    return None


def scenario_requests(
    port: int,
    *,
    token: str,
    cookie: str,
    etag: str,
    latest: int,
    before_100: int,
    reference: str = "",
    peer_etag: str = "",
) -> dict:
    """Each scenario's path and headers (beyond Host and X-Forwarded-Proto, which every request carries)."""
    api = {"Authorization": f"Token {token}"}
    peer = "/bench/peer/strategies/"
    return {
        "detail": {"path": f"/api/v1/strategies/{reference}/", "headers": api},
        "peer-poll-304": {"path": peer, "headers": api | {"If-None-Match": peer_etag}},
        "peer-list-100": {"path": f"{peer}?page_size=100", "headers": api},
        "peer-detail": {"path": f"{peer}{reference}/", "headers": api},
        BASELINE: {"path": "/bench/baseline/", "headers": {}},
        "poll-304": {"path": "/api/v1/strategies/", "headers": api | {"If-None-Match": etag}},
        "list-100": {"path": "/api/v1/strategies/?page_size=100", "headers": api},
        "events-none": {"path": f"/api/v1/events/?after={latest}", "headers": api},
        "events-100": {"path": f"/api/v1/events/?after={before_100}&limit=100", "headers": api},
        "member-queue": {"path": "/", "headers": {"Cookie": cookie}},
    }


def common_headers(port: int) -> dict[str, str]:
    return {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"}
