"""`python -m benchmarks data --scale 1`: fill an empty, migrated database with benchmark data.

At scale 1: 200 organisations, 5,000 strategies, 50,000 gate seats and 500,000 audit events, with everything that
goes with them (see `benchmarks.data`). It refuses a database that already has strategies: make a fresh one and
migrate it. It prints the well-known accounts; the partner's API token is printed, or written with everything else
to the JSON file named by `--output`.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from .targets import DEFAULT_SEED, BenchDataError

HELP = (
    "Fill an EMPTY, migrated database with benchmark data: at --scale 1, 200 organisations, 5,000 strategies, "
    "50,000 seats and 500,000 audit events (any positive number scales them). Prints the benchmark accounts "
    "and the partner's API token, or writes them to --output as JSON."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0, help="1 is 5,000 strategies; 0.1 is 500 (default 1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="write the accounts, the API token, the counts and the timings to this JSON file (mode 0600)",
    )


def handle(options: argparse.Namespace, write: Callable[[str], None]) -> None:
    from .generator import generate

    try:
        result = generate(options.scale, seed=options.seed, log=write)
    except BenchDataError as exc:
        raise CommandError(str(exc)) from exc
    write("")
    write(
        f"Done in {result.seconds['total']:.1f} s. Rows: " + ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
    )
    write("")
    write(f"Password of every benchmark account: {result.password}")
    write(f"  elected member  {result.member_username} ({result.member_waiting_seats:,} seats waiting)")
    write(f"  officer         {result.officer_username} (leads {result.officer_led_strategies:,} strategies)")
    write(f"  partner         {result.partner_username} at {result.partner_organisation_name}")
    write(
        f"  partner API     service account {result.partner_service_account}, organisation id "
        f"{result.partner_organisation_id} ({result.partner_visible_strategies:,} strategies visible)"
    )
    output = options.output
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds a live token
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(result.as_dict(), file, indent=2, default=str)
            file.write("\n")
        write(f"  API token, accounts, counts and timings written to {output}")
    else:
        write(f"  API token       {result.api_token}")
        write("  Send it as:  Authorization: Token <token>")
