"""Health checks for the load balancer and the orchestrator, answered before any other middleware.

`/healthz`: the process is alive and serving (no database, no Redis): restart it if this fails.
`/readyz`: the database and Redis answer: send it traffic only while this says ready. When a part does not
answer, 503 with that part named, so whoever is on call knows where to look.

They come first in MIDDLEWARE, so they skip the host check (a load balancer asks by the container's address), the
HTTPS redirect, sessions and logging of every probe.
"""

import logging
import time

import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse

log = logging.getLogger(__name__)

PATHS = {"/healthz", "/healthz/", "/readyz", "/readyz/"}


def check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; the reason goes to the log and the answer
        return f"unreachable ({type(exc).__name__})"
    return None


def check_redis() -> str | None:
    timeout = settings.READINESS_TIMEOUT_SECONDS
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # idem
        return f"unreachable ({type(exc).__name__})"
    return None


def redis_in_use() -> bool:
    """Whether this process needs Redis: as Celery's broker or as the cache (not on a developer's machine that runs
    `make run` with the filesystem broker and the in-memory cache)."""
    broker = str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://"))
    cache = "redis" in settings.CACHES["default"]["BACKEND"].lower()
    return broker or cache


def readiness() -> tuple[bool, dict[str, str]]:
    checks: dict[str, str] = {}
    ready = True
    parts = [("database", check_database)]
    if redis_in_use():
        parts.append(("redis", check_redis))
    else:
        checks["redis"] = "not used"
    for name, check in parts:
        started = time.monotonic()
        problem = check()
        if problem:
            ready = False
            checks[name] = problem
            log.warning("Not ready: %s is %s", name, problem, extra={"check": name})
        else:
            checks[name] = f"ok ({(time.monotonic() - started) * 1000:.0f} ms)"
    return ready, checks


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PATHS or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        if request.path.startswith("/healthz"):
            response = JsonResponse({"status": "alive"})
        else:
            ready, checks = readiness()
            failing = [name for name, value in checks.items() if value.startswith("unreachable")]
            body = {"status": "ready" if ready else "not ready", "checks": checks}
            if failing:
                body["detail"] = (
                    f"Not ready: {' and '.join(failing)} {'is' if len(failing) == 1 else 'are'} unreachable."
                )
            response = JsonResponse(body, status=200 if ready else 503)
            response._has_been_logged = True  # logged above as a warning naming the part, not as a server error
        response["Cache-Control"] = "no-store"
        return response
