"""Fixtures for tests that sign in through the test OIDC providers (imported by the conftest files that need them)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from . import harness


@pytest.fixture(scope="session")
def oidc_providers(tmp_path_factory):
    """The two test providers and the tampering proxy, started once for the run and stopped after it."""
    reason = harness.available()
    if reason:
        pytest.skip(reason)
    providers = harness.start_providers(tmp_path_factory.mktemp("oidc"))
    yield providers
    harness.stop_providers(providers)


@pytest.fixture
def sso(world, oidc_providers, monkeypatch):
    """The providers configured here for the world's organisations (see `configure`)."""
    return configure(world, oidc_providers, monkeypatch)


def configure(world, oidc_providers, monkeypatch) -> SimpleNamespace:
    """The county's and the ICB's providers configured here, as an administrator would: the county's (app role
    Commissioning.Officer → commissioning officer; the finance group → finance officer) and the ICB's, Entra ID
    style (verified e-mail in xms_edov; Partner.Signatory → partner signatory); and the county's again behind the
    tampering proxy."""
    from commissioning.identity.models import ClaimKind, ClaimRoleMapping, EmailDomain, IdentityProvider

    county, icb, proxy = oidc_providers.county, oidc_providers.icb, oidc_providers.proxy
    monkeypatch.setenv("TEST_OIDC_COUNTY_SECRET", county.client_secret)
    monkeypatch.setenv("TEST_OIDC_ICB_SECRET", icb.client_secret)
    proxy.mode, proxy.id_tokens[:] = "pass", []
    county.set_accounts(harness.COUNTY_ACCOUNTS)  # as they began: a test may have changed someone's claims
    icb.set_accounts(harness.ICB_ACCOUNTS)
    cache.clear()  # discovery documents of another test's providers
    EmailDomain.objects.create(organisation=world.county, domain="midshire.gov.uk")
    EmailDomain.objects.create(organisation=world.icb, domain="midshire-icb.nhs.uk")

    def provider(slug, organisation, tenant, **extra):
        return IdentityProvider.objects.create(
            organisation=organisation,
            slug=slug,
            name=extra.pop("name", organisation.name),
            issuer=tenant.issuer,
            client_id=tenant.client_id,
            client_secret_env=f"TEST_OIDC_{tenant.name.upper()}_SECRET",
            **extra,
        )

    county_provider = provider("county", world.county, county)
    ClaimRoleMapping.objects.create(
        provider=county_provider, claim=ClaimKind.ROLES, value="Commissioning.Officer", role="commissioning_officer"
    )
    ClaimRoleMapping.objects.create(
        provider=county_provider, claim=ClaimKind.GROUPS, value="0b6f1c2e-finance-group", role="finance"
    )
    icb_provider = provider("icb", world.icb, icb, email_verified_claim="xms_edov")
    ClaimRoleMapping.objects.create(
        provider=icb_provider, claim=ClaimKind.ROLES, value="Partner.Signatory", role="partner_signatory"
    )
    tampered = provider(
        "county-tampered", world.county, county, name="Midshire (tampered)", discovery_url=proxy.discovery_url
    )
    return SimpleNamespace(
        county=county_provider, icb=icb_provider, tampered=tampered, proxy=proxy, tenants=oidc_providers, world=world
    )
