"""Changes between rounds in the partner API: `GET /api/v1/strategies/{reference}/changes/?since=<hash>`.

What changed in the strategy's current gate's latest submission since the snapshot with hash `since` (the one a
decision was made on: `decisions[].snapshot_hash`; any submission of the strategy), or since the submission before
it when `since` is left out: each fact and piece of evidence added, removed or edited, long text by paragraph
(`commissioning.changes`), with both hashes, the rejections that sent the earlier one back and the submitter's note.
Read-only, scoped like the other strategy endpoints (a strategy you cannot see is a 404); JSON built as dicts.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.models import Gate

from ..models import Strategy
from ..selectors.changes import Comparison, Side, changes_since, snapshot_of_strategy
from .serializers import QueryParameters
from .views import PROBLEM_RESPONSES, visible_strategy_id

# --------------------------------------------------------------------------------------------------------------
# The schema (the body itself is built as dicts, below)
# --------------------------------------------------------------------------------------------------------------


class ChangesQuerySerializer(QueryParameters):
    since = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        required=False,
        help_text="The SHA-256 hash (64 lowercase hex digits) of the submission to compare with, e.g. the "
        "`snapshot_hash` of a decision. Left out: the submission before the latest.",
        error_messages={"invalid": "Give a snapshot hash: 64 lowercase hexadecimal digits."},
    )


class ParagraphSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=["kept", "removed", "added"])
    text = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name in the snapshot, e.g. total_contract_value.")
    label = serializers.CharField(help_text="The field as the pages name it.")
    before = serializers.JSONField(allow_null=True, help_text="The value as stored before (null: none).")
    after = serializers.JSONField(allow_null=True, help_text="The value as stored now (null: none).")
    before_text = serializers.CharField(help_text="The value before, as people read it.")
    after_text = serializers.CharField(help_text="The value now, as people read it.")
    paragraphs = ParagraphSerializer(
        many=True, allow_null=True, help_text="Long text compared paragraph by paragraph; null for short values."
    )


class EvidenceChangeSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=["added", "removed", "edited"])
    code = serializers.CharField(help_text="The evidence template's code.")
    title = serializers.CharField(allow_null=True)
    fields = FieldChangeSerializer(many=True)


class ChangeListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many facts and pieces of evidence changed.")
    facts = FieldChangeSerializer(many=True)
    evidence = EvidenceChangeSerializer(many=True)


class SubmissionSerializer(serializers.Serializer):
    snapshot_hash = serializers.CharField()
    round = serializers.IntegerField(help_text="Which submission of its gate it was.")
    gate = serializers.IntegerField(help_text="The gate it was submitted to.")
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.CharField()


class RejectionSerializer(serializers.Serializer):
    seat = serializers.CharField()
    decided_by = serializers.CharField()
    on_behalf_of = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField()
    reasons = serializers.CharField()


class ChangesGateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.CharField()
    cycle = serializers.IntegerField()
    state = serializers.CharField()
    round = serializers.IntegerField()


class ChangesSerializer(serializers.Serializer):
    strategy = serializers.CharField(help_text="The strategy's reference.")
    gate = ChangesGateSerializer()
    since = SubmissionSerializer(allow_null=True, help_text="The submission compared with; null for a first one.")
    latest = SubmissionSerializer(help_text="The gate's latest submission.")
    note = serializers.CharField(help_text="The submitter's covering note: what they changed, and why.")
    rejections = RejectionSerializer(many=True, help_text="The decisions that rejected the earlier submission.")
    changes = ChangeListSerializer()


# --------------------------------------------------------------------------------------------------------------
# The body
# --------------------------------------------------------------------------------------------------------------


def _submission(side: Side) -> dict | None:
    snapshot = side.snapshot
    if snapshot is None:
        return None
    return {
        "snapshot_hash": snapshot.content_hash,
        "round": snapshot.round,
        "gate": snapshot.gate_id,
        "submitted_at": snapshot.created_at.isoformat(),
        "submitted_by": str(snapshot.created_by),
    }


def changes_body(reference: str, comparison: Comparison) -> dict:
    gate = comparison.gate
    return {
        "strategy": reference,
        "gate": {"id": gate.pk, "stage": gate.stage, "cycle": gate.cycle, "state": gate.state, "round": gate.round},
        "since": _submission(comparison.before),
        "latest": _submission(comparison.after),
        "note": comparison.note,
        "rejections": [
            {
                "seat": decision.seat.label,
                "decided_by": str(decision.actor),
                "on_behalf_of": str(decision.on_behalf_of) if decision.on_behalf_of_id else None,
                "decided_at": decision.decided_at.isoformat(),
                "reasons": decision.reasons,
            }
            for decision in comparison.rejections
        ],
        "changes": comparison.changes,
    }


@extend_schema(tags=["strategies"])
class StrategyChangesView(APIView):
    @extend_schema(
        operation_id="strategies_changes",
        parameters=[ChangesQuerySerializer],
        responses={
            200: ChangesSerializer,
            400: OpenApiResponse(description="`since` is not a hash, or no submission of this strategy has it."),
            404: OpenApiResponse(
                description="No such strategy, or not one you may see; or its current gate was never submitted."
            ),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request, reference: str):
        """What changed in the current gate's latest submission since the snapshot `since` (both hashes given)."""
        params = ChangesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        pk = visible_strategy_id(request, reference)
        gate_id = Strategy.objects.filter(pk=pk).values_list("current_gate_id", flat=True).first()
        gate = Gate.objects.filter(pk=gate_id).first()
        if gate is None:
            raise exceptions.NotFound(f"{reference} has no current gate.")
        before = None
        if since := params.validated_data.get("since"):
            gates = Gate.objects.filter(Q(pk=gate.pk) | Q(subject_type=gate.subject_type_id, subject_id=pk))
            before = snapshot_of_strategy(gates.values("pk"), since)
            if before is None:
                raise exceptions.ValidationError({"since": f"No submission of {reference} has this hash."})
        comparison = changes_since(gate, before)
        if comparison is None:
            raise exceptions.NotFound(f"The current gate of {reference} has not been submitted yet.")
        return Response(changes_body(reference, comparison))
