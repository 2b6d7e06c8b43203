"""Failures of the parts the service stands on, and errors nobody expected, as a clear answer rather than a trace.

A database or Redis that does not answer (restarting, failing over, unreachable) is a 503 with Retry-After: an API
client gets problem+json and a person a page that says to try again shortly. The web server keeps running and
recovers by itself when the part is back (persistent connections are health-checked at the start of a request).
Everything else unexpected is Django's 500, logged with the request id and shown to nobody.
"""

import logging

import redis
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error

from .problems import problem_response

log = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RETRY_AFTER_SECONDS = 30


def service_unavailable(request, part: str):
    if request.path.startswith("/api/"):
        response = problem_response(
            503, f"The service cannot reach its {part} just now. Try again in a minute.", "service_unavailable"
        )
    else:
        html = render_to_string("503.html", {"part": part})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # the middleware logs it once, naming the part; not again as a server error
    return response


class ServiceUnavailableMiddleware:
    """Turn a database or Redis that does not answer into 503 for pages and the API alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        part = "database" if isinstance(exception, OperationalError | InterfaceError) else "Redis"
        log.error("%s unavailable during %s %s: %s", part, request.method, request.path, type(exception).__name__)
        return service_unavailable(request, part)


def handler500(request):
    """problem+json for the API, GOV.UK's 'Sorry, there is a problem with the service' page for people."""
    if request.path.startswith("/api/"):
        return problem_response(
            500,
            "Something went wrong on our side. It has been logged; quote the X-Request-ID header if you report it.",
            "server_error",
        )
    return server_error(request)
