"""2. redis-outage: changes through the pages while Redis is stopped and started again; every message once."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks import stack
from benchmarks.world import complete_evidence, make_strategy

from .clients import Browser, counted, csrf_token, hidden
from .context import Context, DrillError, seed_world, wait_until
from .mail import DRAIN_TIMEOUT_SECONDS, SETTLE_SECONDS, check_exactly_once, delivery, drained, lost_line, message_id_of
from .results import DrillResult

CHANGES_PER_SECOND = 3.0
PHASE_BEFORE_SECONDS = 8
PHASE_AFTER_SECONDS = 8


@dataclass
class Change:
    kind: str  # "submit" or "decide"
    status: str
    started: float
    ended: float


def seconds_until_outage_covers_a_beat_tick(outage: float, before: float, now: float | None = None) -> float:
    """How long to wait before starting the stream so that, after `before` seconds of changes, an outage of
    `outage` seconds has the beat's minute (hh:mm:00) in its middle: the beat must try to send while Redis is down."""
    if outage >= 60:
        return 0.0
    start = (time.time() if now is None else now) + before  # the earliest the outage can start
    return (60 - (start + outage / 2) % 60) % 60


def _log_time(record: dict) -> float:
    """A JSON log line's time (local time: Django sets the processes' TZ to TIME_ZONE, this one's too)."""
    with contextlib.suppress(KeyError, ValueError):
        moment = dt.datetime.strptime(record["time"], "%Y-%m-%d %H:%M:%S,%f")
        return time.mktime(moment.timetuple()) + moment.microsecond / 1e6
    return 0.0


def sent_by(worker: stack.Service, *, beat: bool) -> int:
    """Messages sent by the worker's deliver_outbox tasks that the beat sent (no request id) or that a request's
    commit asked for (its request id)."""
    total = 0
    for record in worker.json_lines():
        found = re.search(r"deliver_outbox\[[^]]+\] succeeded in [\d.]+s: \{'sent': (\d+)", record.get("message", ""))
        if found and (record.get("request_id") is None) == beat:
            total += int(found.group(1))
    return total


