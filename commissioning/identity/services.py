"""Every write of signing in, each in one transaction and audited where it changes what a person may do.

A person is found by the ID token's issuer and subject. The first time, an e-mail address links them to an existing
account (once, only when the provider has verified it and its domain is one the provider's organisation owns), or
creates one where the provider allows it. Roles are this product's: a token's app roles or groups grant a role only
through a mapping an administrator made, and a role granted that way ends when a later sign-in no longer carries it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from commissioning.models import Organisation, RoleAssignment, User, active_on
from workflows.transitions import audit

from .models import (
    ClaimKind,
    ClaimRoleMapping,
    EmailDomain,
    ExternalIdentity,
    IdentityProvider,
    MappedRole,
    SignInPolicy,
    email_domain_of,
)
from .refusals import Reason, SignInRefused

log = logging.getLogger(__name__)

TRUE_VALUES = (True, "true", "True", 1)


def sso_sign_in(*, provider: IdentityProvider, claims: dict) -> User:
    """The person the checked ID token names: found by issuer and subject, or linked (or created) by a verified
    e-mail address; their mapped roles brought up to date. Raises SignInRefused, changing nothing, when refused."""
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    now = timezone.now()
    with transaction.atomic():
        identity = (
            ExternalIdentity.objects.select_for_update()
            .select_related("person")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            identity = _link(provider=provider, claims=claims, issuer=issuer, subject=subject, now=now)
        person = identity.person
        if not person.is_active:
            raise SignInRefused(Reason.DISABLED, f"{person.username} is not active")
        identity.last_sign_in_at = now
        identity.save(update_fields=["last_sign_in_at"])
        _sync_mapped_roles(person=person, provider=provider, claims=claims)
    return person


def _link(*, provider: IdentityProvider, claims: dict, issuer: str, subject: str, now) -> ExternalIdentity:
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SignInRefused(Reason.CLAIMS, "no email claim to link an account with")
    if claims.get(provider.email_verified_claim) not in TRUE_VALUES:
        raise SignInRefused(Reason.EMAIL_UNVERIFIED, f"{provider.email_verified_claim} is not true for {email}")
    domain = email_domain_of(email)
    if not EmailDomain.objects.filter(organisation_id=provider.organisation_id, domain=domain).exists():
        raise SignInRefused(Reason.EMAIL_DOMAIN, f"{domain!r} is not owned by {provider.organisation.code}")
    candidates = list(User.objects.select_for_update().filter(email__iexact=email).order_by("pk")[:2])
    if len(candidates) > 1:
        raise SignInRefused(Reason.NO_ACCOUNT, f"several accounts have the address {email}")
    if candidates:
        person = candidates[0]
        if not person.is_active:
            raise SignInRefused(Reason.DISABLED, f"{person.username} is not active")
        if ExternalIdentity.objects.filter(person=person, provider=provider).exists():
            raise SignInRefused(
                Reason.ALREADY_LINKED, f"{person.username} is linked to another {provider.slug} subject"
            )
    elif provider.create_accounts:
        person = _create_person(provider=provider, claims=claims, email=email)
    else:
        raise SignInRefused(Reason.NO_ACCOUNT, f"no account has the address {email}")
    identity = ExternalIdentity.objects.create(
        person=person, provider=provider, issuer=issuer, subject=subject, email_at_link=email, linked_at=now
    )
    audit(
        identity,
        transition="identity_link",
        actor=person,
        reason=f"Linked by the verified address {email} at the first sign-in with {provider.name}.",
        data={"provider": provider.slug, "issuer": issuer},
    )
    return identity


def _create_person(*, provider: IdentityProvider, claims: dict, email: str) -> User:
    username = email.lower()[:150]
    if User.objects.filter(username=username).exists():
        raise SignInRefused(Reason.NO_ACCOUNT, f"the username {username} is taken by an account with another address")
    person = User.objects.create_user(
        username=username,
        email=email,
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
    )  # no password: this person signs in through the provider only
    audit(
        person,
        transition="account_create",
        actor=None,
        reason=f"Created at the first sign-in with {provider.name} ({email}).",
        data={"provider": provider.slug},
    )
    return person


def _claim_values(claims: dict, name: str) -> set[str] | None:
    """The claim's values; None when the provider left them out for being too many (Entra ID's groups overage)."""
    if name not in claims and name in (claims.get("_claim_names") or {}):
        return None
    value = claims.get(name)
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return {str(value)} if value else set()


def _sync_mapped_roles(*, person: User, provider: IdentityProvider, claims: dict) -> None:
    mappings = list(provider.mappings.all())
    if not mappings:
        return
    present = {
        ClaimKind.ROLES: _claim_values(claims, provider.roles_claim),
        ClaimKind.GROUPS: _claim_values(claims, provider.groups_claim),
    }
    if present[ClaimKind.GROUPS] is None:
        log.warning("%s: too many groups for the token; group mappings left as they were for %s", provider, person)
    today = timezone.localdate()
    wanted = [m for m in mappings if present[m.claim] is not None and m.value in present[m.claim]]
    for mapping in wanted:
        _grant(person=person, mapping=mapping, today=today)
    wanted_keys = {(m.target_organisation_id, m.role) for m in wanted}
    grants = MappedRole.objects.filter(assignment__person=person, mapping__provider=provider).select_related(
        "assignment", "mapping"
    )
    for grant in grants.order_by("pk"):
        assignment = grant.assignment
        unknown = present[grant.mapping.claim] is None
        if unknown or (assignment.organisation_id, assignment.role) in wanted_keys:
            continue
        _end(grant=grant, provider=provider, today=today)


def _grant(*, person: User, mapping: ClaimRoleMapping, today: dt.date) -> None:
    organisation_id = mapping.target_organisation_id
    assignment = (
        RoleAssignment.objects.select_for_update()
        .filter(person=person, organisation_id=organisation_id, role=mapping.role)
        .first()
    )
    if assignment is not None and RoleAssignment.objects.filter(active_on(today), pk=assignment.pk).exists():
        return  # held already (given in the admin, or by this or another mapping): nothing to do
    if assignment is None:
        assignment = RoleAssignment.objects.create(
            person=person, organisation_id=organisation_id, role=mapping.role, starts_on=today
        )
    else:  # held once and ended (or not started): it runs from today again
        assignment.starts_on, assignment.ends_on = min(assignment.starts_on, today), None
        assignment.save(update_fields=["starts_on", "ends_on"])
    MappedRole.objects.update_or_create(
        assignment=assignment, defaults={"mapping": mapping, "granted_at": timezone.now()}
    )
    audit(
        assignment,
        transition="role_grant",
        actor=None,
        to_state="held",
        reason=f"Granted at sign-in: {mapping.provider.name} says {mapping.get_claim_display().lower()} "
        f"{mapping.value!r}, which an administrator mapped to this role.",
        data={"provider": mapping.provider.slug, "claim": mapping.claim, "value": mapping.value},
    )


def _end(*, grant: MappedRole, provider: IdentityProvider, today: dt.date) -> None:
    assignment = grant.assignment
    if assignment.ends_on is not None and assignment.ends_on < today:
        grant.delete()
        return
    audit(
        assignment,
        transition="role_end",
        actor=None,
        from_state="held",
        to_state="ended",
        reason=f"Ended at sign-in: {provider.name} no longer says {grant.mapping.get_claim_display().lower()} "
        f"{grant.mapping.value!r}.",
        data={"provider": provider.slug, "claim": grant.mapping.claim, "value": grant.mapping.value},
    )
    if assignment.starts_on < today:
        assignment.ends_on = today - dt.timedelta(days=1)
        assignment.save(update_fields=["ends_on"])
        grant.delete()
    else:
        assignment.delete()  # began today: nothing to keep (the grant goes with it)


def password_sign_in_set(*, actor: User, organisation_id: int, allowed: bool) -> SignInPolicy:
    """Allow or forbid password sign-in for an organisation's people; audited."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        policy, _ = SignInPolicy.objects.select_for_update().get_or_create(organisation=organisation)
        before = policy.password_sign_in
        policy.password_sign_in = allowed
        policy.save(update_fields=["password_sign_in"])
        if before != allowed:
            audit(
                policy,
                transition="password_sign_in_on" if allowed else "password_sign_in_off",
                actor=actor,
                from_state="allowed" if before else "off",
                to_state="allowed" if allowed else "off",
            )
    return policy


def identity_unlink(*, actor: User, identity_id: int) -> None:
    """Remove a person's link to a provider account (their next sign-in links again by e-mail); audited."""
    with transaction.atomic():
        identity = ExternalIdentity.objects.select_for_update().select_related("provider").get(pk=identity_id)
        audit(
            identity,
            transition="identity_unlink",
            actor=actor,
            data={"provider": identity.provider.slug, "person": identity.person_id},
        )
        identity.delete()


def break_glass_record(*, person: User) -> None:
    """Record that a superuser signed in with a password while some organisation has it switched off."""
    with transaction.atomic():
        audit(person, transition="break_glass_sign_in", actor=person, reason="Password sign-in by a superuser.")
    log.warning("Break-glass sign-in: superuser %s signed in with a password", person.username)
