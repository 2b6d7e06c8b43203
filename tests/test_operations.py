"""What the people who run the service rely on: health checks, the request id, sign-in lockout for the pages and
the API, the Content Security Policy, a database that does not answer (503, not 500) and the start-up errors of
production settings. The production configuration as a whole is proven in tests/production/test_smoke.py."""

import datetime as dt
import io
import json
import logging
import subprocess
import sys
import uuid
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken

from commissioning.management.commands.api_token import service_account
from config.logging import logging_config
from tests.factories import make_strategy
from tests.workflows.conftest import free_port

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


# Health ---------------------------------------------------------------------------------------------------------


def test_healthz_answers_whatever_host_the_probe_asks_for(client):
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_names_redis_when_redis_does_not_answer(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"].startswith("ok")
    assert body["checks"]["redis"] == "unreachable (ConnectionError)"
    assert body["detail"] == "Not ready: redis is unreachable."


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_does_not_answer(client):
    with (
        override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"),
        mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("down")),
    ):
        body = client.get("/readyz").json()
    assert body["checks"]["database"] == "unreachable (OperationalError)"
    assert body["detail"] == "Not ready: database and redis are unreachable."


# The request id ------------------------------------------------------------------------------------------------


def test_every_response_carries_a_request_id_and_keeps_the_load_balancers(client):
    made_up = client.get("/healthz/../")["X-Request-ID"]
    assert len(made_up) == 32
    given = str(uuid.uuid4())
    assert client.get("/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    # Anything that is not a UUID is not trusted into the logs: a fresh id replaces it.
    assert client.get("/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


@pytest.mark.django_db
def test_json_logs_carry_the_request_id_and_the_requests_context_not_its_secrets(client, world):
    stream = io.StringIO()
    config = logging_config("json", "INFO")
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["class"] = "logging.StreamHandler"
    strategy = make_strategy(world)
    client.force_login(world.officer)
    request_id = str(uuid.uuid4())
    try:
        logging.config.dictConfig(config)
        with mock.patch("commissioning.selectors.strategies_visible_to", side_effect=RuntimeError("boom")):
            client.raise_request_exception = False
            response = client.get(f"/strategies/{strategy.reference}/", HTTP_X_REQUEST_ID=request_id)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert response.status_code == 500
    assert "boom" not in response.text
    assert "Sorry, there is a problem with the service" in response.text
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    error = next(r for r in records if r["logger"] == "django.request")
    assert error["level"] == "ERROR"
    assert error["request_id"] == request_id
    assert error["method"] == "GET"
    assert error["path"] == f"/strategies/{strategy.reference}/"
    assert error["user_id"] == world.officer.pk
    assert "RuntimeError: boom" in error["exc_info"]
    assert "sessionid" not in stream.getvalue()


def test_an_unknown_log_format_is_a_start_up_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be json or text"):
        logging_config("xml", "INFO")


# Failures of what the service stands on -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_database_that_does_not_answer_is_503_for_the_api_and_the_pages(world):
    from rest_framework.test import APIClient

    strategy = make_strategy(world)
    _, secret = AuthToken.objects.create(user=service_account(world.icb))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    down = OperationalError("could not connect to server: Connection refused")
    with mock.patch("commissioning.selectors.strategies_visible_to", side_effect=down):
        response = api.get("/api/v1/strategies/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"
    assert "Connection refused" not in response.text

    from django.test import Client

    people = Client(raise_request_exception=False)
    people.force_login(world.officer)
    with mock.patch("commissioning.selectors.strategies_visible_to", side_effect=down):
        page = people.get(f"/strategies/{strategy.reference}/")
    assert page.status_code == 503
    assert "Sorry, the service is unavailable" in page.text
    assert "cannot reach its database" in page.text


@pytest.mark.django_db
def test_an_unexpected_api_error_is_problem_json_without_the_details(world):
    from rest_framework.test import APIClient

    _, secret = AuthToken.objects.create(user=service_account(world.icb))
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    with mock.patch("commissioning.selectors.strategies_visible_to", side_effect=KeyError("internal detail")):
        response = api.get("/api/v1/strategies/", HTTP_X_REQUEST_ID=str(uuid.uuid4()))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "internal detail" not in response.text
    assert "X-Request-ID" in response.json()["detail"]


# Sign-in lockout ------------------------------------------------------------------------------------------------


def sign_in(client, username, password, address="192.0.2.10"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_that_account_from_that_address_for_fifteen_minutes(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, world.officer.username, "wrong password")
        assert response.status_code == 200
        assert "correct username and password" in response.text
    locked = sign_in(client, world.officer.username, "wrong password")
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.text
    assert "locked for 15 minutes" in locked.text
    # Now even the right password is refused from there, while others and other addresses are not affected.
    assert sign_in(client, world.officer.username, PASSWORD).status_code == 429
    assert sign_in(client, world.finance.username, PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, world.officer.username, PASSWORD, address="198.51.100.7").status_code == 302
    client.logout()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert sign_in(client, world.officer.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_right_password_resets_the_count(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, world.officer.username, "wrong password")
    assert sign_in(client, world.officer.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, world.officer.username, "wrong password").status_code == 200


@pytest.mark.django_db
def test_wrong_api_tokens_lock_out_the_address_with_429(world):
    from rest_framework.test import APIClient

    _, secret = AuthToken.objects.create(user=service_account(world.icb))
    attacker = APIClient()
    for attempt in range(settings.API_AUTH_FAILURE_LIMIT):
        response = attacker.get(
            "/api/v1/strategies/", HTTP_AUTHORIZATION=f"Token cce_{attempt:064x}", REMOTE_ADDR="203.0.113.9"
        )
        assert response.status_code == 401
    refused = attacker.get("/api/v1/strategies/", HTTP_AUTHORIZATION="Token cce_wrong", REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert "Too many requests with a wrong or expired token" in refused.json()["detail"]
    assert int(refused["Retry-After"]) >= 15 * 60
    # The count is read only when a token fails: a valid token is not held up by someone else's guesses.
    same_address = APIClient().get(
        "/api/v1/strategies/", HTTP_AUTHORIZATION=f"Token {secret}", REMOTE_ADDR="203.0.113.9"
    )
    assert same_address.status_code == 200
    partner = APIClient()
    fine = partner.get("/api/v1/strategies/", HTTP_AUTHORIZATION=f"Token {secret}", REMOTE_ADDR="198.51.100.20")
    assert fine.status_code == 200


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(rf):
    from config.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.44")
    assert client_ip(request) == "10.0.0.2"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "192.0.2.44"  # not the first, which the client could have written


# Content Security Policy and sessions ---------------------------------------------------------------------------


def test_pages_carry_a_policy_that_allows_no_inline_script(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


@pytest.mark.django_db
def test_a_session_lasts_a_working_day_at_most(client, world):
    response = sign_in(client, world.officer.username, PASSWORD)
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.session.get_expire_at_browser_close()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=8, minutes=1)):
        assert client.get("/strategies/")["Location"].startswith("/accounts/login/")


# Production settings --------------------------------------------------------------------------------------------


def production_start(**environment) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production", **environment}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GOOD = {
    "SECRET_KEY": "x" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "commissioning.example.gov.uk",
    "DATABASE_URL": "postgres://u:p@db:5432/commissioning",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_HOST": "smtp.example.gov.uk",
    "SECRETS_ENCRYPTION_KEYS": "1Qx9GRspY4a3uETDBDm1m3Wz1Yq2wJ0lm4mC1aS4VJ8=",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "The environment variable SECRET_KEY must be set."),
        ("DATABASE_URL", "The environment variable DATABASE_URL must be set."),
        ("REDIS_URL", "The environment variable REDIS_URL must be set."),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must name the host names the service answers to"),
        ("EMAIL_HOST", "The environment variable EMAIL_HOST must be set."),
        ("SECRETS_ENCRYPTION_KEYS", "The environment variable SECRETS_ENCRYPTION_KEYS must be set."),
    ],
)
def test_production_refuses_to_start_without_its_settings_and_says_which(missing, message):
    result = production_start(**{k: v for k, v in GOOD.items() if k != missing})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_weak_secret_key_and_starts_with_a_good_one():
    weak = production_start(**(GOOD | {"SECRET_KEY": "change-me"}))
    assert weak.returncode != 0
    assert "SECRET_KEY must be a long random value" in weak.stderr
    good = production_start(**GOOD)
    assert good.returncode == 0, good.stderr


@pytest.mark.django_db
def test_readyz_does_not_ask_for_redis_where_nothing_uses_it(client):
    """`make run` on a developer's machine: the filesystem broker and the in-memory cache."""
    with override_settings(
        CELERY_BROKER_URL="filesystem://",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    ):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "not used"
