"""The partner API's read side: strategies, their history and decisions, and the events feed.

Polling is meant to be cheap: lists and details answer `If-None-Match` / `If-Modified-Since` with 304 after one
query for the token and one aggregate over what the caller may see, without serialising anything.
"""

from __future__ import annotations

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, OuterRef, Sum
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.models import AuditEvent, Decision

from .. import selectors
from ..models import Strategy, StrategyPartner
from . import serializers as s

PROBLEM_RESPONSES = {
    401: OpenApiResponse(description="Not signed in: no token, or an expired or revoked one (problem+json)."),
    429: OpenApiResponse(description="Too many requests for this token; wait as Retry-After says (problem+json)."),
}
BAD_QUERY = OpenApiResponse(description="A query parameter is invalid, such as a cursor (problem+json names it).")
CONDITIONAL_PARAMETERS = [
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="An ETag you have."),
    OpenApiParameter(
        "If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER, description="An HTTP date (Last-Modified)."
    ),
]


class StrategyCursorPagination(CursorPagination):
    ordering = ("id",)
    page_size = 50
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        """The page_size asked for, or 400 naming it: DRF's own quietly ignores a value it cannot read."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: f"Give a whole number from 1 to {self.max_page_size}, or leave it out."}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"cursor": "This is not a cursor the API gave out; start again without it."}
            ) from None


def _conditional(request, etag: str, last_modified) -> Response | None:
    """304 when the caller's ETag or date still holds, else None (the caller serves the full response)."""
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        if etag in tags or f"W/{etag}" in tags or "*" in tags:
            return Response(status=304, headers=headers)
        return None
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is not None and last_modified is not None and int(last_modified.timestamp()) <= since:
        return Response(status=304, headers=headers)
    return None


def _with_validators(response: Response, etag: str, last_modified) -> Response:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "private, no-cache"
    return response


def _visible_strategy(request, reference: str) -> tuple[int, int, object]:
    row = (
        selectors.strategies_visible_to(request.user)
        .filter(reference=reference)
        .values_list("pk", "version", "updated_at")
        .first()
    )
    if row is None:
        raise exceptions.NotFound(f"No strategy {reference} that you can see.")
    return row


def conditional_strategy_response(request, reference: str, kind: str, build) -> Response:
    """A resource that changes only when its strategy's version does: 304 after one query when the caller's ETag
    or date still holds, else `build(pk)` serialised with fresh validators. Unseen strategies are a 404."""
    pk, version, updated_at = _visible_strategy(request, reference)
    etag = f'"{kind}-{pk}-v{version}"'
    not_modified = _conditional(request, etag, updated_at)
    if not_modified is not None:
        return not_modified
    return _with_validators(Response(build(pk)), etag, updated_at)


@extend_schema(tags=["strategies"])
class StrategyListView(APIView):
    """The strategies you may see: led by your organisation, or with your organisation as a partner."""

    pagination_class = StrategyCursorPagination

    @extend_schema(
        operation_id="strategies_list",
        parameters=[s.StrategyFilterSerializer, *CONDITIONAL_PARAMETERS],
        responses={
            200: s.StrategySerializer(many=True),
            304: OpenApiResponse(description="Nothing changed since your ETag or date."),
            400: OpenApiResponse(description="A query parameter is invalid (problem+json names it)."),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request):
        filters = {}
        if request.query_params:  # a plain poll has none: skip building the serializer
            params = s.StrategyFilterSerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
            filters = params.validated_data
        queryset = selectors.strategies_visible_to(request.user)
        if "stage" in filters:
            queryset = queryset.filter(stage=filters["stage"])
        if "organisation" in filters:
            organisation = filters["organisation"]
            party = StrategyPartner.objects.filter(strategy=OuterRef("pk"), organisation_id=organisation)
            queryset = queryset.filter(
                Exists(party) | Exists(Strategy.objects.filter(pk=OuterRef("pk"), lead_organisation_id=organisation))
            )
        if filters.get("key_decision") is not None:
            queryset = queryset.filter(current_gate__key_decision=filters["key_decision"])
        if "updated_since" in filters:
            queryset = queryset.filter(updated_at__gt=filters["updated_since"])
        summary = queryset.aggregate(n=Count("pk"), latest=Max("updated_at"), versions=Sum("version"))
        fingerprint = (
            f"{request.user.pk}|{request.GET.urlencode()}|{summary['n']}|{summary['latest']}|{summary['versions']}"
        )
        etag = f'"{hashlib.sha256(fingerprint.encode()).hexdigest()[:32]}"'
        not_modified = _conditional(request, etag, summary["latest"])
        if not_modified is not None:
            return not_modified
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.strategies_for_api(request.user).filter(pk__in=queryset.values("pk")), request, view=self
        )
        base = reverse("api:strategy-list")
        response = paginator.get_paginated_response([s.strategy_data(strategy, base) for strategy in page])
        return _with_validators(response, etag, summary["latest"])


