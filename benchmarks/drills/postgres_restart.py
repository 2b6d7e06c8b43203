"""4. postgres-restart: partners' pollers while PostgreSQL is stopped and started again; 503s, then 200s."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from pathlib import Path

from benchmarks.world import make_strategy

from .clients import Browser, api_headers, counted
from .context import Context, DrillError, error_lines, partner_token, seed_world, wait_until
from .results import DrillResult

POLLERS = 4
POLL_PAUSE = 0.02
DOWN_SECONDS = 5
SETTLED_AFTER_SECONDS = 6


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def drill_postgres_restart(context: Context, result: DrillResult) -> None:
    from django.db import connections

    result.done = (
        f"{POLLERS} partner pollers on GET /api/v1/strategies/ (with and without If-None-Match) while PostgreSQL "
        f"is stopped (pg_ctl stop -m fast) for {DOWN_SECONDS}s and started again"
    )
    context.redis()
    w = seed_world()
    for number in range(1, 6):
        make_strategy(w, reference=f"DRILL-{number:03d}", title=f"Drill strategy {number}")
    token = partner_token(context, "ICB")
    connections.close_all()
    postgres = context.postgres()
    web = context.web()
    master = web.pid
    workers_before = children_of(master)
    client = Browser(context.web_port)
    first = client.get("/api/v1/strategies/", headers=api_headers(token))
    if first.status != 200:
        raise DrillError(f"the first poll answered {first.status}: {first.text[:300]}")
    polls: list[tuple[float, float, str, bool]] = []  # started, ended, outcome, well-formed 503
    stop = threading.Event()
    lock = threading.Lock()

    def poll(index: int) -> None:
        etag = first.headers.get("etag")
        conditional = index % 2 == 0
        while not stop.is_set():
            headers = api_headers(token, **({"If-None-Match": etag} if conditional and etag else {}))
            began = time.monotonic()
            try:
                reply = client.get("/api/v1/strategies/", headers=headers, keep_cookies=False, timeout=30)
                status = str(reply.status)
                proper = reply.status != 503 or (
                    "retry-after" in reply.headers and reply.headers.get("content-type") == "application/problem+json"
                )
                if reply.status == 200 and reply.headers.get("etag"):
                    etag = reply.headers["etag"]
            except Exception as exc:  # a reset or a timeout: exactly what must not happen
                status, proper = type(exc).__name__, False
            with lock:
                polls.append((began, time.monotonic(), status, proper))
            conditional = not conditional
            time.sleep(POLL_PAUSE)

    threads = [threading.Thread(target=poll, args=(i,), daemon=True) for i in range(POLLERS)]
    for thread in threads:
        thread.start()
    time.sleep(4)
    stop_began = time.monotonic()
    postgres.stop("fast")
    stop_ended = time.monotonic()
    context.say(f"PostgreSQL stopped in {stop_ended - stop_began:.1f}s; down for {DOWN_SECONDS}s")
    time.sleep(DOWN_SECONDS / 2)
    ready_down = client.get("/readyz", keep_cookies=False)
    time.sleep(DOWN_SECONDS / 2)
    start_began = time.monotonic()
    try:
        postgres.start()
    finally:
        start_ended = time.monotonic()
    context.say(f"PostgreSQL started again in {start_ended - start_began:.1f}s")

    def successes_after() -> list:
        with lock:
            return [p for p in polls if p[0] > start_ended and p[2] in ("200", "304")]

    with contextlib.suppress(DrillError):
        wait_until(successes_after, timeout=30, what="a poll to succeed again", every=0.05)
    time.sleep(SETTLED_AFTER_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    workers_after = children_of(master)
    ready_after = client.get("/readyz", keep_cookies=False)

    def phase(began: float, ended: float) -> str:
        if ended < stop_began:
            return "before"
        if began > stop_ended and ended < start_began:
            return "down"
        if began > start_ended:
            return "after"
        return "while stopping or starting"

    by_phase: dict[str, Counter] = {}
    for began, ended, status, _ in polls:
        by_phase.setdefault(phase(began, ended), Counter())[status] += 1
    recovered = [p for p in polls if p[0] > start_ended and p[2] in ("200", "304")]
    first_success = min((p[1] for p in recovered), default=None)
    recover_seconds = None if first_success is None else first_success - start_ended
    after_recovery = Counter(p[2] for p in polls if first_success is not None and p[0] > first_success)
    bad = [p for p in polls if p[2] not in ("200", "304", "503")]
    malformed_503 = sum(1 for p in polls if p[2] == "503" and not p[3])
    result.figures = {
        "polls": len(polls),
        "answers by phase": {name: dict(counter) for name, counter in by_phase.items()},
        "seconds to stop PostgreSQL": round(stop_ended - stop_began, 2),
        "seconds to start it": round(start_ended - start_began, 2),
        "seconds from its start to the first success": round(recover_seconds, 2) if recover_seconds else None,
        "answers after the first success": dict(after_recovery),
        "503 without Retry-After or problem+json": malformed_503,
        "/readyz while down": f"{ready_down.status} {ready_down.text[:160]}",
        "/readyz after": ready_after.status,
        "gunicorn master pid before, after": f"{master}, {master if web.popen.poll() is None else 'exited'}",
        "gunicorn workers replaced": sorted(workers_before - workers_after),
    }
    down = by_phase.get("down", Counter())
    result.check(sum(down.values()) > 0, "polls were answered while PostgreSQL was down")
    result.check(set(down) <= {"503"}, f"every poll while down got 503 ({dict(down)})")
    result.check(not bad, f"no 500 and no dropped connection ({counted([p[2] for p in bad])})")
    result.check(malformed_503 == 0, "every 503 carries Retry-After and problem+json")
    result.check(set(by_phase.get("before", Counter())) <= {"200", "304"}, "every poll before the stop succeeded")
    result.check(recover_seconds is not None and recover_seconds < 10, "polls succeed again within 10s of the start")
    result.check(set(after_recovery) <= {"200", "304"}, f"every poll after recovery succeeded ({dict(after_recovery)})")
    result.check(ready_down.status == 503 and "database" in ready_down.text, "/readyz said 503 naming the database")
    result.check(ready_after.status == 200, "/readyz says ready again")
    result.check(web.popen.poll() is None, "gunicorn's master kept running (the same pid)")
    if bad or "500" in {p[2] for p in polls}:
        result.notes += error_lines(web)
    result.lost = (
        "nothing: requests while it was down were refused with 503 (clients retry), none failed otherwise"
        if not bad
        else f"{len(bad)} requests failed with something other than 503 (see notes)"
    )
    result.headline = (
        "; ".join(f"{name}: {counted(list(counter.elements()))}" for name, counter in by_phase.items())
        + f"; recovered {recover_seconds:.2f}s after the start" * (recover_seconds is not None)
        + f"; same master pid {master}"
    )
