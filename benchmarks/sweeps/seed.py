"""Seeding what the sweep reads, in bulk (bulk_create, not the services: no history to keep): organisations,
people and roles, delegations, strategies with a submitted gate, and their seats, exactly so many of them due; and
deleting it all again."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from benchmarks.world import unsaved_person
from commissioning.models import Organisation, OrganisationKind, Role, RoleAssignment, ServiceArea, Strategy, User
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
        user = unsaved_person(f"{USER_PREFIX}{username}", password=unusable, email_domain="bench.example.org")
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
