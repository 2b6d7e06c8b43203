"""The production configuration, started for real without Docker, the way the image starts it.

gunicorn with the production settings (config/gunicorn.conf.py, as docker/Dockerfile runs it) on 127.0.0.1, with
nothing in front but an `X-Forwarded-Proto: https` header; PostgreSQL; a Redis server of the test's own; a Celery
worker and the beat as separate processes; a local SMTP server. An officer signs in and submits a gate through the
pages, the seat holders' e-mail reaches the SMTP server through the worker (its log lines carry the request id of
the submission), a partner's system polls the API (200, then 304), /readyz says ready; then Redis stops, /readyz
says 503 naming Redis while the pages still work; Redis returns and it is ready again; then everything stops
cleanly.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.factories import build_world, complete_evidence, make_strategy
from tests.workflows.conftest import (
    WAIT_SECONDS,
    RedisServer,
    free_port,
    port_open,
    smtp_server,  # noqa: F401 (a fixture)
    wait_for,
    worker_database_url,
)
from workflows.models import GateState, OutboxChannel, OutboxMessage

pytestmark = [
    pytest.mark.production,
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct horse battery staple"  # tests.factories


class Process:
    """A server process of the stack, in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.popen = subprocess.Popen(
                command,
                env=env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        if self.popen.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.popen.returncode}:\n{self.log()[-4000:]}")
        return True

    def json_lines(self) -> list[dict]:
        records = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue
        return records

    def stop(self, timeout: float = WAIT_SECONDS) -> int:
        """SIGTERM, as a container runtime stops it; the exit status once it has finished what it was doing."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        finally:
            if self.popen.poll() is None:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


class Client:
    """An HTTP client that behaves like a browser behind a TLS-terminating proxy: it keeps cookies (Secure ones
    too: the proxy would have spoken TLS), says `X-Forwarded-Proto: https`, and sends Origin and Referer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None, https=True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_SECONDS)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
            sent["Referer"] = f"{self.origin}{path}"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", errors="replace")
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
            response.set_cookie_headers = [*getattr(response, "set_cookie_headers", []), header]
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs):
        return self.request("POST", path, form=form, **kwargs)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def production_environment(*, port: int, redis_url: str, smtp_port: int, static_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "EMAIL_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "STATIC_ROOT": str(static_root),
        "SITE_URL": f"https://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_the_production_configuration_serves_signs_off_delivers_and_stops_cleanly(tmp_path, smtp_server):  # noqa: F811
    mailbox, smtp_port = smtp_server
    redis = RedisServer(tmp_path / "redis.log")
    redis.start()
    port = free_port()
    env = production_environment(port=port, redis_url=redis.url, smtp_port=smtp_port, static_root=tmp_path / "static")
    python = sys.executable

    # What the image does when it is built and before it starts: static files, migrations, the deploy checks.
    run([python, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    assert (tmp_path / "static" / "staticfiles.json").exists()
    run([python, "manage.py", "migrate", "--no-input"], env)
    checks = run([python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert "no issues" in checks.stdout

    world = build_world()
    # The tests' fast password hasher is not one production accepts: give the officer a real hash.
    world.officer.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    world.officer.save(update_fields=["password"])
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    # A schedule the beat will find at once, to prove the beat hands work to the worker.
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="smoke: outbox", task="workflows.deliver_outbox", interval=every_second)
    issued = run([python, "manage.py", "api_token", "ICB", "--days", "1"], env)
    token = re.search(r"cce_\w+", issued.stdout).group(0)

    web = Process("gunicorn", [python, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
                               "config.wsgi:application"], env, tmp_path / "web.log")  # fmt: skip
    worker = Process(
        "worker",
        [python, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=INFO", "-n", "smoke@%h"],
        env,
        tmp_path / "worker.log",
    )
    beat = Process(
        "beat",
        [python, "-m", "celery", "-A", "config.celery_app", "beat", "--loglevel=INFO"],
        env,
        tmp_path / "beat.log",
    )
    processes = [web, worker, beat]
    try:
        wait_for(lambda: web.alive() and port_open(port), what="gunicorn to listen")
        wait_for(lambda: worker.alive() and " ready." in worker.log(), what="the worker to be ready")
        client = Client(port)

        # Plain HTTP is sent to HTTPS; through the proxy the pages carry HSTS and the Content Security Policy.
        plain = client.get("/", https=False)
        assert plain.status == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{port}/"
        home = client.get("/")
        assert home.status == 200
        assert "max-age=31536000" in home.headers["Strict-Transport-Security"]
        assert "script-src 'self'" in home.headers["Content-Security-Policy"]
        assert home.headers["X-Request-ID"]

        # An officer signs in (the cookies are Secure and HttpOnly) ...
        login = client.get("/accounts/login/")
        signed_in = client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": csrf_token(login.text), "username": world.officer.username, "password": PASSWORD},
        )
        assert signed_in.status == 302, signed_in.text[:2000]
        session_cookie = next(h for h in signed_in.set_cookie_headers if h.startswith("sessionid="))
        assert "Secure" in session_cookie
        assert "HttpOnly" in session_cookie

        # ... and submits the gate, with a request id of the load balancer's.
        detail = client.get(f"/strategies/{strategy.reference}/")
        assert detail.status == 200
        request_id = str(uuid.uuid4())
        submitted = client.post(
            f"/strategies/{strategy.reference}/submit/",
            {
                "csrfmiddlewaretoken": csrf_token(detail.text),
                "version": re.search(r'name="version" value="(\d+)"', detail.text).group(1),
            },
            headers={"X-Request-ID": request_id},
        )
        assert submitted.status == 302, submitted.text[:2000]
        assert submitted.headers["X-Request-ID"] == request_id
        after = client.get(submitted.headers["Location"])
        assert "submitted for sign-off" in after.text
        strategy.current_gate.refresh_from_db()
        assert strategy.current_gate.state == GateState.SUBMITTED

        # The seat holders' e-mail arrives through the worker, whose log lines carry the request's id.
        seat_holders = set(OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).values_list("address", flat=True))
        assert world.finance.email in seat_holders  # the finance officer's seat, for one
        wait_for(
            lambda: seat_holders <= {r for received in mailbox.snapshot() for r in received.recipients},
            what=f"e-mail to {sorted(seat_holders)} through the worker",
        )
        delivered = [
            record
            for record in worker.json_lines()
            if record.get("request_id") == request_id and "delivered" in record.get("message", "")
        ]
        assert delivered, "the worker's delivery log lines should carry the submission's request id"
        assert f"rid={request_id}" in web.log(), "gunicorn's access log should name the request id"

        # The beat sends its schedule to the worker.
        wait_for(lambda: beat.alive() and "Sending due task smoke: outbox" in beat.log(), what="the beat to send")

        # A partner's system polls: 200 with an ETag, then 304 for the same ETag.
        api = {"Authorization": f"Token {token}", "Accept": "application/json"}
        first = client.get("/api/v1/strategies/", headers=api)
        assert first.status == 200, first.text[:1000]
        assert strategy.reference in [s["reference"] for s in json.loads(first.text)["results"]]
        again = client.get("/api/v1/strategies/", headers=api | {"If-None-Match": first.headers["ETag"]})
        assert again.status == 304

        ready = client.get("/readyz", https=False)  # probes come from inside, without the proxy
        assert ready.status == 200
        assert json.loads(ready.text)["status"] == "ready"
        assert client.get("/healthz", https=False).status == 200

        # Redis stops: not ready, and it says which part is missing; pages that do not need Redis still work.
        redis.stop()
        not_ready = client.get("/readyz", https=False)
        assert not_ready.status == 503
        body = json.loads(not_ready.text)
        assert body["checks"]["redis"].startswith("unreachable")
        assert body["checks"]["database"].startswith("ok")
        assert "redis" in body["detail"]
        assert client.get("/").status == 200
        assert client.get(f"/strategies/{strategy.reference}/").status == 200
        assert client.get("/forward-plan/").status == 200
        assert client.get("/healthz", https=False).status == 200

        # Redis returns: ready again, without restarting anything.
        redis.start()
        wait_for(lambda: client.get("/readyz", https=False).status == 200, what="/readyz to say ready again")

        # Everything stops cleanly when asked, as a container runtime asks.
        for process in processes:
            assert process.stop() == 0, f"{process.name} did not stop cleanly:\n{process.log()[-3000:]}"
        errors = [r for p in processes for r in p.json_lines() if r.get("level") in {"ERROR", "CRITICAL"}]
        assert not [e for e in errors if "redis" not in json.dumps(e).lower()], errors
    finally:
        for process in processes:
            process.stop(timeout=5)
        redis.stop()
