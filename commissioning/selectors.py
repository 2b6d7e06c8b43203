"""Reads that pages and the API share, always scoped to what the person may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from workflows.models import Delegation, GateState, Seat, SeatState

from .models import RoleAssignment, Strategy, StrategyPartner, active_on


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
