"""Periodic sweeps of the engine: reminders and escalation for sign-off seats and agreed actions.

Each sweep is idempotent (every reminder has a unique key, held by the database in the outbox), batched (rows are
read in primary-key order, `batch_size` at a time, with a fixed number of queries per batch), and runs on working
days only: nobody is reminded on a Saturday or a bank holiday.

The rules, for a due date D and today T (working days, settings in brackets):
- before: once, when T is within REMINDER_WORKING_DAYS_BEFORE working days before D;
- due: once, on D;
- overdue: once, on the first sweep after D;
- escalation: to the escalation contact, once ESCALATE_AFTER_WORKING_DAYS working days after D, then again every
  ESCALATION_EVERY_WORKING_DAYS working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from .calendar import WorkingCalendar
from .directory import get_directory
from .models import Action, ActionState, Decision, Delegation, GateState, Seat, SeatState
from .outbox import build_messages, enqueue


@dataclass
class SweepReport:
    name: str
    examined: int = 0
    reminders: int = 0
    messages: int = 0
    batches: int = 0
    skipped: str = ""

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.name}: skipped ({self.skipped})"
        return (
            f"{self.name}: examined {self.examined}, new reminders {self.reminders}, "
            f"messages written {self.messages}, batches {self.batches}"
        )


def batches(queryset: models.QuerySet, size: int) -> Iterator[list]:
    """Rows in primary-key order, `size` at a time (keyset pagination: no OFFSET, nothing held in memory)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


@dataclass(frozen=True)
class Due:
    kind: str  # before, due, overdue, escalation-N
    to_escalation_contact: bool = False


