"""`python -m benchmarks drills` (`make drills`): resilience drills against the production configuration, on servers
of their own. Read `benchmarks.drills` for what each drill does and how."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from .catalogue import DRILLS, select

HELP = (
    "Resilience drills: races, a Redis outage, a killed worker, a PostgreSQL restart and schemathesis, against "
    "gunicorn, Celery and PostgreSQL/Redis servers of their own. Prints what was done and what was lost, writes "
    "var/drills/latest.json, and exits non-zero if a drill fails."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", metavar="NAME[,NAME]", help=f"run only these ({', '.join(DRILLS)})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the logs")
    parser.add_argument("--redis-outage-seconds", type=int, default=30, help="how long Redis stays down (default 30)")
    parser.add_argument(
        "--schemathesis-examples", type=int, default=25, help="schemathesis cases per operation (default 25)"
    )
    # The conductor starts each drill as `python -m benchmarks drills --inside NAME` with the drill's own settings.
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", help=argparse.SUPPRESS)
    parser.add_argument("--pg-dir", help=argparse.SUPPRESS)
    parser.add_argument("--pg-port", type=int, help=argparse.SUPPRESS)


def handle(options: argparse.Namespace, write: Callable[[str], None]) -> None:
    from .conductor import conduct, run_inside

    if options.redis_outage_seconds < 1 or options.schemathesis_examples < 1:
        raise CommandError("--redis-outage-seconds and --schemathesis-examples must be at least 1.")
    settings = {
        "redis_outage_seconds": options.redis_outage_seconds,
        "schemathesis_examples": options.schemathesis_examples,
    }
    if options.inside:
        code = run_inside(
            options.inside,
            work_dir=Path(options.work_dir),
            pg_dir=Path(options.pg_dir),
            pg_port=options.pg_port,
            options=settings,
        )
        if code:
            raise SystemExit(code)
        return
    try:
        names = select(options.only)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    failed, _ = conduct(names=names, keep=options.keep, options=settings, write=write)
    if failed:
        raise CommandError(f"{failed} of {len(names)} drill(s) failed (see above).")
