"""The probe: run inside Django (production settings, the size's database) in a process of its own, as
`python -m benchmarks bench --probe SPEC --probe-output RESULT`. It finds the events cursors and the partner's ETag
and counts and times each scenario's SQL queries."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from .scenarios import BenchError, common_headers, scenario_requests

PROBE_TIMED_REQUESTS = 5  # the probe times this many warm requests, one at a time, and keeps the median


def probe(spec: dict) -> dict:
    """Find the events cursors and the partner's ETag, then count each scenario's SQL queries: the same request
    twice through Django's test client, the second (warm: caches filled) counted. Returns what it found."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from commissioning import selectors
    from commissioning.models import Strategy, User
    from workflows.models import AuditEvent

    port = spec["port"]
    account = User.objects.get(username=spec["service_account"])
    visible = AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(Strategy),
        subject_id__in=selectors.strategies_visible_to(account).values("pk"),
    ).order_by("-pk")
    newest = list(visible.values_list("pk", flat=True)[:101])
    if len(newest) < 101:
        raise BenchError(f"the partner sees {len(newest)} events: fewer than the 101 the events scenarios need")
    latest, before_100 = newest[0], newest[100]

    client = Client(raise_request_exception=True)
    base = common_headers(port)
    first = client.get("/api/v1/strategies/", headers=base | {"Authorization": f"Token {spec['token']}"})
    if first.status_code != 200 or not first.get("ETag"):
        raise BenchError(f"the partner's list answered {first.status_code} without an ETag")
    reference = first.json()["results"][0]["reference"]
    peer = client.get("/bench/peer/strategies/", headers=base | {"Authorization": f"Token {spec['token']}"})
    if peer.status_code != 200 or not peer.get("ETag"):
        raise BenchError(f"the peer's list answered {peer.status_code} without an ETag")
    requests = scenario_requests(
        port,
        token=spec["token"],
        cookie=spec["cookie"],
        etag=first["ETag"],
        latest=latest,
        before_100=before_100,
        reference=reference,
        peer_etag=peer["ETag"],
    )
    counted = {}
    for name, request in requests.items():
        headers = base | request["headers"]
        client.get(request["path"], headers=headers)  # cold: fills ContentType's cache and the like
        with CaptureQueriesContext(connection) as queries:
            response = client.get(request["path"], headers=headers)
        # Now: the next request's request_started signal empties the connection's query log.
        captured = list(queries.captured_queries)
        timings = []
        for _ in range(PROBE_TIMED_REQUESTS):  # one request alone, nothing else in the process: no queueing
            started = time.perf_counter()
            client.get(request["path"], headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        counted[name] = {
            "status": response.status_code,
            "queries": len(captured),
            "sql_ms": round(sum(float(q["time"]) for q in captured) * 1000, 1),
            "alone_ms": round(statistics.median(timings), 2),
            "sql": [{"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"]} for q in captured],
        }
        if spec.get("profile_dir"):
            counted[name]["profile"] = profile_request(client, request["path"], headers, spec["profile_dir"], name)
    return {
        "latest_event": latest,
        "before_100": before_100,
        "etag": first["ETag"],
        "reference": reference,
        "requests": requests,
        "counted": counted,
    }


def profile_request(client, path: str, headers: dict, directory: str, name: str) -> str:
    """cProfile of one warm request: the 40 costliest functions by cumulative time, written to a text file."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    client.get(path, headers=headers)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    target = Path(directory) / f"profile-{name}.txt"
    target.write_text(text.getvalue())
    return str(target)
