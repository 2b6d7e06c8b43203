"""Settings for the test suite. The database is SQLite unless DATABASE_URL names another (CI: PostgreSQL)."""

from .base import *  # noqa: F403
from .base import env, env_bool

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Unit tests run tasks in-process when they are sent; the tests marked `celery` start a real worker on Redis instead.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)

# Webhook tests send to a real receiver on 127.0.0.1 over http, and fan out events as soon as they are written.
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
WEBHOOK_SETTLE_SECONDS = 0

# The engine's tests build gates on a subject of their own and ask its directory who holds which role
# (tests/workflows/testapp), so that they need nothing of the commissioning domain.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.workflows.testapp"]  # noqa: F405

# Every API response the tests provoke is checked against the OpenAPI schema (tests/contract.py).
MIDDLEWARE = ["tests.contract.SchemaConformanceMiddleware", *MIDDLEWARE]  # noqa: F405
