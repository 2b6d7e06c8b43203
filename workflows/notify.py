"""E-mail through GOV.UK Notify, when NOTIFY_API_KEY is set: the outbox's e-mail channel calls `send_email` instead of
SMTP. The outbox stays the one record of every message (its state, attempts, backoff and last error); this module
only sends one and says how a failure should be treated.

Each message goes to one Notify e-mail template (NOTIFY_TEMPLATE_ID, or the one NOTIFY_TEMPLATE_IDS names for the
message's template) with the personalisation `subject`, `body` (the plain text the SMTP e-mail would carry),
`recipient_name` and `link`, plus any other text the message's context holds; Notify ignores what a template does not
use. The outbox message's digest is the Notify `reference`.

Notify's errors, as its API documents them, map onto the outbox's retries:

| Notify answers | here | the outbox |
|---|---|---|
| 429 RateLimitError / TooManyRequestsError | `NotifyRateLimited` | retried with backoff |
| 500, no answer, a timeout | `NotifyUnavailable` | retried with backoff |
| 403 AuthError (a bad or revoked key, the clock) | `NotifyKeyRejected` | retried, and logged as an error |
| 400 BadRequestError / ValidationError (an invalid address, a team-only key) | `NotifyRefused` | failed at once |
"""

from __future__ import annotations

import logging
import threading

import requests
from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

log = logging.getLogger(__name__)


class NotifyError(Exception):
    """A message Notify did not accept. `permanent` ones are not retried."""

    permanent = False


class NotifyRateLimited(NotifyError):
    pass


class NotifyUnavailable(NotifyError):
    pass


class NotifyKeyRejected(NotifyError):
    pass


class NotifyRefused(NotifyError):
    permanent = True


def is_configured() -> bool:
    return bool(settings.NOTIFY_API_KEY)


_local = threading.local()  # the client keeps a requests session and is not thread-safe: one per thread


def _client() -> NotificationsAPIClient:
    wanted = (settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL, settings.NOTIFY_TIMEOUT_SECONDS)
    cached = getattr(_local, "client", None)
    if cached is None or cached[0] != wanted:
        client = NotificationsAPIClient(
            settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=settings.NOTIFY_TIMEOUT_SECONDS
        )
        _local.client = cached = (wanted, client)
    return cached[1]


def personalisation(*, subject: str, body: str, context: dict) -> dict[str, str]:
    """What the template may use: every text value of the message's context, then the subject and body."""
    values = {key: str(value) for key, value in context.items() if isinstance(value, str | int) and key.isidentifier()}
    link = context.get("link", "")
    values.update(
        subject=subject,
        body=body,
        recipient_name=str(context.get("recipient_name", "")),
        link=f"{settings.SITE_URL.rstrip('/')}{link}" if str(link).startswith("/") else str(link),
    )
    return values


def _reasons(error: APIError) -> str:
    message = error.message
    if isinstance(message, list):
        return "; ".join(
            f"{item.get('error', '')}: {item.get('message', '')}" for item in message if isinstance(item, dict)
        )
    return str(message)


def send_email(*, address: str, template: str, subject: str, body: str, context: dict, reference: str) -> str:
    """Hand one e-mail to Notify; its notification id. Raises a NotifyError saying whether to try again."""
    template_id = settings.NOTIFY_TEMPLATE_IDS.get(template) or settings.NOTIFY_TEMPLATE_ID
    try:
        response = _client().send_email_notification(
            email_address=address,
            template_id=template_id,
            personalisation=personalisation(subject=subject, body=body, context=context),
            reference=reference,
            email_reply_to_id=settings.NOTIFY_EMAIL_REPLY_TO_ID or None,
        )
    except APIError as error:
        status, reasons = error.status_code, _reasons(error)
        if status == 429:
            raise NotifyRateLimited(f"Notify rate limit (429): {reasons}") from error
        if status == 403:
            log.error("GOV.UK Notify refused the API key (403): %s. Check NOTIFY_API_KEY.", reasons)
            raise NotifyKeyRejected(f"Notify refused the API key (403): {reasons}") from error
        if 400 <= status < 500:
            raise NotifyRefused(f"Notify refused the message ({status}): {reasons}") from error
        raise NotifyUnavailable(f"Notify unavailable ({status}): {reasons}") from error
    except requests.RequestException as error:
        raise NotifyUnavailable(f"Notify unreachable: {type(error).__name__}") from error
    notification_id = str((response or {}).get("id", ""))
    log.info("GOV.UK Notify accepted the e-mail (notification %s, reference %s)", notification_id, reference)
    return notification_id
