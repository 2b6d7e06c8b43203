"""A person's sign-off queue (the seats waiting for them, as themselves or as a deputy) and their agreed actions
falling due: a constant number of queries however long the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from workflows.models import Action, ActionState, Decision, Delegation, GateState, Seat, SeatState

from ..models import RoleAssignment, Strategy, active_on


@dataclass(frozen=True)
class Authority:
    """Whose authority a person may decide seats with today: their own, and that of everyone who has named them
    deputy (`delegations`, with their principals); and the roles each of those people holds today."""

    user: object
    delegations: list
    holds: dict[int, set[tuple[str, int]]]  # person id -> (role, organisation id) held today
    active: frozenset[int]  # those of them whose accounts are active

    @property
    def principals(self) -> list[int]:
        return [self.user.pk, *(d.principal_id for d in self.delegations)]

    def can(self, person_id: int, seat: Seat) -> bool:
        """The same rule as workflows.services.seat_principal_for, on what is already loaded."""
        if seat.person_id is not None:
            return seat.person_id == person_id
        return person_id in self.active and (seat.role, seat.organisation_id) in self.holds.get(person_id, set())


def authority_of(user) -> Authority:
    """Two queries: the person's active delegations with their principals, and the roles they all hold today."""
    today = timezone.localdate()
    delegations = list(
        Delegation.objects.filter(deputy=user, revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today)
        .select_related("principal")
        .order_by("pk")
    )
    people = [user.pk, *(d.principal_id for d in delegations)]
    holds: dict[int, set[tuple[str, int]]] = {pk: set() for pk in people}
    active = set()
    rows = RoleAssignment.objects.filter(person_id__in=people).filter(active_on(today))
    for person_id, role, organisation_id, is_active in rows.values_list(
        "person_id", "role", "organisation_id", "person__is_active"
    ):
        holds[person_id].add((role, organisation_id))
        if is_active:
            active.add(person_id)
    return Authority(user, delegations, holds, frozenset(active))


def seats_awaiting(user, authority: Authority | None = None) -> QuerySet[Seat]:
    """Pending seats of submitted gates that `user` may decide, in their own right or as an active deputy.

    Soonest due first. Seats already decided with the same authority (a panel member who has voted) are left out.
    The seats held by role are asked for role by role (organisation and role), so the database reads them through
    the index on (role, organisation, state), not every pending seat."""
    authority = authority or authority_of(user)
    principals = authority.principals
    who = Q(person_id__in=principals)
    held = sorted(set().union(*authority.holds.values()))
    if held:
        by_role = Q()
        for role, organisation_id in held:
            by_role |= Q(role=role, organisation_id=organisation_id)
        who |= Q(person__isnull=True) & by_role
    decided = Decision.objects.filter(seat_id=OuterRef("pk"), principal_id__in=principals)
    return (
        Seat.objects.filter(state=SeatState.PENDING, gate__state=GateState.SUBMITTED)
        .filter(who)
        .exclude(Exists(decided))
        .exclude(gate__submitted_by_id=user.pk)
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


def signoff_queue_counts(user, authority: Authority | None = None) -> QueueCounts:
    """How many seats wait for the person, how many of them are overdue and how many are key decisions: one query
    (with the person's `authority_of`), however long the queue."""
    today = timezone.localdate()
    counts = seats_awaiting(user, authority).aggregate(
        waiting=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        key_decisions=Count("pk", filter=Q(gate__key_decision=True)),
    )
    return QueueCounts(**counts)


def signoff_queue_for(
    user, *, offset: int = 0, limit: int | None = None, authority: Authority | None = None
) -> list[QueueRow]:
    """`seats_awaiting(user)` (soonest due first, from `offset`, at most `limit`) with each seat's strategy and, for a
    deputy, the principal: one query with the person's `authority_of`."""
    today = timezone.localdate()
    authority = authority or authority_of(user)
    current = Strategy.objects.filter(current_gate_id=OuterRef("gate_id"))
    awaiting = seats_awaiting(user, authority).annotate(
        strategy_reference=Subquery(current.values("reference")[:1]),
        strategy_title=Subquery(current.values("title")[:1]),
    )
    seats = list(awaiting[offset : offset + limit] if limit is not None else awaiting[offset:])
    rows = []
    for seat in seats:
        principal = None
        if not authority.can(user.pk, seat):  # as workflows.services.seat_principal_for: own authority first
            principal = next((d.principal for d in authority.delegations if authority.can(d.principal_id, seat)), None)
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
