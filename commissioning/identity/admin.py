"""The administration of signing in: identity providers with their claim-to-role mappings, the e-mail domains each
organisation owns, the password sign-in switch (through its service, audited), and the linked identities and mapped
roles (read-only; a link can be removed through its service). Providers, their mappings and the domains are
audited with their values before and after (`AuditedAdminMixin`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse

from workflows.admin import AuditedAdminMixin
from workflows.admin.base import ReadOnlyAdmin

from . import services
from .discovery import forget
from .models import ClaimRoleMapping, EmailDomain, ExternalIdentity, IdentityProvider, MappedRole, SignInPolicy


class ClaimRoleMappingInline(admin.TabularInline):
    model = ClaimRoleMapping
    extra = 0
    fields = ("claim", "value", "role", "organisation")
    verbose_name_plural = "Claim-to-role mappings (prefer app roles: Entra ID sends at most 200 groups in a token)"


@admin.register(IdentityProvider)
class IdentityProviderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "organisation", "enabled", "issuer", "secret_is_set")
    list_filter = ("enabled",)
    search_fields = ("name", "slug", "issuer", "client_id")
    list_select_related = ("organisation",)
    ordering = ("name", "pk")
    inlines = [ClaimRoleMappingInline]
    readonly_fields = ("redirect_uri", "sign_out_return_uri")
    fieldsets = (
        (None, {"fields": ("organisation", "name", "slug", "enabled")}),
        (
            "The provider",
            {"fields": ("issuer", "discovery_url", "client_id", "client_secret_env", "scopes", "signing_algorithm")},
        ),
        ("Claims", {"fields": ("email_verified_claim", "roles_claim", "groups_claim", "create_accounts")}),
        ("Signing out", {"fields": ("end_provider_session",)}),
        ("Register these at the provider", {"fields": ("redirect_uri", "sign_out_return_uri")}),
    )

    @admin.display(boolean=True, description="secret in the environment")
    def secret_is_set(self, obj: IdentityProvider) -> bool:
        return bool(obj.client_secret) if obj.client_secret_env else True

    @admin.display(description="redirect URI")
    def redirect_uri(self, obj: IdentityProvider) -> str:
        if not obj.pk:
            return "Shown once saved."
        return settings.SITE_URL.rstrip("/") + reverse("sso-callback", args=[obj.slug])

    @admin.display(description="front-channel sign-out return (post_logout_redirect_uri)")
    def sign_out_return_uri(self, obj: IdentityProvider) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("signed-out")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        forget(obj)  # the next sign-in reads its discovery document afresh


@admin.register(EmailDomain)
class EmailDomainAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("domain", "organisation")
    search_fields = ("domain",)
    list_select_related = ("organisation",)
    ordering = ("domain", "pk")


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    list_display = ("organisation", "password_sign_in", "forced_off_by_setting")
    list_filter = ("password_sign_in",)
    list_select_related = ("organisation",)
    ordering = ("organisation__name", "pk")

    @admin.display(boolean=True, description="off by PASSWORD_SIGN_IN_OFF_FOR")
    def forced_off_by_setting(self, obj: SignInPolicy) -> bool:
        return obj.organisation.code.upper() in {code.upper() for code in settings.PASSWORD_SIGN_IN_OFF_FOR}

    def get_readonly_fields(self, request, obj=None):
        return ("organisation",) if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch it on instead: the change is audited

    def save_model(self, request, obj, form, change) -> None:
        saved = services.password_sign_in_set(
            actor=request.user, organisation_id=obj.organisation_id, allowed=obj.password_sign_in
        )
        obj.pk = saved.pk


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyAdmin):
    list_display = ("person", "provider", "subject", "email_at_link", "linked_at", "last_sign_in_at")
    list_filter = ("provider",)
    search_fields = ("person__username", "person__email", "subject", "email_at_link")
    list_select_related = ("person", "provider", "provider__organisation")
    ordering = ("-linked_at", "-pk")
    actions = ["unlink_selected"]

    @admin.action(description="Remove the selected links (the next sign-in links again by verified e-mail)")
    def unlink_selected(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        for identity_id in ids:
            services.identity_unlink(actor=request.user, identity_id=identity_id)
        self.message_user(request, f"{len(ids)} link(s) removed.", messages.SUCCESS)


@admin.register(MappedRole)
class MappedRoleAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "mapping", "granted_at")
    list_select_related = (
        "assignment__person",
        "assignment__organisation",
        "mapping",
    )
    ordering = ("-granted_at", "-pk")
