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

import json
import re
import uuid

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from benchmarks import stack
from benchmarks.stack import HttpsClient, RedisServer, free_port, manage, wait_for
from tests.factories import build_world, complete_evidence, make_strategy
from tests.workflows.conftest import smtp_server, worker_database_url  # noqa: F401 (smtp_server: a fixture)
from workflows.models import GateState, OutboxChannel, OutboxMessage

pytestmark = [
    pytest.mark.production,
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct horse battery staple"  # tests.factories


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_production_configuration_serves_signs_off_delivers_and_stops_cleanly(tmp_path, smtp_server):  # noqa: F811
    mailbox, smtp_port = smtp_server
    redis = RedisServer(tmp_path / "redis.log").start()
    port = free_port()
    env = stack.production_env(
        database_url=worker_database_url(),
        redis_url=redis.url,
        port=port,
        smtp_port=smtp_port,
        static_root=tmp_path / "static",
        WEB_CONCURRENCY="2",
    )

    # What the image does when it is built and before it starts: static files, migrations, the deploy checks.
    stack.collect_static(env)
    assert (tmp_path / "static" / "staticfiles.json").exists()
    manage(env, "migrate", "--no-input")
    checks = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in checks.stdout

    world = build_world()
    # The tests' fast password hasher is not one production accepts: give the officer a real hash.
    world.officer.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    world.officer.save(update_fields=["password"])
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    # A schedule the beat will find at once, to prove the beat hands work to the worker. Not the outbox: its run
    # could deliver the submission's e-mail before the task the submission asks for, whose log lines are checked.
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="smoke: webhooks", task="commissioning.publish_webhooks", interval=every_second)
    issued = manage(env, "api_token", "ICB", "--days", "1")
    token = re.search(r"cce_\w+", issued.stdout).group(0)

    processes: list[stack.Service] = []
    try:
        processes.append(web := stack.web(env, tmp_path))
        processes.append(worker := stack.worker(env, tmp_path, name="worker"))
        processes.append(beat := stack.beat(env, tmp_path))
        client = HttpsClient(port)

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
        session_cookie = next(h for h in signed_in.set_cookies if h.startswith("sessionid="))
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
        wait_for(lambda: beat.alive() and "Sending due task smoke: webhooks" in beat.log(), what="the beat to send")
        wait_for(lambda: "commissioning.publish_webhooks" in worker.log(), what="the worker to run the beat's task")

        # A partner's system polls: 200 with an ETag, then 304 for the same ETag.
        api = {"Authorization": f"Token {token}", "Accept": "application/json"}
        first = client.get("/api/v1/strategies/", headers=api)
        assert first.status == 200, first.text[:1000]
        assert strategy.reference in [s["reference"] for s in json.loads(first.text)["results"]]
        again = client.get("/api/v1/strategies/", headers=api | {"If-None-Match": first.headers["ETag"]})
        assert again.status == 304
        # JSON only, even for a browser: no browsable HTML API in production; the API's docs page stays.
        browser = {"Authorization": f"Token {token}", "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        as_browser = client.get("/api/v1/strategies/", headers=browser)
        assert as_browser.status == 200
        assert as_browser.headers["Content-Type"].startswith("application/json")
        assert client.get("/api/v1/strategies/?format=api", headers=browser).status == 404
        only_html = client.get("/api/v1/strategies/", headers=browser | {"Accept": "text/html"})
        assert only_html.status == 406
        assert only_html.headers["Content-Type"].startswith("application/problem+json")
        docs = client.get("/api/v1/docs/")
        assert docs.status == 200 and docs.headers["Content-Type"].startswith("text/html")

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
        assert client.get("/api/v1/strategies/", headers=api).status == 200  # the rate limit is not applied

        # Redis returns: ready again, without restarting anything.
        redis.start()
        wait_for(lambda: client.get("/readyz", https=False).status == 200, what="/readyz to say ready again")
        assert client.get("/api/v1/strategies/", headers=api).status == 200  # its cache client reconnects

        # Everything stops cleanly when asked, as a container runtime asks.
        for process in processes:
            assert process.stop() == 0, f"{process.name} did not stop cleanly:\n{process.log()[-3000:]}"
        errors = [r for p in processes for r in p.json_lines() if r.get("level") in {"ERROR", "CRITICAL"}]
        assert not [e for e in errors if "redis" not in json.dumps(e).lower()], errors
    finally:
        for process in processes:
            process.stop(timeout=5)
        redis.stop()