def drill_redis_outage(context: Context, result: DrillResult) -> None:
    from django.db import connection

    from workflows.models import OutboxChannel, OutboxMessage, OutboxState, Seat, SeatState

    outage = float(context.options["redis_outage_seconds"])
    result.done = (
        f"gate submissions and seat decisions through the pages, ~{CHANGES_PER_SECOND:.0f}/s, Redis stopped for "
        f"{outage:.0f}s with a worker and the beat running"
    )
    redis = context.redis()
    mail = context.smtp()
    total_seconds = PHASE_BEFORE_SECONDS + outage + PHASE_AFTER_SECONDS
    strategies_needed = math.ceil(total_seconds * CHANGES_PER_SECOND / 4) + 10  # 1 submission, 3 decisions each
    context.say(f"seeding {strategies_needed} strategies with their evidence complete")
    w = seed_world()
    strategies = []
    for number in range(1, strategies_needed + 1):
        strategy = make_strategy(w, reference=f"DRILL-{number:03d}", title=f"Drill strategy {number}")
        complete_evidence(strategy, w.officer)
        strategies.append(strategy)
    web = context.web()
    worker = context.worker("worker")
    beat = context.beat()
    browsers = {
        name: Browser(context.web_port, name=name).sign_in(name)
        for name in ("officer", "officer2", "finance", "icb_signatory")
    }
    by_role = {"commissioning_officer": "officer2", "finance": "finance", "partner_signatory": "icb_signatory"}
    changes: list[Change] = []
    stop = threading.Event()
    errors: list[str] = []

    def change(kind: str, browser: Browser, page_path: str, post_path: str, form: dict) -> None:
        began = time.monotonic()
        try:
            page = browser.get(page_path)
            fields = {"csrfmiddlewaretoken": csrf_token(page.text), **form}
            for name in ("version", "gate_version"):
                if f'name="{name}"' in page.text:
                    fields[name] = hidden(page.text, name)
            reply = browser.post(post_path, fields)
            status = str(reply.status)
            if reply.status != 302 and len(errors) < 5:
                errors.append(f"{kind} {post_path}: {reply.status} {reply.text[:200]}")
        except Exception as exc:
            status = type(exc).__name__
            if len(errors) < 5:
                errors.append(f"{kind} {post_path}: {status}: {exc}")
        changes.append(Change(kind, status, began, time.monotonic()))
        time.sleep(max(0.0, 1 / CHANGES_PER_SECOND - (time.monotonic() - began)))

    def stream() -> None:
        try:
            for strategy in strategies:
                if stop.is_set():
                    return
                path = f"/strategies/{strategy.reference}/"
                change("submit", browsers["officer"], path, f"{path}submit/", {})
                seats = list(Seat.objects.filter(gate__subject_id=strategy.pk, state=SeatState.PENDING).order_by("pk"))
                for seat in seats:
                    if stop.is_set():
                        return
                    browser = browsers[by_role[seat.role]]
                    change("decide", browser, f"/seats/{seat.pk}/", f"/seats/{seat.pk}/", {"outcome": "approve"})
            errors.append("the stream ran out of strategies before the drill ended")
        finally:
            connection.close()

    wait = seconds_until_outage_covers_a_beat_tick(outage, PHASE_BEFORE_SECONDS)
    if wait:
        context.say(f"waiting {wait:.0f}s so that the beat's minute falls in the middle of the outage")
        time.sleep(wait)
    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    context.say(f"changes flowing; Redis up for {PHASE_BEFORE_SECONDS}s")
    time.sleep(PHASE_BEFORE_SECONDS)
    redis_stopped = time.monotonic()
    stopped_at_wall = time.time()
    redis.stop()
    context.say(f"Redis stopped for {outage:.0f}s")
    time.sleep(outage)
    waiting = dict(OutboxMessage.objects.exclude(state=OutboxState.SENT).values_list("pk", "dedup_key"))
    redis.start()
    redis_back = time.monotonic()
    context.say(f"Redis back (empty, as after a restart without persistence); {len(waiting)} messages waiting")
    backlog_cleared: float | None = None

    def check_backlog() -> bool:
        """Whether the messages that waited through the outage have all been delivered (noting when)."""
        nonlocal backlog_cleared
        if backlog_cleared is None:
            sent = OutboxMessage.objects.filter(pk__in=waiting, state=OutboxState.SENT).count()
            received = mail.message_ids()
            emails = [key for key in waiting.values() if f":{OutboxChannel.EMAIL}:" in key]
            if sent == len(waiting) and all(received[message_id_of(key)] for key in emails):
                backlog_cleared = time.monotonic()
        return backlog_cleared is not None

    while time.monotonic() < redis_back + PHASE_AFTER_SECONDS:
        check_backlog()
        time.sleep(0.25)
    stop.set()
    streamer.join(60)

    def phase(c: Change) -> str:
        if c.ended < redis_stopped:
            return "before"
        if c.started > redis_stopped and c.ended < redis_back:
            return "Redis down"
        if c.started > redis_back:
            return "after"
        return "at a switch"

    by_phase = Counter(phase(c) for c in changes)
    refused = [c for c in changes if c.status != "302"]
    beat_lines = [r for r in beat.json_lines() if "deliver_outbox" in r.get("message", "") or r.get("level") == "ERROR"]
    beat_during_outage = [
        r.get("message", "")[:200]
        for r in beat.json_lines()
        if stopped_at_wall <= _log_time(r) <= stopped_at_wall + outage
    ]
    context.say(
        f"{len(changes)} changes ({counted([phase(c) for c in changes])}); refused: {len(refused)}; "
        "waiting for the outbox to drain (the beat's outbox sweep runs every minute)"
    )
    drain_started = time.monotonic()
    try:
        wait_until(
            lambda: check_backlog() and drained(mail),
            timeout=DRAIN_TIMEOUT_SECONDS,
            what="every message to be delivered",
            every=0.5,
        )
        drain_seconds = time.monotonic() - redis_back
    except DrillError as exc:
        result.failures.append(str(exc))
        drain_seconds = None
    backlog_seconds = None if backlog_cleared is None else backlog_cleared - redis_back
    time.sleep(SETTLE_SECONDS)  # a repeat still on its way would be counted
    figures = delivery(mail)
    alive = {name: service.popen.poll() is None for name, service in (("web", web), ("worker", worker), ("beat", beat))}
    result.figures = {
        "changes made": len(changes),
        "changes by phase": dict(by_phase),
        "changes by kind": dict(Counter(c.kind for c in changes)),
        "changes refused": len(refused),
        "changes refused while Redis was down": sum(1 for c in refused if phase(c) == "Redis down"),
        "messages waiting when Redis returned": len(waiting),
        "seconds from Redis's return until they were all delivered": (
            round(backlog_seconds, 1) if backlog_seconds is not None else None
        ),
        "seconds from Redis's return until everything was delivered (changes went on for "
        f"{PHASE_AFTER_SECONDS}s)": round(drain_seconds, 1) if drain_seconds else None,
        "seconds waited for the drain once the changes stopped": round(time.monotonic() - drain_started, 1),
        **figures,
        "messages delivered by tasks that changes asked for": sent_by(worker, beat=False),
        "messages delivered by the beat's outbox sweep": sent_by(worker, beat=True),
        "the beat's log lines while Redis was down": len(beat_during_outage),
        "the first of them": beat_during_outage[:2],
        "the beat's outbox sweeps sent": sum(1 for r in beat_lines if "Sending due task" in r.get("message", "")),
        "processes still running": alive,
    }
    result.check(by_phase["Redis down"] > 0, "changes were made while Redis was down")
    result.check(not refused, f"no change refused ({counted([c.status for c in refused])}): {errors[:3]}")
    result.check(not [e for e in errors if "ran out" in e], "the stream kept going for the whole drill")
    result.check(all(alive.values()), f"gunicorn, the worker and the beat kept running ({alive})")
    check_exactly_once(result, figures)
    result.lost = lost_line(figures)
    result.headline = (
        f"{len(changes)} changes ({by_phase['Redis down']} with Redis down), {len(refused)} refused; "
        f"{figures['e-mails expected']:,} e-mails: {figures['e-mails delivered']:,} delivered, "
        f"{figures['e-mails duplicated']} duplicated, {figures['e-mails lost']} lost; "
        f"{figures['in-app delivered']:,}/{figures['in-app messages']:,} in-app; "
        + (
            f"the {len(waiting)} waiting delivered {backlog_seconds:.0f}s after Redis returned"
            if backlog_seconds is not None
            else "not drained"
        )
    )
