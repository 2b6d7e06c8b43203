"""Strategies a person may see, and what the pages and the API show of them, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from workflows.models import Decision, DecisionOutcome, GateState, Seat, SeatState

from ..models import AudienceCounter, Evidence, EvidenceStatus, RoleAssignment, Strategy, StrategyPartner, active_on
from . import polling
from .people import organisations_of


def strategies_led_by(user) -> QuerySet[Strategy]:
    return (
        Strategy.objects.filter(lead_officer=user)
        .select_related("lead_organisation", "current_gate")
        .order_by("stage", "reference")
    )


def strategies_visible_to(user) -> QuerySet[Strategy]:
    """Strategies led by an organisation where the person holds a role, or to which such an organisation is party.

    One query however it is used: the strategies' ids are the union of two index lookups (led by the person's
    organisations; with them as partners), so the database never reads every strategy to decide. Administrators
    see every strategy."""
    if user.is_superuser:
        return Strategy.objects.all()
    organisations = organisations_of(user)
    led = Strategy.objects.filter(lead_organisation_id__in=organisations).values("pk")
    partnered = StrategyPartner.objects.filter(organisation_id__in=organisations).values("strategy_id")
    return Strategy.objects.filter(pk__in=led.union(partnered))


def missing_evidence_counts(strategies) -> dict[int, int]:
    """Strategy id to how many required items of its current stage's evidence are not complete (one query)."""
    ids = [strategy.pk for strategy in strategies]
    if not ids:
        return {}
    rows = (
        Evidence.objects.filter(
            strategy_id__in=ids, required=True, cycle=F("strategy__cycle"), stage=F("strategy__stage")
        )
        .exclude(status=EvidenceStatus.COMPLETE)
        .values("strategy_id")
        .annotate(missing=Count("pk"))
        .order_by()
    )
    return {row["strategy_id"]: row["missing"] for row in rows}


def rejections_of(gate_ids) -> dict[int, list[Decision]]:
    """Gate id to the rejecting decisions of its current round, with who made them (one query)."""
    result: dict[int, list[Decision]] = {}
    if not gate_ids:
        return result
    decisions = (
        Decision.objects.filter(gate_id__in=gate_ids, outcome=DecisionOutcome.REJECT, seat__round=F("gate__round"))
        .select_related("seat", "actor", "on_behalf_of")
        .order_by("decided_at", "pk")
    )
    for decision in decisions:
        result.setdefault(decision.gate_id, []).append(decision)
    return result


def call_in_windows_for(organisation_ids) -> QuerySet[Strategy]:
    """Strategies led by these organisations whose key decision is in its call-in window or has been called in."""
    return (
        Strategy.objects.filter(
            lead_organisation_id__in=organisation_ids,
            current_gate__state__in=[GateState.CALL_IN, GateState.CALLED_IN],
        )
        .select_related("current_gate", "lead_organisation")
        .order_by("current_gate__call_in_ends_at", "reference")
    )


def partner_strategies_for(organisation_ids) -> QuerySet[Strategy]:
    """Strategies to which one of these organisations is party, with their current gates."""
    party = StrategyPartner.objects.filter(strategy=OuterRef("pk"), organisation_id__in=organisation_ids)
    return (
        Strategy.objects.filter(Exists(party)).select_related("current_gate", "lead_organisation").order_by("reference")
    )


def current_seats_of(organisation_ids, gate_ids) -> QuerySet[Seat]:
    """The current round's seats held by these organisations on these gates (superseded seats left out)."""
    return (
        Seat.objects.filter(organisation_id__in=organisation_ids, gate_id__in=gate_ids, round=F("gate__round"))
        .exclude(state=SeatState.SUPERSEDED)
        .select_related("organisation")
        .order_by("due_on", "pk")
    )


def _evidence_count(**extra):
    rows = (
        Evidence.objects.filter(
            strategy=OuterRef("pk"), cycle=OuterRef("cycle"), stage=OuterRef("stage"), required=True
        )
        .filter(**extra)
        .values("strategy")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


SEAT_FIELDS = (
    "gate_id", "round", "role", "label", "organisation_id", "state", "required_approvals",
    "requires_record_of_decision", "due_on", "decided_at",
)  # fmt: skip


def strategies_for_api(user):
    """Visible strategies with everything the serializer reads, in a fixed number of queries."""
    seats = (
        Seat.objects.exclude(state=SeatState.SUPERSEDED)
        .select_related("organisation")
        .only(*SEAT_FIELDS, "organisation__name", "organisation__code")
        .order_by("pk")
    )
    partners = (
        StrategyPartner.objects.select_related("organisation")
        .only("strategy_id", "kind", "organisation__name", "organisation__code")
        .order_by("organisation__name")
    )
    return (
        strategies_visible_to(user)
        .select_related("lead_organisation", "current_gate")
        .prefetch_related(
            Prefetch("partner_links", queryset=partners, to_attr="partner_list"),
            Prefetch("current_gate__seats", queryset=seats, to_attr="all_seats"),
        )
        .annotate(
            evidence_required=_evidence_count(), evidence_complete=_evidence_count(status=EvidenceStatus.COMPLETE)
        )
    )


def strategy_names(strategy_ids) -> dict[int, tuple[str, str]]:
    """Strategy id to (reference, title), for rows that name their strategy by id (one query)."""
    rows = Strategy.objects.filter(pk__in=list(strategy_ids)).values_list("pk", "reference", "title")
    return {pk: (reference, title) for pk, reference, title in rows}


def holds_role_anywhere(user, roles) -> bool:
    """True when the person holds one of `roles` at any organisation today (one query)."""
    return (
        RoleAssignment.objects.filter(person=user, role__in=list(roles))
        .filter(active_on(timezone.localdate()))
        .exists()
    )


def audiences_of(strategy_ids) -> set[int]:
    """The organisations these strategies are shown to: their leads and their partners (one query)."""
    ids = list(strategy_ids)
    leads = Strategy.objects.filter(pk__in=ids).values_list("lead_organisation_id", flat=True)
    partners = StrategyPartner.objects.filter(strategy_id__in=ids).values_list("organisation_id", flat=True)
    return set(leads.union(partners))


def audience_changes(user) -> tuple[str, dt.datetime | None]:
    """What the person's poll of the strategy list is answered from: the change counts of the organisations where
    they hold a role today (as text: `id:count,...`; an organisation yet unchanged counts 0) and the latest change
    among them. One query. Administrators, who see everything, get every organisation's."""
    if user.is_superuser:
        totals = AudienceCounter.objects.aggregate(n=Count("pk"), changes=Sum("changes"), latest=Max("changed_at"))
        return f"all:{totals['n']}:{totals['changes']}", totals["latest"]
    counts = polling.organisation_changes(user)
    latest = max((changed_at for _, changed_at in counts.values() if changed_at is not None), default=None)
    return ",".join(f"{pk}:{counts[pk][0]}" for pk in sorted(counts)), latest
