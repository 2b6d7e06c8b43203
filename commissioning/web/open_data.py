"""Open data, readable without signing in: the forward plan and the records of decision (executive and officer
decisions) as Atom feeds, JSON and CSV, and each strategy's procurement as an OCDS release package; and the page that
explains them.

Every item has a stable id, a tag URI (RFC 4151) under `OPEN_DATA_TAG_AUTHORITY`: `tag:<authority>:notice/<gate>`
for a forward-plan notice (one per gate: publishing it again updates the same entry) and
`tag:<authority>:decision/<decision>` for a record; links are absolute addresses of the public pages. The rows are
the public pages' own (`public.forward_plan`, `public.published_records`), so a download never says more than the
pages do.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.views.decorators.http import require_GET

from commissioning import ocds
from commissioning.models import Strategy
from commissioning.selectors.procurement import procurement_of, strategies_with_procurement

from .public import PlannedDecision, _with_strategies, forward_plan, published_records

RECORDS_LIMIT = 500


def tag_uri(path: str) -> str:
    return f"tag:{settings.OPEN_DATA_TAG_AUTHORITY}:{path}"


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _person(user) -> str | None:
    return str(user) if user is not None else None


def notice_item(request, item: PlannedDecision) -> dict:
    """One forward-plan notice as plain JSON: the 2012 Regulations' fields, and its stable id and link."""
    strategy, gate = item.strategy, item.gate
    return {
        "id": tag_uri(f"notice/{gate.pk}"),
        "url": request.build_absolute_uri(f"{reverse('forward-plan')}#notice-{gate.pk}"),
        "matter": item.matter,
        "decision_maker": item.decision_maker,
        "notice_published_on": _date(gate.notice_published_on),
        "intended_decision_date": _date(gate.intended_decision_date),
        "earliest_decision_date": _date(gate.decision_not_before),
        "documents": item.documents,
        "how_to_make_representations": item.representations,
        "status": item.status,
        "lead_organisation": strategy.lead_organisation.name,
        "strategy": {"reference": strategy.reference, "title": strategy.title},
        "stage": strategy.stage,
        "cycle": gate.cycle,
        "urgency_exemption": {"agreed_on": _date(gate.urgency_agreed_at), "reason": gate.urgency_reason}
        if gate.urgency_agreed_at
        else None,
        "exempt_from_call_in": _exemption(gate),
        "updated_at": _date(gate.updated_at),
    }


def _exemption(gate) -> dict | None:
    if not gate.exempt_from_call_in:
        return None
    return {
        "agreed_by": _person(gate.call_in_exemption_agreed_by),
        "agreed_on": _date(gate.call_in_exemption_agreed_at),
        "reason": gate.call_in_exemption_reason,
    }


def record_item(request, record) -> dict:
    """One published record (executive or officer decision) as plain JSON, with its stable id and link."""
    decision, gate = record.decision, record.decision.gate
    strategy = record.strategy
    return {
        "id": tag_uri(f"decision/{decision.pk}"),
        "url": request.build_absolute_uri(reverse("record-of-decision", args=[decision.pk])),
        "kind": record.kind,
        "key_decision": gate.key_decision,
        "date": _date(decision.decided_at),
        "decision": record.decision_text,
        "reasons": record.reasons,
        "alternatives_considered_and_rejected": record.alternatives_considered,
        "conflicts_of_interest_declared": record.conflicts_of_interest,
        "dispensations_granted": record.dispensations,
        "decided_by": _person(decision.principal),
        "seat": decision.seat.label,
        "taken_on_behalf_by": _person(decision.actor) if decision.actor_id != decision.principal_id else None,
        "strategy": {"reference": strategy.reference, "title": strategy.title} if strategy else None,
        "lead_organisation": strategy.lead_organisation.name if strategy else None,
        "gate": gate.title,
        "status": record.status,
        "call_in_ends_at": _date(gate.call_in_ends_at) if record.kind == "executive" else None,
        "exempt_from_call_in": _exemption(gate),
        "snapshot_hash": decision.snapshot_hash,
    }


def _records(request) -> list[dict]:
    return [record_item(request, r) for r in _with_strategies(list(published_records()[:RECORDS_LIMIT]))]


def _notices(request) -> list[dict]:
    return [notice_item(request, item) for item in forward_plan()]


