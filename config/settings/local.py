"""Settings for a first look on one machine: SQLite under var/, debug pages, e-mail printed to the console."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# The embedded default needs no servers: Celery's broker is a folder (kombu's filesystem transport), so the worker
# and the beat that `make run` starts work for real. Set CELERY_BROKER_URL (or REDIS_URL) to use Redis instead.
if env("CELERY_BROKER_URL", "") == "" and env("REDIS_URL", "") == "":
    _queue = VAR_DIR / "celery" / "queue"  # noqa: F405
    _processed = VAR_DIR / "celery" / "processed"  # noqa: F405
    _control = VAR_DIR / "celery" / "control"  # noqa: F405
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }

# Webhooks may go to a receiver on this machine or the local network, over http.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", True)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", True)
