"""Settings for the test suite. The database is SQLite unless DATABASE_URL names another (CI: PostgreSQL)."""

from .base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