def _json(request, what: str, items: list[dict]) -> JsonResponse:
    body = {
        "id": tag_uri(what),
        "title": "Forward plan of key decisions" if what == "forward-plan" else "Records of decision",
        "url": request.build_absolute_uri(reverse("forward-plan" if what == "forward-plan" else "records-of-decision")),
        "licence": settings.OPEN_DATA_LICENCE_URL,
        "generated_at": timezone.now().isoformat(),
        "items": items,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _flat(item: dict) -> dict:
    """A JSON item as one CSV row: lists one a line, objects by their parts (`strategy_reference`, ...)."""
    row = {}
    for key, value in item.items():
        if isinstance(value, dict):
            row.update({f"{key}_{part}": inner for part, inner in value.items()})
        elif isinstance(value, list):
            row[key] = "\n".join(str(entry) for entry in value)
        else:
            row[key] = value
    return row


NOTICE_COLUMNS = [
    "id", "url", "matter", "decision_maker", "notice_published_on", "intended_decision_date", "earliest_decision_date",
    "documents", "how_to_make_representations", "status", "lead_organisation", "strategy_reference",
    "strategy_title", "stage", "cycle", "urgency_exemption_agreed_on", "urgency_exemption_reason",
    "exempt_from_call_in_agreed_by", "exempt_from_call_in_agreed_on", "exempt_from_call_in_reason", "updated_at",
]  # fmt: skip
RECORD_COLUMNS = [
    "id", "url", "kind", "key_decision", "date", "decision", "reasons", "alternatives_considered_and_rejected",
    "conflicts_of_interest_declared", "dispensations_granted", "decided_by", "seat", "taken_on_behalf_by",
    "strategy_reference", "strategy_title", "lead_organisation", "gate", "status", "call_in_ends_at",
    "exempt_from_call_in_agreed_by", "exempt_from_call_in_agreed_on", "exempt_from_call_in_reason", "snapshot_hash",
]  # fmt: skip


def _csv(name: str, columns: list[str], items: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    writer = csv.DictWriter(response, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for item in items:
        writer.writerow(_flat(item))
    return response


@require_GET
def forward_plan_json(request):
    return _json(request, "forward-plan", _notices(request))


@require_GET
def forward_plan_csv(request):
    return _csv("forward-plan", NOTICE_COLUMNS, _notices(request))


@require_GET
def decisions_json(request):
    return _json(request, "decisions", _records(request))


@require_GET
def decisions_csv(request):
    return _csv("records-of-decision", RECORD_COLUMNS, _records(request))


def _moment(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime) or value is None:
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


class ForwardPlanFeed(Feed):
    """The forward plan as an Atom feed: one entry per notice, updated when the notice or its gate changes."""

    feed_type = Atom1Feed
    title = "Forward plan of key decisions"
    subtitle = "Key decisions that have not been taken yet, with their notices."

    def link(self):
        return reverse("forward-plan")

    def feed_guid(self):
        return tag_uri("forward-plan")

    def items(self):
        return forward_plan()

    def item_title(self, item: PlannedDecision) -> str:
        return f"{item.strategy.reference}: {item.strategy.title} ({item.status})"

    def item_link(self, item: PlannedDecision) -> str:
        return f"{reverse('forward-plan')}#notice-{item.gate.pk}"

    def item_guid(self, item: PlannedDecision) -> str:
        return tag_uri(f"notice/{item.gate.pk}")

    item_guid_is_permalink = False

    def item_description(self, item: PlannedDecision) -> str:
        gate = item.gate
        lines = [
            f"Matter to be decided: {item.matter}",
            f"Decision-maker: {item.decision_maker}",
            f"Intended decision date: {gate.intended_decision_date or 'not set'}",
            f"Earliest decision date: {gate.decision_not_before or 'not set'}",
            "Documents submitted: " + ("; ".join(item.documents) or "to be listed"),
            f"How to make representations: {item.representations or 'contact the lead organisation'}",
        ]
        return "".join(linebreaks(escape(line)) for line in lines)

    def item_pubdate(self, item: PlannedDecision):
        return _moment(item.gate.notice_published_on or item.gate.urgency_agreed_at)

    def item_updateddate(self, item: PlannedDecision):
        return item.gate.updated_at

    def item_author_name(self, item: PlannedDecision) -> str:
        return item.strategy.lead_organisation.name


class DecisionsFeed(Feed):
    """The records of decision, executive and officer decisions, newest first, as an Atom feed."""

    feed_type = Atom1Feed
    title = "Records of decision"
    subtitle = "Executive decisions and officer decisions that have been taken."

    def link(self):
        return reverse("records-of-decision")

    def feed_guid(self):
        return tag_uri("decisions")

    def items(self):
        return _with_strategies(list(published_records()[:RECORDS_LIMIT]))

    def item_title(self, record) -> str:
        kind = "Officer decision" if record.kind == "officer" else "Decision"
        reference = f"{record.strategy.reference}: " if record.strategy else ""
        return f"{kind}: {reference}{record.decision_text[:150]}"

    def item_link(self, record) -> str:
        return reverse("record-of-decision", args=[record.decision.pk])

    def item_guid(self, record) -> str:
        return tag_uri(f"decision/{record.decision.pk}")

    item_guid_is_permalink = False

    def item_description(self, record) -> str:
        lines = [
            f"Decision: {record.decision_text}",
            f"Reasons: {record.reasons}",
            f"Alternatives considered and rejected: {record.alternatives_considered}",
            f"Conflicts of interest declared: {record.conflicts_of_interest}",
            f"Dispensations granted: {record.dispensations or 'None'}",
            f"Decided by: {record.decision.principal}, {record.decision.seat.label}",
            f"Status: {record.status}",
        ]
        return "".join(linebreaks(escape(line)) for line in lines)

    def item_pubdate(self, record):
        return record.decision.decided_at

    def item_author_name(self, record) -> str:
        return str(record.decision.principal)

    def item_categories(self, record):
        return ["officer decision" if record.kind == "officer" else "executive decision"] + (
            ["key decision"] if record.decision.gate.key_decision else []
        )


@require_GET
def ocds_package(request, reference: str):
    """The strategy's OCDS 1.1 release package (see `commissioning.ocds`); 404 when it has no procurement."""
    strategy = get_object_or_404(Strategy.objects.select_related("lead_organisation"), reference=reference)
    procurement = procurement_of(strategy)
    if not procurement.cycles:
        raise Http404("No procurement is published for this strategy.")
    package = ocds.release_package(
        procurement,
        prefix=settings.OCDS_OCID_PREFIX,
        uri=request.build_absolute_uri(),
        licence=settings.OPEN_DATA_LICENCE_URL,
        publication_policy=request.build_absolute_uri(reverse("open-data")),
    )
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def open_data(request):
    """What is published, in which formats, under which licence, and each strategy's OCDS package."""
    context = {
        "strategies": strategies_with_procurement(),
        "ocid_prefix": settings.OCDS_OCID_PREFIX,
        "tag_authority": settings.OPEN_DATA_TAG_AUTHORITY,
        "licence": settings.OPEN_DATA_LICENCE_URL,
    }
    return render(request, "public/open_data.html", context)
