"""Every answer from a provider that must not sign anyone in is refused with a page that says why (never a 500), and
leaves nobody signed in and nothing linked. The forged ID tokens come from the tampering proxy in front of the real
county provider (tests/oidc/harness.py): the flow up to the token endpoint is the provider's own."""

from __future__ import annotations

import pytest

from commissioning.identity.models import ExternalIdentity, IdentityProvider
from tests.oidc.harness import authorise, path_of

pytestmark = [pytest.mark.django_db, pytest.mark.oidc]


@pytest.fixture
def priya(sso):
    officer = sso.world.officer
    officer.email = "priya.shah@midshire.gov.uk"
    officer.save()
    return officer


def signed_in(client) -> bool:
    return client.get("/").wsgi_request.user.is_authenticated


def assert_refused(response, status: int, heading: str, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    page = response.text
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in page.replace("&#x27;", "'")
    assert f'id="refusal-code">{code}</strong>' in page
    assert 'href="/accounts/login/"' in page


@pytest.mark.parametrize(
    ("mode", "heading", "code"),
    [
        ("wrong_issuer", "The sign-in came from the wrong organisation's service", "issuer"),
        ("bad_signature", "The sign-in could not be checked", "signature"),
        ("expired", "The sign-in has expired", "expired"),
        ("wrong_audience", "The sign-in was meant for another service", "audience"),
    ],
)
def test_a_forged_or_stale_id_token_is_refused(client, sso, priya, mode, heading, code):
    sso.proxy.mode = mode

    response = client.get(path_of(authorise(client, "county-tampered", "priya")))

    assert_refused(response, 403, heading, code)
    assert not signed_in(client)
    assert not ExternalIdentity.objects.exists()


def test_the_same_flow_through_the_proxy_untouched_signs_in(client, sso, priya):
    """The refusals above are the tampering's doing, not the proxy's."""
    response = client.get(path_of(authorise(client, "county-tampered", "priya")))
    assert response.status_code == 302
    assert signed_in(client)


def test_an_id_token_replayed_from_an_earlier_sign_in_is_refused_by_its_nonce(client, sso, priya):
    assert client.get(path_of(authorise(client, "county-tampered", "priya"))).status_code == 302
    client.post("/accounts/logout/")
    sso.proxy.mode = "replay"  # the token endpoint now answers with the first sign-in's ID token

    response = client.get(path_of(authorise(client, "county-tampered", "priya")))

    assert_refused(response, 403, "The sign-in did not belong to this attempt", "nonce")
    assert not signed_in(client)


def test_a_state_used_once_is_refused_the_second_time(client, sso, priya):
    callback = path_of(authorise(client, "county", "priya"))
    assert client.get(callback).status_code == 302
    client.post("/accounts/logout/")

    replayed = client.get(callback)

    assert_refused(replayed, 400, "This sign-in link has expired or has already been used", "state")
    assert not signed_in(client)


def test_a_state_this_browser_never_started_is_refused(client, sso, priya):
    """Someone else's sign-in link (login CSRF): the code is theirs, the state is not in this session."""
    attacker = client.__class__()
    callback = path_of(authorise(attacker, "county", "priya"))

    response = client.get(callback)

    assert_refused(response, 400, "This sign-in link has expired or has already been used", "state")
    assert not signed_in(client)


def test_a_state_started_for_one_provider_is_refused_at_another(client, sso, priya):
    callback = path_of(authorise(client, "county", "priya")).replace("/sso/county/", "/sso/icb/")
    assert_refused(client.get(callback), 400, "This sign-in link has expired or has already been used", "state")


def test_an_authorisation_response_naming_another_issuer_is_refused(client, sso, priya):
    callback = path_of(authorise(client, "county", "priya"))
    assert "iss=" in callback  # RFC 9207: the provider names itself in the response
    forged = callback.replace("iss=http", "iss=https")
    assert_refused(client.get(forged), 403, "The sign-in came from the wrong organisation's service", "issuer")


def test_an_unverified_email_address_never_links_an_account(client, sso):
    sso.world.officer2.email = "new.starter@midshire.gov.uk"
    sso.world.officer2.save()

    response = client.get(path_of(authorise(client, "county", "unverified")))

    assert_refused(response, 403, "Your e-mail address has not been verified", "email-unverified")
    assert not signed_in(client)
    assert not ExternalIdentity.objects.exists()


def test_an_address_outside_the_organisations_domains_never_links_an_account(client, sso):
    sso.world.officer2.email = "someone@example.com"
    sso.world.officer2.save()

    response = client.get(path_of(authorise(client, "county", "outsider")))

    assert_refused(response, 403, "Your e-mail address is not one of your organisation's", "email-domain")
    assert not ExternalIdentity.objects.exists()


def test_an_account_already_linked_is_not_linked_again_by_email(client, sso, priya):
    ExternalIdentity.objects.create(person=priya, provider=sso.county, issuer=sso.county.issuer, subject="old-sub")

    response = client.get(path_of(authorise(client, "county", "priya")))

    assert_refused(response, 403, "Your account here is linked to another sign-in", "already-linked")
    assert not signed_in(client)


def test_an_account_disabled_at_the_provider_cannot_sign_in(client, sso):
    sso.world.officer2.email = "leaver@midshire.gov.uk"
    sso.world.officer2.save()

    response = client.get(path_of(authorise(client, "county", "leaver")))

    assert_refused(response, 403, "Your organisation's sign-in service did not sign you in", "provider-refused")
    assert "This account has been disabled" in response.text
    assert not signed_in(client)


def test_a_provider_that_does_not_answer_gets_a_clear_page_not_a_500(client, sso):
    from benchmarks.stack import free_port

    IdentityProvider.objects.create(
        organisation=sso.world.district,
        slug="district",
        name="Riverside District Council",
        issuer=f"http://127.0.0.1:{free_port()}",
        client_id="commissioning",
    )

    response = client.get("/accounts/sso/district/login/")

    assert_refused(response, 503, "Your organisation's sign-in service is not answering", "provider-unavailable")


def test_a_discovery_document_describing_another_issuer_is_refused_before_anyone_is_sent_there(client, sso):
    sso.tampered.discovery_url = f"{sso.icb.issuer}/.well-known/openid-configuration"  # the ICB's, not the county's
    sso.tampered.save()

    response = client.get("/accounts/sso/county-tampered/login/")

    assert_refused(response, 503, "Signing in with this organisation is not set up correctly", "provider-misconfigured")


def test_a_switched_off_provider_is_neither_offered_nor_started(client, sso):
    sso.icb.enabled = False
    sso.icb.save()
    assert "Sign in with Midshire Integrated Care Board" not in client.get("/accounts/login/").text
    assert client.get("/accounts/sso/icb/login/").status_code == 404
