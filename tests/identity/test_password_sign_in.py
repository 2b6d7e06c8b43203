"""Password sign-in, switched off per organisation (in the admin, or by PASSWORD_SIGN_IN_OFF_FOR), with the
superuser's password kept as the break-glass path."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning.identity import services
from commissioning.identity.models import IdentityProvider, SignInPolicy
from tests.factories import PASSWORD, UserFactory
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def signed_in(client) -> bool:
    return client.get("/").wsgi_request.user.is_authenticated


def test_with_no_provider_the_page_shows_only_the_password_form(client, world):
    page = client.get("/accounts/login/").text
    assert 'name="password"' in page
    assert "Sign in with" not in page
    assert sign_in(client, "officer").status_code == 302


def test_switched_off_for_the_county_its_people_are_refused_with_the_reason_and_others_are_not(client, world):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    services.password_sign_in_set(actor=admin, organisation_id=world.county.pk, allowed=False)

    refused = sign_in(client, "officer")

    assert refused.status_code == 200
    assert "Your organisation has switched off signing in with a password" in refused.text
    assert not signed_in(client)
    wrong = sign_in(client, "officer", "not the password")
    assert "switched off" not in wrong.text  # a wrong password learns nothing about the switch
    assert sign_in(client, "icb_signatory").status_code == 302  # the ICB has not switched it off
    event = AuditEvent.objects.get(transition="password_sign_in_off")
    assert (event.actor, event.from_state, event.to_state) == (admin, "allowed", "off")


def test_the_setting_switches_it_off_whatever_the_admin_says(client, world, settings):
    settings.PASSWORD_SIGN_IN_OFF_FOR = ["mcc"]
    SignInPolicy.objects.create(organisation=world.county, password_sign_in=True)
    assert "switched off" in sign_in(client, "officer").text
    assert sign_in(client, "officer", url="/admin/login/").status_code == 200  # and at the admin's door too
    assert not signed_in(client)


def test_a_superuser_keeps_the_break_glass_password_and_its_use_is_audited(client, world, settings):
    settings.PASSWORD_SIGN_IN_OFF_FOR = ["MCC", "ICB", "RDC"]
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    world.person("root", world.county, "commissioning_manager")

    response = sign_in(client, "root", url="/admin/login/?next=/admin/")

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert AuditEvent.objects.filter(transition="break_glass_sign_in", actor=root).exists()


def test_when_every_organisation_has_switched_it_off_the_page_offers_only_the_providers(client, world, settings):
    settings.PASSWORD_SIGN_IN_OFF_FOR = ["MCC", "ICB", "RDC"]
    IdentityProvider.objects.create(
        organisation=world.county, slug="county", name="Midshire", issuer="http://127.0.0.1:9", client_id="x"
    )
    page = client.get("/accounts/login/").text
    assert "Sign in with Midshire" in page
    assert 'name="password"' not in page


def test_the_admin_switch_goes_through_the_service(admin_client, world):
    url = reverse("admin:identity_signinpolicy_add")
    response = admin_client.post(url, {"organisation": world.county.pk})  # the box unticked: off

    assert response.status_code == 302
    assert SignInPolicy.objects.get(organisation=world.county).password_sign_in is False
    assert AuditEvent.objects.filter(transition="password_sign_in_off").count() == 1
