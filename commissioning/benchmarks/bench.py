"""`manage.py bench` (`make bench`): the service's speed at two data sizes, against the production configuration.

For each size (0.1x and 1x of `commissioning.benchmarks.data`: 1x is 200 organisations, 5,000 strategies, 50,000
seats and 500,000 audit rows) a PostgreSQL database of its own (`commissioning_bench_0_1x`, `commissioning_bench_1x`
on the server at BENCH_DATABASE_URL) is created, migrated and filled by `manage.py bench_data`, or reused when the
data it holds was generated at the same scale with the same seed. gunicorn serves it as production does
(config/gunicorn.conf.py, `config.settings.production`, Redis for the cache and the rate limits) on 127.0.0.1, and
wrk (Debian's package) loads each scenario for a bounded time after a short warm-up:

- `baseline`: a bare Django view with a fixed JSON body through the same middleware, server and settings: the
  practical limit of this stack on this machine. It runs before the first scenario, between each two and after the
  last; each scenario is compared with the mean of the two baseline runs either side of it.
- `poll-304`: a partner's unchanged poll of its strategies (`If-None-Match` with the current ETag: 304).
- `list-100`: a partner's full list page of 100 strategies (200).
- `events-none`, `events-100`: the events feed with nothing new, and with exactly 100 new events.
- `member-queue`: an elected member's start page with their sign-off queue (signed in with a session cookie).

Every request says `X-Forwarded-Proto: https` (the TLS-terminating proxy) and `Host: 127.0.0.1:<port>`. Each
scenario's answer is checked before it is loaded (a 304 is a 304, the page has 100 strategies, the feed has exactly
100 events, the queue lists seats), and a run with non-2xx/3xx answers or socket errors is a failure, not a figure.
SQL queries per request are counted in a separate process with the same settings and database: Django's test
client sends the same headers twice and the second (warm) request's queries are counted.

Where it departs from production, and why: the API's rate limit is set so high that it never refuses (it still runs,
so its Redis round trips are measured), the application logs at WARNING (gunicorn's access log still goes to the
service's log file), and gunicorn's worker recycling is off unless `--recycle` (see `Bench.env`).

The machines this runs on are noisy, so every speed figure is read as a ratio to the baseline measured in the same
run. The report (a table per size, the 1x/0.1x comparison and the targets) is printed and written as JSON to
var/bench/ (git-ignored), with the machine and the settings used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from commissioning.benchmarks import stack

OUTPUT_DIR = stack.BASE_DIR / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_DB = 14  # the machine's Redis: a database number of the benchmark's own, flushed at the start
# High enough never to refuse, while the throttle still runs and its Redis round trips are measured. Per second,
# not per minute: DRF's SimpleRateThrottle keeps every request's timestamp for the whole window in one cache value,
# so a per-minute window at benchmark speed would grow that value to tens of thousands of entries (far more than
# production's 1,200/minute ever holds) and measure pickling rather than the service.
THROTTLE_RATE = "100000000/second"
WARMUP_SECONDS = 2
PROBE_TIMED_REQUESTS = 5  # the probe times this many warm requests, one at a time, and keeps the median
WRK_TIMEOUT = "30s"  # gunicorn's worker timeout: slower than this is a failure, not a latency
DEFAULT_SIZES = (0.1, 1.0)
DEFAULT_SEED = 2026  # commissioning.benchmarks.data.DEFAULT_SEED (checked by the command)

BASELINE = "baseline"
SCENARIOS = ("poll-304", "list-100", "events-none", "events-100", "member-queue")
DESCRIPTIONS = {
    BASELINE: "a bare view with a fixed JSON body (run before, between and after the scenarios)",
    "poll-304": "partner's unchanged poll: GET /api/v1/strategies/ with If-None-Match -> 304",
    "list-100": "partner's list page: GET /api/v1/strategies/?page_size=100 -> 100 strategies",
    "events-none": "events feed, nothing new: GET /api/v1/events/?after=<latest>",
    "events-100": "events feed, 100 new: GET /api/v1/events/?after=<101st newest>&limit=100",
    "member-queue": "elected member's start page with the sign-off queue: GET / (session)",
}

# The targets the issue sets.
THROUGHPUT_TARGETS = {"poll-304": 0.5, "list-100": 0.2}  # at least this share of the baseline's requests/s
GROWTH_TARGETS = {"member-queue": 1.5, "list-100": 1.5}  # p50 at 1x at most this many times p50 at 0.1x


class BenchError(RuntimeError):
    """The benchmark could not run: a missing tool, a server that does not answer, data that is not as expected."""


# --------------------------------------------------------------------------------------------------------------
# wrk's output
# --------------------------------------------------------------------------------------------------------------

TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(text: str) -> float:
    """wrk's times ("812.00us", "1.25ms", "2.01s", "1.00m") in milliseconds."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(us|ms|s|m|h)\s*", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * TIME_UNITS_MS[match.group(2)]


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    latency_ms: dict[str, float]  # percentile ("50", "75", "90", "99") -> milliseconds
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, timeout

    @property
    def p50_ms(self) -> float:
        return self.latency_ms["50"]

    @property
    def p99_ms(self) -> float:
        return self.latency_ms["99"]

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())

    def error_text(self) -> str | None:
        """What went wrong, in words, or None."""
        parts = []
        if self.non_2xx_3xx:
            parts.append(f"{self.non_2xx_3xx:,} non-2xx/3xx responses")
        bad = {k: v for k, v in self.socket_errors.items() if v}
        if bad:
            parts.append("socket errors: " + ", ".join(f"{k} {v:,}" for k, v in bad.items()))
        if self.requests == 0:
            parts.append("no request completed")
        return "; ".join(parts) or None


