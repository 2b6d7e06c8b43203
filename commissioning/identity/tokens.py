"""The authorisation code exchanged for tokens and the ID token checked, for one provider.

mozilla-django-oidc's backend does the exchange (with the PKCE verifier), fetches the provider's signing keys from
the `jwks_uri` of its discovery document, verifies the signature with the key the token names and checks the nonce.
It is configured from settings for a single provider, so `ProviderTokens` hands it one provider's values instead,
and adds the checks it leaves out: the issuer, the audience (and `azp`), the expiry and issue time, and the claims
a sign-in needs. Each failure becomes a `SignInRefused` with its reason.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .discovery import Discovery
from .models import IdentityProvider
from .refusals import Reason, SignInRefused

log = logging.getLogger(__name__)

REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]


class ProviderTokens(OIDCAuthenticationBackend):
    """mozilla-django-oidc's token handling for one provider (never listed in AUTHENTICATION_BACKENDS)."""

    def __init__(self, provider: IdentityProvider, discovery: Discovery) -> None:
        self.provider = provider
        self.discovery = discovery
        super().__init__()

    def get_settings(self, attr, *args):  # the library's per-setting hook, answered from the provider
        values = {
            "OIDC_OP_TOKEN_ENDPOINT": self.discovery.token_endpoint,
            "OIDC_OP_USER_ENDPOINT": self.discovery.userinfo_endpoint,
            "OIDC_OP_JWKS_ENDPOINT": self.discovery.jwks_uri,
            "OIDC_RP_CLIENT_ID": self.provider.client_id,
            "OIDC_RP_CLIENT_SECRET": self.provider.client_secret,
            "OIDC_RP_SIGN_ALGO": self.provider.signing_algorithm,
            "OIDC_RP_IDP_SIGN_KEY": None,
            "OIDC_USE_NONCE": True,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
            "OIDC_VERIFY_SSL": True,
            "OIDC_TIMEOUT": settings.OIDC_TIMEOUT_SECONDS,
            "OIDC_PROXY": None,
        }
        if attr in values:
            return values[attr]
        return super().get_settings(attr, *args)

    # -- the library's hooks ------------------------------------------------------------------------------------

    def _verify_jws(self, payload, key):
        """The signature (with the key from the provider's JWKS), then the issuer, audience and times."""
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
        except jwt.PyJWTError as error:
            raise SignInRefused(Reason.SIGNATURE, f"unreadable ID token header: {error}") from error
        if algorithm != self.provider.signing_algorithm:
            raise SignInRefused(Reason.SIGNATURE, f"ID token signed with {algorithm!r}")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[algorithm],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise SignInRefused(Reason.EXPIRED, "ID token expired") from error
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError) as error:
            raise SignInRefused(Reason.EXPIRED, f"ID token not valid yet: {error}") from error
        except jwt.InvalidIssuerError as error:
            raise SignInRefused(Reason.ISSUER, f"ID token issuer {_unverified(payload).get('iss')!r}") from error
        except jwt.InvalidAudienceError as error:
            raise SignInRefused(Reason.AUDIENCE, f"ID token audience {_unverified(payload).get('aud')!r}") from error
        except jwt.MissingRequiredClaimError as error:
            raise SignInRefused(Reason.CLAIMS, str(error)) from error
        except jwt.PyJWTError as error:  # a bad signature, a malformed token
            raise SignInRefused(Reason.SIGNATURE, f"{type(error).__name__}: {error}") from error
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.provider.client_id:
            raise SignInRefused(Reason.AUDIENCE, f"several audiences and azp {claims.get('azp')!r}")
        return claims

    # -- the flow -----------------------------------------------------------------------------------------------

    def exchange(self, *, code: str, code_verifier: str, nonce: str, redirect_uri: str) -> tuple[dict, str]:
        """Trade the code for tokens; the ID token's checked claims and the raw ID token."""
        payload = {
            "client_id": self.provider.client_id,
            "client_secret": self.provider.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        if not payload["client_secret"]:
            del payload["client_secret"]  # a public client proves itself with PKCE alone
        try:
            tokens = self.get_token(payload)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            if 400 <= status < 500:
                detail = _oauth_error(error.response)
                raise SignInRefused(Reason.PROVIDER_REFUSED, f"token endpoint: {detail}", detail) from error
            raise SignInRefused(Reason.PROVIDER_UNAVAILABLE, f"token endpoint answered {status}") from error
        except (requests.RequestException, ValueError) as error:
            raise SignInRefused(Reason.PROVIDER_UNAVAILABLE, f"token endpoint: {type(error).__name__}") from error
        id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
        if not id_token:
            raise SignInRefused(Reason.CLAIMS, "the token response had no ID token")
        try:
            claims = self.verify_token(id_token, nonce=nonce)
        except SuspiciousOperation as error:
            reason = Reason.NONCE if "nonce" in str(error).lower() else Reason.SIGNATURE
            raise SignInRefused(reason, str(error)) from error
        except (KeyError, jwt.PyJWTError) as error:  # no key id, or keys that cannot be read
            raise SignInRefused(Reason.SIGNATURE, f"{type(error).__name__}: {error}") from error
        except requests.RequestException as error:
            raise SignInRefused(Reason.PROVIDER_UNAVAILABLE, f"keys: {type(error).__name__}") from error
        return claims, id_token


def _unverified(token: str) -> dict:
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def _oauth_error(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return str(body.get("error_description") or body.get("error") or f"HTTP {response.status_code}")[:200]
