"""API clients for tests: a partner organisation's system (its service account's token), a person with a token of
their own, and a person signed in with a session."""

from __future__ import annotations

from knox.models import AuthToken
from rest_framework.test import APIClient

from commissioning.management.commands.api_token import service_account


def person_token_client(user, **token_kwargs) -> APIClient:
    """A client that sends a new knox token of `user` (keyword arguments go to AuthToken.objects.create)."""
    _, secret = AuthToken.objects.create(user=user, **token_kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def token_client(organisation, **token_kwargs) -> APIClient:
    """A partner organisation's system: a token of its service account."""
    return person_token_client(service_account(organisation), **token_kwargs)


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client
