"""Who a person is here: their roles and organisations today, whether they hold a role, who they may name as a
deputy or a condition's owner, and their unread notifications."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from workflows.models import Notification

from ..models import OFFICER_ROLES, Organisation, RoleAssignment, User, active_on


def roles_of(user) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(person=user)
        .filter(active_on(timezone.localdate()))
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def organisations_of(user):
    """Ids of the organisations where `user` holds a role today, as a subquery."""
    return RoleAssignment.objects.filter(person=user).filter(active_on(timezone.localdate())).values("organisation_id")


def organisation_ids_for_roles(roles, wanted) -> set[int]:
    """From a person's role assignments (already fetched), the organisations where they hold one of `wanted`."""
    return {assignment.organisation_id for assignment in roles if assignment.role in wanted}


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


def condition_owners(strategy) -> QuerySet[User]:
    """Who may own a condition of approval: active people holding a role today at the lead organisation or a
    partner of the strategy."""
    organisations = [strategy.lead_organisation_id, *strategy.partner_links.values_list("organisation_id", flat=True)]
    holders = RoleAssignment.objects.filter(organisation_id__in=organisations).filter(active_on(timezone.localdate()))
    return User.objects.filter(is_active=True, pk__in=holders.values("person_id")).order_by(
        "first_name", "last_name", "username"
    )


def possible_deputies(user) -> QuerySet[User]:
    """Active people, other than the person, holding a role today at one of the person's organisations."""
    holders = RoleAssignment.objects.filter(organisation_id__in=organisations_of(user)).filter(
        active_on(timezone.localdate())
    )
    return (
        User.objects.filter(is_active=True, pk__in=holders.values("person_id"))
        .exclude(pk=user.pk)
        .order_by("first_name", "last_name", "username")
    )


def officer_organisations(user):
    """Organisations where `user` is a commissioning officer or manager today."""
    held = RoleAssignment.objects.filter(person=user, role__in=OFFICER_ROLES).filter(active_on(timezone.localdate()))
    return Organisation.objects.filter(pk__in=held.values("organisation_id")).order_by("name")


def officers_at(organisations):
    held = RoleAssignment.objects.filter(organisation__in=organisations, role__in=OFFICER_ROLES).filter(
        active_on(timezone.localdate())
    )
    return User.objects.filter(pk__in=held.values("person_id")).order_by("first_name", "last_name", "username")


def personal_tokens_of(person):
    """The person's own API tokens, newest first (their keys and dates: the secrets are never kept)."""
    from knox.models import AuthToken

    return AuthToken.objects.filter(user=person).order_by("-created")
