"""Roles are this product's: a token's app roles or groups give a role only through a mapping an administrator made,
a role given that way ends when the provider stops saying so, and a role given in the admin is never touched."""

from __future__ import annotations

import pytest

from commissioning.identity.models import MappedRole
from commissioning.models import RoleAssignment
from tests.oidc.harness import authorise, path_of
from workflows.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.oidc]


def sign_in(client, slug, login):
    response = client.get(path_of(authorise(client, slug, login)))
    assert response.status_code == 302, response.content[:300]
    return response


def roles_of(person) -> set[tuple[str, str]]:
    held = RoleAssignment.objects.filter(person=person, ends_on__isnull=True)
    return set(held.values_list("organisation__code", "role"))


@pytest.fixture
def grace(sso):
    """A county finance officer-to-be: an account here with no role yet, in the finance group at the provider."""
    return sso.world.person("grace", sso.world.county)


def test_a_mapped_group_gives_its_role_at_sign_in_and_the_grant_is_audited(client, sso, grace):
    grace.email = "grace.okafor@midshire.gov.uk"
    grace.save()

    sign_in(client, "county", "grace")

    assert roles_of(grace) == {("MCC", "finance")}
    grant = MappedRole.objects.get(assignment__person=grace)
    assert grant.mapping.value == "0b6f1c2e-finance-group"
    event = AuditEvent.objects.get(transition="role_grant")
    assert event.actor is None and event.object_id == grant.assignment_id
    assert "0b6f1c2e-finance-group" in event.reason and event.data["provider"] == "county"


def test_a_role_from_a_group_ends_when_the_provider_no_longer_says_so_and_the_page_says_so_clearly(client, sso, grace):
    grace.email = "grace.okafor@midshire.gov.uk"
    grace.save()
    sign_in(client, "county", "grace")
    client.post("/accounts/logout/")
    sso.tenants.county.change_account("grace", groups=[])  # removed from the group at the provider

    sign_in(client, "county", "grace")

    assert roles_of(grace) == set()
    assert not MappedRole.objects.exists()
    assert AuditEvent.objects.filter(transition="role_end").count() == 1
    home = client.get("/")
    assert home.status_code == 200
    assert "You do not have a role in this service at the moment" in home.text
    assert client.get("/strategies/").status_code in (200, 403)  # a page that refuses, never a 500


def test_claims_with_no_mapping_give_no_role(client, sso, grace):
    grace.email = "grace.okafor@midshire.gov.uk"
    grace.save()
    sso.tenants.county.change_account("grace", groups=[], roles=["Executive.Member", "Global.Administrator"])

    sign_in(client, "county", "grace")

    assert roles_of(grace) == set()
    assert not AuditEvent.objects.filter(transition="role_grant").exists()


def test_a_role_given_in_the_admin_is_never_ended_by_a_sign_in(client, sso):
    priya = sso.world.officer  # holds commissioning officer at the county, given in the admin
    priya.email = "priya.shah@midshire.gov.uk"
    priya.save()
    sso.tenants.county.change_account("priya", roles=[])

    sign_in(client, "county", "priya")

    assert roles_of(priya) == {("MCC", "commissioning_officer")}
    assert not AuditEvent.objects.filter(transition__in=["role_grant", "role_end"]).exists()


def test_a_mapping_may_give_the_role_at_another_organisation(client, sso, grace):
    mapping = sso.county.mappings.get(claim="groups")
    mapping.organisation = sso.world.district
    mapping.save()
    grace.email = "grace.okafor@midshire.gov.uk"
    grace.save()

    sign_in(client, "county", "grace")

    assert roles_of(grace) == {("RDC", "finance")}


def test_too_many_groups_for_the_token_leaves_group_roles_as_they_were(client, sso, grace):
    """Entra ID leaves `groups` out past 200 and names a Graph query in _claim_names instead: no group is known, so
    no group role is ended (which is why app roles are the better mapping)."""
    grace.email = "grace.okafor@midshire.gov.uk"
    grace.save()
    sign_in(client, "county", "grace")
    client.post("/accounts/logout/")
    overage = {"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {"endpoint": "https://graph.example"}}}
    sso.tenants.county.set_accounts(
        {**sso.tenants.county.accounts, "grace": {**sso.tenants.county.accounts["grace"], "claims": {
            **{k: v for k, v in sso.tenants.county.accounts["grace"]["claims"].items() if k != "groups"}, **overage}}}
    )  # fmt: skip

    sign_in(client, "county", "grace")

    assert roles_of(grace) == {("MCC", "finance")}
