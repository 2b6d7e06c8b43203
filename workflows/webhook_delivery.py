"""Sending one webhook message from the outbox: a signed JSON POST, with every attempt recorded.

The body is the message's context (keys starting with "_" are internal and left out), as compact UTF-8 JSON. The
signature is `v1=` and the hex HMAC-SHA256, keyed with the subscription's secret, of `<timestamp>.<body>`, where the
timestamp (Unix seconds) is the one sent in `X-Webhook-Timestamp`; receivers recompute it over the raw body and
refuse old timestamps. `X-Webhook-Id` is the same for every attempt of a message, so receivers can drop repeats.

The engine does not know who subscribes: the secret comes from the function named in
`settings.WORKFLOWS_WEBHOOK_SECRET_RESOLVER`, called with the message.

Before each attempt the URL is checked again and, unless `settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES`, its host must
resolve only to public addresses; the connection then goes to an address that was checked (no second look-up that
DNS could answer differently) and redirects are not followed. A 2xx answer is success; anything else (another
status, a timeout, a refused connection) raises, so the outbox records the error and retries with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import DeliveryAttempt, OutboxMessage

USER_AGENT = "commissioning-webhooks/1"
RESPONSE_EXCERPT_CHARS = 200


class WebhookError(Exception):
    """A webhook could not be delivered; the message says why, for the delivery log."""


class InvalidWebhookURL(WebhookError):
    """The URL may not be called: wrong scheme, no host, or a host with a private address."""


class WebhookRejected(WebhookError):
    """The receiver answered, but not with a 2xx status."""

    def __init__(self, status: int, excerpt: str) -> None:
        self.status = status
        super().__init__(f"The receiver answered HTTP {status}" + (f": {excerpt}" if excerpt else ""))


@dataclass(frozen=True)
class Target:
    """Where to send: the URL's parts, and the checked addresses to connect to (empty: connect by name)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...] = ()


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address; False for private, loopback, link-local, reserved and the like."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_http: bool | None = None, allow_private: bool | None = None) -> Target:
    """The URL's target if a webhook may call it, else `InvalidWebhookURL` saying why.

    https only, unless `allow_http` (default: `settings.WEBHOOK_ALLOW_HTTP`); no user name or password in it; and
    unless `allow_private` (default: `settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES`) every address the host resolves
    to must be public."""
    if allow_http is None:
        allow_http = settings.WEBHOOK_ALLOW_HTTP
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise InvalidWebhookURL("The URL must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidWebhookURL(f"The URL is not valid: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise InvalidWebhookURL("The URL must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookURL("The URL must not contain a user name or password.")
    host = parts.hostname
    if not host:
        raise InvalidWebhookURL("The URL has no host name.")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if allow_private:
        return Target(scheme, host, port, path)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:  # ValueError: UnicodeError from IDNA, or a NUL
        raise InvalidWebhookURL(f"The host {host} could not be found.") from exc
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise InvalidWebhookURL(f"The host {host} could not be found.")
    for address in addresses:
        if not is_public_address(address):
            raise InvalidWebhookURL(
                f"The host {host} has a private, loopback or link-local address ({address}); webhooks may only "
                "call public addresses."
            )
    return Target(scheme, host, port, path, addresses)


def payload(message: OutboxMessage) -> dict:
    """What the receiver gets: the message's context without its internal ("_") keys."""
    return {key: value for key, value in message.context.items() if not key.startswith("_")}


def body_of(message: OutboxMessage) -> bytes:
    return json.dumps(payload(message), separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>`, keyed with the secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(*, message_id: str, secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Id": message_id,
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": signature(secret, timestamp, body),
    }


def deliver_webhook(message: OutboxMessage) -> None:
    """POST one webhook message and record the attempt (whatever happens); raise unless the receiver answered 2xx.

    Runs inside the outbox's delivery transaction: the attempt row is written before raising, and the outbox catches
    the error, so the row is kept with the message's new retry time."""
    started = time.perf_counter()
    status: int | None = None
    try:
        secret = import_string(settings.WORKFLOWS_WEBHOOK_SECRET_RESOLVER)(message)
        body = body_of(message)
        headers = signed_headers(message_id=message.dedup_key, secret=secret, body=body)
        target = check_url(message.address)
        status, excerpt = _post(target, body, headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
        if not 200 <= status < 300:
            raise WebhookRejected(status, excerpt)
    except Exception as exc:
        reason = str(exc) if isinstance(exc, WebhookError) else f"{type(exc).__name__}: {exc}"
        _record(message, started, status=status, error=reason)
        raise
    _record(message, started, status=status, error="")


def _record(message: OutboxMessage, started: float, *, status: int | None, error: str) -> None:
    DeliveryAttempt.objects.create(
        message=message,
        attempted_at=timezone.now(),
        status_code=status,
        error=error[:500],
        duration_ms=max(0, round((time.perf_counter() - started) * 1000)),
    )


def _post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> tuple[int, str]:
    """Send the request (no redirects followed); the status and the start of the answer's body."""
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target.host, target.port, target.addresses, timeout=timeout)
    else:
        connection = _PinnedHTTPConnection(target.host, target.port, target.addresses, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_CHARS).decode("utf-8", "replace")
        return response.status, " ".join(excerpt.split())
    finally:
        connection.close()


def _connect(host: str, port: int, addresses: tuple[str, ...], timeout: float) -> socket.socket:
    """A connection to the first checked address that answers (or to the host by name, when none were checked)."""
    if not addresses:
        return socket.create_connection((host, port), timeout)
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error  # type: ignore[misc]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self._addresses, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], *, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self.host, self.port, self._addresses, self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
