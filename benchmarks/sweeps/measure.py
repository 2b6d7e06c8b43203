"""Measuring one run of the sweep: its SQL queries by kind and by batch, its seconds and its memory."""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from unittest import mock

from django.db import connection
from django.test.utils import override_settings

from workflows import sweeps
from workflows.models import Seat


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MB"


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


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
