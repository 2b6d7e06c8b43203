"""The sweep benchmark's table, and its checks: memory, and queries that grow with batches, not rows."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.db import connection

from workflows.models import OutboxMessage

from .measure import Run, mb
from .seed import MEMORY_LIMIT_MB, SWEEP_DAY


def print_results(
    runs: dict[str, Run], *, seats, due, batch_size, outbox_rows, seeded, write: Callable[[str], None]
) -> bool:
    first, second, traced = runs["first run"], runs["second run"], runs.get("traced re-run")
    write("")
    write(
        f"Seat reminder sweep on {SWEEP_DAY:%A %-d %B %Y}: {seats:,} open seats, {due:,} due, "
        f"batch size {batch_size:,}, {connection.vendor}"
    )
    write("")

    def row(label: str, value: Callable[[Run], str]) -> tuple[str, ...]:
        return (label, *(value(run) for run in runs.values()))

    table = [
        ("", *runs),
        row("seats examined", lambda r: f"{r.report.examined:,}"),
        row("reminders created", lambda r: f"{r.report.reminders:,}"),
        row("outbox messages written", lambda r: f"{r.report.messages:,}"),
        row("seconds", lambda r: f"{r.seconds:.2f}" + (" *" if r.traced_peak is not None else "")),
        row("batches", lambda r: f"{r.report.batches:,}"),
        row("SQL queries", lambda r: f"{r.queries.total:,}"),
        row("  outside the batches", lambda r: f"{r.overhead}"),
        row("  per batch", lambda r: spread_of([s.total for s in r.batch_segments])),
        row("    reads (all but INSERT)", lambda r: spread_of([s.reads for s in r.batch_segments])),
        row("    INSERTs", lambda r: spread_of([s.kinds["INSERT"] for s in r.batch_segments])),
        row("    rows per INSERT", rows_per_insert),
        row("peak traced memory", lambda r: "-" if r.traced_peak is None else mb(r.traced_peak)),
        row("process peak RSS so far", lambda r: mb(r.maxrss_after)),
        row("delivery requests (not sent)", lambda r: f"{r.delivery_requests}"),
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        cells = [f"{line[0]:<{widths[0]}}"] + [f"{c:>{w}}" for c, w in zip(line[1:], widths[1:], strict=True)]
        write("  " + "  ".join(cells))
    write("")
    if traced:
        write("  * slowed by tracemalloc; the first run's seconds are the figure to quote.")
    write(f"  Process peak RSS after seeding, before any sweep: {mb(seeded)}.")
    write(f"  Outbox rows after the first two runs: {outbox_rows:,}.")
    write("")

    process_peak = max(run.maxrss_after for run in runs.values())
    traced_peak = traced.traced_peak if traced else 0
    checks = [
        (
            max(process_peak, traced_peak) < MEMORY_LIMIT_MB * 2**20,
            f"peak memory < {MEMORY_LIMIT_MB} MB (whole process {mb(process_peak)}"
            + (f", the sweep's own allocations {mb(traced_peak)})" if traced else ")"),
        ),
        (first.report.examined == due, f"the first run examines exactly the {due:,} due seats"),
        (first.report.reminders > 0 and first.report.messages == outbox_rows, "the first run writes the outbox"),
        (second.report.reminders == 0 and second.report.messages == 0, "the second run creates 0 reminders"),
    ]
    if traced:
        checks.append(
            (
                (traced.report.reminders, traced.report.messages) == (first.report.reminders, first.report.messages),
                "the traced re-run on an empty outbox creates what the first run did",
            )
        )
    reads = {s.reads for run in runs.values() for s in run.batch_segments}
    overheads = {run.overhead for run in runs.values()}
    checks.append(
        (
            len(reads) == 1 and max(overheads) <= 2,
            f"queries grow with batches, not rows: the same {spread_of(sorted(reads))} reads in every batch of "
            f"every run, plus {spread_of(sorted(overheads))} outside the batches",
        )
    )
    # Writes are multi-row INSERTs of at most 1,000 rows (the cap in workflows/outbox.py, enqueue), or fewer where
    # the database takes fewer parameters at once (SQLite: 999 // 14 columns = 71 rows). So a batch's INSERTs
    # follow the messages it writes divided by that, never one per seat or per message.
    columns = [f for f in OutboxMessage._meta.concrete_fields if not f.primary_key]
    rows_at_once = min(1000, connection.ops.bulk_batch_size(columns, range(1000)))
    worst = max(
        (
            s.kinds["INSERT"] - math.ceil(s.rows_inserted / rows_at_once)
            for run in runs.values()
            for s in run.batch_segments
        ),
        default=0,
    )
    checks.append(
        (
            worst <= 0,
            f"and each batch writes its messages in INSERTs of up to {rows_at_once:,} rows, as few as "
            f"{connection.vendor} allows",
        )
    )
    for passed, text in checks:
        write(f"{'PASS' if passed else 'FAIL'}  {text}")
    return all(passed for passed, _ in checks)


def spread_of(values: list[int]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}–{high}"


def rows_per_insert(run: Run) -> str:
    inserts = sum(s.kinds["INSERT"] for s in run.batch_segments)
    rows = sum(s.rows_inserted for s in run.batch_segments)
    return f"{rows / inserts:,.0f}" if inserts else "-"
