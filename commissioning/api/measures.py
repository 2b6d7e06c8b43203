"""Outcome measures in the partner API: read a strategy's measures with their figures, return a figure, and
correct one.

`GET  /api/v1/strategies/{reference}/measures/` lists the measures (conditional on the strategy's version, like the
detail), `POST /api/v1/strategies/{reference}/measures/{code}/figures/` returns one figure for one period, and
`POST /api/v1/strategies/{reference}/measures/{code}/corrections/` corrects a returned figure, with a reason (the
period is in the body: a financial year's, such as `2026/27 Q1`, has a slash and a space in it). A correction needs
`If-Match` with the strategy's version (the measures' ETag) and takes an `Idempotency-Key`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.exceptions import WorkflowError

from .. import selectors
from ..models import OutcomeMeasure, PerformanceFigure, Strategy
from ..selectors.measures import figure_corrections
from ..services import measures
from . import polling
from .errors import domain_problem, exception_handler
from .idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent, strategy_if_match
from .serializers import OrganisationRefSerializer
from .strict import StrictCharField, StrictInputSerializer
from .views import CONDITIONAL_PARAMETERS, PROBLEM_RESPONSES, conditional_strategy_response, visible_strategy_id

PERIOD_HELP = (
    "As the measure's period_format says: YYYY-MM, YYYY-Qn (calendar quarters: Q1 is January to March), YYYY, "
    "YYYY/YY Qn (financial-year quarters: Q1 is April to June, Q4 January to March) or YYYY/YY (a financial year, "
    "April to March, e.g. 2026/27)."
)

# --------------------------------------------------------------------------------------------------------------
# Serializers
# --------------------------------------------------------------------------------------------------------------


class CorrectionSerializer(serializers.Serializer):
    previous_value = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="The figure before.")
    previous_note = serializers.CharField(help_text="The note before.")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="The figure since.")
    note = serializers.CharField(help_text="The note since.")
    reason = serializers.CharField(help_text="Why it was corrected.")
    organisation = OrganisationRefSerializer(help_text="The organisation that corrected it (the one that returned it).")
    corrected_by = serializers.CharField()
    corrected_at = serializers.DateTimeField()


class FigureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.CharField(
        help_text="YYYY-MM, YYYY-Qn (calendar quarters), YYYY, YYYY/YY Qn (financial-year quarters) or YYYY/YY "
        "(a financial year, April to March)."
    )
    starts_on = serializers.DateField(allow_null=True, help_text="The day the period begins.")
    value = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The figure now: the latest correction's value, if corrected."
    )
    note = serializers.CharField()
    on_target = serializers.SerializerMethodField()
    organisation = OrganisationRefSerializer(help_text="The organisation that returned it.")
    submitted_by = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    corrected = serializers.SerializerMethodField()
    corrections = CorrectionSerializer(many=True, help_text="Its corrections, oldest first (empty if none).")

    @extend_schema_field(serializers.BooleanField(help_text="True once the figure has been corrected."))
    def get_corrected(self, figure: PerformanceFigure) -> bool:
        return bool(figure.corrections.all())

    @extend_schema_field(serializers.BooleanField(allow_null=True, help_text="Empty when the measure has no target."))
    def get_on_target(self, figure: PerformanceFigure) -> bool | None:
        measure = figure.measure
        if measure.target is None:
            return None
        return figure.value >= measure.target if measure.higher_is_better else figure.value <= measure.target


class MeasureLinksSerializer(serializers.Serializer):
    figures = serializers.CharField(help_text="POST a figure here.")
    corrections = serializers.CharField(help_text="POST a correction of a returned figure here.")


class MeasureSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The measure's code in the figures URL.")
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=OutcomeMeasure.Level.choices)
    unit = serializers.CharField()
    period = serializers.ChoiceField(choices=OutcomeMeasure.Period.choices, help_text="How often figures are due.")
    period_format = serializers.SerializerMethodField()
    target = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    higher_is_better = serializers.BooleanField()
    figures = FigureSerializer(many=True, help_text="Oldest period first.")
    links = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[(shape, shape) for shape in measures.PERIOD_PATTERNS.values()],
            help_text="What a period of this measure looks like, e.g. YYYY-Qn or YYYY/YY Qn.",
        )
    )
    def get_period_format(self, measure: OutcomeMeasure) -> str:
        return measures.PERIOD_PATTERNS[measure.period]

    @extend_schema_field(MeasureLinksSerializer)
    def get_links(self, measure: OutcomeMeasure) -> dict:
        args = [measure.strategy.reference, measure.code]
        return {
            "figures": reverse("api:strategy-measure-figures", args=args),
            "corrections": reverse("api:strategy-measure-corrections", args=args),
        }


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"},
        ],
        "description": "A number (or a string of one) with at most 2 decimal places, within ±999,999,999,999.99.",
        "example": 132.5,
    }
)
class FigureValueField(serializers.Field):
    """Passes the value through as sent: the service checks it and names `value` when it is wrong."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class FigureCreateSerializer(StrictInputSerializer):
    period = StrictCharField(max_length=10, help_text=f"{PERIOD_HELP} Begun, and in 2001 (2001/02) or later.")
    value = FigureValueField()
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=500)


class CorrectionCreateSerializer(StrictInputSerializer):
    period = StrictCharField(max_length=10, help_text=f"The period of the returned figure. {PERIOD_HELP}")
    value = FigureValueField(help_text="The corrected figure.")
    reason = StrictCharField(max_length=1000, help_text="Why the figure is corrected (required).")
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="The figure's note from now on; leave out to keep it.",
    )


# --------------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------------