@extend_schema(tags=["strategies"])
class StrategyDetailView(APIView):
    @extend_schema(
        operation_id="strategies_retrieve",
        parameters=CONDITIONAL_PARAMETERS,
        responses={
            200: s.StrategySerializer,
            304: OpenApiResponse(description="Nothing changed since your ETag or date."),
            404: OpenApiResponse(description="No such strategy, or not one you may see (problem+json)."),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request, reference: str):
        return conditional_strategy_response(
            request,
            reference,
            "strategy",
            lambda pk: s.strategy_data(
                selectors.strategies_for_api(request.user).get(pk=pk), reverse("api:strategy-list")
            ),
        )


def _events(queryset, request, *, limit: int) -> Response:
    events = list(queryset.select_related("actor", "on_behalf_of", "object_type").order_by("pk")[:limit])
    references = dict(Strategy.objects.filter(pk__in={e.subject_id for e in events}).values_list("pk", "reference"))
    data = s.EventSerializer(events, many=True, context={"references": references}).data
    after = events[-1].pk if events else int(request.query_params.get("after") or 0)
    return Response({"results": data, "next_after": after, "more": len(events) == limit})


@extend_schema(tags=["strategies"])
class StrategyHistoryView(APIView):
    @extend_schema(
        operation_id="strategies_history",
        parameters=[s.AfterSerializer],
        responses={
            200: s.EventPageSerializer,
            400: BAD_QUERY,
            404: OpenApiResponse(description="Not found"),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request, reference: str):
        """The strategy's audit trail, oldest first: `?after=<id>` continues from an event you have."""
        params = s.AfterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        pk, _, _ = _visible_strategy(request, reference)
        queryset = AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Strategy),
            subject_id=pk,
            pk__gt=params.validated_data["after"],
        )
        return _events(queryset, request, limit=params.validated_data["limit"])


@extend_schema(tags=["strategies"])
class StrategyDecisionsView(APIView):
    @extend_schema(
        operation_id="strategies_decisions",
        responses={
            200: s.DecisionSerializer(many=True),
            404: OpenApiResponse(description="Not found"),
            **PROBLEM_RESPONSES,
        },
    )
    def get(self, request, reference: str):
        """Every decision on every gate of the strategy, with the snapshot hash each one decided on."""
        pk, _, _ = _visible_strategy(request, reference)
        decisions = (
            Decision.objects.filter(gate__subject_type=ContentType.objects.get_for_model(Strategy), gate__subject_id=pk)
            .select_related("gate", "seat", "actor", "on_behalf_of", "record")
            .order_by("pk")
        )
        return Response(s.DecisionSerializer(decisions, many=True).data)


@extend_schema(tags=["events"])
class EventFeedView(APIView):
    @extend_schema(
        operation_id="events_list",
        parameters=[s.AfterSerializer],
        responses={200: s.EventPageSerializer, 400: BAD_QUERY, **PROBLEM_RESPONSES},
    )
    def get(self, request):
        """Changes to the strategies you may see, oldest first. Keep `next_after` and pass it as `?after=`."""
        params = s.AfterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        queryset = AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Strategy),
            subject_id__in=selectors.strategies_visible_to(request.user).values("pk"),
            pk__gt=params.validated_data["after"],
        )
        return _events(queryset, request, limit=params.validated_data["limit"])
