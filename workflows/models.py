"""The generic gated-workflow engine: gates, sign-off seats, decisions, actions, delegations and the audit trail.

Nothing here knows about commissioning. A gate belongs to any subject (through a generic relation); seats name a
role at an organisation of the model named by `settings.WORKFLOWS_ORGANISATION_MODEL`.

State fields are protected: they change only through the transition methods, which the services in
`workflows.transitions` call with the row locked. Transition methods check guards and set fields, nothing more.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

# --------------------------------------------------------------------------------------------------------------
# Guards: conditions that carry the message shown when they are not met.
# --------------------------------------------------------------------------------------------------------------


def guard(message: str):
    """Mark a transition condition with the sentence that explains it when it fails."""

    def decorate(func):
        func.message = message
        return func

    return decorate


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of an append-only table can be added and read, never updated or deleted."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be updated.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only and cannot be deleted.")


# --------------------------------------------------------------------------------------------------------------
# Gates
# --------------------------------------------------------------------------------------------------------------


class GateState(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted for sign-off"
    APPROVED = "approved", "Approved"
    CALL_IN = "call_in", "In call-in window"
    CALLED_IN = "called_in", "Called in"
    PASSED = "passed", "Passed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# While a gate is in one of these states, what it agreed cannot change.
GATE_FROZEN_STATES = frozenset(
    {GateState.SUBMITTED, GateState.APPROVED, GateState.CALL_IN, GateState.CALLED_IN, GateState.PASSED}
)


@guard("every sign-off seat must be approved")
def _all_seats_approved(gate: Gate) -> bool:
    seats = gate.current_seats()
    return seats.exists() and not seats.exclude(state=SeatState.APPROVED).exists()


@guard("a sign-off seat must have been rejected")
def _a_seat_rejected(gate: Gate) -> bool:
    return gate.current_seats().filter(state=SeatState.REJECTED).exists()


@guard("only a key decision that has not already been called in has a call-in window")
def _call_in_applies(gate: Gate) -> bool:
    return gate.key_decision and gate.called_in_at is None


@guard("a key decision must wait out its call-in window (it has one unless it was already called in)")
def _no_call_in_needed(gate: Gate) -> bool:
    return not _call_in_applies(gate)


@guard("the call-in window must have closed")
def _call_in_window_closed(gate: Gate) -> bool:
    return gate.call_in_ends_at is not None and timezone.now() >= gate.call_in_ends_at


@guard("the call-in window must still be open")
def _call_in_window_open(gate: Gate) -> bool:
    return gate.call_in_ends_at is not None and timezone.now() < gate.call_in_ends_at


class Gate(ConcurrentTransitionMixin, models.Model):
    """The gate that closes one stage of one cycle of a subject; it needs every seat's sign-off to pass."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    stage = models.CharField(max_length=30)
    cycle = models.PositiveIntegerField()
    title = models.CharField(max_length=300)

    state = FSMField(default=GateState.OPEN, choices=GateState.choices, protected=True)
    version = models.PositiveIntegerField(default=1, help_text="Increases with every change to the gate.")
    round = models.PositiveIntegerField(default=0, help_text="How many times the gate has been submitted.")
    snapshot_hash = models.CharField(max_length=64, blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When it was approved or rejected.")
    passed_at = models.DateTimeField(null=True, blank=True)

    # Key decisions (local government): forward-plan notice, record of decision, call-in window.
    key_decision = models.BooleanField(default=False)
    notice_published_on = models.DateField(null=True, blank=True)
    intended_decision_date = models.DateField(null=True, blank=True)
    decision_not_before = models.DateField(null=True, blank=True)
    urgency_reason = models.TextField(blank=True)
    urgency_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urgency_agreed_at = models.DateTimeField(null=True, blank=True)
    call_in_working_days = models.PositiveSmallIntegerField(default=5)
    call_in_ends_at = models.DateTimeField(null=True, blank=True)
    called_in_at = models.DateTimeField(null=True, blank=True)
    called_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    call_in_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "cycle", "stage"], name="gate_unique_per_stage_and_cycle"
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["state", "call_in_ends_at"]),
        ]

    def __str__(self) -> str:
        return f"Gate #{self.pk}: {self.title} ({self.get_state_display()})"

    @property
    def audit_subject(self):
        return (self.subject_type_id, self.subject_id)

    @property
    def is_frozen(self) -> bool:
        return self.state in GATE_FROZEN_STATES

    def current_seats(self):
        return self.seats.filter(round=self.round).exclude(state=SeatState.SUPERSEDED)

    # Transitions: guards and fields only.

    @transition(field=state, source=GateState.OPEN, target=GateState.SUBMITTED)
    def submit(self, *, by, at, snapshot_hash: str, key_decision: bool) -> None:
        self.round += 1
        self.key_decision = key_decision
        self.snapshot_hash = snapshot_hash
        self.submitted_by = by
        self.submitted_at = at
        self.decided_at = None
        self.call_in_ends_at = None

    @transition(field=state, source=GateState.SUBMITTED, target=GateState.WITHDRAWN)
    def withdraw(self) -> None:
        pass

    @transition(field=state, source=[GateState.REJECTED, GateState.WITHDRAWN], target=GateState.OPEN)
    def reopen(self) -> None:
        pass

    @transition(field=state, source=GateState.SUBMITTED, target=GateState.APPROVED, conditions=[_all_seats_approved])
    def approve(self, *, at) -> None:
        self.decided_at = at

    @transition(field=state, source=GateState.SUBMITTED, target=GateState.REJECTED, conditions=[_a_seat_rejected])
    def reject(self, *, at) -> None:
        self.decided_at = at

    @transition(field=state, source=GateState.APPROVED, target=GateState.CALL_IN, conditions=[_call_in_applies])
    def open_call_in(self, *, ends_at) -> None:
        self.call_in_ends_at = ends_at

    @transition(field=state, source=GateState.APPROVED, target=GateState.PASSED, conditions=[_no_call_in_needed])
    def pass_gate(self, *, at) -> None:
        self.passed_at = at

    @transition(field=state, source=GateState.CALL_IN, target=GateState.PASSED, conditions=[_call_in_window_closed])
    def close_call_in(self, *, at) -> None:
        self.passed_at = at

    @transition(field=state, source=GateState.CALL_IN, target=GateState.CALLED_IN, conditions=[_call_in_window_open])
    def call_in(self, *, by, at, reason: str) -> None:
        self.called_in_by = by
        self.called_in_at = at
        self.call_in_reason = reason

    @transition(field=state, source=GateState.CALLED_IN, target=GateState.SUBMITTED)
    def refer_back(self) -> None:
        self.decided_at = None
        self.call_in_ends_at = None


