"""`python -m benchmarks bench` (`make bench`): requests per second, p50 and p99 latency and SQL queries per request
of the partner API's polls, list page and events feed and of an elected member's queue page, against gunicorn with
the production settings on PostgreSQL and Redis, at two data sizes, each as a ratio to a bare view's in the same
run. See `benchmarks.bench`.

It exits non-zero when a scenario could not run or answered with errors; missed targets are figures, not failures.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from benchmarks import stack
from benchmarks.data.targets import DEFAULT_SEED

from . import report, run
from .scenarios import SCENARIOS, BenchError

HELP = (
    "Benchmark the production configuration (gunicorn, PostgreSQL at BENCH_DATABASE_URL's server, Redis) with "
    "wrk at two data sizes: a partner's 304 poll, list page of 100 and events feed, an elected member's queue "
    "page, and a bare view as the baseline. Prints a table and writes JSON to var/bench/."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="0.1,1", help="data sizes, comma-separated (default 0.1,1)")
    parser.add_argument("--seconds", type=float, default=10, help="wrk's run per scenario (default 10)")
    parser.add_argument(
        "--warmup", type=float, default=run.WARMUP_SECONDS, help="a warm-up run first (default 2 s; 0: none)"
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections (default 8)")
    parser.add_argument(
        "--workers",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="gunicorn's WEB_CONCURRENCY (default 2 x cores + 1)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the data's seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--profile", action="store_true", help="also profile one request of each scenario (var/bench/logs/)"
    )
    parser.add_argument(
        "--recycle",
        action="store_true",
        help="keep gunicorn's worker recycling after ~5,000 requests (production's; off by default here)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop the size's database and generate it again")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"which to run besides the baseline (default all: {','.join(SCENARIOS)})",
    )
    # Internal: the query counter, run by the benchmark in a process with the production settings.
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe-output", type=Path, help=argparse.SUPPRESS)


def handle(options: argparse.Namespace, write: Callable[[str], None]) -> None:
    if options.probe:
        from .probe import probe

        found = probe(json.loads(options.probe.read_text()))
        # It holds the partner's token and the member's session cookie (the requests' headers): owner only.
        descriptor = os.open(options.probe_output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(found, file, indent=2)
        return
    try:
        sizes = report.parse_sizes(options.sizes)
    except ValueError as exc:
        raise CommandError(f"--sizes: {exc}") from exc
    scenarios = [s.strip() for s in options.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise CommandError(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    if options.connections < 1 or options.seconds <= 0 or options.workers < 1:
        raise CommandError("--connections, --seconds and --workers must be positive")
    bench = run.Bench(
        run.Options(
            sizes=sizes,
            seconds=options.seconds,
            warmup=options.warmup,
            connections=options.connections,
            workers=options.workers,
            fresh=options.fresh,
            seed=options.seed,
            scenarios=scenarios,
            profile=options.profile,
            recycle=options.recycle,
        ),
        write,
    )
    try:
        found = bench.run()
    except (BenchError, stack.StackError) as exc:
        raise CommandError(str(exc)) from exc
    path = bench.save(found)
    write("")
    write(report.render(found))
    write("")
    write(f"JSON: {path} (and {path.parent / 'latest.json'})")
    if found["failed"]:
        raise CommandError(f"{len(found['failed'])} scenario(s) failed: {', '.join(found['failed'])}")
