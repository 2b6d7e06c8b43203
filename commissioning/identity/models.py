"""Identity providers per organisation, the e-mail domains an organisation owns, claim-to-role mappings, the
identities linked to people, and each organisation's password sign-in switch.

Secrets are never stored here: a provider names the environment variable that holds its client secret.
"""

from __future__ import annotations

import os
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from commissioning.models import Organisation, Role, RoleAssignment, User

ENV_NAME = RegexValidator(r"^[A-Z][A-Z0-9_]*$", "An environment variable name: capitals, digits and underscores.")
DOMAIN = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,63}$", "A domain name in lower case, e.g. midshire.gov.uk."
)


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect provider (an Entra ID tenant, say), offered as "Sign in with <name>"."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="identity_providers")
    slug = models.SlugField(
        max_length=40, unique=True, help_text="Part of the sign-in and redirect addresses: /accounts/sso/<slug>/…"
    )
    name = models.CharField(max_length=100, help_text='Shown on the button: "Sign in with <name>".')
    enabled = models.BooleanField(default=True, help_text="Offered on the sign-in page and accepted when it answers.")
    issuer = models.URLField(
        max_length=300,
        help_text="The issuer exactly as the provider's tokens name it; for Entra ID "
        "https://login.microsoftonline.com/<tenant id>/v2.0",
    )
    discovery_url = models.URLField(
        max_length=400,
        blank=True,
        help_text="Empty: the issuer followed by /.well-known/openid-configuration. Its issuer must be the one above.",
    )
    client_id = models.CharField(max_length=200, help_text="The application (client) id registered at the provider.")
    client_secret_env = models.CharField(
        "client secret's environment variable",
        max_length=100,
        blank=True,
        validators=[ENV_NAME],
        help_text="The name of the environment variable that holds the client secret (never the secret itself). "
        "Empty for a client without a secret.",
    )
    scopes = models.CharField(max_length=200, default="openid email profile")
    signing_algorithm = models.CharField(
        max_length=10,
        default="RS256",
        choices=[("RS256", "RS256"), ("PS256", "PS256"), ("ES256", "ES256")],
        help_text="The ID tokens' signature algorithm (Entra ID: RS256); any other is refused.",
    )
    email_verified_claim = models.CharField(
        max_length=50,
        default="email_verified",
        help_text="The claim that says the provider has verified the e-mail address (Entra ID: xms_edov, an "
        "optional claim). Without it being true, an e-mail address never links an account.",
    )
    roles_claim = models.CharField(max_length=50, default="roles", help_text="The claim carrying app roles.")
    groups_claim = models.CharField(max_length=50, default="groups", help_text="The claim carrying group ids.")
    create_accounts = models.BooleanField(
        default=False,
        help_text="Create an account for someone with a verified address in one of the organisation's domains who "
        "has none yet (they get roles only through the mappings below). Off: the administrator creates accounts.",
    )
    end_provider_session = models.BooleanField(
        "sign out at the provider too",
        default=True,
        help_text="On signing out, send the person to the provider's end-session address (RP-initiated logout) "
        "when its discovery document has one.",
    )

    class Meta:
        verbose_name = "identity provider"

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def discovery_address(self) -> str:
        return self.discovery_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def client_secret(self) -> str:
        return os.environ.get(self.client_secret_env, "") if self.client_secret_env else ""

    def clean(self) -> None:
        if self.client_secret_env and self.client_secret_env not in os.environ:
            raise ValidationError(
                {"client_secret_env": f"{self.client_secret_env} is not set in this server's environment."}
            )


class EmailDomain(models.Model):
    """An e-mail domain the organisation owns: only an address here, verified by the provider, may link an
    account on first sign-in."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="email_domains")
    domain = models.CharField(max_length=253, validators=[DOMAIN])

    class Meta:
        verbose_name = "e-mail domain owned"
        verbose_name_plural = "e-mail domains owned"
        constraints = [
            models.UniqueConstraint(
                Lower("domain"), name="email_domain_unique", violation_error_message="Another organisation owns it."
            )
        ]

    def __str__(self) -> str:
        return f"{self.domain} ({self.organisation.code})"

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class ClaimKind(models.TextChoices):
    ROLES = "roles", "App role (the roles claim)"
    GROUPS = "groups", "Group (the groups claim)"


class ClaimRoleMapping(models.Model):
    """An administrator's explicit rule: a person whose token carries this app role or group holds this role here.

    Roles granted this way are ended when a later sign-in no longer carries the claim; roles given in the admin are
    never touched."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="mappings")
    claim = models.CharField(max_length=10, choices=ClaimKind.choices, default=ClaimKind.ROLES)
    value = models.CharField(
        max_length=200, help_text="The app role's value (e.g. Commissioning.Officer) or the group's object id."
    )
    role = models.CharField(max_length=40, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Where the role is held. Empty: the provider's organisation.",
    )

    class Meta:
        verbose_name = "claim-to-role mapping"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "claim", "value", "role", "organisation"], name="claim_role_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_claim_display()} {self.value!r} → {self.get_role_display()}"

    @property
    def target_organisation_id(self) -> int:
        return self.organisation_id or self.provider.organisation_id


class ExternalIdentity(models.Model):
    """A person's account at a provider, by its stable identifier: the issuer and the subject (`sub`)."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    email_at_link = models.CharField(max_length=254, blank=True, help_text="The address that linked it.")
    linked_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "linked identity"
        verbose_name_plural = "linked identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique"),
            models.UniqueConstraint(fields=["person", "provider"], name="external_identity_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.provider.name}"


class MappedRole(models.Model):
    """A role assignment that a mapping made, so that it (and only it) ends when the claim goes away."""

    assignment = models.OneToOneField(RoleAssignment, on_delete=models.CASCADE, related_name="mapped_by")
    mapping = models.ForeignKey(ClaimRoleMapping, on_delete=models.CASCADE, related_name="grants")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "role from a mapping"
        verbose_name_plural = "roles from mappings"

    def __str__(self) -> str:
        return f"{self.assignment} (from {self.mapping})"


class SignInPolicy(models.Model):
    """Whether the organisation's people may sign in with a password (PASSWORD_SIGN_IN_OFF_FOR can also forbid it)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sign_in_policy")
    password_sign_in = models.BooleanField(
        default=True,
        help_text="Off: the organisation's people sign in only through its identity provider (administrators "
        "who are superusers keep their password: the break-glass account).",
    )

    class Meta:
        verbose_name = "sign-in policy"
        verbose_name_plural = "sign-in policies"

    def __str__(self) -> str:
        state = "allowed" if self.password_sign_in else "off"
        return f"{self.organisation}: password sign-in {state}"


def email_domain_of(address: str) -> str:
    match = re.fullmatch(r"[^@\s]+@([^@\s]+)", address.strip())
    return match.group(1).lower() if match else ""