class GateSnapshot(AppendOnlyModel):
    """What was submitted for sign-off: frozen content and its SHA-256 hash, one per submission."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="snapshots")
    round = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gate", "round"], name="snapshot_unique_per_round")]

    def __str__(self) -> str:
        return f"Snapshot of gate #{self.gate_id}, submission {self.round} ({self.content_hash[:12]})"


# --------------------------------------------------------------------------------------------------------------
# Seats and decisions
# --------------------------------------------------------------------------------------------------------------


class SeatState(models.TextChoices):
    PENDING = "pending", "Waiting for decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Not needed (gate closed)"
    SUPERSEDED = "superseded", "Superseded (decision referred back)"


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


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
    REJECT = "reject", "Reject"


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


class ActionState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


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


class Delegation(models.Model):
    """A person lets a deputy decide their seats for a date range."""

    principal = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_held")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="delegation_ends_after_start",
                violation_error_message="The last day must be on or after the first day.",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("deputy")),
                name="delegation_not_to_self",
                violation_error_message="A person cannot be their own deputy.",
            ),
        ]
        indexes = [models.Index(fields=["deputy", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"Delegation #{self.pk}: {self.principal} to {self.deputy}, {self.starts_on} to {self.ends_on}"

    @property
    def audit_subject(self):
        return None


# --------------------------------------------------------------------------------------------------------------
# Audit trail and calendar
# --------------------------------------------------------------------------------------------------------------


class AuditEvent(AppendOnlyModel):
    """One change, written in the same transaction as the change. Never updated, never deleted."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system acted (a scheduled task).",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=300)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    transition = models.CharField(max_length=60)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    snapshot_hash = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "id"]),
            models.Index(fields=["object_type", "object_id", "id"]),
        ]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"Audit #{self.pk}: {self.transition} on {self.object_repr} by {who}"


class NonWorkingDay(models.Model):
    """A closure day beyond weekends and England and Wales bank holidays (for example a council closure)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y}: {self.name}"


# --------------------------------------------------------------------------------------------------------------
# Outbox and in-app notifications
# --------------------------------------------------------------------------------------------------------------


class OutboxChannel(models.TextChoices):
    IN_APP = "in_app", "In-app notification"
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up after retries)"


class OutboxMessage(models.Model):
    """A message to send, written in the same transaction as the change that causes it.

    The deduplication key is unique, so a change or a sweep that runs twice writes it once; a worker sends it after
    commit, and the outbox sweep retries anything not yet sent, with exponential backoff.
    """

    dedup_key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(max_length=20, choices=OutboxChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(max_length=500, blank=True, help_text="E-mail address, or the webhook's URL.")
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return (
            f"Outbox #{self.pk}: {self.template} by {self.get_channel_display().lower()} ({self.get_state_display()})"
        )


class Notification(models.Model):
    """An in-app notification; exactly one per in-app outbox message."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, related_name="notification")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"Notification #{self.pk} to {self.recipient}: {self.title}"


class DeliveryAttempt(models.Model):
    """One attempt to deliver a webhook message: what the receiver answered, or why it could not be reached."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempts_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["message", "attempted_at"])]

    def __str__(self) -> str:
        outcome = self.status_code or self.error
        return f"Attempt on outbox #{self.message_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {outcome}"


class IdempotencyKey(models.Model):
    """A write request's Idempotency-Key and the response it got, so a retry returns the same and changes nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"Idempotency key {self.key!r} of user #{self.user_id}"
