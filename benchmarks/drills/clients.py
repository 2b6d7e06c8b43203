"""HTTP, as a browser or a partner's system behind the TLS-terminating proxy, and requests fired together."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from .context import PASSWORD, DrillError


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str
    started: float
    ended: float


class Browser:
    """Cookies (Secure ones too: the proxy would have spoken TLS), `X-Forwarded-Proto: https`, Origin and Referer
    on forms. One connection per request (gunicorn's sync workers close it anyway), so threads may share one."""

    def __init__(self, port: int, *, name: str = "") -> None:
        self.port = port
        self.name = name
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        body: dict | None = None,
        headers: dict | None = None,
        keep_cookies: bool = True,
        timeout: float = 60,
    ) -> Reply:
        sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", **(headers or {})}
        with self._lock:
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = None
        if form is not None:
            payload = urlencode(form)
            sent |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
            sent["Referer"] = f"{self.origin}{path}"
        elif body is not None:
            payload = json.dumps(body)
            sent["Content-Type"] = "application/json"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        if keep_cookies:
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                with self._lock:
                    for name, morsel in cookie.items():
                        self.cookies[name] = morsel.value
        headers_found = {key.lower(): value for key, value in response.getheaders()}
        return Reply(response.status, headers_found, text, started, time.monotonic())

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> Reply:
        return self.request("POST", path, form=form, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD) -> Browser:
        page = self.get("/accounts/login/")
        signed_in = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": csrf_token(page.text), "username": username, "password": password},
        )
        if signed_in.status != 302:
            raise DrillError(f"{username} could not sign in: {signed_in.status} {signed_in.text[:300]}")
        return self


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not found:
        raise DrillError(f"no CSRF token on the page: {page[:300]}")
    return found.group(1)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    if not found:
        raise DrillError(f"no {name} on the page")
    return found.group(1)


def api_headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Accept": "application/json", **extra}


def fire_together(calls: list[Callable[[], Reply]], *, timeout: float = 120) -> list[Reply | Exception]:
    """Run every call in its own thread, released together by a barrier; their replies (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list[Reply | Exception | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], Reply]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except Exception as exc:  # a dropped connection is part of the result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return [r if r is not None else TimeoutError("no answer") for r in results]


def outcome(reply: Reply | Exception) -> str:
    """A status code, or the kind of failure when there was no answer (a reset, a timeout)."""
    return str(reply.status) if isinstance(reply, Reply) else type(reply).__name__


def counted(outcomes: list[str]) -> str:
    return ", ".join(f"{n}×{status}" for status, n in sorted(Counter(outcomes).items())) or "none"
