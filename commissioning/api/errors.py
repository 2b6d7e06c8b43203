"""DRF's exception handler: every API error as `application/problem+json` (RFC 9457, built by `config.problems`):
for bad input the fields named; for a refused change, what is allowed now and what is missing, at the status the
domain exception carries."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from config.errors import UNAVAILABLE
from config.problems import PROBLEM, problem_body, problem_response
from workflows import exceptions as domain

log = logging.getLogger(__name__)


def problem(status: int, detail: str, code: str, headers: dict | None = None, **extra) -> Response:
    return Response(problem_body(status, detail, code, **extra), status=status, headers=headers, content_type=PROBLEM)


def domain_problem(exc: domain.WorkflowError) -> Response:
    """A service's refusal, at the status the exception carries (the pages answer with the same one)."""
    if isinstance(exc, domain.InvalidInput):
        return _invalid(exc.errors)
    extra = {k: v for k, v in exc.details.items() if k != "errors"}
    return problem(exc.status, exc.message, exc.code, **extra)


def _field_errors(data, prefix: str = "") -> dict[str, str]:
    """Flatten DRF's nested validation errors into {"field.sub[1]": "message"}."""
    flat: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                flat.update(_field_errors(value, f"{prefix}[{int(key) + 1}]"))  # an item of a list, counted from 1
                continue
            name = key if key != "non_field_errors" else "request"
            flat.update(_field_errors(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            flat[prefix or "request"] = " ".join(str(item) for item in data)
        else:
            for index, item in enumerate(data, start=1):
                if item:
                    flat.update(_field_errors(item, f"{prefix}[{index}]"))
    else:
        flat[prefix or "request"] = str(data)
    return flat


def _invalid(errors: dict[str, str]) -> Response:
    detail = "; ".join(f"{field}: {message}" for field, message in errors.items())
    return problem(
        400,
        f"Please correct the following: {detail}",
        "invalid_input",
        errors=errors,
        invalid_params=[{"name": field, "reason": message} for field, message in errors.items()],
    )


def exception_handler(exc, context):
    """DRF's exception handler, in problem+json."""
    if isinstance(exc, domain.WorkflowError):
        return domain_problem(exc)
    if isinstance(exc, drf.ValidationError):
        return _invalid(_field_errors(exc.detail))
    if isinstance(exc, RequestDataTooBig):
        return problem(413, "The request body is larger than this API accepts.", "too_large")
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.APIException):
        headers = {}
        if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
            headers["WWW-Authenticate"] = 'Token realm="api"'
            status = 401
        else:
            status = exc.status_code
        if isinstance(exc, drf.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return problem(status, detail, code, headers=headers)
    if not isinstance(exc, UNAVAILABLE):  # those become 503 in config.errors.ServiceUnavailableMiddleware
        log.exception("Unhandled API error", exc_info=exc)
    return None


def too_large_response() -> JsonResponse:
    return problem_response(413, "The request body is larger than this API accepts.", "too_large")
