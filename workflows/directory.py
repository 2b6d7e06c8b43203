"""How the engine asks the domain who holds which role at which organisation.

The domain names its implementation in the `WORKFLOWS_DIRECTORY` setting; the engine never imports it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string


class Directory(Protocol):
    def holds_role(self, user, *, role: str, organisation_id: int, on: dt.date) -> bool:
        """True when `user` holds `role` at the organisation on that day."""

    def holders(self, *, role: str, organisation_id: int, on: dt.date) -> QuerySet:
        """The people holding `role` at the organisation on that day."""

    def role_label(self, role: str) -> str:
        """The role's name as people read it."""

    def holders_by_seat_key(self, keys: set[tuple[str, int]], *, on: dt.date) -> dict[tuple[str, int], set[int]]:
        """For many (role, organisation id) pairs at once: the ids of the active people holding each."""

    def escalation_contacts(self, organisation_ids: set[int]) -> dict[int, int]:
        """Organisation id to the id of the person told when its sign-offs are overdue (where there is one)."""

    def escalation_contacts_for_people(self, person_ids: set[int], *, on: dt.date) -> dict[int, set[int]]:
        """Person id to the escalation contacts of the organisations where they hold a role."""


@cache
def get_directory() -> Directory:
    return import_string(settings.WORKFLOWS_DIRECTORY)()
