"""Seats through the API: the caller's seats awaiting decision, and deciding one.

Deciding goes through the same service as the pages. It needs `If-Match` with the gate's version (a stale one is
a 412) and takes an `Idempotency-Key`: a retried request returns the first response and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.problems import PROBLEM
from workflows.exceptions import WorkflowError
from workflows.models import DecisionOutcome, IdempotencyKey, Seat
from workflows.services import ConditionSpec, RecordSpec

from .. import selectors, services
from ..models import Strategy
from . import serializers as s
from .errors import domain_problem, problem
from .strict import StrictCharField, StrictInputSerializer, StrictIntegerField
from .views import PROBLEM_RESPONSES


class AwaitingSeatSerializer(s.SeatSerializer):
    strategy = serializers.CharField(help_text="The strategy's reference.")
    gate = serializers.IntegerField(source="gate_id")
    gate_title = serializers.CharField(source="gate.title")
    gate_version = serializers.IntegerField(source="gate.version", help_text="Send as If-Match when deciding.")
    key_decision = serializers.BooleanField(source="gate.key_decision")
    snapshot_hash = serializers.CharField(source="gate.snapshot_hash")
    decision_not_before = serializers.DateField(source="gate.decision_not_before", allow_null=True)


class ConditionInputSerializer(StrictInputSerializer):
    description = StrictCharField(max_length=2000)
    owner = StrictIntegerField(min_value=1, help_text="The id of the person who owns the condition.")
    due_on = serializers.DateField()


class RecordInputSerializer(StrictInputSerializer):
    decision_text = StrictCharField(max_length=10000)
    reasons = StrictCharField(max_length=10000)
    alternatives_considered = StrictCharField(max_length=10000)
    conflicts_of_interest = StrictCharField(max_length=10000)
    dispensations = StrictCharField(max_length=10000, required=False, allow_blank=True, default="")


class DecisionInputSerializer(StrictInputSerializer):
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    reasons = StrictCharField(max_length=10000, required=False, allow_blank=True, default="")
    conditions = ConditionInputSerializer(many=True, required=False, default=list, max_length=50)
    record = RecordInputSerializer(required=False, allow_null=True, default=None)


class DecisionResultSerializer(serializers.Serializer):
    decision = s.DecisionSerializer()
    gate_state = serializers.CharField()
    gate_version = serializers.IntegerField()


@extend_schema(tags=["seats"])
class SeatQueueView(APIView):
    @extend_schema(
        operation_id="seats_awaiting",
        responses={200: AwaitingSeatSerializer(many=True), **PROBLEM_RESPONSES},
    )
    def get(self, request):
        """The seats you may decide now, yourself or as a deputy; soonest due first (at most 500)."""
        seats = list(selectors.seats_awaiting(request.user)[:500])
        references = dict(
            Strategy.objects.filter(pk__in={seat.gate.subject_id for seat in seats}).values_list("pk", "reference")
        )
        for seat in seats:
            seat.strategy = references.get(seat.gate.subject_id, "")
        return Response(AwaitingSeatSerializer(seats, many=True).data)


REPLAYED_HEADERS = ("ETag",)


def _as_sent(response: Response) -> HttpResponse:
    """The response as the client receives it (JSON, or problem+json for a refusal), so that it can be kept byte for
    byte and a retry with the same Idempotency-Key gets exactly the same bytes."""
    content_type = PROBLEM if response.status_code >= 400 else "application/json"
    sent = HttpResponse(JSONRenderer().render(response.data), status=response.status_code, content_type=content_type)
    for name, value in response.items():
        if name != "Content-Type":
            sent[name] = value
    return sent


IF_MATCH = re.compile(r'^\s*(?:W/)?"?(?:gate-\d+-v)?(\d+)"?\s*$')


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


@extend_schema(tags=["seats"])
class SeatDecisionView(APIView):
    @extend_schema(
        operation_id="seats_decide",
        request=DecisionInputSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description='The gate\'s version as you last saw it, e.g. "7" (from gate_version).',
            ),
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Any unique string (a UUID): a retry with the same key returns the first response.",
            ),
        ],
        responses={
            201: DecisionResultSerializer,
            400: OpenApiResponse(description="Bad input; the problem names each field."),
            403: OpenApiResponse(description="Not your seat (or not as deputy)."),
            404: OpenApiResponse(description="No such seat that you can see."),
            409: OpenApiResponse(description="The seat or gate cannot be decided now; says why and what is allowed."),
            412: OpenApiResponse(description="If-Match is stale: the gate changed since you read it."),
            428: OpenApiResponse(description="If-Match is missing."),
            **PROBLEM_RESPONSES,
        },
    )
    def post(self, request, seat_id: int):
        """Approve, approve with conditions, or reject a seat, bound to the gate's snapshot hash."""
        visible = selectors.strategies_visible_to(request.user).values("pk")
        strategy_type = ContentType.objects.get_for_model(Strategy)
        if not Seat.objects.filter(pk=seat_id, gate__subject_type=strategy_type, gate__subject_id__in=visible).exists():
            return problem(404, f"No seat {seat_id} that you can see.", "not_found")
        if_match = request.headers.get("If-Match")
        if not if_match:
            return problem(
                428,
                "Send If-Match with the gate's version (gate_version) so a stale decision is refused.",
                "if_match_required",
            )
        matched = IF_MATCH.match(if_match)
        if not matched:
            return problem(
                400,
                'If-Match must be the gate\'s version, e.g. "7".',
                "invalid_input",
                errors={"If-Match": "Not a version."},
            )
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            return problem(
                400,
                "Idempotency-Key must be 200 characters or fewer.",
                "invalid_input",
                errors={"Idempotency-Key": "Too long."},
            )
        if not key:
            return self._decide(request, seat_id, int(matched.group(1)))
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                stored = IdempotencyKey.objects.create(
                    user=request.user, key=key, request_fingerprint=fingerprint, response_status=0
                )
                response = _as_sent(self._decide(request, seat_id, int(matched.group(1))))
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
        if not stored.response_content_type:  # kept before responses were kept byte for byte
            content_type = "application/problem+json" if stored.response_status >= 400 else "application/json"
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

    def _decide(self, request, seat_id: int, gate_version: int) -> Response:
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        record = values.get("record")
        try:
            decision = services.seat_decide(
                actor=request.user,
                seat_id=seat_id,
                outcome=values["outcome"],
                reasons=values.get("reasons", ""),
                conditions=[
                    ConditionSpec(c["description"], c["owner"], c["due_on"]) for c in values.get("conditions", [])
                ],
                record=RecordSpec(**record) if record else None,
                expected_gate_version=gate_version,
            )
        except WorkflowError as exc:
            return domain_problem(exc)
        gate = decision.gate
        gate.refresh_from_db()
        body = {
            "decision": s.DecisionSerializer(decision).data,
            "gate_state": gate.state,
            "gate_version": gate.version,
        }
        return Response(body, status=201, headers={"ETag": f'"gate-{gate.pk}-v{gate.version}"'})
