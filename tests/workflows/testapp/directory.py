"""The test app's answer to the engine's question (the protocol in `workflows.directory`): who holds which role at
which organisation, from its own `Membership` table. Each method is one query, as the sweeps' query counts expect."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, Subquery

from .models import EscalationContact, Membership, active_on


class Directory:
    def holds_role(self, user, *, role: str, organisation_id: int, on: dt.date) -> bool:
        if user is None or not user.is_active:
            return False
        return (
            Membership.objects.filter(person=user, role=role, organisation_id=organisation_id)
            .filter(active_on(on))
            .exists()
        )

    def holders(self, *, role: str, organisation_id: int, on: dt.date):
        memberships = Membership.objects.filter(role=role, organisation_id=organisation_id).filter(active_on(on))
        return get_user_model().objects.filter(is_active=True, pk__in=memberships.values("person_id"))

    def role_label(self, role: str) -> str:
        return role.replace("_", " ").capitalize()

    def holders_by_seat_key(self, keys, *, on: dt.date) -> dict[tuple[str, int], set[int]]:
        result: dict[tuple[str, int], set[int]] = {key: set() for key in keys}
        if not keys:
            return result
        wanted = Q()
        for role, organisation_id in keys:
            wanted |= Q(role=role, organisation_id=organisation_id)
        rows = (
            Membership.objects.filter(wanted, person__is_active=True)
            .filter(active_on(on))
            .values_list("role", "organisation_id", "person_id")
        )
        for role, organisation_id, person_id in rows:
            result[(role, organisation_id)].add(person_id)
        return result

    def escalation_contacts(self, organisation_ids) -> dict[int, int]:
        return dict(
            EscalationContact.objects.filter(organisation_id__in=organisation_ids).values_list(
                "organisation_id", "person_id"
            )
        )

    def escalation_contacts_for_people(self, person_ids, *, on: dt.date) -> dict[int, set[int]]:
        result: dict[int, set[int]] = {pk: set() for pk in person_ids}
        contact = EscalationContact.objects.filter(organisation_id=OuterRef("organisation_id")).values("person_id")
        rows = (
            Membership.objects.filter(person_id__in=person_ids)
            .filter(active_on(on))
            .annotate(contact_id=Subquery(contact[:1]))
            .filter(contact_id__isnull=False)
            .values_list("person_id", "contact_id")
        )
        for person_id, contact_id in rows:
            result[person_id].add(contact_id)
        return result
