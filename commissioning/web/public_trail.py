"""The tamper-evident trail, published: the head of every chain of the audit trail (a page and its JSON), and each
published record of decision's proof, with which anyone can check that record against a published head without
trusting this service (`workflows.trail`; the README says how, and what it proves)."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from workflows.trail import published_heads, record_proof

from .public import published_records

HOW_TO_CHECK = [
    "Keep a copy of the root (and the heads you care about) from /decisions/chain.json, or compare it with a copy "
    "published or recorded elsewhere (minutes, a newspaper, a transparency log).",
    "From a record of decision's page, download its proof (proof.json). record_hash is the SHA-256 of the canonical "
    "JSON (keys sorted, no spaces, UTF-8) of the record's five fields; the event's content.data.record_hash must "
    "equal it.",
    "content_hash is the SHA-256 of the canonical JSON of event.content; event_hash is the SHA-256 of the canonical "
    'JSON of {"version": 1, "chain": ..., "position": ..., "previous_hash": ..., "content_hash": ...}.',
    "Each step of path has the previous step's event_hash (the event's, for the first) as its previous_hash, and "
    "hashes the same way; the last step's event_hash is the chain's head, which must be the head published for that "
    "chain at that length (or, for a head you recorded earlier at a shorter length, the step at that position).",
    'The root is the SHA-256 of the canonical JSON of {"version": 1, "chains": [[key, length, head], ...]} with '
    "the chains sorted by key, as chain.json lists them.",
]


@require_GET
@cache_control(public=True, max_age=60)
def chain_page(request):
    heads = published_heads()
    strategy_chains = sum(1 for key, _length, _head in heads["chains"] if key.startswith("commissioning.strategy:"))
    return render(
        request,
        "public/audit_chain.html",
        {"heads": heads, "strategy_chains": strategy_chains, "how_to_check": HOW_TO_CHECK},
    )


@require_GET
@cache_control(public=True, max_age=60)
def chain_json(request):
    heads = published_heads()
    body = {
        "about": "The head of every chain of the audit trail: chains [key, length, head hash], sorted by key, and "
        "their root. Record the root elsewhere to be able to show later that the trail's past was not changed.",
        **heads,
        "how_to_check": HOW_TO_CHECK,
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})


@require_GET
def record_proof_json(request, decision_id: int):
    record = published_records().filter(decision_id=decision_id).first()
    if record is None:
        raise Http404("No published record of decision")
    proof = record_proof(record)
    body = {
        "about": "A published record of decision, its decision's event on the audit trail (its reason only as its "
        "SHA-256) and the hashes from that event to its chain's head: check each step yourself (how_to_check).",
        "record_page": request.build_absolute_uri(reverse("record-of-decision", args=[decision_id])),
        "published_heads": request.build_absolute_uri(reverse("audit-chain-json")),
        **proof,
        "how_to_check": HOW_TO_CHECK,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="record-of-decision-{decision_id}-proof.json"'
    return response
