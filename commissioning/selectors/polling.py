"""The reads a partner's system makes many times a minute, as plain SQL written once.

Building the ORM query for "the strategies this person may see" (two nested subqueries and a union) costs more than
the database takes to answer it, on every poll. These say exactly what `people.organisations_of` and
`strategies.strategies_visible_to` say, in SQL made once per process from the models' table names; tests check
that they agree with the ORM selectors row for row. Everything else reads through the ORM.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from workflows.models import AuditEvent

from ..models import AudienceCounter, RoleAssignment, Strategy, StrategyPartner, User


@functools.cache
def _sql() -> dict[str, str]:
    """The statements, once the models are ready; every table name comes from the models."""
    roles = RoleAssignment._meta.db_table
    strategies = Strategy._meta.db_table
    partners = StrategyPartner._meta.db_table
    counters = AudienceCounter._meta.db_table
    events = AuditEvent._meta.db_table
    people = User._meta.db_table
    types = ContentType._meta.db_table
    organisations = (  # people.organisations_of: where the person holds a role today; params: person, today, today
        f"SELECT r.organisation_id FROM {roles} r "  # noqa: S608 (table names only)
        "WHERE r.person_id = %s AND r.starts_on <= %s AND (r.ends_on IS NULL OR r.ends_on >= %s)"
    )
    visible = (  # strategies.strategies_visible_to, for a person who is not an administrator
        f"SELECT v.id FROM {strategies} v WHERE v.lead_organisation_id IN ({organisations}) "  # noqa: S608
        f"UNION SELECT p.strategy_id FROM {partners} p WHERE p.organisation_id IN ({organisations})"
    )
    return {
        "audience_changes": (
            f"SELECT r.organisation_id, c.changes, c.changed_at FROM {roles} r "  # noqa: S608
            f"LEFT JOIN {counters} c ON c.organisation_id = r.organisation_id "
            "WHERE r.person_id = %s AND r.starts_on <= %s AND (r.ends_on IS NULL OR r.ends_on >= %s)"
        ),
        "strategy_version": f"SELECT s.id, s.version, s.updated_at FROM {strategies} s WHERE s.reference = %s",  # noqa: S608
        "visible": visible,
        "events": (
            "SELECT e.id, e.occurred_at, s.reference, t.model, e.object_id, e.object_repr, e.transition, "  # noqa: S608
            "e.from_state, e.to_state, a.first_name, a.last_name, a.username, b.first_name, b.last_name, b.username, "
            "e.reason, e.snapshot_hash "
            f"FROM {events} e JOIN {strategies} s ON s.id = e.subject_id JOIN {types} t ON t.id = e.object_type_id "
            f"LEFT JOIN {people} a ON a.id = e.actor_id LEFT JOIN {people} b ON b.id = e.on_behalf_of_id "
            "WHERE e.subject_type_id = %s AND e.id > %s"
        ),
    }


def _visible_clause(user, column: str) -> tuple[str, list]:
    """` AND <column> IN (<the strategies the person may see>)`, or nothing for an administrator."""
    if user.is_superuser:
        return "", []
    today = timezone.localdate()
    return f" AND {column} IN ({_sql()['visible']})", [user.pk, today, today, user.pk, today, today]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives plain SQL its times without their zone (they are stored in UTC); PostgreSQL gives them aware."""
    if value is not None and timezone.is_naive(value):
        return value.replace(tzinfo=dt.UTC)
    return value


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def organisation_changes(user) -> dict[int, tuple[int, dt.datetime | None]]:
    """Organisation id to (its change count, its last change) for each organisation where the person holds a role
    today; an organisation that has not changed yet counts 0."""
    today = timezone.localdate()
    rows = _rows(_sql()["audience_changes"], [user.pk, today, today])
    return {organisation_id: (changes or 0, _aware(changed_at)) for organisation_id, changes, changed_at in rows}


def visible_strategy_version(user, reference: str) -> tuple[int, int, dt.datetime] | None:
    """(id, version, last change) of the strategy if the person may see it, else None."""
    if not isinstance(reference, str) or "\x00" in reference:
        return None  # PostgreSQL cannot even compare text with a NUL in it
    clause, params = _visible_clause(user, "s.id")
    found = _rows(_sql()["strategy_version"] + clause, [reference, *params])
    return (found[0][0], found[0][1], _aware(found[0][2])) if found else None


def events_after(user, after: int, limit: int) -> list[tuple]:
    """The audit events of the strategies the person may see, after event `after`, oldest first, at most `limit`:
    (id, occurred_at, strategy reference, object type, object id, object, transition, from, to, actor's first name,
    last name, username, on-behalf-of's first name, last name, username, reason, snapshot hash)."""
    clause, params = _visible_clause(user, "e.subject_id")
    sql = _sql()["events"] + clause + " ORDER BY e.id LIMIT %s"
    rows = _rows(sql, [ContentType.objects.get_for_model(Strategy).pk, after, *params, limit])
    return [(row[0], _aware(row[1]), *row[2:]) for row in rows]