class ReminderRules:
    """Which reminders a due date calls for today, with working-day arithmetic cached per due date."""

    def __init__(self, today: dt.date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar
        self.before = settings.REMINDER_WORKING_DAYS_BEFORE
        self.escalate_after = settings.ESCALATE_AFTER_WORKING_DAYS
        self.every = settings.ESCALATION_EVERY_WORKING_DAYS
        self.for_due_date = lru_cache(maxsize=1024)(self._for_due_date)

    @property
    def horizon(self) -> dt.date:
        """The latest due date that needs a reminder today."""
        return self.calendar.add_working_days(self.today, self.before)

    def _for_due_date(self, due_on: dt.date) -> tuple[Due, ...]:
        if self.today < due_on:
            return (Due("before"),)
        if self.today == due_on:
            return (Due("due"),)
        overdue_by = self.calendar.working_days_between(due_on, self.today)
        found = [Due("overdue")]
        if overdue_by >= self.escalate_after:
            round_number = 1 + (overdue_by - self.escalate_after) // self.every
            found.append(Due(f"escalation-{round_number}", to_escalation_contact=True))
        return tuple(found)


def people_by_id(ids: set[int]) -> dict[int, object]:
    user_model = get_user_model()
    return {u.pk: u for u in user_model.objects.filter(pk__in=ids, is_active=True)}


def _deputies(principal_ids: set[int], today: dt.date) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    rows = Delegation.objects.filter(
        principal_id__in=principal_ids, revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    ).values_list("principal_id", "deputy_id")
    for principal_id, deputy_id in rows:
        result.setdefault(principal_id, set()).add(deputy_id)
    return result


def _sweep(
    name: str,
    queryset: models.QuerySet,
    *,
    today: dt.date | None,
    batch_size: int,
    plan_batch: Callable[[list, ReminderRules, dt.date], list],
) -> SweepReport:
    today = today or timezone.localdate()
    report = SweepReport(name)
    calendar = WorkingCalendar()
    if not calendar.is_working_day(today):
        report.skipped = f"{today:%A %-d %B %Y} is not a working day"
        return report
    rules = ReminderRules(today, calendar)
    for batch in batches(queryset.filter(due_on__lte=rules.horizon), batch_size):
        report.batches += 1
        report.examined += len(batch)
        with transaction.atomic():
            created = enqueue(plan_batch(batch, rules, today))
        report.messages += len(created)
        report.reminders += len({row.dedup_key.rsplit(":", 2)[0] for row in created})
    return report


def seat_reminders(*, today: dt.date | None = None, batch_size: int = 1000) -> SweepReport:
    """Remind the people who may decide each pending seat (and their deputies); escalate overdue ones."""
    pending = Seat.objects.filter(state=SeatState.PENDING, gate__state=GateState.SUBMITTED).select_related("gate")
    return _sweep("seat reminders", pending, today=today, batch_size=batch_size, plan_batch=_plan_seat_batch)


def seat_recipient_ids(seats: list[Seat], today: dt.date) -> dict[int, set[int]]:
    """For each seat, who may decide it now: holders of its role (or its named person) and their active deputies,
    less anyone whose authority has already decided it and the person who submitted the gate. Four queries."""
    holders = get_directory().holders_by_seat_key(
        {(s.role, s.organisation_id) for s in seats if s.person_id is None}, on=today
    )
    decided_by: dict[int, set[int]] = {}
    decisions = Decision.objects.filter(seat_id__in=[s.pk for s in seats]).values_list("seat_id", "principal_id")
    for seat_id, principal_id in decisions:
        decided_by.setdefault(seat_id, set()).add(principal_id)
    eligible: dict[int, set[int]] = {}
    for seat in seats:
        people = {seat.person_id} if seat.person_id else set(holders[(seat.role, seat.organisation_id)])
        people -= decided_by.get(seat.pk, set())  # a panel member who has voted is not reminded
        eligible[seat.pk] = people
    deputies = _deputies(set().union(*eligible.values(), set()), today)
    submitted_by = {seat.pk: seat.gate.submitted_by_id for seat in seats}
    result = {}
    for seat_id, people in eligible.items():
        everyone = set(people)
        for principal in people:
            everyone |= deputies.get(principal, set())
        everyone.discard(submitted_by[seat_id])
        result[seat_id] = everyone
    return result


def _plan_seat_batch(seats: list[Seat], rules: ReminderRules, today: dt.date) -> list:
    directory = get_directory()
    recipients_of = seat_recipient_ids(seats, today)
    contacts = directory.escalation_contacts({s.organisation_id for s in seats})
    people = people_by_id(set().union(*recipients_of.values(), set()) | set(contacts.values()))
    rows = []
    for seat in seats:
        recipients = recipients_of[seat.pk]
        for due in rules.for_due_date(seat.due_on):
            if due.to_escalation_contact:
                to = {contacts[seat.organisation_id]} if seat.organisation_id in contacts else set()
            else:
                to = recipients
            rows += build_messages(
                recipients=[people[pk] for pk in sorted(to) if pk in people],
                key=f"seat:{seat.pk}:{due.kind}",
                template="seat_escalation" if due.to_escalation_contact else "seat_reminder",
                context={
                    "kind": due.kind,
                    "seat": seat.label,
                    "gate": seat.gate.title,
                    "due_on": seat.due_on.isoformat(),
                    "due_on_text": f"{seat.due_on:%A %-d %B %Y}",
                    "key_decision": seat.gate.key_decision,
                    "link": "/",
                },
                subject_ref=(seat.gate.subject_type_id, seat.gate.subject_id),
            )
    return rows


def action_reminders(*, today: dt.date | None = None, batch_size: int = 1000) -> SweepReport:
    """Remind each open action's owner; escalate overdue ones to the owner's organisations' escalation contacts."""
    open_actions = Action.objects.filter(state=ActionState.OPEN).select_related("gate")
    return _sweep("action reminders", open_actions, today=today, batch_size=batch_size, plan_batch=_plan_action_batch)


def _plan_action_batch(actions: list[Action], rules: ReminderRules, today: dt.date) -> list:
    owners = {a.owner_id for a in actions}
    contacts = get_directory().escalation_contacts_for_people(owners, on=today)
    people = people_by_id(owners | set().union(*contacts.values(), set()))
    rows = []
    for action in actions:
        for due in rules.for_due_date(action.due_on):
            to = contacts.get(action.owner_id, set()) if due.to_escalation_contact else {action.owner_id}
            rows += build_messages(
                recipients=[people[pk] for pk in sorted(to) if pk in people],
                key=f"action:{action.pk}:{due.kind}",
                template="action_escalation" if due.to_escalation_contact else "action_reminder",
                context={
                    "kind": due.kind,
                    "action": action.description,
                    "owner": str(people.get(action.owner_id, "")),
                    "gate": action.gate.title,
                    "due_on": action.due_on.isoformat(),
                    "due_on_text": f"{action.due_on:%A %-d %B %Y}",
                    "link": "/",
                },
                subject_ref=(action.gate.subject_type_id, action.gate.subject_id),
            )
    return rows