def parse_wrk(output: str) -> WrkResult:
    """The figures of `wrk --latency`'s report: requests/s, the latency distribution, errors."""
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+)", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.MULTILINE)
    if total is None or rate is None:
        raise ValueError(f"not wrk's report:\n{output[-2000:]}")
    latency = {
        m.group(1).rstrip("0").rstrip(".") if "." in m.group(1) else m.group(1): parse_duration_ms(m.group(2))
        for m in re.finditer(r"^\s+([\d.]+)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE)
    }
    if "50" not in latency or "99" not in latency:
        raise ValueError(f"wrk's report has no latency distribution (run it with --latency):\n{output[-2000:]}")
    non_2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s*(\d+)", output, re.MULTILINE)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output, re.MULTILINE)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True)) if sockets else {}
    )
    return WrkResult(
        requests=int(total.group(1)),
        seconds=parse_duration_ms(total.group(2)) / 1000,
        requests_per_second=float(rate.group(1)),
        latency_ms=latency,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
    )


def wrk_command(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> list[str]:
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds:g}s"]
    command += ["--timeout", WRK_TIMEOUT, "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


# --------------------------------------------------------------------------------------------------------------
# The report's arithmetic and layout
# --------------------------------------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def size_label(scale: float) -> str:
    """0.1 -> "0.1x", 1.0 -> "1x"."""
    return f"{scale:g}x"


def database_name(scale: float) -> str:
    """0.1 -> commissioning_bench_0_1x, 1.0 -> commissioning_bench_1x."""
    return "commissioning_bench_" + size_label(scale).replace(".", "_")


def parse_sizes(text: str) -> list[float]:
    sizes = []
    for part in text.split(","):
        value = float(part.strip().removesuffix("x"))
        if not 0 < value <= 100:
            raise ValueError(f"a size must be above 0 and at most 100, not {part!r}")
        sizes.append(value)
    if len(set(sizes)) != len(sizes):
        raise ValueError("each size once")
    return sorted(sizes)


def fmt(value: float | None, spec: str = ",.1f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def table(headers: list[str], rows: list[list[str]], *, left: int = 1) -> str:
    """A plain-text table: the first `left` columns aligned left, the others right."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells) -> str:
        out = [str(cell).ljust(widths[i]) if i < left else str(cell).rjust(widths[i]) for i, cell in enumerate(cells)]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


@dataclass
class Target:
    name: str
    measured: float | None
    limit: float
    kind: str  # "at least" or "at most" (a ratio), or "equal" (queries)
    met: bool | None  # None: could not be measured
    detail: str

    def line(self) -> str:
        verdict = {True: "MET", False: "NOT MET", None: "NOT MEASURED"}[self.met]
        return f"{verdict:<12} {self.name}: {self.detail}"


def at_least(name: str, measured: float | None, limit: float) -> Target:
    if measured is None:
        return Target(name, None, limit, "at least", None, "no figure (the scenario or its baseline failed)")
    met = measured >= limit
    points = (measured - limit) * 100
    how = (
        f"{points:.1f} points to spare"
        if met
        else f"short by {-points:.1f} points ({limit / measured:.2f}x faster needed)"
    )
    return Target(name, measured, limit, "at least", met, f"{measured:.1%} of the baseline (target {limit:.0%}): {how}")


def at_most(name: str, measured: float | None, limit: float) -> Target:
    if measured is None:
        return Target(name, None, limit, "at most", None, "no figure (a size or the scenario failed)")
    met = measured <= limit
    how = f"{limit - measured:.2f} to spare" if met else f"{measured / limit:.2f} times the limit"
    return Target(name, measured, limit, "at most", met, f"{measured:.2f}x (limit {limit:.1f}x): {how}")


def targets(report: dict) -> list[Target]:
    """The issue's targets, from the report's per-size figures (`sizes` keyed by label, smallest first)."""
    sizes = report["sizes"]
    run = set.intersection(*(set(size["scenarios"]) for size in sizes.values())) if sizes else set()
    found: list[Target] = []
    for scenario, share in THROUGHPUT_TARGETS.items():
        if scenario not in run:
            continue
        for label, size in sizes.items():
            figure = size["scenarios"].get(scenario, {}).get("rps_vs_baseline")
            found.append(at_least(f"{scenario} throughput at {label} >= {share:.0%} of the baseline", figure, share))
    if "0.1x" in sizes and "1x" in sizes:
        growth = report.get("growth", {})
        for scenario, limit in GROWTH_TARGETS.items():
            if scenario not in run:
                continue
            figures = growth.get(scenario, {})
            name = f"{scenario} p50 at 1x / p50 at 0.1x <= {limit:g} (each against its own baseline)"
            target = at_most(name, figures.get("adjusted_1x_over_0_1x"), limit)
            raw, alone = figures.get("p50_1x_over_0_1x"), figures.get("alone_1x_over_0_1x")
            if raw is not None:
                target.detail += f"; raw p50 ratio {raw:.2f}x"
            if alone is not None:  # without load or other work on the machine: a check on the verdict
                target.detail += f"; one request alone, no load: {alone:.2f}x"
            found.append(target)
        for scenario in [s for s in (BASELINE, *SCENARIOS) if s in run]:
            small = sizes["0.1x"]["scenarios"].get(scenario, {}).get("queries")
            large = sizes["1x"]["scenarios"].get(scenario, {}).get("queries")
            name = f"{scenario} queries per request the same at 0.1x and 1x"
            if small is None or large is None:
                found.append(Target(name, None, 0, "equal", None, "not counted at both sizes"))
            else:
                met = small == large
                detail = f"{small} and {large}" + ("" if met else f" ({large - small:+d} at 1x)")
                found.append(Target(name, large - small, 0, "equal", met, detail))
    return found


def growth(report: dict) -> dict:
    """p50 at 1x over p50 at 0.1x, and the query counts at both, per scenario."""
    sizes = report["sizes"]
    if "0.1x" not in sizes or "1x" not in sizes:
        return {}
    out = {}
    for scenario in [BASELINE, *SCENARIOS]:
        small = sizes["0.1x"]["scenarios"].get(scenario, {})
        large = sizes["1x"]["scenarios"].get(scenario, {})
        out[scenario] = {
            "p50_0_1x_ms": small.get("p50_ms"),
            "p50_1x_ms": large.get("p50_ms"),
            "p50_1x_over_0_1x": ratio(large.get("p50_ms"), small.get("p50_ms")),
            # The same, each size's p50 first taken as a ratio to its own baseline's: the two sizes run minutes apart,
            # and a machine that is busier for one of them moves the raw ratio; this is the figure the target uses.
            "adjusted_1x_over_0_1x": ratio(large.get("p50_vs_baseline"), small.get("p50_vs_baseline")),
            "alone_ms_0_1x": small.get("alone_ms"),
            "alone_ms_1x": large.get("alone_ms"),
            "alone_1x_over_0_1x": ratio(large.get("alone_ms"), small.get("alone_ms")),
            "queries_0_1x": small.get("queries"),
            "queries_1x": large.get("queries"),
        }
    return out


def add_ratios(size: dict) -> None:
    """Each scenario's throughput and p50 as a ratio to the baseline's (in place): to the baseline runs either side
    of it when they are known, else to the mean of every baseline run."""
    base = size["scenarios"].get(BASELINE, {})
    for record in size["scenarios"].values():
        rps = record.get("baseline_rps_nearby", base.get("rps"))
        p50 = record.get("baseline_p50_ms_nearby", base.get("p50_ms"))
        record["rps_vs_baseline"] = ratio(record.get("rps"), rps)
        record["p50_vs_baseline"] = ratio(record.get("p50_ms"), p50)


def render(report: dict) -> str:
    """The report as text: a table per size, the comparison between sizes, and the targets."""
    out = []
    settings = report["settings"]
    machine = report["machine"]
    out.append(
        f"Machine: {machine.get('cpu_model')}, {machine.get('cores')} cores, {machine.get('memory_gib')} GiB; "
        f"PostgreSQL {machine.get('postgresql')}, Redis {machine.get('redis')} ({report.get('redis_source')}), "
        f"Python {machine.get('python')}, Django {machine.get('django')}, gunicorn {machine.get('gunicorn')}, "
        f"{machine.get('wrk')}"
    )
    out.append(
        f"Load: wrk, {settings['connections']} connections, {settings['seconds']:g} s per scenario after a "
        f"{settings['warmup_seconds']:g} s warm-up; gunicorn with {settings['workers']} workers; "
        f"throttle {settings['throttle_rate']}; worker recycling {settings.get('worker_recycling', '?')}"
    )
    for label, size in report["sizes"].items():
        out.append("")
        counts = size.get("data", {}).get("counts", {})
        shape = ", ".join(
            f"{counts[k]:,} {k.replace('_', ' ')}"
            for k in ("organisations", "strategies", "seats", "audit_events")
            if k in counts
        )
        out.append(f"Size {label} ({shape}; database {size['database']}, {size['data_origin']})")
        rows = []
        for name in [BASELINE, *SCENARIOS]:
            record = size["scenarios"].get(name)
            if record is None:
                continue
            if record.get("error"):
                rows.append(
                    [
                        name,
                        str(record.get("status") or "-"),
                        "FAILED",
                        "",
                        "",
                        fmt_ms(record.get("alone_ms")),
                        fmt(record.get("queries"), "d"),
                        fmt_ms(record.get("sql_ms")),
                        "",
                        "",
                    ]
                )
                continue
            rows.append(
                [
                    name,
                    str(record.get("status")),
                    fmt(record.get("rps")),
                    fmt_ms(record.get("p50_ms")),
                    fmt_ms(record.get("p99_ms")),
                    fmt_ms(record.get("alone_ms")),
                    fmt(record.get("queries"), "d"),
                    fmt_ms(record.get("sql_ms")),
                    fmt(record.get("rps_vs_baseline"), ".1%"),
                    fmt(record.get("p50_vs_baseline"), ".2f", "x"),
                ]
            )
        out.append(
            table(
                [
                    "scenario",
                    "status",
                    "requests/s",
                    "p50 ms",
                    "p99 ms",
                    "alone ms",
                    "queries",
                    "SQL ms",
                    "rps/baseline",
                    "p50/baseline",
                ],
                rows,
            )
        )
        base = size["scenarios"].get(BASELINE, {})
        if base.get("runs"):
            runs = ", ".join(f"{r:,.0f}" for r in base["runs"])
            out.append(
                f"baseline: mean of {len(base['runs'])} runs ({runs} requests/s), one before, between and after the "
                "scenarios; each scenario's ratios are to the two runs either side of it"
            )
    if report.get("growth"):
        out.append("")
        out.append("How cost grows with data: 1x against 0.1x")
        rows = []
        for name, g in report["growth"].items():
            same = (
                "-"
                if g["queries_0_1x"] is None or g["queries_1x"] is None
                else ("same" if g["queries_0_1x"] == g["queries_1x"] else "DIFFERENT")
            )
            rows.append(
                [
                    name,
                    fmt_ms(g["p50_0_1x_ms"]),
                    fmt_ms(g["p50_1x_ms"]),
                    fmt(g["p50_1x_over_0_1x"], ".2f", "x"),
                    fmt(g.get("adjusted_1x_over_0_1x"), ".2f", "x"),
                    fmt(g.get("alone_1x_over_0_1x"), ".2f", "x"),
                    fmt(g["queries_0_1x"], "d"),
                    fmt(g["queries_1x"], "d"),
                    same,
                ]
            )
        out.append(
            table(
                [
                    "scenario",
                    "p50 0.1x ms",
                    "p50 1x ms",
                    "p50 1x/0.1x",
                    "vs baseline",
                    "alone 1x/0.1x",
                    "queries 0.1x",
                    "queries 1x",
                    "",
                ],
                rows,
            )
        )
    out.append("")
    out.append(
        "requests/s, p50, p99: wrk against gunicorn. alone: one request at a time in a separate process with the "
        "same settings (median of 5 warm requests), with its SQL queries and their time (the second of two requests). "
        "vs baseline: p50 growth with each size's p50 first divided by its own baseline's (the growth target's figure)."
    )
    if report.get("targets"):
        out.append("")
        out.append("Targets")
        out.extend(Target(**t).line() for t in report["targets"])
    failures = [
        f"{label} {name}: {r['error']}"
        for label, size in report["sizes"].items()
        for name, r in size["scenarios"].items()
        if r.get("error")
    ]
    if failures:
        out.append("")
        out.append("FAILED scenarios")
        out.extend(failures)
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------
# Checking each scenario's answer before loading it
# --------------------------------------------------------------------------------------------------------------


def check_answer(name: str, status: int, body: str, expect: dict) -> str | None:
    """Why this answer is not the scenario's, or None. `expect` holds what the probe found in the database."""
    wanted = 304 if name == "poll-304" else 200
    if status != wanted:
        return f"answered {status}, not {wanted}: {body[:300]!r}"
    if name == "poll-304":
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
    results = data.get("results")
    if not isinstance(results, list):
        return f"no results: {body[:200]!r}"
    if name == "list-100" and len(results) != 100:
        return f"{len(results)} strategies on the page, not 100"
    if name == "events-none" and results:
        return f"{len(results)} events after the latest, not none"
    if name == "events-100":
        if len(results) != 100:
            return f"{len(results)} new events, not 100"
        if results[-1].get("id") != expect.get("latest_event"):
            return f"the last event is {results[-1].get('id')}, not the latest ({expect.get('latest_event')})"
    return None


def scenario_requests(port: int, *, token: str, cookie: str, etag: str, latest: int, before_100: int) -> dict:
    """Each scenario's path and headers (beyond Host and X-Forwarded-Proto, which every request carries)."""
    api = {"Authorization": f"Token {token}"}
    return {
        BASELINE: {"path": "/bench/baseline/", "headers": {}},
        "poll-304": {"path": "/api/v1/strategies/", "headers": api | {"If-None-Match": etag}},
        "list-100": {"path": "/api/v1/strategies/?page_size=100", "headers": api},
        "events-none": {"path": f"/api/v1/events/?after={latest}", "headers": api},
        "events-100": {"path": f"/api/v1/events/?after={before_100}&limit=100", "headers": api},
        "member-queue": {"path": "/", "headers": {"Cookie": cookie}},
    }


def common_headers(port: int) -> dict[str, str]:
    return {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"}


# --------------------------------------------------------------------------------------------------------------
# The probe: run inside Django (production settings, the size's database), in a process of its own
# --------------------------------------------------------------------------------------------------------------


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
    requests = scenario_requests(
        port, token=spec["token"], cookie=spec["cookie"], etag=first["ETag"], latest=latest, before_100=before_100
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


# --------------------------------------------------------------------------------------------------------------
# The machine, PostgreSQL and Redis
# --------------------------------------------------------------------------------------------------------------


def machine_info(database_url: str, redis_url: str) -> dict:
    import django
    import psycopg

    info: dict = {"cores": os.cpu_count(), "python": platform.python_version(), "django": django.get_version()}
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        info["cpu_model"] = model.group(1).strip() if model else platform.processor() or platform.machine()
    with contextlib.suppress(OSError, AttributeError):
        kib = int(re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
        info["memory_gib"] = round(kib / 2**20, 1)
    info["kernel"] = platform.release()
    with psycopg.connect(database_url, autocommit=True) as connection:
        info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    info["redis"] = redis_info(redis_url).get("redis_version")
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    info["wrk"] = (result.stdout + result.stderr).splitlines()[0].split(" Copyright")[0].strip()
    with contextlib.suppress(ImportError):
        import gunicorn

        info["gunicorn"] = gunicorn.__version__
    return info


def redis_info(url: str) -> dict:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).info("server")


def with_path(url: str, path: str) -> str:
    return urlsplit(url)._replace(path=path).geturl()


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Options:
    sizes: list[float] = field(default_factory=lambda: list(DEFAULT_SIZES))
    seconds: float = 10
    warmup: float = WARMUP_SECONDS
    connections: int = 8
    workers: int = (os.cpu_count() or 1) * 2 + 1
    fresh: bool = False
    seed: int = DEFAULT_SEED
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    profile: bool = False
    recycle: bool = False  # keep gunicorn's worker recycling (max_requests) as production has it
    database_url: str = field(default_factory=lambda: os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    output_dir: Path = OUTPUT_DIR


class Bench:
    def __init__(self, options: Options, write: Callable[[str], None]) -> None:
        self.options = options
        self.write = write
        self.out = options.output_dir
        self.logs = self.out / "logs"
        self.static_root = self.out / "static"
        self.redis_server: stack.RedisServer | None = None
        self.redis_url = ""
        self.redis_source = ""

    # -- servers -------------------------------------------------------------------------------------------

    def admin_url(self) -> str:
        return with_path(self.options.database_url, "/postgres")

    def database_url(self, name: str) -> str:
        return with_path(self.options.database_url, f"/{name}")

    def start_redis(self) -> None:
        machine_url = urlsplit(self.options.redis_url)._replace(path=f"/{REDIS_DB}").geturl()
        try:
            redis_info(machine_url)
        except Exception as exc:  # anything at all: start a Redis of our own
            self.redis_server = stack.RedisServer(self.logs / "redis.log").start()
            self.redis_url = self.redis_server.url
            self.redis_source = f"a redis-server of its own on port {self.redis_server.port}"
            self.write(f"Redis: none answers at {self.options.redis_url} ({exc}); started {self.redis_source}")
        else:
            self.redis_url = machine_url
            self.redis_source = f"the machine's Redis, database {REDIS_DB}"
            self.write(f"Redis: the machine's, at {machine_url} (database {REDIS_DB}, flushed)")
        self.flush_redis()

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def env(self, database: str, port: int) -> dict[str, str]:
        env = stack.production_env(
            database_url=self.database_url(database),
            redis_url=self.redis_url,
            port=port,
            static_root=self.static_root,
            BENCHMARK_BASELINE="true",
            API_THROTTLE_RATE=THROTTLE_RATE,
            WEB_CONCURRENCY=str(self.options.workers),
            LOG_LEVEL="WARNING",
        )
        if not self.options.recycle:
            # Production restarts each worker after about 5,000 requests. At benchmark rates that is every worker,
            # nearly together, every half a minute, and a fresh worker's first requests take seconds: the pause
            # lands at random in one scenario's ten seconds (it once left a scenario with no request answered).
            env["GUNICORN_MAX_REQUESTS"] = "0"
        return env

    # -- data ----------------------------------------------------------------------------------------------

    def prepare_database(self, scale: float) -> tuple[dict, str]:
        """The size's database, migrated and filled: (bench_data's JSON, "reused" or "generated ...")."""
        import psycopg
        from psycopg import sql

        name = database_name(scale)
        data_path = self.out / f"data-{size_label(scale)}.json"
        with psycopg.connect(self.admin_url(), autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
            stored = None
            if exists and not self.options.fresh:
                stored = self.reusable(scale, name, data_path)
            if stored is not None:
                self.write(f"  {name}: reusing its data (scale {scale:g}, seed {self.options.seed})")
            elif exists:
                why = "--fresh" if self.options.fresh else "its data is not this scale and seed, or is incomplete"
                self.write(f"  {name}: dropping it ({why})")
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = False
            if not exists:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self.write(f"  {name}: created")
        env = self.env(name, stack.free_port())
        started = time.monotonic()
        stack.manage(env, "migrate", "--no-input", "-v", "0")
        self.write(f"  {name}: migrated ({time.monotonic() - started:.1f} s)")
        if stored is not None:
            return stored, "reused"
        started = time.monotonic()
        data_path.unlink(missing_ok=True)
        stack.manage(
            env,
            "bench_data",
            "--scale",
            f"{scale:g}",
            "--seed",
            str(self.options.seed),
            "--output",
            str(data_path),
            timeout=3600,
        )
        seconds = time.monotonic() - started
        self.write(f"  {name}: data generated in {seconds:.1f} s")
        return json.loads(data_path.read_text()), f"generated in {seconds:.0f} s"

    def reusable(self, scale: float, name: str, data_path: Path) -> dict | None:
        """bench_data's JSON for this database when it was made at this scale and seed and the database still holds
        it (the same number of strategies and audit events, and the partner's token still valid)."""
        import psycopg

        try:
            stored = json.loads(data_path.read_text())
        except (OSError, ValueError):
            return None
        if stored.get("scale") != scale or stored.get("seed") != self.options.seed:
            return None
        if stored.get("database_name") not in (None, name):
            return None
        try:
            with psycopg.connect(self.database_url(name)) as connection:
                strategies = connection.execute("SELECT count(*) FROM commissioning_strategy").fetchone()[0]
                events = connection.execute("SELECT count(*) FROM workflows_auditevent").fetchone()[0]
                token_valid = connection.execute(
                    "SELECT count(*) FROM knox_authtoken WHERE token_key = %s AND (expiry IS NULL OR expiry > now())",
                    [stored["api_token"][:15]],  # knox: the token's first 15 characters
                ).fetchone()[0]
        except psycopg.Error:
            return None
        counts = stored.get("counts", {})
        # Benchmarks write nothing, but a past run of something else may have: the figures must match exactly.
        if strategies != counts.get("strategies") or events < counts.get("audit_events", 0) or not token_valid:
            return None
        return stored

    # -- one size ------------------------------------------------------------------------------------------

    def run_size(self, scale: float) -> dict:
        label = size_label(scale)
        name = database_name(scale)
        self.write("")
        self.write(f"== Size {label}: database {name}")
        data, origin = self.prepare_database(scale)
        record: dict = {
            "scale": scale,
            "database": name,
            "data_origin": origin,
            "data": {
                k: data.get(k)
                for k in (
                    "counts",
                    "member_waiting_seats",
                    "partner_visible_strategies",
                    "officer_led_strategies",
                    "seed",
                    "generated_at",
                )
            },
            "scenarios": {},
        }
        self.flush_redis()
        port = stack.free_port()
        env = self.env(name, port)
        log_dir = self.logs / label
        shutil.rmtree(log_dir, ignore_errors=True)
        log_dir.mkdir(parents=True)
        web = stack.web(env, log_dir, workers=self.options.workers)
        try:
            self.write(
                f"  gunicorn on 127.0.0.1:{port} with {self.options.workers} workers (log {log_dir / 'web.log'})"
            )
            member = stack.HttpsClient(port)
            member.sign_in(data["member_username"], data["password"])
            cookie = "; ".join(f"{k}={v}" for k, v in member.cookies.items())
            found = self.run_probe(
                env, label, port=port, token=data["api_token"], cookie=cookie, account=data["partner_service_account"]
            )
            record["events"] = {"latest": found["latest_event"], "after_for_100_new": found["before_100"]}
            record["queries_sql"] = {n: c["sql"] for n, c in found["counted"].items()}
            # The baseline before the first scenario, between each two and after the last: each scenario is compared
            # with the mean of the two baseline runs either side of it, so that a machine that slows down or speeds
            # up during the run (other work on it) moves both sides of each ratio alike.
            chosen = [s for s in SCENARIOS if s in self.options.scenarios]
            order = [BASELINE]
            for scenario in chosen:
                order += [scenario, BASELINE]
            done: list[tuple[str, dict]] = []
            for scenario in order:
                result = self.run_scenario(scenario, port, found, web)
                done.append((scenario, result))
                self.write(f"  {scenario:<13} {self.summary(result)}")
            baselines = [r for n, r in done if n == BASELINE]
            record["scenarios"][BASELINE] = self.combine(BASELINE, baselines, found)
            for position, (scenario, result) in enumerate(done):
                if scenario == BASELINE:
                    continue
                entry = self.combine(scenario, [result], found)
                nearby = [done[position - 1][1], done[position + 1][1]]
                if all("wrk" in r and not r.get("error") for r in nearby):
                    entry["baseline_rps_nearby"] = statistics.fmean(r["wrk"]["requests_per_second"] for r in nearby)
                    entry["baseline_p50_ms_nearby"] = statistics.fmean(r["wrk"]["latency_ms"]["50"] for r in nearby)
                record["scenarios"][scenario] = entry
        finally:
            web.stop()
        add_ratios(record)
        return record

    def run_probe(self, env: dict, label: str, *, port: int, token: str, cookie: str, account: str) -> dict:
        spec_path = self.out / f"probe-{label}-in.json"
        result_path = self.out / f"probe-{label}.json"
        descriptor = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the token
        with os.fdopen(descriptor, "w") as file:
            json.dump(
                {
                    "port": port,
                    "token": token,
                    "cookie": cookie,
                    "service_account": account,
                    "profile_dir": str(self.logs / label) if self.options.profile else None,
                },
                file,
            )
        result_path.unlink(missing_ok=True)
        stack.manage(env, "bench", "--probe", str(spec_path), "--probe-output", str(result_path), timeout=300)
        spec_path.unlink()
        return json.loads(result_path.read_text())

    def run_scenario(self, scenario: str, port: int, found: dict, web: stack.Service) -> dict:
        request = found["requests"][scenario]
        headers = common_headers(port) | request["headers"]
        result: dict = {"path": request["path"]}
        status, body = self.fetch(port, request["path"], headers)
        result["status"] = status
        problem = check_answer(scenario, status, body, found)
        if problem is not None:
            result["error"] = f"wrong answer before loading: {problem}"
            return result
        url = f"http://127.0.0.1:{port}{request['path']}"
        for seconds, key in ((self.options.warmup, "warmup"), (self.options.seconds, "wrk")):
            if not seconds:
                continue
            command = wrk_command(url, headers, seconds=seconds, connections=self.options.connections)
            completed = subprocess.run(  # noqa: S603 - our own command line
                command, capture_output=True, text=True, timeout=seconds + 120, check=False
            )
            web.alive()
            if completed.returncode != 0:
                result["error"] = f"wrk exited {completed.returncode}: {completed.stderr[-500:]}"
                return result
            try:
                parsed = parse_wrk(completed.stdout)
            except ValueError as exc:
                result["error"] = str(exc)
                return result
            result[key] = asdict(parsed) | {"output": completed.stdout}
            if parsed.error_text():
                result["error"] = f"{'warm-up: ' if key == 'warmup' else ''}{parsed.error_text()}"
                return result
        return result

    def fetch(self, port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=stack.WAIT_SECONDS)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    @staticmethod
    def summary(result: dict) -> str:
        if result.get("error"):
            return f"FAILED: {result['error']}"
        wrk = result["wrk"]
        return (
            f"{result['status']}, {wrk['requests_per_second']:,.1f} requests/s, p50 {fmt_ms(wrk['latency_ms']['50'])} "
            f"ms, p99 {fmt_ms(wrk['latency_ms']['99'])} ms ({wrk['requests']:,} requests)"
        )

    @staticmethod
    def combine(scenario: str, results: list[dict], found: dict) -> dict:
        """One record per scenario; the baseline's two runs are averaged (a failed run fails it)."""
        counted = found["counted"].get(scenario, {})
        record: dict = {
            "path": results[0]["path"],
            "status": results[0].get("status"),
            "queries": counted.get("queries"),
            "queries_status": counted.get("status"),
            "alone_ms": counted.get("alone_ms"),
            "sql_ms": counted.get("sql_ms"),
            "profile": counted.get("profile"),
        }
        errors = [r["error"] for r in results if r.get("error")]
        if errors:
            record["error"] = "; ".join(errors)
            record["wrk_output"] = [r[k]["output"] for r in results for k in ("warmup", "wrk") if k in r]
            return record
        wrks = [r["wrk"] for r in results]
        record |= {
            "rps": statistics.fmean(w["requests_per_second"] for w in wrks),
            "p50_ms": statistics.fmean(w["latency_ms"]["50"] for w in wrks),
            "p99_ms": statistics.fmean(w["latency_ms"]["99"] for w in wrks),
            "requests": sum(w["requests"] for w in wrks),
            "latency_ms": wrks[0]["latency_ms"] if len(wrks) == 1 else None,
        }
        if len(wrks) > 1:
            record["runs"] = [w["requests_per_second"] for w in wrks]
            record["runs_p50_ms"] = [w["latency_ms"]["50"] for w in wrks]
        record["wrk_output"] = [w["output"] for w in wrks]
        return record

    # -- everything ----------------------------------------------------------------------------------------

    def run(self) -> dict:
        if shutil.which("wrk") is None:
            raise BenchError("needs wrk on PATH (apt-get install wrk; `make bench` installs it)")
        self.out.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        started = dt.datetime.now(dt.UTC)
        self.write(f"PostgreSQL: the server at {urlsplit(self.admin_url()).netloc.rsplit('@', 1)[-1]}")
        self.start_redis()
        try:
            stack.collect_static(self.env("unused", 8000))
            report: dict = {
                "started_at": started.isoformat(timespec="seconds"),
                "machine": machine_info(self.admin_url(), self.redis_url),
                "redis_source": self.redis_source,
                "settings": {
                    "connections": self.options.connections,
                    "wrk_threads": min(2, self.options.connections),
                    "seconds": self.options.seconds,
                    "warmup_seconds": self.options.warmup,
                    "workers": self.options.workers,
                    "throttle_rate": THROTTLE_RATE,
                    "worker_recycling": "as production (GUNICORN_MAX_REQUESTS)" if self.options.recycle else "off",
                    "log_level": "WARNING",
                    "settings_module": "config.settings.production",
                    "seed": self.options.seed,
                    "sizes": [size_label(s) for s in self.options.sizes],
                },
                "sizes": {},
            }
            for scale in self.options.sizes:
                report["sizes"][size_label(scale)] = self.run_size(scale)
        finally:
            if self.redis_server is not None:
                self.redis_server.stop()
        report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        report["growth"] = growth(report)
        report["targets"] = [asdict(t) for t in targets(report)]
        report["failed"] = [
            f"{label} {name}"
            for label, size in report["sizes"].items()
            for name, r in size["scenarios"].items()
            if r.get("error")
        ]
        return report

    def save(self, report: dict) -> Path:
        stamp = dt.datetime.fromisoformat(report["started_at"]).strftime("%Y%m%dT%H%M%SZ")
        path = self.out / f"bench-{stamp}.json"
        text = json.dumps(report, indent=2, default=str) + "\n"
        path.write_text(text)
        (self.out / "latest.json").write_text(text)
        return path
