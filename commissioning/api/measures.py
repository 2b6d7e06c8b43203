"""Outcome measures in the partner API: read a strategy's measures with their figures, and return a figure.

`GET  /api/v1/strategies/{reference}/measures/` lists the measures (conditional on the strategy's version, like the
detail), and `POST /api/v1/strategies/{reference}/measures/{code}/figures/` returns one figure for one period.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..models import OutcomeMeasure, PerformanceFigure
from ..services import measures
from .serializers import OrganisationRefSerializer
from .strict import StrictCharField, StrictInputSerializer
from .views import CONDITIONAL_PARAMETERS, PROBLEM_RESPONSES, conditional_strategy_response, visible_strategy_id

# --------------------------------------------------------------------------------------------------------------
# Serializers
# --------------------------------------------------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.CharField(help_text="YYYY-MM, YYYY-Qn (calendar quarters) or YYYY.")
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField()
    on_target = serializers.SerializerMethodField()
    organisation = OrganisationRefSerializer(help_text="The organisation that returned it.")
    submitted_by = serializers.CharField()
    submitted_at = serializers.DateTimeField()

    @extend_schema_field(serializers.BooleanField(allow_null=True, help_text="Empty when the measure has no target."))
    def get_on_target(self, figure: PerformanceFigure) -> bool | None:
        measure = figure.measure
        if measure.target is None:
            return None
        return figure.value >= measure.target if measure.higher_is_better else figure.value <= measure.target


class MeasureLinksSerializer(serializers.Serializer):
    figures = serializers.CharField(help_text="POST a figure here.")


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

    @extend_schema_field(serializers.CharField(help_text="What a period of this measure looks like, e.g. YYYY-Qn."))
    def get_period_format(self, measure: OutcomeMeasure) -> str:
        return measures.PERIOD_PATTERNS[measure.period]

    @extend_schema_field(MeasureLinksSerializer)
    def get_links(self, measure: OutcomeMeasure) -> dict:
        return {"figures": reverse("api:strategy-measure-figures", args=[measure.strategy.reference, measure.code])}


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
    period = StrictCharField(
        max_length=10, help_text="As the measure's period_format says: YYYY-MM, YYYY-Qn or YYYY; begun, after 2000."
    )
    value = FigureValueField()
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=500)


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
