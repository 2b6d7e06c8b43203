"""Every response of the API that the test suite provokes is checked against the published OpenAPI schema
(openapi-core, OpenAPI 3.0), success bodies and problem+json alike: a test whose requests get a response the schema
does not describe fails, naming the operation and what did not match.

`SchemaConformanceMiddleware` is installed by config/settings/test.py in front of every other middleware; the
`api_responses_conform` fixture in tests/conftest.py fails the test at its end. Addresses the schema does not have
(an unknown path, a method an operation does not take) are not its business and are left alone.
"""

from __future__ import annotations

import functools
import json

from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound, ServerNotFound

NOT_CHECKED = ("/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/")
violations: list[str] = []


@functools.cache
def published_schema() -> dict:
    """The schema /api/v1/schema/ serves, as plain JSON values."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    schema["servers"] = [{"url": "/"}]
    return json.loads(json.dumps(schema, default=str))


@functools.cache
def openapi() -> OpenAPI:
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(published_schema(), config=config)


def check(request, response) -> None:
    path = request.path
    if not path.startswith("/api/v1/") or path.startswith(NOT_CHECKED) or getattr(response, "streaming", False):
        return
    try:
        openapi().validate_response(DjangoOpenAPIRequest(request), DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound, ServerNotFound):
        return
    except Exception as error:  # any mismatch: keep it for the test to report
        causes = [str(error), *(str(cause) for cause in getattr(error, "schema_errors", []) or [])]
        body = response.content[:300] if hasattr(response, "content") else b""
        violations.append(f"{request.method} {path} -> {response.status_code}: {'; '.join(causes)} (body {body!r})")


class SchemaConformanceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        check(request, response)
        return response
