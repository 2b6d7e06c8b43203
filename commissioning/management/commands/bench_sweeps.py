"""`manage.py bench_sweeps`: how the seat reminder sweep copes with 50,000 open seats, 10,000 of them due.

A benchmark, not a test: it seeds the seats, runs `workflows.sweeps.seat_reminders` for a fixed working day, and
prints the reminders created, the seconds, the SQL queries (per batch, by kind) and the peak memory; then runs the
sweep again, which must create nothing. It exits non-zero when a check fails: peak memory under 300 MB, and queries
that grow with batches, not rows. `make bench-sweeps` runs it against PostgreSQL.

It writes and deletes tens of thousands of rows, so it runs only against a database whose name contains "bench"
(`--i-know` overrides that). Everything it seeds is named `bench-…`/`BENCH-…` and deleted at the end (keep it with
`--keep`; the next run clears it first).
"""

from __future__ import annotations

import datetime as dt
import math
import resource
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.test.utils import override_settings
from django.utils import timezone

from commissioning.models import Organisation, OrganisationKind, Role, RoleAssignment, ServiceArea, Strategy, User
from workflows import sweeps
from workflows.calendar import WorkingCalendar
from workflows.models import Delegation, Gate, GateState, OutboxMessage, Seat

SWEEP_DAY = dt.date(2030, 3, 13)  # a Wednesday, no bank holiday near it: due dates are generated around it
MEMORY_LIMIT_MB = 300
ORGANISATIONS = 20
SEAT_ROLES = (Role.COMMISSIONING_OFFICER, Role.FINANCE, Role.LEGAL, Role.PROCUREMENT, Role.PARTNER_SIGNATORY)
SEATS_PER_GATE = 2 * len(SEAT_ROLES)  # each role at the lead organisation and at one partner
# Due seats fall on these working days relative to the sweep day: overdue long enough to escalate, overdue, due
# today, and the "before" window (REMINDER_WORKING_DAYS_BEFORE is added at run time).
DUE_OFFSETS = (-12, -7, -3, -1, 0)
CHUNK = 1000  # gates seeded per round trip (10,000 seats), so seeding never holds every row in memory
USER_PREFIX = "bench-"
ORG_PREFIX = "bench-"
REFERENCE_PREFIX = "BENCH-"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MB"


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


# --------------------------------------------------------------------------------------------------------------
# Counting queries
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Segment:
    """The queries of one batch: from its keyset read up to the next one."""

    kinds: Counter = field(default_factory=Counter)
    rows_inserted: int = 0

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    @property
    def reads(self) -> int:
        return self.total - self.kinds["INSERT"]


class QueryCounter:
    """An execute wrapper that counts statements by kind, split at each batch's keyset read of the seats.

    It keeps counters, not SQL text, so counting costs no memory (unlike CaptureQueriesContext)."""

    def __init__(self) -> None:
        table = Seat._meta.db_table
        self.batch_mark = (f'FROM "{table}"', f'ORDER BY "{table}"."id" ASC', "LIMIT")
        self.before = Segment()  # queries before the first keyset read (the calendar's closure days)
        self.segments: list[Segment] = []

    def __call__(self, execute, sql, params, many, context):
        kind = sql.lstrip().split(None, 1)[0].upper()
        if kind == "SELECT" and all(mark in sql for mark in self.batch_mark):
            self.segments.append(Segment())
        segment = self.segments[-1] if self.segments else self.before
        segment.kinds[kind] += 1
        result = execute(sql, params, many, context)
        if kind == "INSERT":
            segment.rows_inserted += max(context["cursor"].rowcount, 0)
        return result

    @property
    def total(self) -> int:
        return self.before.total + sum(s.total for s in self.segments)

    def kinds(self) -> Counter:
        found = Counter(self.before.kinds)
        for segment in self.segments:
            found.update(segment.kinds)
        return found


