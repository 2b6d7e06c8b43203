"""Reads that pages and the API share, always scoped to what the person may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from workflows.models import (
    Action,
    ActionState,
    Decision,
    DecisionOutcome,
    Delegation,
    GateState,
    Notification,
    Seat,
    SeatState,
)

from .models import Evidence, EvidenceStatus, RoleAssignment, Strategy, StrategyPartner, active_on


def roles_of(user) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(person=user)
        .filter(active_on(timezone.localdate()))
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


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


def strategies_led_by(user) -> QuerySet[Strategy]:
    return (
        Strategy.objects.filter(lead_officer=user)
        .select_related("lead_organisation", "current_gate")
        .order_by("stage", "reference")
    )


def organisations_of(user):
    """Ids of the organisations where `user` holds a role today, as a subquery."""
    return RoleAssignment.objects.filter(person=user).filter(active_on(timezone.localdate())).values("organisation_id")


def strategies_visible_to(user) -> QuerySet[Strategy]:
    """Strategies led by an organisation where the person holds a role, or to which such an organisation is party.

    One query however it is used: the person's organisations are a subquery. Administrators see every strategy.
    """
    if user.is_superuser:
        return Strategy.objects.all()
    organisations = organisations_of(user)
    party = StrategyPartner.objects.filter(strategy=OuterRef("pk"), organisation_id__in=organisations)
    return Strategy.objects.filter(Q(lead_organisation_id__in=organisations) | Exists(party))


# --------------------------------------------------------------------------------------------------------------
# The home page: a person's sign-off queue and what needs them, a constant number of queries however many rows.
# --------------------------------------------------------------------------------------------------------------


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


def organisation_ids_for_roles(roles, wanted) -> set[int]:
    """From a person's role assignments (already fetched), the organisations where they hold one of `wanted`."""
    return {assignment.organisation_id for assignment in roles if assignment.role in wanted}


def missing_evidence_counts(strategies) -> dict[int, int]:
    """Strategy id to how many required items of its current stage's evidence are not complete (one query)."""
    ids = [strategy.pk for strategy in strategies]
    if not ids:
        return {}
    rows = (
        Evidence.objects.filter(
            strategy_id__in=ids, required=True, cycle=F("strategy__cycle"), stage=F("strategy__stage")
        )
        .exclude(status=EvidenceStatus.COMPLETE)
        .values("strategy_id")
        .annotate(missing=Count("pk"))
        .order_by()
    )
    return {row["strategy_id"]: row["missing"] for row in rows}


def rejections_of(gate_ids) -> dict[int, list[Decision]]:
    """Gate id to the rejecting decisions of its current round, with who made them (one query)."""
    result: dict[int, list[Decision]] = {}
    if not gate_ids:
        return result
    decisions = (
        Decision.objects.filter(gate_id__in=gate_ids, outcome=DecisionOutcome.REJECT, seat__round=F("gate__round"))
        .select_related("seat", "actor", "on_behalf_of")
        .order_by("decided_at", "pk")
    )
    for decision in decisions:
        result.setdefault(decision.gate_id, []).append(decision)
    return result


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


def call_in_windows_for(organisation_ids) -> QuerySet[Strategy]:
    """Strategies led by these organisations whose key decision is in its call-in window or has been called in."""
    return (
        Strategy.objects.filter(
            lead_organisation_id__in=organisation_ids,
            current_gate__state__in=[GateState.CALL_IN, GateState.CALLED_IN],
        )
        .select_related("current_gate", "lead_organisation")
        .order_by("current_gate__call_in_ends_at", "reference")
    )


def partner_strategies_for(organisation_ids) -> QuerySet[Strategy]:
    """Strategies to which one of these organisations is party, with their current gates."""
    party = StrategyPartner.objects.filter(strategy=OuterRef("pk"), organisation_id__in=organisation_ids)
    return (
        Strategy.objects.filter(Exists(party)).select_related("current_gate", "lead_organisation").order_by("reference")
    )


def current_seats_of(organisation_ids, gate_ids) -> QuerySet[Seat]:
    """The current round's seats held by these organisations on these gates (superseded seats left out)."""
    return (
        Seat.objects.filter(organisation_id__in=organisation_ids, gate_id__in=gate_ids, round=F("gate__round"))
        .exclude(state=SeatState.SUPERSEDED)
        .select_related("organisation")
        .order_by("due_on", "pk")
    )


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def holds_any_role(user, organisation_id: int, roles) -> bool:
    """True when an active `user` holds one of `roles` at the organisation today (one query)."""
    if user is None or not user.is_active:
        return False
    return (
        RoleAssignment.objects.filter(person=user, organisation_id=organisation_id, role__in=list(roles))
        .filter(active_on(timezone.localdate()))
        .exists()
    )
