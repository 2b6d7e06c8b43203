"""The domain's answer to the engine's question: who holds which role at which organisation."""

from __future__ import annotations

import datetime as dt

from .models import Role, RoleAssignment, User, active_on


class Directory:
    def holds_role(self, user, *, role: str, organisation_id: int, on: dt.date) -> bool:
        if user is None or not user.is_active:
            return False
        return (
            RoleAssignment.objects.filter(person=user, role=role, organisation_id=organisation_id)
            .filter(active_on(on))
            .exists()
        )

    def holders(self, *, role: str, organisation_id: int, on: dt.date):
        assignments = RoleAssignment.objects.filter(role=role, organisation_id=organisation_id).filter(active_on(on))
        return User.objects.filter(is_active=True, roles__in=assignments).distinct()

    def role_label(self, role: str) -> str:
        return Role(role).label if role in Role.values else role
