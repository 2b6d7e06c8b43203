"""Evidence templates and gate policies (with their seat rules): what each stage's gate asks for and who signs
it off. Every change is audited, with the values before and after (`AuditedAdminMixin`).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from workflows.admin import AuditedAdminMixin

from ..models import EvidenceTemplate, GatePolicy, SeatRule
from .display import stage_order


@admin.register(EvidenceTemplate)
class EvidenceTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
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
class GatePolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
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
