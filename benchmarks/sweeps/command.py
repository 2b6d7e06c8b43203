"""`python -m benchmarks sweeps` (`make bench-sweeps`): the seat reminder sweep over tens of thousands of seats."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from django.core.management.base import CommandError
from django.db import connection, transaction

from commissioning.models import User
from workflows import sweeps
from workflows.calendar import WorkingCalendar
from workflows.models import OutboxMessage

from .measure import Run, maxrss_bytes, measure
from .report import print_results
from .seed import SWEEP_DAY, USER_PREFIX, clean_up, delete_in_chunks, seed_people, seed_seats

HELP = (
    "Benchmark the seat reminder sweep: seed --seats open seats (--due of them due), run the sweep twice, print "
    "reminders, seconds, queries and peak memory. Needs a database whose name contains 'bench'."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seats", type=int, default=50_000, help="open seats to seed (default 50,000)")
    parser.add_argument("--due", type=int, default=10_000, help="how many of them are due (default 10,000)")
    parser.add_argument("--batch-size", type=int, default=1000, help="the sweep's batch size (default 1,000)")
    parser.add_argument("--keep", action="store_true", help="leave the seeded rows in the database")
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the third, traced run (tracemalloc slows it about five times); RSS is still reported",
    )
    parser.add_argument(
        "--i-know", action="store_true", help="run even though the database name does not contain 'bench'"
    )


def handle(options: argparse.Namespace, write: Callable[[str], None]) -> None:
    seats, due, batch_size = options.seats, options.due, options.batch_size
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name.lower() and not options.i_know:
        raise CommandError(
            f"The sweep benchmark writes and deletes tens of thousands of rows, so it runs only against a database "
            f"whose name contains 'bench'; this one is {connection.vendor} {name!r}. Point DATABASE_URL at one (for "
            f"example postgres://…/commissioning_bench), or pass --i-know."
        )
    if not 0 < due <= seats or batch_size < 1:
        raise CommandError("Need 0 < --due <= --seats and --batch-size >= 1.")
    today = SWEEP_DAY
    calendar = WorkingCalendar()
    if not calendar.is_working_day(today):  # a closure day set in the admin of this database
        raise CommandError(f"{today:%A %-d %B %Y} is a closure day in this database; the sweep would skip it.")

    if User.objects.filter(username__startswith=USER_PREFIX).exists():
        write(f"Removed rows left by an earlier --keep run: {describe(clean_up())}.")

    write(f"Seeding {seats:,} open seats ({due:,} due by {today:%A %-d %B %Y}) on {connection.vendor}")
    started = time.perf_counter()
    with transaction.atomic():
        world = seed_people(today)
        for written in seed_seats(world, seats=seats, due=due, today=today, calendar=calendar):
            write(f"  {written:,} seats")
    write(f"Seeded in {time.perf_counter() - started:.1f} s.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a real database
    maxrss_seeded = maxrss_bytes()

    def sweep() -> sweeps.SweepReport:
        return sweeps.seat_reminders(today=today, batch_size=batch_size)

    runs: dict[str, Run] = {}
    try:
        # Timed runs without tracemalloc (it slows Python code two to three times), then the first run again,
        # traced, after emptying the outbox so it does the same work.
        write("Sweeping: first run, second run" + ("" if options.no_tracemalloc else ", traced re-run"))
        runs = {"first run": measure(sweep, trace_memory=False), "second run": measure(sweep, trace_memory=False)}
        outbox_rows = OutboxMessage.objects.filter(recipient__username__startswith=USER_PREFIX).count()
        if not options.no_tracemalloc:
            delete_in_chunks(OutboxMessage.objects.filter(recipient__username__startswith=USER_PREFIX))
            runs["traced re-run"] = measure(sweep, trace_memory=True)
    finally:
        if options.keep:
            write("Kept the seeded rows (--keep).")
        else:
            write(f"Deleted what the benchmark wrote: {describe(clean_up())}.")

    ok = print_results(
        runs,
        seats=seats,
        due=due,
        batch_size=batch_size,
        outbox_rows=outbox_rows,
        seeded=maxrss_seeded,
        write=write,
    )
    if not ok:
        raise CommandError("A benchmark check failed (see above).")


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {what}" for what, n in counts.items())
