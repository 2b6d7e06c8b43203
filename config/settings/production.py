"""Production settings: every secret and address comes from the environment; none has a default, and a missing
one stops the start with a message naming it."""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from commissioning.secrets_at_rest import HOW_TO_MAKE_A_KEY, key_problem

from .base import *  # noqa: F403
from .base import env, env_bool, env_list, logging_config

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(("django-insecure", "change-me")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a long random value (50 characters or more), for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the host names the service answers to, comma-separated.")
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # The queries every poll and page repeat are planned once per connection, not on every request (psycopg
    # prepares a query from its fifth run). Needs session pooling if PgBouncer is in front; false turns it off.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)

SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS", env("SECRETS_ENCRYPTION_KEYS"))
for _position, _key in enumerate(SECRETS_ENCRYPTION_KEYS, start=1):
    if _problem := key_problem(_key):
        raise ImproperlyConfigured(f"SECRETS_ENCRYPTION_KEYS: key {_position} {_problem}.")
if not SECRETS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(f"SECRETS_ENCRYPTION_KEYS must name at least one Fernet key: {HOW_TO_MAKE_A_KEY}.")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The header the TLS-terminating proxy sets, as `HEADER,value`; empty when nothing sits in front (then only a
# request that reached Django over TLS counts as secure). Trust it only behind a proxy that always sets it.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https")
if _proxy_header:
    if len(_proxy_header) != 2 or not _proxy_header[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be `HTTP_HEADER_NAME,value`, such as HTTP_X_FORWARDED_PROTO,https."
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1])
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is what GOV.UK asks of services on its domains; set false for a domain that must keep plain HTTP.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend").endswith("smtp.EmailBackend") and not env(
    "NOTIFY_API_KEY", ""
):
    env("EMAIL_HOST")  # mail goes out through the council's relay (unless GOV.UK Notify sends it), which must be named

LOGGING = logging_config(env("LOG_FORMAT", "json"), env("LOG_LEVEL", "INFO"))

# The API answers in JSON only: DRF's browsable HTML pages are for development (the schema and its docs pages stay).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}  # noqa: F405

# Rate limits are counted in Redis, so they hold across every web server.
CACHES = {"default": {"BACKEND": "config.cache.SharedClientRedisCache", "LOCATION": REDIS_URL}}

# Production serves what `collectstatic` gathered (with hashed, compressed names), not the source folders.
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