@dataclass
class Run:
    report: sweeps.SweepReport
    seconds: float
    queries: QueryCounter
    traced_peak: int | None
    maxrss_after: int
    delivery_requests: int

    @property
    def batch_segments(self) -> list[Segment]:
        """One segment per batch; the keyset read that finds nothing more is left out."""
        return self.queries.segments[: self.report.batches]

    @property
    def overhead(self) -> int:
        """Queries outside the batches: the calendar's closure days and the final, empty keyset read."""
        return self.queries.total - sum(s.total for s in self.batch_segments)


def measure(sweep: Callable[[], sweeps.SweepReport], *, trace_memory: bool) -> Run:
    counter = QueryCounter()
    requests = Counter()

    def request_delivery() -> None:
        requests["delivery"] += 1

    # Django keeps every query's SQL when DEBUG is on: off here, so the log does not count against memory. Asking a
    # worker to deliver is replaced by a counter: the benchmark measures the sweep, not the broker (and must not
    # queue thousands of e-mails in a real one).
    with (
        override_settings(DEBUG=False),
        mock.patch("workflows.outbox.request_delivery", request_delivery),
        connection.execute_wrapper(counter),
    ):
        if trace_memory:
            tracemalloc.start()
            tracemalloc.reset_peak()
        started = time.perf_counter()
        try:
            report = sweep()
        finally:
            seconds = time.perf_counter() - started
            traced_peak = tracemalloc.get_traced_memory()[1] if trace_memory else None
            if trace_memory:
                tracemalloc.stop()
    return Run(report, seconds, counter, traced_peak, maxrss_bytes(), requests["delivery"])


# --------------------------------------------------------------------------------------------------------------
# Seeding (bulk_create, not the services: a data generator for a benchmark, with no history to keep. Only what the
# sweep reads is made: people, roles, delegations, organisations, strategies with a submitted gate, and its seats.)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class World:
    organisations: list[Organisation]
    managers: dict[int, int]  # organisation id to the id of its commissioning manager (lead officer, submitter)


def spread(index: int, total: int, chosen: int) -> bool:
    """True for exactly `chosen` of the indexes 0..total-1, spread evenly (like Bresenham's line)."""
    return (index + 1) * chosen // total > index * chosen // total


def seed_people(today: dt.date) -> World:
    unusable = make_password(None)
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {n:02d}", code=f"{ORG_PREFIX}{n:02d}", kind=OrganisationKind.PROVIDER)
        for n in range(ORGANISATIONS)
    )
    users: list[User] = []
    holdings: list[tuple[User, Organisation, str]] = []
    managers: dict[Organisation, User] = {}
    directors: dict[Organisation, User] = {}

    def add(username: str, organisation: Organisation, role: str | None) -> User:
        user = User(
            username=f"{USER_PREFIX}{username}",
            first_name=username.split("-")[0].title(),
            last_name=f"Bench {organisation.code}",
            email=f"{username}@bench.example.org",
            password=unusable,
        )
        users.append(user)
        if role:
            holdings.append((user, organisation, role))
        return user

    for n, organisation in enumerate(organisations):
        managers[organisation] = add(f"manager-{n:02d}", organisation, Role.COMMISSIONING_MANAGER)
        directors[organisation] = add(f"director-{n:02d}", organisation, None)
        for r, role in enumerate(SEAT_ROLES):
            for h in range(1 + (n + r) % 3):  # one to three people hold each role at each organisation
                add(f"{role.replace('_', '')}{h}-{n:02d}", organisation, role)
    User.objects.bulk_create(users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(person=user, organisation=organisation, role=role, starts_on=dt.date(2020, 1, 1))
        for user, organisation, role in holdings
    )
    for organisation in organisations:
        organisation.escalation_contact = directors[organisation]
    Organisation.objects.bulk_update(organisations, ["escalation_contact"])
    # Every other organisation's first finance officer is away, with the director as deputy.
    finance_holders = {org: user for user, org, role in reversed(holdings) if role == Role.FINANCE}
    Delegation.objects.bulk_create(
        Delegation(
            principal=finance_holders[organisation],
            deputy=directors[organisation],
            starts_on=today - dt.timedelta(days=7),
            ends_on=today + dt.timedelta(days=7),
            created_by=finance_holders[organisation],
        )
        for organisation in organisations[::2]
    )
    return World(organisations, {org.pk: user.pk for org, user in managers.items()})


