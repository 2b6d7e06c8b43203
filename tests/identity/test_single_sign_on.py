"""Signing in through an organisation's own OpenID Connect provider: real providers (oidc-provider) on 127.0.0.1,
their own login forms, PKCE, state and nonce, ID tokens checked against the keys in their discovery documents."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType

from commissioning.identity.models import ExternalIdentity
from commissioning.models import RoleAssignment, User
from tests.oidc.harness import authorise, path_of
from workflows.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.oidc]


def sign_in(client, slug, login, **kwargs):
    return client.get(path_of(authorise(client, slug, login, **kwargs)))


def signed_in_as(client) -> User | None:
    user = client.get("/").wsgi_request.user
    return user if user.is_authenticated else None


def test_the_sign_in_page_offers_each_organisations_provider_beside_the_password_form(client, sso):
    page = client.get("/accounts/login/").text
    assert "Sign in with Midshire County Council" in page
    assert "Sign in with Midshire Integrated Care Board" in page
    assert 'href="/accounts/sso/county/login/"' in page
    assert 'name="password"' in page


def test_the_request_to_the_provider_carries_state_nonce_and_a_pkce_challenge(client, sso):
    start = client.get("/accounts/sso/county/login/?next=/strategies/")
    assert start.status_code == 302
    location = urlsplit(start["Location"])
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}" == sso.county.issuer
    assert query["response_type"] == "code"
    assert query["client_id"] == sso.county.client_id
    assert query["redirect_uri"] == "http://testserver/accounts/sso/county/callback/"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    entry = client.session["oidc_states"][query["state"]]
    assert entry["nonce"] == query["nonce"] and entry["provider"] == "county" and entry["next"] == "/strategies/"


def test_the_first_sign_in_links_the_existing_account_by_its_verified_address_and_later_ones_by_sub(client, sso):
    priya = sso.world.officer
    priya.email = "Priya.Shah@midshire.gov.uk"
    priya.save()

    response = sign_in(client, "county", "priya")

    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == priya
    identity = ExternalIdentity.objects.get(person=priya)
    assert (identity.issuer, identity.subject, identity.provider) == (sso.county.issuer, "county-0001", sso.county)
    link = AuditEvent.objects.get(transition="identity_link")
    assert link.actor == priya and link.object_type == ContentType.objects.get_for_model(ExternalIdentity)

    # The address changes here: the link by issuer and subject still finds her, and e-mail is never asked again.
    priya.email = "p.shah@elsewhere.example"
    priya.save()
    client.post("/accounts/logout/")
    assert sign_in(client, "county", "priya").status_code == 302
    assert signed_in_as(client) == priya
    assert ExternalIdentity.objects.count() == 1


def test_the_next_page_asked_for_is_where_the_sign_in_ends(client, sso):
    sso.world.officer.email = "priya.shah@midshire.gov.uk"
    sso.world.officer.save()
    start = client.get("/accounts/sso/county/login/?next=/strategies/")
    assert start.status_code == 302
    callback = authorise(client, "county", "priya")  # a second attempt in the same session: both are kept
    response = client.get(path_of(callback))
    assert response["Location"] == "/"


def test_two_organisations_providers_sign_their_own_people_in_side_by_side(client, sso, django_user_model):
    priya, robert = sso.world.officer, sso.world.icb_signatory
    priya.email, robert.email = "priya.shah@midshire.gov.uk", "robert.fenwick@midshire-icb.nhs.uk"
    priya.save()
    robert.save()
    other = client.__class__()

    assert sign_in(client, "county", "priya").status_code == 302
    assert sign_in(other, "icb", "robert").status_code == 302  # Entra ID style: verified by xms_edov

    assert signed_in_as(client) == priya and signed_in_as(other) == robert
    links = {i.person_id: (i.provider.slug, i.issuer) for i in ExternalIdentity.objects.select_related("provider")}
    assert links == {priya.pk: ("county", sso.county.issuer), robert.pk: ("icb", sso.icb.issuer)}
    assert sso.county.issuer != sso.icb.issuer


def test_a_person_unknown_here_is_told_to_ask_for_an_account_and_nothing_is_created(client, sso):
    response = sign_in(client, "county", "newcomer")

    assert response.status_code == 403
    assert "You do not have an account here yet" in response.text
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="newcomer@midshire.gov.uk").exists()


def test_where_the_provider_may_create_accounts_a_newcomer_gets_one_with_only_their_mapped_roles(client, sso):
    sso.county.create_accounts = True
    sso.county.save()

    assert sign_in(client, "county", "newcomer").status_code == 302

    person = User.objects.get(email="newcomer@midshire.gov.uk")
    assert signed_in_as(client) == person
    assert (person.first_name, person.last_name, person.has_usable_password()) == ("Nia", "Newcomer", False)
    roles = set(RoleAssignment.objects.filter(person=person).values_list("organisation__code", "role"))
    assert roles == {("MCC", "commissioning_officer")}  # from the app role mapping, nothing else
    assert AuditEvent.objects.filter(transition="account_create", object_id=person.pk).exists()


def test_an_account_switched_off_here_cannot_sign_in_through_the_provider(client, sso):
    priya = sso.world.officer
    priya.email, priya.is_active = "priya.shah@midshire.gov.uk", False
    priya.save()

    response = sign_in(client, "county", "priya")

    assert response.status_code == 403
    assert "Your account here has been switched off" in response.text
    assert signed_in_as(client) is None
    assert not ExternalIdentity.objects.exists()


def test_signing_out_ends_the_session_here_and_at_the_provider(client, sso):
    import requests

    sso.world.officer.email = "priya.shah@midshire.gov.uk"
    sso.world.officer.save()
    browser = requests.Session()
    client.get(path_of(authorise(client, "county", "priya", browser=browser)))
    assert signed_in_as(client) is not None
    # The pages' sign-out form may lead on to the provider (browsers check the form's page policy on redirects).
    assert f"form-action 'self' {sso.county.issuer}" in client.get("/")["Content-Security-Policy"]

    response = client.post("/accounts/logout/")

    assert signed_in_as(client) is None
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.county.issuer}/session/end"
    assert query["client_id"] == sso.county.client_id
    assert query["post_logout_redirect_uri"] == "http://testserver/accounts/signed-out/"
    assert query["id_token_hint"].count(".") == 2
    # At the provider: it asks, the person confirms, and it sends them back to say they have signed out.
    confirm = browser.get(response["Location"], timeout=10)
    assert confirm.status_code == 200 and "Yes, sign me out" in confirm.text
    form = confirm.text
    action = form[form.index('action="') + 8 : form.index('"', form.index('action="') + 8)]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    done = browser.post(urljoin(response["Location"], action), data={**fields, "logout": "yes"}, allow_redirects=False)
    assert done.status_code in (302, 303)
    assert done.headers["Location"] == "http://testserver/accounts/signed-out/"
    assert "You have signed out" in client.get("/accounts/signed-out/").text
    # The provider's session has gone too: the next sign-in there asks for the password again.
    again = client.get("/accounts/sso/county/login/")
    login_page = browser.get(again["Location"], allow_redirects=True, timeout=10)
    assert "Account password" in login_page.text


def test_a_password_session_signs_out_here_only(client, sso):
    client.force_login(sso.world.officer)
    assert "form-action 'self';" in client.get("/")["Content-Security-Policy"] + ";"
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) is None
