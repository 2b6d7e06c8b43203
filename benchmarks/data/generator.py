"""The generator: its state and shared helpers (`Generator`, which plans with `PeoplePlanner` and `StrategyPlanner`
and builds with `HistoryBuilder`, `GateBuilder` and `SeatBuilder`), and the entry point, `generate`, that fills an
empty database in one transaction and returns what a benchmark needs (`BenchData`)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from knox.models import AuthToken

from commissioning import selectors
from commissioning.models import CYCLE_STAGES, Evidence, EvidenceTemplate, Organisation, Strategy, User
from commissioning.services import organisations
from workflows.models import Action, AuditEvent, Decision, Delegation, Gate, Seat

from .gates import GateBuilder
from .history import HistoryBuilder
from .people import PeoplePlanner
from .plan import Org, Policies, StrategyPlan, days
from .seats import SeatBuilder
from .strategies import StrategyPlanner
from .targets import (
    BENCH_PASSWORD,
    DEFAULT_SEED,
    MEMBER_USERNAME,
    MIN_ORGANISATIONS,
    OFFICER_USERNAME,
    PARTNER_USERNAME,
    USER_PREFIX,
    BenchData,
    BenchDataError,
    Targets,
)
from .vocabulary import EMPTY
from .writer import TABLE_KEYS, WRITE_ORDER, Ids, Writer, check_columns


class Generator(PeoplePlanner, StrategyPlanner, HistoryBuilder, GateBuilder, SeatBuilder):
    def __init__(self, targets: Targets, *, seed: int, log: Callable[[str], None]) -> None:
        self.t = targets
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        self.log = log
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate(self.now)
        self.ids = Ids()
        self.policies = Policies()
        self.templates = {
            stage: list(
                EvidenceTemplate.objects.filter(stage=stage, active=True)
                .order_by("position", "pk")
                .values_list("pk", "code", "title", "required", "position")
            )
            for stage in CYCLE_STAGES
        }
        self.ct = {
            model: ContentType.objects.get_for_model(model).pk
            for model in (Strategy, Gate, Seat, Decision, Evidence, Action, Delegation)
        }
        self.rows: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self.events: list[tuple] = []
        self.seq = 0
        self.names: dict[int, str] = {}  # user id -> full name (str(user))
        self.orgs: list[Org] = []
        self.orgs_by_id: dict[int, Org] = {}
        self.regions: list[dict[str, list[Org]]] = []
        self.plans: list[StrategyPlan] = []
        self.windows: list[tuple] = []  # (start, end, strategy, officer, evidence items) where edits happen
        self.strategy_rows: dict[int, list] = {}
        self.strategy_events: Counter = Counter()
        self.strategy_last: dict[int, dt.datetime] = {}
        self.imported = 0
        self.actors: dict[str, str] = {}  # well-known username -> role
        self.call_in_ends: dict[tuple[dt.date, int], dt.datetime] = {}

    # Helpers ---------------------------------------------------------------------------------------------------

    def local_date(self, moment: dt.datetime) -> dt.date:
        return timezone.localtime(moment).date()

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = max((end - start).total_seconds(), 0)
        return start + dt.timedelta(seconds=round(self.rng.random() * span))

    def spaced(self, start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
        return sorted(self.between(start, end) for _ in range(n))

    def event(
        self,
        at: dt.datetime,
        object_type: int,
        object_id: int,
        object_repr: str,
        transition: str,
        *,
        strategy: int | None,
        actor: int | None,
        on_behalf_of: int | None = None,
        from_state: str = "",
        to_state: str = "",
        reason: str = "",
        snapshot_hash: str = "",
        data: dict = EMPTY,
    ) -> None:
        self.seq += 1
        self.events.append(
            (
                at,
                self.seq,
                actor,
                on_behalf_of,
                object_type,
                object_id,
                object_repr[:300],
                strategy,
                transition,
                from_state,
                to_state,
                reason,
                snapshot_hash,
                data,
            )
        )
        if strategy is not None:
            self.strategy_events[strategy] += 1
            if at > self.strategy_last.get(strategy, at - days(1)):
                self.strategy_last[strategy] = at

    def build(self) -> None:
        for plan in self.plans:
            self.build_strategy(plan)


def check_empty() -> None:
    """Refuse a database that already has strategies or benchmark rows: the generator only fills an empty one."""
    strategies = Strategy.objects.count()
    clashes = User.objects.filter(username__startswith=USER_PREFIX).count()
    if strategies or clashes:
        found = ", ".join(
            part
            for part in (
                f"{strategies:,} strategies" if strategies else "",
                f"{clashes:,} people named {USER_PREFIX}…" if clashes else "",
            )
            if part
        )
        raise BenchDataError(
            f"This database ({connection.vendor} {connection.settings_dict['NAME']!r}) already has {found}. "
            "The benchmark data generator only fills an empty database, and the audit trail it writes is append-only "
            "(it cannot be deleted), so it never clears one: create a fresh database and migrate it, for example\n"
            "  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE commissioning_bench'\n"
            "  DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/commissioning_bench "
            "python manage.py migrate\n"
            "and run `python -m benchmarks data` there."
        )


def generate(
    scale: float | None = 1.0,
    *,
    seed: int = DEFAULT_SEED,
    targets: Targets | None = None,
    log: Callable[[str], None] | None = None,
) -> BenchData:
    """Fill an empty, migrated database with benchmark data at `scale` (or exact `targets`) in one transaction, and
    return the well-known actors, a fresh API token for the benchmark partner, and the counts."""
    log = log or (lambda line: None)
    if targets is None:
        targets = Targets.for_scale(scale)
    else:
        scale = None
    if targets.organisations < MIN_ORGANISATIONS or targets.strategies < 1:
        raise BenchDataError(f"Need at least {MIN_ORGANISATIONS} organisations and one strategy.")
    check_columns()
    started = time.perf_counter()
    phases: dict[str, float] = {}

    def done(phase: str, since: float, detail: str = "") -> float:
        now = time.perf_counter()
        phases[phase] = round(now - since, 2)
        log(f"  {phase:<20} {detail:>14} {now - since:7.2f} s")
        return now

    with transaction.atomic():
        check_empty()
        log(
            f"Generating on {connection.vendor} {connection.settings_dict['NAME']!r} (seed {seed}): "
            f"{targets.organisations:,} organisations, {targets.strategies:,} strategies, {targets.seats:,} seats, "
            f"{targets.audit_events:,} audit events"
        )
        step = time.perf_counter()
        gen = Generator(targets, seed=seed, log=log)
        gen.plan_organisations()
        gen.plan_people()
        gen.plan_strategies()
        gen.ensure_member_queue()
        gen.balance_seats()
        step = done("plan", step, f"{gen.imported:,} imported")
        gen.build()
        gen.fill_audit_trail()
        gen.finish_strategies()
        step = done("build rows", step, f"{sum(len(r) for r in gen.rows.values()) + len(gen.events):,} rows")
        audit_rows = gen.audit_rows()
        step = done("order audit trail", step)
        writer = Writer(log)
        for model in WRITE_ORDER:
            writer.write(model, audit_rows if model is AuditEvent else gen.rows.pop(model, []))
        gen.events = []
        step = time.perf_counter()
        organisations.start_audience_counters()  # what the services keep as they write, from the rows written
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), WRITE_ORDER):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a real database
        step = done("sequences, ANALYZE", step)

        from commissioning.management.commands.api_token import service_account

        partner_org = Organisation.objects.get(pk=gen.partner.id)
        account = service_account(partner_org)
        _, token = AuthToken.objects.create(user=account)
        member = User.objects.get(username=MEMBER_USERNAME)
        officer = User.objects.get(username=OFFICER_USERNAME)
        waiting = selectors.seats_awaiting(member).count()
        visible = selectors.strategies_visible_to(account).count()
        led = Strategy.objects.filter(lead_officer=officer).count()
        counts = {key: model._default_manager.count() for model, key in TABLE_KEYS.items()}
        counts["api_tokens"] = AuthToken.objects.filter(user=account).count()
        step = done("token and counts", step)
    done("commit", step, "(deferred FKs)" if connection.vendor == "postgresql" else "")
    seconds = {**phases, **writer.seconds, "total": round(time.perf_counter() - started, 2)}
    council = gen.council
    return BenchData(
        scale=scale,
        seed=seed,
        database_vendor=connection.vendor,
        database_name=str(connection.settings_dict["NAME"]),
        generated_at=gen.now.isoformat(),
        password=BENCH_PASSWORD,
        member_username=MEMBER_USERNAME,
        member_password=BENCH_PASSWORD,
        member_id=member.pk,
        officer_username=OFFICER_USERNAME,
        officer_password=BENCH_PASSWORD,
        officer_id=officer.pk,
        partner_username=PARTNER_USERNAME,
        partner_password=BENCH_PASSWORD,
        partner_organisation_id=partner_org.pk,
        partner_organisation_code=partner_org.code,
        partner_organisation_name=partner_org.name,
        partner_service_account=account.username,
        api_token=token,
        council_organisation_id=council.id,
        council_organisation_code=council.code,
        council_organisation_name=council.name,
        actors=dict(sorted(gen.actors.items())),
        member_waiting_seats=waiting,
        officer_led_strategies=led,
        partner_visible_strategies=visible,
        imported_strategies=gen.imported,
        targets=asdict(targets),
        counts=counts,
        seconds=seconds,
    )
