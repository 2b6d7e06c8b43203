"""Settings shared by every environment. Everything secret or site-specific comes from the environment."""

import base64
import datetime as dt
import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env(name: str, default: str | None = None) -> str:
    """Read a setting from the environment; a missing one without a default is a start-up error."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"The environment variable {name} must be true or false, not {raw!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_guid",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "workflows",
    "commissioning",
    "commissioning.identity",
    "commissioning.statements",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",  # /healthz and /readyz, before the host check and the HTTPS redirect
    "django_guid.middleware.guid_middleware",  # the request id, in every log line and the tasks a request queues
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "commissioning.api.middleware.ApiRequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commissioning.identity.middleware.SignOutFormActionMiddleware",  # sign-out may go on to the person's provider
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.errors.ServiceUnavailableMiddleware",  # a database or Redis that does not answer: 503, not 500
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'commissioning.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
        # A kept connection is checked before each request reuses it, so a database restart costs the requests
        # made while it is down (503) and none after.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a lock rather than failing at once when the web server and a worker write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "commissioning.User"

# The generic engine in `workflows` refers to the domain's organisations through this setting and asks the
# domain who holds which role through the directory class named here; it never imports `commissioning`.
WORKFLOWS_ORGANISATION_MODEL = "commissioning.Organisation"
WORKFLOWS_DIRECTORY = env("WORKFLOWS_DIRECTORY", "commissioning.directory.Directory")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files are served by whitenoise under /assets/, the path GOV.UK Frontend's stylesheet asks for its fonts and
# images; GOV.UK Frontend itself comes from npm (package.json, installed by `make setup`), never committed.
GOVUK_FRONTEND_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATIC_URL = "/assets/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from it (empty until `collectstatic`)
STATICFILES_DIRS = [GOVUK_FRONTEND_DIST / "assets", ("govuk", GOVUK_FRONTEND_DIST)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# Sessions: signed in for a working day at most, and not beyond closing the browser.
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE_SECONDS", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sign-in lockout (django-axes) for the pages and the admin: after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused (429) for AXES_COOLOFF_MINUTES; a correct password resets the
# count. Attempts are recorded in the database, visible and removable in the admin. The API's tokens have their
# own limit (API_AUTH_FAILURE_LIMIT, commissioning.api.authentication).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "commissioning.identity.backends.PasswordBackend",  # Django's, honouring each organisation's password switch
    "commissioning.identity.backends.SingleSignOnBackend",  # sessions signed in through an identity provider
]
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip_for_axes"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]
API_AUTH_FAILURE_LIMIT = int(env("API_AUTH_FAILURE_LIMIT", "20"))
API_AUTH_LOCKOUT_MINUTES = int(env("API_AUTH_LOCKOUT_MINUTES", "15"))

# Content Security Policy (django-csp): the pages run no script at all and load nothing from elsewhere.
CSP_REPORT_URI = env("CSP_REPORT_URI", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [CSP_REPORT_URI]} if CSP_REPORT_URI else {}),
    },
}

# The request id: taken from the load balancer's X-Request-ID when it is a UUID, made up otherwise, returned in
# the response, written in every log line and handed to the Celery tasks the request queues (django-guid).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
READINESS_TIMEOUT_SECONDS = float(env("READINESS_TIMEOUT_SECONDS", "2"))
# `make bench` only: serve /bench/baseline/, a bare view that measures the stack itself. Never on in production use.
BENCHMARK_BASELINE = env_bool("BENCHMARK_BASELINE", False)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Single sign-on (OpenID Connect, commissioning.identity): providers are configured per organisation in the admin,
# their client secrets in environment variables the admin names. Off until a provider is added.
OIDC_TIMEOUT_SECONDS = float(env("OIDC_TIMEOUT_SECONDS", "10"))
OIDC_DISCOVERY_CACHE_SECONDS = int(env("OIDC_DISCOVERY_CACHE_SECONDS", "3600"))
OIDC_CLOCK_SKEW_SECONDS = int(env("OIDC_CLOCK_SKEW_SECONDS", "60"))
OIDC_MAX_STATES = 20  # sign-ins in progress kept per browser session (mozilla-django-oidc)
# Organisation codes whose people may not sign in with a password, whatever the admin says (comma-separated).
PASSWORD_SIGN_IN_OFF_FOR = env_list("PASSWORD_SIGN_IN_OFF_FOR", "")

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Commissioning <commissioning@localhost>")

EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", "commissioning.localhost")

# GOV.UK Notify (workflows.notify): with an API key, the outbox sends e-mail through Notify instead of SMTP.
NOTIFY_API_KEY = env("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_TEMPLATE_ID = env("NOTIFY_TEMPLATE_ID", "")
# Notify templates of their own for some messages, as `outbox_template=notify_template_id,...`.
NOTIFY_TEMPLATE_IDS = dict(item.split("=", 1) for item in env_list("NOTIFY_TEMPLATE_IDS", "") if "=" in item)
NOTIFY_EMAIL_REPLY_TO_ID = env("NOTIFY_EMAIL_REPLY_TO_ID", "")
NOTIFY_TIMEOUT_SECONDS = float(env("NOTIFY_TIMEOUT_SECONDS", "10"))
if NOTIFY_API_KEY and not NOTIFY_TEMPLATE_ID:
    raise ImproperlyConfigured("NOTIFY_TEMPLATE_ID must name the Notify e-mail template when NOTIFY_API_KEY is set.")

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# Celery: Redis is the broker (REDIS_URL); tasks are JSON only, acknowledged after they finish (a worker that dies
# mid-task leaves the task to be redelivered) and time-limited. One beat, reading its schedule from the database
# (django-celery-beat), so administrators can change it in the admin.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "900"))}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", "540"))
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "600"))
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# The outbox: how often a failed message is retried (exponential backoff from the base, capped), and when to stop.
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "12"))
OUTBOX_RETRY_BASE_SECONDS = int(env("OUTBOX_RETRY_BASE_SECONDS", "30"))
OUTBOX_RETRY_MAX_SECONDS = int(env("OUTBOX_RETRY_MAX_SECONDS", "21600"))
# How many messages one delivery task sends before it queues a follow-up of itself for the rest.
OUTBOX_BATCH_SIZE = int(env("OUTBOX_BATCH_SIZE", "500"))

# Reminder and escalation rules for seats and actions, in working days.
REMINDER_WORKING_DAYS_BEFORE = int(env("REMINDER_WORKING_DAYS_BEFORE", "2"))
ESCALATE_AFTER_WORKING_DAYS = int(env("ESCALATE_AFTER_WORKING_DAYS", "3"))
ESCALATION_EVERY_WORKING_DAYS = int(env("ESCALATION_EVERY_WORKING_DAYS", "5"))
# A strategy with no change for this many days is flagged to its lead officer and managers (at most weekly).
STALLED_AFTER_DAYS = int(env("STALLED_AFTER_DAYS", "30"))

# Sweeps that `manage.py run_sweep NAME` can run by hand (the beat runs the same code through tasks).
SWEEPS = {
    "seat-reminders": "workflows.sweeps.seat_reminders",
    "action-reminders": "workflows.sweeps.action_reminders",
    "call-in-windows": "commissioning.sweeps.close_call_in_windows",
    "decision-dates": "commissioning.sweeps.announce_decision_dates",
    "review-cycles": "commissioning.sweeps.run_review_cycles",
    "stalled-strategies": "commissioning.sweeps.flag_stalled_strategies",
    "weekly-digest": "commissioning.sweeps.send_weekly_digests",
    "outbox": "workflows.outbox.deliver_due",
}

# The partner API (Django REST Framework): knox tokens (hashed at rest, expiring) for partners' systems, the
# session for people; errors as application/problem+json; a rate limit per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "commissioning.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["commissioning.api.throttling.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("API_THROTTLE_RATE", "1200/minute")},
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "commissioning.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
}
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=int(env("API_TOKEN_TTL_DAYS", "90"))),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_PREFIX": "cce_",
}
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", str(256 * 1024)))
SPECTACULAR_SETTINGS = {
    "TITLE": "Commissioning cycle API",
    "DESCRIPTION": "Status of commissioning strategies for partner organisations: strategies, gates and seats, "
    "decisions, history and an events feed. Errors are application/problem+json (RFC 9457).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error's problem+json body, and nullable objects strict OpenAPI 3.0 validators accept.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commissioning.api.schema.finish_schema",
    ],
    "ENUM_NAME_OVERRIDES": {
        "GateStateEnum": "workflows.models.GateState",
        "SeatStateEnum": "workflows.models.SeatState",
        "OutboxStateEnum": "workflows.models.OutboxState",
        "DecisionOutcomeEnum": "workflows.models.DecisionOutcome",
        "StageEnum": "commissioning.models.Stage",
        "PartnerKindEnum": "commissioning.models.PartnerKind",
    },
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The forward-plan notice period is law (28 clear days), kept as a setting for a change in the regulations.
FORWARD_PLAN_CLEAR_DAYS = int(env("FORWARD_PLAN_CLEAR_DAYS", "28"))

# Open data: the forward plan and the records of decision as Atom, JSON and CSV, and procurement as OCDS release
# packages. Ids are tag URIs (RFC 4151) under OPEN_DATA_TAG_AUTHORITY ("<domain>,<year>"): once published, never
# change it. OCDS_OCID_PREFIX is the publisher's prefix registered with the Open Contracting Partnership.
_site_host = urlsplit(SITE_URL).hostname or ""
_tag_host = _site_host if any(c.isalpha() for c in _site_host) else "commissioning.localhost"  # a name, not an address
OPEN_DATA_TAG_AUTHORITY = env("OPEN_DATA_TAG_AUTHORITY", f"{_tag_host},2026")
OPEN_DATA_LICENCE_URL = env(
    "OPEN_DATA_LICENCE_URL", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
)
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", "ocds-xxxxxx")

# One line per record with the request id; LOG_FORMAT=json for a log collector (production's default).
LOGGING = logging_config(env("LOG_FORMAT", "text"), env("LOG_LEVEL", "INFO"))

# Webhooks, the partners' alternative to polling. Every minute the beat's `commissioning.publish_webhooks` turns new
# audit events (once older than WEBHOOK_SETTLE_SECONDS, so a transaction still open cannot be skipped) into outbox
# messages for each subscription; the outbox POSTs them signed (HMAC-SHA256), retrying with its backoff. The engine
# gets each message's secret from the resolver named here. Subscribers' URLs must be https and public addresses.
WORKFLOWS_WEBHOOK_SECRET_RESOLVER = "commissioning.selectors.webhooks.secret_for_message"  # noqa: S105 (a function)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_SETTLE_SECONDS = int(env("WEBHOOK_SETTLE_SECONDS", "30"))
WEBHOOK_FAN_OUT_BATCH = int(env("WEBHOOK_FAN_OUT_BATCH", "500"))
WEBHOOK_MAX_PER_ORGANISATION = int(env("WEBHOOK_MAX_PER_ORGANISATION", "10"))

# Webhook signing secrets are kept encrypted (commissioning.secrets_at_rest): Fernet keys, comma-separated, the first
# encrypting and any decrypting, so a key is rotated by putting a new one first and running `manage.py rotate_secrets`.
# Production requires them; elsewhere, without them, one key is derived from SECRET_KEY (for development only).
SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS") or [
    base64.urlsafe_b64encode(hashlib.sha256(f"secrets-at-rest:{SECRET_KEY}".encode()).digest()).decode()
]
