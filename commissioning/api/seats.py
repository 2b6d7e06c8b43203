"""Seats through the API: the caller's seats awaiting decision, and deciding one.

Deciding goes through the same service as the pages. It needs `If-Match` with the gate's version (a stale one is
a 412) and takes an `Idempotency-Key` (`idempotency.idempotent`): a retried request returns the first response and
changes nothing.
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.exceptions import WorkflowError
from workflows.models import DecisionOutcome, Seat
from workflows.services import ConditionSpec, RecordSpec

from .. import selectors, services
from ..models import Strategy
from . import serializers as s
from .errors import domain_problem, problem
from .idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
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


IF_MATCH = re.compile(r'^\s*(?:W/)?"?(?:gate-\d+-v)?(\d+)"?\s*$')


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
            IDEMPOTENCY_KEY_PARAMETER,
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
                invalid_params=[{"name": "If-Match", "reason": "Not a version."}],
            )
        return idempotent(request, lambda: self._decide(request, seat_id, int(matched.group(1))))

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
