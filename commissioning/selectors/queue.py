"""A person's sign-off queue (the seats waiting for them, as themselves or as a deputy) and their agreed actions
falling due: a constant number of queries however long the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from workflows.models import Action, ActionState, Delegation, GateState, Seat, SeatState

from ..models import RoleAssignment, Strategy, active_on


def seats_awaiting(user) -> QuerySet[Seat]:
    """Pending seats of submitted gates that `user` may decide, in their own right or as an active deputy.

    Soonest due first. Seats already decided with the same authority (a panel member who has voted) are left out.
    """
    today = timezone.localdate()
    principals = [
        user.pk,
        *Delegation.objects.filter(
            deputy=user, revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today
        ).values_list("principal_id", flat=True),
    ]
    holds = RoleAssignment.objects.filter(
        person_id__in=principals, role=OuterRef("role"), organisation_id=OuterRef("organisation_id")
    ).filter(active_on(today))
    return (
        Seat.objects.filter(state=SeatState.PENDING, gate__state=GateState.SUBMITTED)
        .filter(Q(person_id__in=principals) | (Q(person__isnull=True) & Exists(holds)))
        .exclude(decisions__principal_id__in=principals)
        .exclude(gate__submitted_by=user)
        .select_related("gate", "organisation")
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class QueueRow:
    """One seat waiting for the person, with the strategy it belongs to and whose authority they would use."""

    seat: Seat
    strategy_reference: str | None
    strategy_title: str | None
    on_behalf_of: object | None  # the principal when the person would decide as a deputy
    overdue: bool

    @property
    def key_decision(self) -> bool:
        return self.seat.gate.key_decision


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    overdue: int
    key_decisions: int


def signoff_queue_counts(user) -> QueueCounts:
    """How many seats wait for the person, how many of them are overdue and how many are key decisions: one query,
    however long the queue."""
    today = timezone.localdate()
    counts = seats_awaiting(user).aggregate(
        waiting=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        key_decisions=Count("pk", filter=Q(gate__key_decision=True)),
    )
    return QueueCounts(**counts)


def signoff_queue_for(user, *, offset: int = 0, limit: int | None = None) -> list[QueueRow]:
    """`seats_awaiting(user)` (soonest due first, from `offset`, at most `limit`) with each seat's strategy and, for a
    deputy, the principal: five queries in all."""
    today = timezone.localdate()
    current = Strategy.objects.filter(current_gate_id=OuterRef("gate_id"))
    awaiting = seats_awaiting(user).annotate(
        strategy_reference=Subquery(current.values("reference")[:1]),
        strategy_title=Subquery(current.values("title")[:1]),
    )
    seats = list(awaiting[offset : offset + limit] if limit is not None else awaiting[offset:])
    if not seats:
        return []
    delegations = list(
        Delegation.objects.filter(deputy=user, revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today)
        .select_related("principal")
        .order_by("pk")
    )
    people = {user.pk: user} | {d.principal_id: d.principal for d in delegations}
    holds: dict[int, set[tuple[str, int]]] = {pk: set() for pk in people}
    for person_id, role, organisation_id in (
        RoleAssignment.objects.filter(person_id__in=people, person__is_active=True)
        .filter(active_on(today))
        .values_list("person_id", "role", "organisation_id")
    ):
        holds[person_id].add((role, organisation_id))

    def can(person_id: int, seat: Seat) -> bool:
        if seat.person_id is not None:
            return seat.person_id == person_id
        return (seat.role, seat.organisation_id) in holds[person_id]

    rows = []
    for seat in seats:
        principal = None
        if not can(user.pk, seat):  # the same order as workflows.services.seat_principal_for: own authority first
            principal = next((d.principal for d in delegations if can(d.principal_id, seat)), None)
        rows.append(
            QueueRow(
                seat=seat,
                strategy_reference=seat.strategy_reference,
                strategy_title=seat.strategy_title,
                on_behalf_of=principal,
                overdue=seat.due_on < today,
            )
        )
    return rows


def actions_due_for(user, *, within_days: int = 7) -> QuerySet[Action]:
    """Open actions the person owns that are overdue or due within `within_days`, soonest first, each with the
    reference of the strategy it belongs to."""
    today = timezone.localdate()
    reference = Strategy.objects.filter(pk=OuterRef("gate__subject_id")).values("reference")[:1]
    return (
        Action.objects.filter(
            owner=user,
            state=ActionState.OPEN,
            due_on__lte=today + dt.timedelta(days=within_days),
            gate__subject_type__app_label="commissioning",
            gate__subject_type__model="strategy",
        )
        .annotate(strategy_reference=Subquery(reference))
        .select_related("gate")
        .order_by("due_on", "pk")
    )


def open_actions_of(person) -> QuerySet[Action]:
    """Every open action the person owns, soonest due first, with its gate."""
    return Action.objects.filter(owner=person, state=ActionState.OPEN).select_related("gate").order_by("due_on", "pk")
