"""Strategies: changed only through the services (pages and API), so the admin shows them read-only. (Their
outcome measures are in `outcomes`.)
"""

from __future__ import annotations

from django.contrib import admin

from workflows.admin import ReadOnlyAdmin, ReadOnlyInline

from ..models import Evidence, Strategy, StrategyPartner
from .display import money, stage_order


class StrategyPartnerInline(ReadOnlyInline):
    model = StrategyPartner
    fields = ("organisation", "kind")
    ordering = ("organisation__name",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "strategy")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("cycle", "stage", "title", "required", "status", "completed_by", "completed_at", "link")
    ordering = ("-cycle", stage_order(), "position", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("completed_by", "strategy")


@admin.register(Strategy)
class StrategyAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "lead_organisation", "stage", "cycle", "value", "version", "updated_at")
    list_display_links = ("reference", "title")
    list_filter = ("stage", "service_area", "lead_organisation")
    search_fields = ("reference", "title")
    list_select_related = ("lead_organisation",)
    ordering = ("reference",)
    readonly_fields = (
        "stage",
        "annual_value_display",
        "total_contract_value_display",
        "capital_value_display",
    )
    fieldsets = (
        (None, {"fields": ("reference", "title", "summary", "service_area", "lead_organisation", "lead_officer")}),
        (
            "Value",
            {
                "fields": (
                    "annual_value_display",
                    "total_contract_value_display",
                    "capital_value_display",
                    "pooled_budget",
                )
            },
        ),
        (
            "Cycle",
            {
                "fields": (
                    "stage",
                    "cycle",
                    "stage_entered_at",
                    "current_gate",
                    "delivery_channel",
                    "recommendation",
                    "next_review_date",
                )
            },
        ),
        ("Record", {"fields": ("version", "created_at", "updated_at")}),
    )
    inlines = (StrategyPartnerInline, EvidenceInline)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead_organisation", "lead_officer", "current_gate")

    @admin.display(description="total contract value", ordering="total_contract_value")
    def value(self, strategy: Strategy) -> str:
        return money(strategy.total_contract_value)

    @admin.display(description="annual value")
    def annual_value_display(self, strategy: Strategy) -> str:
        return money(strategy.annual_value)

    @admin.display(description="total contract value")
    def total_contract_value_display(self, strategy: Strategy) -> str:
        return money(strategy.total_contract_value)

    @admin.display(description="capital value")
    def capital_value_display(self, strategy: Strategy) -> str:
        return money(strategy.capital_value)
