"""The OpenAPI schema says what the API does (drf-spectacular builds it from the views; this finishes it):

- every error a request can meet is listed, with the problem+json body the API sends (RFC 9457, and the fields
  this API adds: `errors` and `invalid_params` for bad input, `allowed` and `missing` for a refused change,
  `current_version` for a stale If-Match, `measures` for an unknown measure): 401, 406, 429, 500 and 503 on every
  operation; 400 where there are query parameters or a body; 404 where the path names something; 413 and 415 where
  there is a body; and those the views declare (403, 409, 412, 428);
- the response headers a client relies on are declared: `X-Request-ID` on every answer, `ETag` and `Last-Modified`
  (and `Cache-Control`) where a read can be asked `If-None-Match`, the new `ETag` after a write that took `If-Match`,
  `Idempotent-Replayed` on a replay, and `Retry-After` on 429 and 503;
- a nullable object is the object's schema written out with `nullable: true` (drf-spectacular writes `allOf` of a
  reference with `nullable`, without a type: under OpenAPI 3.0 `nullable` needs a `type` beside it, and the
  referenced schema still refuses null, so strict validators reject the real `null`s).
"""

from __future__ import annotations

import copy

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details with the fields this API adds.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "A URI reference naming the kind of problem."},
        "title": {"type": "string", "description": "The status in words."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What went wrong, and what would allow the request."},
        "code": {"type": "string", "description": "The kind of problem, for machines (e.g. stale_version)."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "For bad input: each field (dotted, lists counted from 1) and what is wrong with it.",
        },
        "invalid_params": {
            "type": "array",
            "description": "The same as `errors`, as RFC 9457's invalid-params list.",
            "items": {
                "type": "object",
                "required": ["name", "reason"],
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "state": {"type": "string", "description": "For a refused change: the state it is in."},
        "allowed": {"type": "array", "items": {"type": "string"}, "description": "What may be done in that state."},
        "missing": {"type": "array", "items": {"type": "string"}, "description": "What must be done first."},
        "current_version": {"type": "integer", "description": "For a stale If-Match: the version now."},
        "existing": {"type": "object", "description": "For a figure already returned: that figure."},
        "measures": {"type": "array", "items": {"type": "string"}, "description": "For an unknown measure: codes."},
    },
    "additionalProperties": True,
}

EVERY_OPERATION = {
    401: "Not signed in: no token, or a wrong, expired or revoked one.",
    406: "The Accept header asks for something other than JSON.",
    429: "Too many requests for this token (or too many wrong tokens from this address); wait as Retry-After says.",
    500: "Something went wrong on our side (never meant to happen): quote the X-Request-ID header if you report it.",
    503: "The database or Redis does not answer just now; retry after Retry-After seconds.",
}
WITH_A_BODY = {
    400: "The body is invalid: `errors` and `invalid_params` name each field.",
    413: "The body is larger than the API accepts (API_MAX_BODY_BYTES).",
    415: "The body is not application/json.",
}
WITH_QUERY = {400: "A query parameter is invalid: `errors` and `invalid_params` name it."}
WITH_A_PATH = {404: "Not there, or not yours to see (the API never says which)."}
METHODS = ("get", "post", "put", "patch", "delete")


def _header(description: str, **schema) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


REQUEST_ID = _header("This request's id, in the service's logs: quote it if you report a problem.")
RETRY_AFTER = _header("Seconds to wait before trying again.", type="integer")
ETAG_READ = _header("The version of what you read: send it back as If-None-Match to be answered 304 if unchanged.")
LAST_MODIFIED = _header("When it last changed (HTTP date): send it back as If-Modified-Since.")
CACHE_CONTROL = _header("private, no-cache: keep it, but ask again (with If-None-Match) before using it.")
ETAG_WRITTEN = _header("The version after this change: the If-Match of your next change.")
REPLAYED = _header("`true` when this is the kept answer to an earlier request with the same Idempotency-Key.")


def finish_schema(result: dict, generator, request, public) -> dict:
    """drf-spectacular's postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for item in result.get("paths", {}).values():
        for method in METHODS:
            if method in item:
                _list_problems(item[method], path_parameters=item.get("parameters", []))
                _declare_headers(item[method], path_parameters=item.get("parameters", []))
    _type_nullable_objects(result)
    return result


def _list_problems(operation: dict, *, path_parameters: list) -> None:
    parameters = [*path_parameters, *operation.get("parameters", [])]
    wanted = dict(EVERY_OPERATION)
    if any(p.get("in") == "query" for p in parameters):
        wanted |= WITH_QUERY
    if "requestBody" in operation:
        wanted |= WITH_A_BODY
    if any(p.get("in") == "path" for p in parameters):
        wanted |= WITH_A_PATH
    responses = operation.setdefault("responses", {})
    for status, description in wanted.items():
        responses.setdefault(str(status), {"description": description})
    for status, response in responses.items():
        if int(status) >= 400:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
            response["description"] = response.get("description") or "A problem (problem+json)."


def _declare_headers(operation: dict, *, path_parameters: list) -> None:
    asked = {p["name"] for p in [*path_parameters, *operation.get("parameters", [])] if p.get("in") == "header"}
    for status, response in operation.get("responses", {}).items():
        code = int(status)
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-ID", REQUEST_ID)
        if code in (429, 503):
            headers.setdefault("Retry-After", RETRY_AFTER)
        if not (200 <= code < 300 or code == 304):
            continue
        if "If-None-Match" in asked:
            headers.setdefault("ETag", ETAG_READ)
            headers.setdefault("Last-Modified", LAST_MODIFIED)
            headers.setdefault("Cache-Control", CACHE_CONTROL)
        if "If-Match" in asked and code != 304:
            headers.setdefault("ETag", ETAG_WRITTEN)
        if "Idempotency-Key" in asked:
            headers.setdefault("Idempotent-Replayed", REPLAYED)


def _type_nullable_objects(result: dict) -> None:
    components = result["components"]["schemas"]

    def visit(node) -> None:
        if isinstance(node, dict):
            refs = node.get("allOf")
            if node.get("nullable") and isinstance(refs, list) and len(refs) == 1 and "$ref" in refs[0]:
                target = components[refs[0]["$ref"].rsplit("/", 1)[1]]
                del node["allOf"]
                node.update({key: value for key, value in copy.deepcopy(target).items() if key not in node})
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("paths", {}))
    visit(components)
