"""The sign-in page (a "Sign in with <organisation>" button per provider, and the password form where allowed), the
start and the return of a single sign-on, signing out (here and, where the provider offers it, there) and the page
that says clearly why a sign-in was refused.

A sign-in's state, nonce and PKCE verifier are kept in the server-side session under the state (mozilla-django-oidc's
`oidc_states`), with the provider they were made for; the return removes the entry before anything else, so a state
is used once whatever follows.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render, resolve_url
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session, generate_code_challenge
from mozilla_django_oidc.views import get_next_url

from commissioning.web.forms import SignInForm

from . import selectors, services
from .backends import PASSWORD_OFF
from .discovery import DiscoveryError, discover
from .middleware import SESSION_SIGN_OUT_ORIGIN
from .models import IdentityProvider
from .refusals import Reason, SignInRefused
from .tokens import ProviderTokens

log = logging.getLogger(__name__)

SSO_BACKEND = "commissioning.identity.backends.SingleSignOnBackend"
SESSION_PROVIDER = "identity_provider"
SESSION_ID_TOKEN = "identity_id_token"  # noqa: S105 (a session key's name): the id_token_hint for signing out


class PasswordSignInForm(SignInForm):
    def get_invalid_login_error(self):
        if getattr(self.request, PASSWORD_OFF, False):
            return ValidationError(
                "Your organisation has switched off signing in with a password. Use the button to sign in with "
                "your organisation's account.",
                code="password_sign_in_off",
            )
        return super().get_invalid_login_error()


class SignInView(LoginView):
    form_class = PasswordSignInForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_url = self.get_redirect_url()
        context["providers"] = [
            (
                provider,
                reverse("sso-login", args=[provider.slug]) + (f"?{urlencode({'next': next_url})}" if next_url else ""),
            )
            for provider in selectors.providers_offered()
        ]
        context["password_form_shown"] = selectors.password_sign_in_offered() or self.request.method == "POST"
        return context


def _discovery_reason(error: DiscoveryError) -> Reason:
    return Reason.PROVIDER_UNAVAILABLE if error.unreachable else Reason.PROVIDER_MISCONFIGURED


def _callback_uri(request, provider: IdentityProvider) -> str:
    return request.build_absolute_uri(reverse("sso-callback", args=[provider.slug]))


def _refused(request, refusal: SignInRefused, provider: IdentityProvider | None = None):
    log.warning(
        "Single sign-on refused (%s) for %s: %s",
        refusal.reason.name,
        provider.slug if provider else "an unknown provider",
        refusal.log_detail or refusal.reason.heading,
    )
    context = {
        "heading": refusal.reason.heading,
        "text": refusal.reason.text(refusal.shown_detail),
        "code": refusal.reason.name.lower().replace("_", "-"),
        "provider": provider,
    }
    return render(request, "identity/refused.html", context, status=refusal.reason.status)


@require_GET
def sso_start(request, slug: str):
    """Send the person to their organisation's provider, with a fresh state, nonce and PKCE challenge."""
    provider = get_object_or_404(IdentityProvider, slug=slug, enabled=True)
    try:
        discovery = discover(provider)
    except DiscoveryError as error:
        return _refused(request, SignInRefused(_discovery_reason(error), str(error)), provider)
    state, nonce, verifier = get_random_string(43), get_random_string(43), get_random_string(64)
    params = {
        "response_type": "code",
        "scope": provider.scopes,
        "client_id": provider.client_id,
        "redirect_uri": _callback_uri(request, provider),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    entry = request.session["oidc_states"][state]
    entry["provider"] = provider.slug
    entry["next"] = get_next_url(request, "next") or ""
    request.session.modified = True
    separator = "&" if "?" in discovery.authorization_endpoint else "?"
    return HttpResponseRedirect(f"{discovery.authorization_endpoint}{separator}{urlencode(params)}")


def _take_state(request) -> dict | None:
    """The sign-in attempt the returning state names, removed from the session at once (used once only)."""
    state = request.GET.get("state", "")
    states = request.session.get("oidc_states")
    if not state or not isinstance(states, dict) or state not in states:
        return None
    entry = states.pop(state)
    request.session["oidc_states"] = states
    request.session.save()
    # Read the session again, as mozilla-django-oidc does, so that a sign-in started in another tab meanwhile is kept.
    request.session = request.session.__class__(request.session.session_key)
    return entry


@require_GET
def sso_callback(request, slug: str):
    """The provider's answer: check it, find the person, sign them in; or say clearly why not."""
    provider = get_object_or_404(IdentityProvider, slug=slug)
    entry = _take_state(request)
    try:
        if entry is None or entry.get("provider") != provider.slug:
            raise SignInRefused(Reason.STATE, "a state this session did not start (replayed, expired or forged)")
        if request.GET.get("error"):
            error = request.GET["error"]
            shown = request.GET.get("error_description") or error
            raise SignInRefused(Reason.PROVIDER_REFUSED, f"provider error {error}: {shown}", shown[:200])
        if not provider.enabled:
            raise SignInRefused(Reason.PROVIDER_REFUSED, "provider switched off", "this sign-in is not offered now")
        if "iss" in request.GET and request.GET["iss"] != provider.issuer:
            raise SignInRefused(Reason.ISSUER, f"authorisation response from {request.GET['iss']!r}")
        code = request.GET.get("code")
        if not code:
            raise SignInRefused(Reason.PROVIDER_REFUSED, "no code", "no authorisation code came back")
        try:
            discovery = discover(provider)
        except DiscoveryError as error:
            raise SignInRefused(_discovery_reason(error), str(error)) from error
        claims, id_token = ProviderTokens(provider, discovery).exchange(
            code=code,
            code_verifier=entry["code_verifier"],
            nonce=entry["nonce"],
            redirect_uri=_callback_uri(request, provider),
        )
        person = services.sso_sign_in(provider=provider, claims=claims)
    except SignInRefused as refusal:
        return _refused(request, refusal, provider)
    auth.login(request, person, backend=SSO_BACKEND)
    request.session[SESSION_PROVIDER] = provider.slug
    request.session[SESSION_ID_TOKEN] = id_token
    if provider.end_provider_session and discovery.end_session_endpoint:
        parts = urlsplit(discovery.end_session_endpoint)
        request.session[SESSION_SIGN_OUT_ORIGIN] = f"{parts.scheme}://{parts.netloc}"
    log.info("Signed in %s through %s", person.username, provider.slug)
    return HttpResponseRedirect(entry.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))


def _provider_sign_out_url(request, slug: str | None, id_token: str | None) -> str | None:
    provider = IdentityProvider.objects.filter(slug=slug, end_provider_session=True).first() if slug else None
    if provider is None:
        return None
    try:
        endpoint = discover(provider).end_session_endpoint
    except DiscoveryError:
        log.warning("Could not reach %s to sign out there; signed out here only", provider.slug)
        return None
    if not endpoint:
        return None
    params = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("signed-out")),
    }
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


@require_POST
def sign_out(request):
    """End the session here; for a single sign-on, go on to end it at the provider (RP-initiated logout)."""
    slug, id_token = request.session.get(SESSION_PROVIDER), request.session.get(SESSION_ID_TOKEN)
    target = _provider_sign_out_url(request, slug, id_token)
    auth.logout(request)
    if target is None:
        return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))
    return HttpResponseRedirect(target)  # allowed by the pages' form-action policy (`middleware`)


def signed_out(request):
    """Where a provider sends the person back after signing out there."""
    return render(request, "identity/signed_out.html")
