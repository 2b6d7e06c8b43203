"""Seats and what is decided on them: a seat (a role at an organisation that must sign off a gate), the
decisions made on it, the record of decision a key decision needs, and the actions agreed as conditions.

Seats name an organisation of the model named by `settings.WORKFLOWS_ORGANISATION_MODEL`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .base import AppendOnlyModel, guard
from .gates import Gate
from .states import ActionState, DecisionOutcome, SeatState


@guard("the seat needs as many approvals as its panel size")
def _seat_has_enough_approvals(seat: Seat) -> bool:
    return seat.decisions.filter(outcome__in=Decision.APPROVING).count() >= seat.required_approvals


class Seat(ConcurrentTransitionMixin, models.Model):
    """A place on a gate that must sign off: a role at an organisation (optionally a named person)."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="seats")
    round = models.PositiveIntegerField()
    role = models.CharField(max_length=40)
    organisation = models.ForeignKey(
        settings.WORKFLOWS_ORGANISATION_MODEL, on_delete=models.PROTECT, related_name="seats"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="named_seats",
        help_text="When set, only this person (or their deputy) may decide the seat.",
    )
    label = models.CharField(max_length=300)
    required_approvals = models.PositiveSmallIntegerField(
        default=1, help_text="A panel: how many different holders of the role must approve."
    )
    requires_record_of_decision = models.BooleanField(default=False)
    state = FSMField(default=SeatState.PENDING, choices=SeatState.choices, protected=True)
    due_on = models.DateField()
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gate", "round", "role", "organisation"],
                condition=~Q(state="superseded"),
                name="seat_unique_per_gate_round_role_organisation",
            ),
            models.CheckConstraint(condition=Q(required_approvals__gte=1), name="seat_needs_at_least_one_approval"),
        ]
        indexes = [models.Index(fields=["state", "due_on"]), models.Index(fields=["role", "organisation", "state"])]

    def __str__(self) -> str:
        return f"Seat #{self.pk}: {self.label} on gate #{self.gate_id} ({self.get_state_display()})"

    @property
    def audit_subject(self):
        return (self.gate.subject_type_id, self.gate.subject_id)

    @transition(
        field=state, source=SeatState.PENDING, target=SeatState.APPROVED, conditions=[_seat_has_enough_approvals]
    )
    def approve(self, *, at) -> None:
        self.decided_at = at

    @transition(field=state, source=SeatState.PENDING, target=SeatState.REJECTED)
    def reject(self, *, at) -> None:
        self.decided_at = at

    @transition(field=state, source=SeatState.PENDING, target=SeatState.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=state, source=[SeatState.PENDING, SeatState.APPROVED], target=SeatState.SUPERSEDED)
    def supersede(self) -> None:
        pass


class Decision(AppendOnlyModel):
    """One person's final decision on a seat, bound to the snapshot it was made on."""

    APPROVING = (DecisionOutcome.APPROVE, DecisionOutcome.APPROVE_WITH_CONDITIONS)

    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="decisions")
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions_made")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose authority decided: the actor, or the person the actor deputised for.",
    )
    outcome = models.CharField(max_length=30, choices=DecisionOutcome.choices)
    reasons = models.TextField(blank=True)
    snapshot_hash = models.CharField(max_length=64)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seat", "principal"], name="decision_one_per_seat_and_person"),
            models.CheckConstraint(
                condition=~Q(outcome="reject") | ~Q(reasons=""), name="decision_reject_needs_reasons"
            ),
        ]

    def __str__(self) -> str:
        return f"Decision #{self.pk}: {self.get_outcome_display()} on seat #{self.seat_id}"

    @property
    def audit_subject(self):
        return (self.gate.subject_type_id, self.gate.subject_id)


class RecordOfDecision(AppendOnlyModel):
    """The published record that a key decision needs."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="record")
    decision_text = models.TextField("decision")
    reasons = models.TextField()
    alternatives_considered = models.TextField("alternatives considered and rejected")
    conflicts_of_interest = models.TextField("conflicts of interest declared")
    dispensations = models.TextField("dispensations granted", blank=True)

    def __str__(self) -> str:
        return f"Record of decision for decision #{self.decision_id}"


class Action(models.Model):
    """An agreed action with an owner and a due date; a condition of approval becomes one."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="actions")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField()
    state = FSMField(default=ActionState.OPEN, choices=ActionState.choices, protected=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return f"Action #{self.pk}: {self.description[:60]} (due {self.due_on:%d %b %Y})"

    @property
    def audit_subject(self):
        return (self.gate.subject_type_id, self.gate.subject_id)

    @transition(field=state, source=ActionState.OPEN, target=ActionState.DONE)
    def complete(self, *, at) -> None:
        self.completed_at = at

    @transition(field=state, source=ActionState.OPEN, target=ActionState.CANCELLED)
    def cancel(self) -> None:
        pass
