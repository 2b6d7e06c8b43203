"""The start page: for visitors, what the service is; for a signed-in person, a section for each of their roles."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from commissioning import selectors
from commissioning.models import CYCLE_STAGES, OFFICER_ROLES, SCRUTINY_ROLES, Role, Stage
from workflows.models import GateState

PARTNER_ROLES = (Role.PARTNER_SIGNATORY, Role.PARTNER_VIEWER)
EDITABLE_GATE_STATES = (GateState.OPEN, GateState.REJECTED, GateState.WITHDRAWN)


QUEUE_PER_PAGE = 50


class _Queue:
    """The person's sign-off queue as the paginator sees it: counted in one query, each page fetched on its own."""

    def __init__(self, user, waiting: int, authority) -> None:
        self.user = user
        self.waiting = waiting
        self.authority = authority

    def count(self) -> int:
        return self.waiting

    def __getitem__(self, window: slice):
        return selectors.signoff_queue_for(
            self.user, offset=window.start, limit=window.stop - window.start, authority=self.authority
        )


def home(request):
    """A start page for visitors; for a signed-in person, a section for each of their roles: the sign-off queue,
    the strategies they lead and what needs them, open call-in windows, and a partner's strategies and seats.

    The number of queries does not grow with the rows: every section is one or two selector queries."""
    if not request.user.is_authenticated:
        return render(request, "home.html", {})
    user = request.user
    today = timezone.localdate()
    now = timezone.now()
    roles = list(selectors.roles_of(user))
    held = {assignment.role for assignment in roles}
    authority = selectors.authority_of(user)
    counts = selectors.signoff_queue_counts(user, authority)
    queue_page = Paginator(_Queue(user, counts.waiting, authority), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "roles": roles,
        "queue": queue_page.object_list,
        "queue_page": queue_page,
        "waiting": counts.waiting,
        "overdue": counts.overdue,
        "key_decisions": counts.key_decisions,
        "today": today,
        "now": now,
        "unread": selectors.unread_notification_count(user),
        "actions": list(selectors.actions_due_for(user)),
        "is_officer": bool(held.intersection(OFFICER_ROLES)),
    }
    if context["is_officer"]:
        context.update(_officer_sections(user))
    scrutiny_organisations = selectors.organisation_ids_for_roles(roles, SCRUTINY_ROLES)
    if scrutiny_organisations:
        chair_of = selectors.organisation_ids_for_roles(roles, [Role.SCRUTINY_CHAIR])
        windows = list(selectors.call_in_windows_for(scrutiny_organisations))
        for strategy in windows:
            gate = strategy.current_gate
            strategy.window_open = (
                gate.state == GateState.CALL_IN and gate.call_in_ends_at is not None and gate.call_in_ends_at > now
            )
            strategy.can_refer_back = gate.state == GateState.CALLED_IN and strategy.lead_organisation_id in chair_of
        context.update(is_scrutiny=True, windows=windows)
    partner_organisations = selectors.organisation_ids_for_roles(roles, PARTNER_ROLES)
    if partner_organisations:
        partnered = list(selectors.partner_strategies_for(partner_organisations))
        gate_ids = [s.current_gate_id for s in partnered if s.current_gate_id]
        seats_by_gate: dict[int, list] = {}
        for seat in selectors.current_seats_of(partner_organisations, gate_ids) if gate_ids else []:
            seats_by_gate.setdefault(seat.gate_id, []).append(seat)
        for strategy in partnered:
            strategy.partner_seats = seats_by_gate.get(strategy.current_gate_id, [])
        context.update(is_partner=True, partnered=partnered)
    return render(request, "home.html", context)


def _officer_sections(user) -> dict:
    """The strategies the person leads, by stage, and what needs them now (missing evidence, rejections, gates
    that have passed)."""
    strategies = list(selectors.strategies_led_by(user))
    order = [*CYCLE_STAGES, Stage.CLOSED]
    by_stage = [(stage.label, [s for s in strategies if s.stage == stage]) for stage in order]
    editable = [s for s in strategies if s.current_gate and s.current_gate.state in EDITABLE_GATE_STATES]
    missing = selectors.missing_evidence_counts(editable)
    rejected = [s for s in strategies if s.current_gate and s.current_gate.state == GateState.REJECTED]
    rejections = selectors.rejections_of([s.current_gate_id for s in rejected])
    for strategy in strategies:
        strategy.missing_evidence = missing.get(strategy.pk, 0)
        strategy.rejections = rejections.get(strategy.current_gate_id, [])
    return {
        "led": strategies,
        "by_stage": [(label, items) for label, items in by_stage if items],
        "needs_evidence": [s for s in editable if s.missing_evidence],
        "rejected": rejected,
        "ready_to_advance": [
            s
            for s in strategies
            if s.current_gate and s.current_gate.state == GateState.PASSED and s.stage != Stage.CLOSED
        ],
    }
