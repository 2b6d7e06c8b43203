"""Admin for the domain. Administrators configure organisations, people and roles, evidence templates and gate
policies here. Strategies are created and changed only through the services (pages and API): the admin shows
them read-only.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Case, Count, Value, When

from workflows.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    CYCLE_STAGES,
    Evidence,
    EvidenceTemplate,
    GatePolicy,
    Organisation,
    OutcomeMeasure,
    PerformanceFigure,
    RoleAssignment,
    SeatRule,
    Strategy,
    StrategyPartner,
    User,
)


def money(value: Decimal | None) -> str:
    """£1,250,000 (pence only when there are some); a dash when empty."""
    if value is None:
        return "-"
    return f"£{value:,.2f}" if value % 1 else f"£{value:,.0f}"


def stage_order(field: str = "stage"):
    """Order by the cycle (Analyse, Plan, Do, Review, then anything else), not alphabetically."""
    whens = [When(**{field: stage}, then=Value(index)) for index, stage in enumerate(CYCLE_STAGES)]
    return Case(*whens, default=Value(len(CYCLE_STAGES))).asc()


# --------------------------------------------------------------------------------------------------------------
# People, organisations and roles
# --------------------------------------------------------------------------------------------------------------


class PersonRoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "person"
    fields = ("organisation", "role", "starts_on", "ends_on")
    autocomplete_fields = ("organisation",)
    ordering = ("organisation__name", "role")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "organisation")


@admin.register(User)
class PersonAdmin(UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email", "job_title")}),
        *UserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Personal info", {"classes": ("wide",), "fields": ("first_name", "last_name", "email", "job_title")}),
    )
    list_display = ("username", "first_name", "last_name", "email", "job_title", "is_staff", "is_active")
    list_filter = (*UserAdmin.list_filter, "roles__role", "roles__organisation")
    search_fields = ("username", "first_name", "last_name", "email", "job_title")
    ordering = ("username",)
    inlines = (PersonRoleInline,)


class OrganisationRoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "organisation"
    fields = ("person", "role", "starts_on", "ends_on")
    autocomplete_fields = ("person",)
    ordering = ("role", "person__username")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "organisation")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "revenue_threshold",
        "capital_threshold",
        "call_in_working_days",
        "escalation_contact",
    )
    list_filter = ("kind",)
    search_fields = ("name", "code")
    list_select_related = ("escalation_contact",)
    ordering = ("name",)
    autocomplete_fields = ("escalation_contact",)
    fieldsets = (
        (None, {"fields": ("name", "code", "kind")}),
        (
            "Key decisions and call-in",
            {
                "fields": ("key_decision_revenue_threshold", "key_decision_capital_threshold", "call_in_working_days"),
            },
        ),
        ("Escalation", {"fields": ("escalation_contact",)}),
    )
    inlines = (OrganisationRoleInline,)

    @admin.display(description="key decision (revenue)", ordering="key_decision_revenue_threshold")
    def revenue_threshold(self, organisation: Organisation) -> str:
        return money(organisation.key_decision_revenue_threshold)

    @admin.display(description="key decision (capital)", ordering="key_decision_capital_threshold")
    def capital_threshold(self, organisation: Organisation) -> str:
        return money(organisation.key_decision_capital_threshold)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "organisation", "starts_on", "ends_on")
    list_filter = ("role", "organisation")
    search_fields = ("person__username", "person__first_name", "person__last_name", "organisation__name")
    list_select_related = ("person", "organisation")
    ordering = ("organisation__name", "role", "person__username", "pk")
    autocomplete_fields = ("person", "organisation")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "organisation")


# --------------------------------------------------------------------------------------------------------------
# Evidence templates and gate policies
# --------------------------------------------------------------------------------------------------------------


@admin.register(EvidenceTemplate)
class EvidenceTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "stage", "code", "position", "required", "active")
    list_display_links = ("title",)
    list_editable = ("position", "required", "active")
    list_filter = ("stage", "required", "active")
    search_fields = ("code", "title")
    ordering = (stage_order(), "position", "pk")
    prepopulated_fields = {"code": ("title",)}
    fields = ("stage", "title", "code", "guidance", "required", "position", "active")


class SeatRuleInline(admin.TabularInline):
    model = SeatRule
    fields = (
        "position",
        "role",
        "party",
        "min_value",
        "below_value",
        "key_decision_scope",
        "required_approvals",
        "due_working_days",
        "requires_record_of_decision",
    )
    ordering = ("position", "pk")
    extra = 0


@admin.register(GatePolicy)
class GatePolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "key_decisions_apply", "rule_count")
    list_filter = ("key_decisions_apply",)
    search_fields = ("name",)
    ordering = (stage_order(), "pk")
    fields = ("stage", "name", "key_decisions_apply")
    inlines = (SeatRuleInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rule_count=Count("rules"))

    @admin.display(description="seat rules", ordering="rule_count")
    def rule_count(self, policy: GatePolicy) -> int:
        return policy.rule_count


# --------------------------------------------------------------------------------------------------------------
# Strategies: read-only here
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# Outcome measures and performance figures: read-only here (added through `measures.measure_create`; figures are
# returned by partners through `measures.figure_submit`)
# --------------------------------------------------------------------------------------------------------------


class PerformanceFigureInline(ReadOnlyInline):
    model = PerformanceFigure
    fields = ("period", "value", "note", "organisation", "submitted_by", "submitted_at")
    ordering = ("period", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("measure", "organisation", "submitted_by")


@admin.register(OutcomeMeasure)
class OutcomeMeasureAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "strategy", "level", "unit", "period", "target", "higher_is_better", "figure_count")
    list_display_links = ("code", "name")
    list_filter = ("level", "period", "strategy__stage")
    search_fields = ("code", "name", "strategy__reference", "strategy__title")
    list_select_related = ("strategy",)
    ordering = ("strategy__reference", "level", "code", "pk")
    fields = ("strategy", "code", "name", "level", "unit", "period", "target", "higher_is_better")
    inlines = (PerformanceFigureInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("strategy").annotate(figure_count=Count("figures"))

    @admin.display(description="figures", ordering="figure_count")
    def figure_count(self, measure: OutcomeMeasure) -> int:
        return measure.figure_count