def seed_seats(world: World, *, seats: int, due: int, today: dt.date, calendar: WorkingCalendar) -> Iterator[int]:
    """Strategies with a submitted gate and SEATS_PER_GATE pending seats each; exactly `due` seats fall due by the
    sweep's horizon. Yields the number of seats written after each chunk."""
    before = settings.REMINDER_WORKING_DAYS_BEFORE
    due_dates = [calendar.add_working_days(today, offset) for offset in (*DUE_OFFSETS, *range(1, before + 1))]
    far_future = calendar.add_working_days(today, before + 60)
    strategy_type = ContentType.objects.get_for_model(Strategy)
    organisations = world.organisations
    submitted_at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=30), dt.time(10)))
    gates_needed = math.ceil(seats / SEATS_PER_GATE)
    seat_index = due_index = 0
    for first in range(0, gates_needed, CHUNK):
        numbers = range(first, min(first + CHUNK, gates_needed))
        strategies = Strategy.objects.bulk_create(
            Strategy(
                reference=f"{REFERENCE_PREFIX}{n:06d}",
                title=f"Bench strategy {n}",
                service_area=ServiceArea.CORPORATE,
                lead_organisation=organisations[n % len(organisations)],
                lead_officer_id=world.managers[organisations[n % len(organisations)].pk],
            )
            for n in numbers
        )
        # A gate's state is protected once loaded; passing it to the constructor is allowed.
        gates = Gate.objects.bulk_create(
            Gate(
                subject_type=strategy_type,
                subject_id=strategy.pk,
                stage=strategy.stage,
                cycle=1,
                title=f"Analyse gate, cycle 1: {strategy.title}",
                state=GateState.SUBMITTED,
                round=1,
                version=2,
                snapshot_hash="0" * 64,
                submitted_at=submitted_at,
                submitted_by_id=strategy.lead_officer_id,
            )
            for strategy in strategies
        )
        rows = []
        for n, gate in zip(numbers, gates, strict=True):
            lead = organisations[n % len(organisations)]
            partner = organisations[(n + 1) % len(organisations)]
            for organisation in (lead, partner):
                for role in SEAT_ROLES:
                    if seat_index == seats:
                        break
                    if spread(seat_index, seats, due):
                        due_on = due_dates[due_index % len(due_dates)]
                        due_index += 1
                    else:
                        due_on = far_future
                    rows.append(
                        Seat(
                            gate=gate,
                            round=1,
                            role=role,
                            organisation=organisation,
                            label=f"{Role(role).label}, {organisation.name}",
                            due_on=due_on,
                        )
                    )
                    seat_index += 1
        Seat.objects.bulk_create(rows)
        yield seat_index
    Strategy.objects.filter(reference__startswith=REFERENCE_PREFIX).update(
        current_gate=Subquery(
            Gate.objects.filter(subject_type=strategy_type, subject_id=OuterRef("pk"), cycle=1).values("pk")[:1]
        )
    )


def delete_in_chunks(queryset: models.QuerySet, size: int = 5000) -> int:
    deleted = 0
    while pks := list(queryset.values_list("pk", flat=True).order_by("pk")[:size]):
        deleted += queryset.model.objects.filter(pk__in=pks).delete()[1].get(queryset.model._meta.label, 0)
    return deleted


def clean_up() -> dict[str, int]:
    """Delete everything the benchmark seeded, and the outbox rows its sweeps wrote (none of it is append-only)."""
    strategy_type = ContentType.objects.get_for_model(Strategy)
    users = User.objects.filter(username__startswith=USER_PREFIX)
    strategies = Strategy.objects.filter(reference__startswith=REFERENCE_PREFIX)
    gate_ids = list(
        Gate.objects.filter(subject_type=strategy_type, subject_id__in=strategies.values("pk")).values_list(
            "pk", flat=True
        )
    )
    counts = {"outbox messages": delete_in_chunks(OutboxMessage.objects.filter(recipient__in=users))}
    counts["delegations"] = delete_in_chunks(Delegation.objects.filter(principal__in=users))
    counts["seats"] = delete_in_chunks(Seat.objects.filter(gate_id__in=gate_ids))
    counts["strategies"] = delete_in_chunks(strategies)
    counts["gates"] = delete_in_chunks(Gate.objects.filter(pk__in=gate_ids))
    counts["organisations"] = delete_in_chunks(Organisation.objects.filter(code__startswith=ORG_PREFIX))
    counts["people"] = delete_in_chunks(users)
    return counts


