"""Logging: one line per record, JSON in production (LOG_FORMAT=json) or plain text on a developer's machine.

Every record carries the request id (`request_id`): the one the load balancer sent in `X-Request-ID`, or one made
up for the request (django-guid). Tasks a request queues carry it too, so a worker's lines can be traced back to
the request that caused them. A record about a request (an error Django logs) is given the request's method, path
and user id, never its body, cookies or headers.
"""

import logging

REQUEST_ID_FILTER = {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}


class RequestContext(logging.Filter):
    """Replace the `request` object Django attaches to its records with the few fields worth keeping."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = record.__dict__.pop("request", None)
        if request is not None and hasattr(request, "method"):
            record.method = request.method
            record.path = request.path
            user = getattr(request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                record.user_id = user.pk
        return True


def logging_config(log_format: str, level: str) -> dict:
    if log_format not in {"json", "text"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": REQUEST_ID_FILTER,
            "request_context": {"()": "config.logging.RequestContext"},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "timestamp": False,
            },
            "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "request_context"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # django-guid says at INFO that it set an id, on every request and task: noise.
            "django_guid": {"level": "WARNING"},
            "axes.apps": {"level": "WARNING"},  # its start-up banner, in every command
        },
    }
