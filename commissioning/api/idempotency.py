"""Writes that take an `Idempotency-Key` and an `If-Match`, as deciding a seat does (`seats.SeatDecisionView`): a
retry with the same key returns the first response byte for byte (`Idempotent-Replayed: true`) and changes nothing;
the same key with a different request is a 409; `If-Match` carries the version the caller last saw.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.problems import PROBLEM
from workflows.models import IdempotencyKey

from .errors import problem

REPLAYED_HEADERS = ("ETag",)
MAX_KEY_LENGTH = 200
# A strategy's version, bare ("7") or as one of its ETags ("measures-12-v7", "strategy-12-v7"), weak or strong.
STRATEGY_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(?:(?:measures|strategy)-(\d+)-v)?(\d+)"?\s*$')

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retry with the same key returns the first response.",
)


def strategy_if_match(request, strategy_id: int) -> int | Response:
    """The strategy version the caller's If-Match names, or the problem to answer with (428 without one, 400 for
    one that is not a version, 412 for the ETag of another strategy)."""
    if_match = request.headers.get("If-Match")
    if not if_match:
        return problem(
            428,
            "Send If-Match with the strategy's version: the ETag of its measures (or of the strategy), so that a "
            "change made since you read them is not overwritten.",
            "if_match_required",
        )
    matched = STRATEGY_IF_MATCH.match(if_match)
    if not matched:
        return problem(
            400,
            'If-Match must be the ETag of the strategy\'s measures, e.g. "measures-12-v7", or its version, e.g. "7".',
            "invalid_input",
            errors={"If-Match": "Not a version."},
            invalid_params=[{"name": "If-Match", "reason": "Not a version."}],
        )
    if matched.group(1) is not None and int(matched.group(1)) != strategy_id:
        return problem(
            412,
            "If-Match is the ETag of another strategy: read this strategy's measures and send their ETag.",
            "stale_version",
        )
    return int(matched.group(2))


def _as_sent(response: Response) -> HttpResponse:
    """The response as the client receives it (JSON, or problem+json for a refusal), kept byte for byte."""
    content_type = PROBLEM if response.status_code >= 400 else "application/json"
    sent = HttpResponse(JSONRenderer().render(response.data), status=response.status_code, content_type=content_type)
    for name, value in response.items():
        if name != "Content-Type":
            sent[name] = value
    return sent


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request, respond: Callable[[], Response]) -> HttpResponse | Response:
    """`respond()` once per Idempotency-Key (without a key, every time): its response is kept with the key, in the
    same transaction as what it changed, and sent again for a retry."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_KEY_LENGTH:
        return problem(
            400,
            f"Idempotency-Key must be {MAX_KEY_LENGTH} characters or fewer.",
            "invalid_input",
            errors={"Idempotency-Key": "Too long."},
            invalid_params=[{"name": "Idempotency-Key", "reason": "Too long."}],
        )
    if not key:
        return respond()
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            stored = IdempotencyKey.objects.create(
                user=request.user, key=key, request_fingerprint=fingerprint, response_status=0
            )
            response = _as_sent(respond())
            stored.response_status = response.status_code
            stored.response_content = response.content
            stored.response_content_type = response["Content-Type"]
            stored.response_headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
            stored.save(
                update_fields=["response_status", "response_content", "response_content_type", "response_headers"]
            )
            return response
    except IntegrityError:
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None:  # the other request rolled back: let the client try again
            return problem(409, "A request with this Idempotency-Key is in progress; retry shortly.", "conflict")
    if stored.request_fingerprint != fingerprint:
        return problem(
            409,
            "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
            "idempotency_key_reused",
        )
    if not stored.response_content_type:  # kept before responses were kept byte for byte: its data, rendered again
        content_type = PROBLEM if stored.response_status >= 400 else "application/json"
        return Response(
            stored.response_body,
            status=stored.response_status,
            headers={"Idempotent-Replayed": "true"},
            content_type=content_type,
        )
    return HttpResponse(
        bytes(stored.response_content),
        status=stored.response_status,
        content_type=stored.response_content_type,
        headers={**stored.response_headers, "Idempotent-Replayed": "true"},
    )
