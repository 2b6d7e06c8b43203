"""People, organisations and roles: administrators add people, configure organisations and assign roles. Every
change here (and to permission groups) is audited, with the values before and after (`AuditedAdminMixin`)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from workflows.admin import AuditedAdminMixin, AuditedUserAdminMixin

from ..models import Organisation, RoleAssignment, User
from ..services import organisations
from .display import money


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
class PersonAdmin(AuditedUserAdminMixin, UserAdmin):
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
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
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
        (
            "Constitution and publication",
            {
                "fields": (
                    "urgent_decisions_may_skip_call_in",
                    "officer_decision_threshold",
                    "representations_text",
                ),
            },
        ),
        ("Escalation", {"fields": ("escalation_contact",)}),
    )
    inlines = (OrganisationRoleInline,)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and {"name", "code"} & set(form.changed_data):
            organisations.organisation_renamed(organisation_id=obj.pk)  # strategies show its name and code

    @admin.display(description="key decision (revenue)", ordering="key_decision_revenue_threshold")
    def revenue_threshold(self, organisation: Organisation) -> str:
        return money(organisation.key_decision_revenue_threshold)

    @admin.display(description="key decision (capital)", ordering="key_decision_capital_threshold")
    def capital_threshold(self, organisation: Organisation) -> str:
        return money(organisation.key_decision_capital_threshold)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "role", "organisation", "starts_on", "ends_on")
    list_filter = ("role", "organisation")
    search_fields = ("person__username", "person__first_name", "person__last_name", "organisation__name")
    list_select_related = ("person", "organisation")
    ordering = ("organisation__name", "role", "person__username", "pk")
    autocomplete_fields = ("person", "organisation")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "organisation")


admin.site.unregister(Group)


@admin.register(Group)
class PermissionGroupAdmin(AuditedAdminMixin, GroupAdmin):
    """Django's permission groups (who may do what in this admin), audited like every other change here."""

    ordering = ("name",)
