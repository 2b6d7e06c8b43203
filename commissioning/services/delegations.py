"""Delegations: a person names a deputy to decide their seats for a date range (the engine keeps them)."""

from __future__ import annotations

from workflows import services as engine


def delegation_create(*, actor, principal, deputy, starts_on, ends_on, reason: str = ""):
    """Name a deputy for a date range (see `workflows.services.delegation_create`)."""
    return engine.delegation_create(
        actor=actor, principal=principal, deputy=deputy, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
