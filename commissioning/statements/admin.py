"""The statements' details and the privacy notice's sections, edited by the administrator (audited, with the values
before and after: `AuditedAdminMixin`)."""

from __future__ import annotations

from django.contrib import admin

from workflows.admin import AuditedAdminMixin

from .models import PrivacySection, ServiceStatements


class PrivacySectionInline(admin.StackedInline):
    model = PrivacySection
    extra = 0
    fields = ("position", "heading", "body")
    ordering = ("position", "pk")


@admin.register(ServiceStatements)
class ServiceStatementsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("operator", "compliance", "prepared_on", "reviewed_on", "privacy_updated_on")
    ordering = ("pk",)
    inlines = [PrivacySectionInline]
    fieldsets = (
        ("Who runs the service", {"fields": ("operator", "contact_email", "contact_phone", "data_protection_officer")}),
        (
            "Accessibility statement",
            {
                "fields": (
                    "compliance",
                    "non_accessible",
                    "improvements",
                    "response_working_days",
                    "tested_on",
                    "tested_by",
                    "prepared_on",
                    "reviewed_on",
                )
            },
        ),
        ("Privacy notice", {"fields": ("privacy_updated_on",)}),
    )

    def has_add_permission(self, request) -> bool:
        return not ServiceStatements.objects.exists()  # one row: the pages show the first

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
