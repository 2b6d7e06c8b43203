"""The peer: the same strategy list and detail built the way a typical Django team would, for `make bench` to
measure beside the product's own (`/bench/peer/strategies/`, only with BENCHMARK_BASELINE).

A DRF `ReadOnlyModelViewSet` with nested `ModelSerializer`s (organisation, partners, the current gate and its seats),
the queryset prefetched as the DRF documentation advises, scoped to what the caller may see with the product's own
selector; stock knox `TokenAuthentication`; DRF's cursor pagination; and Django's `ConditionalGetMiddleware` (as a
decorator on these views only) for ETags: it answers 304 once the whole response has been built and hashed.
It shows the same facts as the product's representation, field for field, but for the evidence counts, the next
deadline and the links, which it leaves out (less work for it, not more).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.middleware.http import ConditionalGetMiddleware
from django.utils.decorators import decorator_from_middleware
from knox.auth import TokenAuthentication
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from commissioning import selectors
from commissioning.models import Organisation, Strategy, StrategyPartner
from workflows.models import Gate, Seat, SeatState


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ("id", "name", "code")


class PartnerSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer()

    class Meta:
        model = StrategyPartner
        fields = ("organisation", "kind")


class SeatSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer()

    class Meta:
        model = Seat
        fields = (
            "id", "role", "label", "organisation", "state", "required_approvals", "requires_record_of_decision",
            "due_on", "decided_at",
        )  # fmt: skip


class GateSerializer(serializers.ModelSerializer):
    seats = serializers.SerializerMethodField()

    class Meta:
        model = Gate
        fields = (
            "id", "stage", "cycle", "title", "state", "version", "round", "snapshot_hash", "submitted_at",
            "key_decision", "decision_not_before", "call_in_ends_at", "seats",
        )  # fmt: skip

    def get_seats(self, gate):
        current = [s for s in gate.seats.all() if s.round == gate.round and s.state != SeatState.SUPERSEDED]
        return SeatSerializer(current, many=True).data


class StrategySerializer(serializers.ModelSerializer):
    lead_organisation = OrganisationSerializer()
    partners = PartnerSerializer(source="partner_links", many=True)
    current_gate = GateSerializer(allow_null=True)

    class Meta:
        model = Strategy
        fields = (
            "reference", "title", "summary", "service_area", "stage", "cycle", "stage_entered_at", "version",
            "updated_at", "lead_organisation", "partners", "annual_value", "total_contract_value", "pooled_budget",
            "delivery_channel", "next_review_date", "current_gate",
        )  # fmt: skip


class Pagination(CursorPagination):
    ordering = ("id",)
    page_size = 50
    max_page_size = 100
    page_size_query_param = "page_size"


class StrategyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StrategySerializer
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination
    lookup_field = "reference"

    def get_queryset(self):
        seats = Seat.objects.select_related("organisation")
        partners = StrategyPartner.objects.select_related("organisation").order_by("organisation__name")
        return (
            selectors.strategies_visible_to(self.request.user)
            .select_related("lead_organisation", "current_gate")
            .prefetch_related(Prefetch("partner_links", queryset=partners), Prefetch("current_gate__seats", seats))
        )


router = SimpleRouter()
router.register("strategies", StrategyViewSet, basename="peer-strategy")
conditional = decorator_from_middleware(ConditionalGetMiddleware)
urlpatterns = [
    pattern.__class__(pattern.pattern, conditional(pattern.callback), pattern.default_args, pattern.name)
    for pattern in router.urls
]
