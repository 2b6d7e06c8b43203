"""Delegations (a deputy for a date range) and agreed actions (marked done by their owners)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..exceptions import InvalidInput, NotPermitted
from ..models import Action, Delegation
from ..transitions import apply_transition, audit, lock


def delegation_create(
    *, actor, principal, deputy, starts_on: dt.date, ends_on: dt.date, reason: str = ""
) -> Delegation:
    """Let `deputy` decide `principal`'s seats from `starts_on` to `ends_on`; audited."""
    errors: dict[str, str] = {}
    if principal is None:
        errors["principal"] = "Choose whose seats are being delegated."
    if deputy is None:
        errors["deputy"] = "Choose a deputy."
    elif not deputy.is_active:
        errors["deputy"] = "The deputy's account is not active."
    elif principal is not None and deputy.pk == principal.pk:
        errors["deputy"] = "A person cannot be their own deputy."
    if starts_on is None:
        errors["starts_on"] = "Give the first day of the delegation."
    if ends_on is None:
        errors["ends_on"] = "Give the last day of the delegation."
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The last day must be on or after the first day."
    elif ends_on < timezone.localdate():
        errors["ends_on"] = "The last day must be today or later."
    if errors:
        raise InvalidInput(errors)
    if actor.pk != principal.pk and not actor.is_superuser:
        raise NotPermitted("Only the person delegating (or an administrator) can name their deputy.")
    with transaction.atomic():
        delegation = Delegation.objects.create(
            principal=principal,
            deputy=deputy,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            created_by=actor,
        )
        audit(
            delegation,
            transition="delegate",
            actor=actor,
            on_behalf_of=principal if actor.pk != principal.pk else None,
            reason=reason,
            data={"deputy": deputy.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
    return delegation


def delegation_revoke(*, actor, delegation_id: int) -> Delegation:
    """End a delegation now; audited. Revoking one already revoked changes nothing."""
    with transaction.atomic():
        delegation = lock(Delegation, delegation_id)
        if actor.pk != delegation.principal_id and not actor.is_superuser:
            raise NotPermitted("Only the person who delegated (or an administrator) can revoke it.")
        if delegation.revoked_at is None:
            delegation.revoked_at = timezone.now()
            delegation.save(update_fields=["revoked_at"])
            audit(delegation, transition="revoke", actor=actor)
    return delegation


def action_complete(*, actor, action_id: int) -> Action:
    """Mark an agreed action done; only its owner may. Audited."""
    with transaction.atomic():
        action = lock(Action, action_id)
        if action.owner_id != actor.pk:
            raise NotPermitted("Only the action's owner can mark it done.")
        apply_transition(action, "complete", actor=actor, verb="complete", params={"at": timezone.now()})
    return action
