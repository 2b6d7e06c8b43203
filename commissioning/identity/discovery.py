"""A provider's discovery document (OpenID Connect Discovery 1.0): its endpoints and signing keys' address.

Fetched over the network, checked (its issuer must be exactly the provider's configured issuer, and it must name the
endpoints a sign-in needs) and cached for OIDC_DISCOVERY_CACHE_SECONDS, so that a sign-in costs one request to the
provider's token endpoint and one to its keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

from .models import IdentityProvider

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class DiscoveryError(Exception):
    """The provider's discovery document could not be had (`unreachable`), or does not describe this provider."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    authorization_response_iss: bool = False


def _cache_key(provider: IdentityProvider) -> str:
    digest = hashlib.sha256(f"{provider.discovery_address}|{provider.issuer}".encode()).hexdigest()[:32]
    return f"identity:discovery:{digest}"


def discover(provider: IdentityProvider) -> Discovery:
    """The provider's checked discovery document, from the cache or the network; DiscoveryError if neither."""
    key = _cache_key(provider)
    cached = cache.get(key)
    if cached is not None:
        return Discovery(**cached)
    try:
        response = requests.get(
            provider.discovery_address,
            timeout=settings.OIDC_TIMEOUT_SECONDS,
            headers={"Accept": "application/json"},
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise DiscoveryError(
            f"Could not read {provider.discovery_address}: {type(error).__name__}", unreachable=True
        ) from error
    if not isinstance(document, dict) or any(not isinstance(document.get(name), str) for name in REQUIRED):
        raise DiscoveryError(f"{provider.discovery_address} does not name {', '.join(REQUIRED)}.")
    if document["issuer"] != provider.issuer:
        raise DiscoveryError(
            f"{provider.discovery_address} describes the issuer {document['issuer']!r}, not {provider.issuer!r}."
        )
    found = Discovery(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        userinfo_endpoint=document.get("userinfo_endpoint") or "",
        end_session_endpoint=document.get("end_session_endpoint") or "",
        authorization_response_iss=bool(document.get("authorization_response_iss_parameter_supported")),
    )
    cache.set(key, vars(found), settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return found


def forget(provider: IdentityProvider) -> None:
    """Drop the cached document (after the provider's settings change in the admin)."""
    cache.delete(_cache_key(provider))