# --------------------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Benchmark the seat reminder sweep: seed --seats open seats (--due of them due), run the sweep twice, print "
        "reminders, seconds, queries and peak memory. Needs a database whose name contains 'bench'."
    )

    def add_arguments(self, parser):
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

    def handle(self, *args, seats, due, batch_size, keep, i_know, no_tracemalloc, **options):
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name.lower() and not i_know:
            raise CommandError(
                f"bench_sweeps writes and deletes tens of thousands of rows, so it runs only against a database whose "
                f"name contains 'bench'; this one is {connection.vendor} {name!r}. Point DATABASE_URL at one (for "
                f"example postgres://…/commissioning_bench), or pass --i-know."
            )
        if not 0 < due <= seats or batch_size < 1:
            raise CommandError("Need 0 < --due <= --seats and --batch-size >= 1.")
        today = SWEEP_DAY
        calendar = WorkingCalendar()
        if not calendar.is_working_day(today):  # a closure day set in the admin of this database
            raise CommandError(f"{today:%A %-d %B %Y} is a closure day in this database; the sweep would skip it.")

        if User.objects.filter(username__startswith=USER_PREFIX).exists():
            self.stdout.write(f"Removed rows left by an earlier --keep run: {self.describe(clean_up())}.")

        self.stdout.write(f"Seeding {seats:,} open seats ({due:,} due by {today:%A %-d %B %Y}) on {connection.vendor}")
        started = time.perf_counter()
        with transaction.atomic():
            world = seed_people(today)
            for written in seed_seats(world, seats=seats, due=due, today=today, calendar=calendar):
                self.stdout.write(f"  {written:,} seats")
        self.stdout.write(f"Seeded in {time.perf_counter() - started:.1f} s.")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a real database
        maxrss_seeded = maxrss_bytes()

        def sweep() -> sweeps.SweepReport:
            return sweeps.seat_reminders(today=today, batch_size=batch_size)

        try:
            # Timed runs without tracemalloc (it slows Python code two to three times), then the first run again,
            # traced, after emptying the outbox so it does the same work.
            self.stdout.write("Sweeping: first run, second run" + ("" if no_tracemalloc else ", traced re-run"))
            runs = {"first run": measure(sweep, trace_memory=False), "second run": measure(sweep, trace_memory=False)}
            outbox_rows = OutboxMessage.objects.filter(recipient__username__startswith=USER_PREFIX).count()
            if not no_tracemalloc:
                delete_in_chunks(OutboxMessage.objects.filter(recipient__username__startswith=USER_PREFIX))
                runs["traced re-run"] = measure(sweep, trace_memory=True)
        finally:
            if keep:
                self.stdout.write("Kept the seeded rows (--keep).")
            else:
                self.stdout.write(f"Deleted what the benchmark wrote: {self.describe(clean_up())}.")

        ok = self.print_results(
            runs,
            seats=seats,
            due=due,
            batch_size=batch_size,
            outbox_rows=outbox_rows,
            seeded=maxrss_seeded,
        )
        if not ok:
            raise CommandError("A benchmark check failed (see above).")

    @staticmethod
    def describe(counts: dict[str, int]) -> str:
        return ", ".join(f"{n:,} {what}" for what, n in counts.items())

    def print_results(self, runs: dict[str, Run], *, seats, due, batch_size, outbox_rows, seeded) -> bool:
        write = self.stdout.write
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
                    (traced.report.reminders, traced.report.messages)
                    == (first.report.reminders, first.report.messages),
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
