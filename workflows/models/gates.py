"""Gates: the gate that closes one stage of one cycle of a subject, its guards, and the snapshots submitted to it.

A gate belongs to any subject (through a generic relation). Its state is protected: it changes only through the
transition methods, which the services in `workflows.transitions` call with the row locked.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .base import AppendOnlyModel, guard
from .states import GATE_FROZEN_STATES, GateState, SeatState


@guard("every sign-off seat must be approved")
def _all_seats_approved(gate: Gate) -> bool:
    seats = gate.current_seats()
    return seats.exists() and not seats.exclude(state=SeatState.APPROVED).exists()


@guard("a sign-off seat must have been rejected")
def _a_seat_rejected(gate: Gate) -> bool:
    return gate.current_seats().filter(state=SeatState.REJECTED).exists()


@guard(
    "only a key decision that has not already been called in, and that the scrutiny chair has not agreed is exempt "
    "from call-in, has a call-in window"
)
def _call_in_applies(gate: Gate) -> bool:
    return gate.key_decision and gate.called_in_at is None and gate.call_in_exemption_agreed_at is None


@guard(
    "a key decision must wait out its call-in window (it has one unless it was already called in or the scrutiny "
    "chair agreed it is exempt from call-in)"
)
def _no_call_in_needed(gate: Gate) -> bool:
    return not _call_in_applies(gate)


@guard("the call-in window must have closed")
def _call_in_window_closed(gate: Gate) -> bool:
    return gate.call_in_ends_at is not None and timezone.now() >= gate.call_in_ends_at


@guard("the call-in window must still be open")
def _call_in_window_open(gate: Gate) -> bool:
    return gate.call_in_ends_at is not None and timezone.now() < gate.call_in_ends_at


# Until the decision is taken (submitted, and before), a key decision's forward-plan notice and urgency exemption
# may still be given or changed.
NOTICE_CHANGEABLE_STATES = [GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN, GateState.SUBMITTED]


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
    # The forward-plan notice's own words (the matter, who decides, the papers), as published.
    notice_matter = models.TextField("matter to be decided", blank=True)
    notice_decision_maker = models.CharField("decision-maker", max_length=300, blank=True)
    notice_documents = models.TextField(
        "documents submitted to the decision-maker", blank=True, help_text="One document a line."
    )
    # An urgent key decision exempt from call-in, with the scrutiny chair's recorded agreement.
    call_in_exemption_reason = models.TextField(blank=True)
    call_in_exemption_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    call_in_exemption_agreed_at = models.DateTimeField(null=True, blank=True)
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

    # A key decision's notice, urgency exemption and exemption from call-in can change until the decision is taken;
    # none moves the state.

    @transition(field=state, source=NOTICE_CHANGEABLE_STATES, target=None)
    def publish_forward_plan_notice(
        self, *, published_on, decision_date, not_before, matter: str = "", decision_maker: str = "", documents=""
    ) -> None:
        self.notice_published_on = published_on
        self.intended_decision_date = decision_date
        self.decision_not_before = not_before
        self.notice_matter = matter
        self.notice_decision_maker = decision_maker
        self.notice_documents = documents

    @transition(field=state, source=NOTICE_CHANGEABLE_STATES, target=None)
    def agree_urgency_exemption(self, *, by, at, reason: str, not_before) -> None:
        self.urgency_reason = reason
        self.urgency_agreed_by = by
        self.urgency_agreed_at = at
        self.decision_not_before = not_before

    @transition(field=state, source=NOTICE_CHANGEABLE_STATES, target=None)
    def agree_call_in_exemption(self, *, by, at, reason: str) -> None:
        self.call_in_exemption_reason = reason
        self.call_in_exemption_agreed_by = by
        self.call_in_exemption_agreed_at = at

    @property
    def exempt_from_call_in(self) -> bool:
        return self.call_in_exemption_agreed_at is not None

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
    note = models.TextField(
        blank=True,
        help_text="The submitter's covering note: what was changed since the last submission, and why (not part of "
        "the hashed content).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gate", "round"], name="snapshot_unique_per_round")]

    def __str__(self) -> str:
        return f"Snapshot of gate #{self.gate_id}, submission {self.round} ({self.content_hash[:12]})"
