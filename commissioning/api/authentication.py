"""API authentication: knox tokens (hashed at rest, expiring), checked in one query per request."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.settings import knox_settings


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's authentication without its per-request sweep of the user's other tokens (an extra query on every
    poll); expired tokens are refused here and removed by `manage.py api_token --purge-expired`."""

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "commissioning.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`Authorization: {knox_settings.AUTH_HEADER_PREFIX} <token>`; tokens come from "
            "`manage.py api_token` and expire.",
        }
