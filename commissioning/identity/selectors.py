"""Reads for signing in: the providers a sign-in page offers, and whether a person may use a password."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from commissioning.models import Organisation, RoleAssignment, User, active_on

from .models import ExternalIdentity, IdentityProvider, SignInPolicy


def providers_offered() -> QuerySet[IdentityProvider]:
    """The enabled providers, for the sign-in page's buttons, by name."""
    return IdentityProvider.objects.filter(enabled=True).select_related("organisation").order_by("name", "pk")


def password_off_organisation_ids() -> set[int]:
    """Organisations whose people may not sign in with a password: switched off in the admin or by the
    PASSWORD_SIGN_IN_OFF_FOR setting (organisation codes)."""
    off = set(SignInPolicy.objects.filter(password_sign_in=False).values_list("organisation_id", flat=True))
    codes = [code.upper() for code in settings.PASSWORD_SIGN_IN_OFF_FOR]
    if codes:
        off |= set(Organisation.objects.filter(code__in=codes).values_list("pk", flat=True))
    return off


def organisation_ids_of(person: User) -> set[int]:
    """Where the person belongs: organisations where they hold a role today, or whose provider they sign in with."""
    held = RoleAssignment.objects.filter(active_on(timezone.localdate()), person=person)
    ids = set(held.values_list("organisation_id", flat=True))
    ids |= set(ExternalIdentity.objects.filter(person=person).values_list("provider__organisation_id", flat=True))
    return ids


def password_sign_in_allowed(person: User) -> bool:
    """False when any organisation the person belongs to has switched password sign-in off. Superusers keep it:
    they are the break-glass path when an identity provider is down (README: "Signing in")."""
    if person.is_superuser:
        return True
    off = password_off_organisation_ids()
    return not (off and off & organisation_ids_of(person))


def password_sign_in_offered() -> bool:
    """Whether the sign-in page shows the password form: unless every organisation with people has switched it
    off (the break-glass administrator then signs in at /admin/login/)."""
    off = password_off_organisation_ids()
    if not off:
        return True
    with_people = Organisation.objects.filter(
        Q(role_assignments__isnull=False) | Q(identity_providers__isnull=False)
    ).values_list("pk", flat=True)
    return bool(set(with_people) - off)