@extend_schema(tags=["measures"])
class MeasureListView(APIView):
    @extend_schema(
        operation_id="strategies_measures_list",
        parameters=CONDITIONAL_PARAMETERS,
        responses={
            200: MeasureSerializer(many=True),
            304: OpenApiResponse(description="Nothing changed since your ETag or date."),
            404: OpenApiResponse(description="No such strategy, or not one you may see (problem+json)."),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request, reference: str):
        """The strategy's outcome measures, population level first, each with its target and returned figures."""
        return conditional_strategy_response(
            request,
            reference,
            "measures",
            lambda pk, _version: MeasureSerializer(selectors.measures_with_figures(pk), many=True).data,
        )


@extend_schema(tags=["measures"])
class FigureCreateView(APIView):
    @extend_schema(
        operation_id="strategies_measures_figures_create",
        request=FigureCreateSerializer,
        responses={
            201: FigureSerializer,
            400: OpenApiResponse(
                description="Bad input (problem+json names the field): `period` not in the measure's format, not "
                "begun or before 2001, `value` not a number "
                "with at most 2 decimal places within ±999,999,999,999.99, `note` over 500 characters."
            ),
            403: OpenApiResponse(
                description="You can see the strategy but hold no role at its lead or partner organisations."
            ),
            404: OpenApiResponse(
                description="No such strategy, or not one you may see; or the strategy has no measure with this code "
                "(`measure_not_found`, with the codes it has in `measures`)."
            ),
            409: OpenApiResponse(
                description="The strategy is not in Do or Review (`transition_not_allowed`), or a figure for this "
                "measure and period was already returned (`figure_already_returned`, with `existing`)."
            ),
            **PROBLEM_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "A quarter's figure",
                value={"period": "2025-Q1", "value": 132, "note": "Provisional"},
                request_only=True,
            ),
        ],
    )
    def post(self, request, reference: str, code: str):
        """Return a figure for one period of one of the strategy's outcome measures, while it is in Do or Review."""
        pk = visible_strategy_id(request, reference)
        body = FigureCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            figure = measures.figure_submit(
                actor=request.user, strategy_id=pk, measure_code=code, **body.validated_data
            )
        except measures.StrategyNotFound as exc:
            raise exceptions.NotFound(f"No strategy {reference} that you can see.") from exc
        return Response(FigureSerializer(figure).data, status=201)


def _measures_etag(strategy_id: int) -> str:
    version = Strategy.objects.values_list("version", flat=True).get(pk=strategy_id)
    return polling.strategy_etag("measures", strategy_id, version)


@extend_schema(tags=["measures"])
class FigureCorrectionView(APIView):
    @extend_schema(
        operation_id="strategies_measures_corrections_create",
        request=CorrectionCreateSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="The strategy's version as you last saw it: the ETag of its measures, e.g. "
                '"measures-12-v7" (or the strategy\'s ETag, or just "7").',
            ),
            IDEMPOTENCY_KEY_PARAMETER,
            OpenApiParameter(
                "ETag",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[201],
                description="The measures' new ETag: send it as If-Match with your next correction.",
            ),
        ],
        responses={
            201: OpenApiResponse(
                response=FigureSerializer, description="The figure as corrected, with all its corrections."
            ),
            400: OpenApiResponse(
                description="Bad input (problem+json names the field): `period` not in the measure's format, "
                "`value` not a number with at most 2 decimal places within ±999,999,999,999.99 (or the figure's "
                "value already, with the same note), `reason` missing, empty or over 1,000 characters, `note` over "
                "500 characters, a field this operation does not take, or an If-Match that is not a version."
            ),
            403: OpenApiResponse(
                description="You can see the strategy but hold no role at the organisation that returned the figure."
            ),
            404: OpenApiResponse(
                description="No such strategy, or not one you may see; the strategy has no measure with this code "
                "(`measure_not_found`, with the codes it has in `measures`); or no figure has been returned for this "
                "period (`figure_not_found`)."
            ),
            409: OpenApiResponse(
                description="The strategy is not in Do or Review (`transition_not_allowed`), or the Idempotency-Key "
                "was used for a different request (`idempotency_key_reused`)."
            ),
            412: OpenApiResponse(
                description="If-Match is stale: the strategy changed since you read it (`current_version` says "
                "its version now)."
            ),
            428: OpenApiResponse(description="If-Match is missing."),
            **PROBLEM_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "A financial quarter's figure corrected",
                value={"period": "2026/27 Q1", "value": 45, "reason": "The provider's revised return."},
                request_only=True,
            ),
        ],
    )
    def post(self, request, reference: str, code: str):
        """Correct a figure already returned for one period of one of the strategy's outcome measures, with the
        reason, while the strategy is in Do or Review. The earlier value is kept and listed in `corrections`."""
        pk = visible_strategy_id(request, reference)
        version = strategy_if_match(request, pk)
        if not isinstance(version, int):
            return version
        return idempotent(request, lambda: self._correct(request, reference, pk, code, version))

    def _correct(self, request, reference: str, pk: int, code: str, version: int) -> Response:
        body = CorrectionCreateSerializer(data=request.data)
        if not body.is_valid():
            return exception_handler(exceptions.ValidationError(body.errors), {})
        try:
            correction = measures.figure_correct(
                actor=request.user, strategy_id=pk, measure_code=code, expected_version=version, **body.validated_data
            )
        except measures.StrategyNotFound:
            return domain_problem(measures.StrategyNotFound(f"No strategy {reference} that you can see."))
        except WorkflowError as exc:
            return domain_problem(exc)
        figure = (
            PerformanceFigure.objects.select_related("measure", "organisation", "submitted_by")
            .prefetch_related(Prefetch("corrections", queryset=figure_corrections()))
            .get(pk=correction.figure_id)
        )
        return Response(FigureSerializer(figure).data, status=201, headers={"ETag": _measures_etag(pk)})
