"""The partner API's read side: strategies, their history and decisions, and the events feed.

Polling is meant to be cheap (see `polling`): an unchanged list or detail answers 304 from one indexed read; a list
page is put together from each strategy's JSON kept in the cache (`strategy_cache`); the events feed reads its page
in one query (`selectors.polling`) and writes it with orjson.
"""

from __future__ import annotations

import orjson
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.models import AuditEvent, Decision

from .. import selectors
from ..models import Strategy, StrategyPartner
from . import polling, strategy_cache
from . import serializers as s
from .pagination import ApiCursorPagination

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


def visible_strategy_id(request, reference: str) -> int:
    """The id of a strategy the caller may see; a 404 that never says whether it exists otherwise."""
    return polling.visible_strategy(request.user, reference)[0]


def conditional_strategy_response(request, reference: str, kind: str, build) -> Response:
    """A resource that changes only when its strategy's version does: 304 after one query when the caller's ETag
    or date still holds, else `build(pk, version)` with fresh validators (a dict is serialised; a response is sent
    as it is). Unseen strategies are a 404."""
    pk, version, updated_at = polling.visible_strategy(request.user, reference)
    etag = polling.strategy_etag(kind, pk, version)
    if polling.still_fresh(request, etag, updated_at):
        return polling.not_modified(etag, updated_at)
    body = build(pk, version)
    return polling.with_validators(body if isinstance(body, HttpResponse) else Response(body), etag, updated_at)


def _json(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


@extend_schema(tags=["strategies"])
class StrategyListView(APIView):
    """The strategies you may see: led by your organisation, or with your organisation as a partner."""

    pagination_class = ApiCursorPagination

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
        etag, last_modified = polling.list_validators(request.user, request.GET.urlencode())
        if polling.still_fresh(request, etag, last_modified):
            return polling.not_modified(etag, last_modified)
        # The ETag says everything this page depends on (the caller, the query and what they can see), so a page
        # built for it before can be sent again; its links name the address it was asked at.
        page_key = strategy_cache.page_key(etag, request.build_absolute_uri("/"))
        body = strategy_cache.kept_page(page_key)
        if body is not None:
            return polling.with_validators(_json(body), etag, last_modified)
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
        paginator = self.pagination_class()
        # Rows as dicts, not models: the page needs only each strategy's id, version and last change.
        page = paginator.paginate_queryset(queryset.values("id", "version", "updated_at"), request, view=self)
        rows = [(row["id"], row["version"], row["updated_at"]) for row in page]
        parts = strategy_cache.strategies_json(request.user, rows)
        body = strategy_cache.page_body(
            parts, next_link=paginator.get_next_link(), previous_link=paginator.get_previous_link()
        )
        strategy_cache.keep_page(page_key, body)
        return polling.with_validators(_json(body), etag, last_modified)


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
        pk, version, updated_at = polling.visible_strategy(request.user, reference)
        etag = polling.strategy_etag("strategy", pk, version)
        if polling.still_fresh(request, etag, updated_at):
            return polling.not_modified(etag, updated_at)
        body = strategy_cache.strategies_json(request.user, [(pk, version, updated_at)])[0]
        return polling.with_validators(_json(body), etag, updated_at)


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
        pk = visible_strategy_id(request, reference)
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
        pk = visible_strategy_id(request, reference)
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
        after, limit = params.validated_data["after"], params.validated_data["limit"]
        rows = selectors.events_after(request.user, after, limit)
        results = [s.event_data(*row) for row in rows]
        body = {"results": results, "next_after": rows[-1][0] if rows else after, "more": len(rows) == limit}
        return _json(orjson.dumps(body))
