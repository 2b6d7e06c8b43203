"""The domain's answer to the engine's question: who holds which role at which organisation."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .models import Organisation, Role, RoleAssignment, User, active_on


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

    def holders_by_seat_key(self, keys, *, on: dt.date) -> dict[tuple[str, int], set[int]]:
        result: dict[tuple[str, int], set[int]] = {key: set() for key in keys}
        if not keys:
            return result
        wanted = Q()
        for role, organisation_id in keys:
            wanted |= Q(role=role, organisation_id=organisation_id)
        rows = (
            RoleAssignment.objects.filter(wanted, person__is_active=True)
            .filter(active_on(on))
            .values_list("role", "organisation_id", "person_id")
        )
        for role, organisation_id, person_id in rows:
            result[(role, organisation_id)].add(person_id)
        return result

    def escalation_contacts(self, organisation_ids) -> dict[int, int]:
        return dict(
            Organisation.objects.filter(pk__in=organisation_ids, escalation_contact__isnull=False).values_list(
                "pk", "escalation_contact_id"
            )
        )

    def escalation_contacts_for_people(self, person_ids, *, on: dt.date) -> dict[int, set[int]]:
        result: dict[int, set[int]] = {pk: set() for pk in person_ids}
        rows = (
            RoleAssignment.objects.filter(person_id__in=person_ids, organisation__escalation_contact__isnull=False)
            .filter(active_on(on))
            .values_list("person_id", "organisation__escalation_contact_id")
        )
        for person_id, contact_id in rows:
            result[person_id].add(contact_id)
        return result
