"""Errors as `application/problem+json` (RFC 9457), built in one place for the API's handler, the 404 and 500
handlers and the 503 middleware: a type, a title, the status, what went wrong, a code, and anything else the
caller adds (fields named for bad input, what is allowed and missing for a refused change)."""

from __future__ import annotations

from django.http import JsonResponse

PROBLEM = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_body(status: int, detail: str, code: str, **extra) -> dict:
    return {
        "type": f"/api/v1/problems/{code.replace('_', '-')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }


def problem_response(status: int, detail: str, code: str, headers: dict | None = None, **extra) -> JsonResponse:
    """A plain Django response, for the handlers that run outside DRF (404, 413 before parsing, 500, 503)."""
    return JsonResponse(
        problem_body(status, detail, code, **extra), status=status, content_type=PROBLEM, headers=headers
    )
