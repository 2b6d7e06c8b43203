"""Real processes for the tests marked `celery`: a Redis server, an SMTP server and Celery workers of their own.

Each test gets a `redis-server` on a spare loopback port (stopped and restarted at will), an aiosmtpd server that
records every message it accepts (and can stall before accepting one), and `start_worker`, which runs
`celery worker` as a separate process group against the test database, that broker and that SMTP server.

Every engine test asks the test app's directory (tests/workflows/testapp) who holds which role, and `world` builds
organisations and people without the commissioning domain. tests/commissioning imports the process fixtures it
needs (`start_worker` and its dependencies) from here by name, which brings neither of those with them.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import email
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from benchmarks import stack
from benchmarks.stack import free_port, port_open
from workflows import outbox
from workflows.directory import get_directory
from workflows.models import Notification, OutboxChannel, OutboxMessage, OutboxState

WAIT_SECONDS = 30
TEST_DIRECTORY = "tests.workflows.testapp.directory.Directory"


@pytest.fixture(autouse=True)
def test_app_directory() -> Iterator[None]:
    """The engine asks the test app who holds which role (a worker started here is told the same)."""
    with override_settings(WORKFLOWS_DIRECTORY=TEST_DIRECTORY):
        get_directory.cache_clear()
        yield
    get_directory.cache_clear()


@pytest.fixture
def world(db):
    """A county council and an ICB, their people and the roles they hold, in the test app's directory."""
    from tests.workflows.testapp.world import build_world

    return build_world()


def wait_for(condition: Callable[[], object], *, timeout: float = WAIT_SECONDS, what: str) -> object:
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    try:
        return stack.wait_for(condition, timeout=timeout, what=what)
    except stack.StackError as exc:
        pytest.fail(str(exc))


# --------------------------------------------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------------------------------------------


REDIS_EPHEMERAL = ("--save", "", "--appendonly", "no", "--daemonize", "no")


class RedisServer:
    """A `redis-server` of the test's own, with nothing persisted: a restart comes back empty."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None, "already running"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"), *REDIS_EPHEMERAL],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: port_open(self.port), what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=WAIT_SECONDS)
        self.process = None
        wait_for(lambda: not port_open(self.port), what=f"redis-server on port {self.port} to stop")


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH (apt-get install redis-server; .ci/run installs it)")
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server, monkeypatch) -> Iterator[RedisServer]:
    """Point this process's Celery app at the test's Redis, with tasks sent to the broker (not run eagerly)."""
    from config.celery_app import app

    saved = {name: app.conf[name] for name in ("task_always_eager", "broker_url")}
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)  # Celery prefers the variable to the setting
    reset_broker_connections(app)
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_server.url
    yield redis_server
    reset_broker_connections(app)
    for name, value in saved.items():
        app.conf[name] = value


def reset_broker_connections(app) -> None:
    """Close every pooled broker connection and producer, and forget them: kombu keeps its pools in a registry keyed
    by broker URL, so a pool that was only closed would be handed out again (and fail) for that URL."""
    kombu.pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


# --------------------------------------------------------------------------------------------------------------
# SMTP
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message_id: str
    recipients: tuple[str, ...]
    subject: str


@dataclass
class Mailbox:
    """An aiosmtpd handler. A message counts as received only when DATA is answered 250.

    `stall_at(n)` makes the n-th DATA command (counting from now) wait, before any answer, until `release()`; the
    stalled message is then refused (or its session is gone), and is never counted as received.
    """

    received: list[Received] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    stalled_message_id: str | None = None
    loop: asyncio.AbstractEventLoop | None = None
    _data_commands: int = 0
    _stall_at: int | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stall_at(self, n: int) -> None:
        with self._lock:
            self._data_commands = 0
            self._stall_at = n
            self._release = asyncio.Event()

    def release(self) -> None:
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self._release.set)

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message_id = str(message["Message-ID"])
        with self._lock:
            self._data_commands += 1
            stall = self._data_commands == self._stall_at
        if stall:
            self.stalled_message_id = message_id
            self.stalled.set()
            try:
                await self._release.wait()
            finally:  # released, or cancelled because the client went away: either way not accepted
                with self._lock:
                    self.abandoned.append(message_id)
            return "451 4.3.0 Stalled by the test and abandoned; not accepted"
        with self._lock:
            self.received.append(Received(message_id, tuple(envelope.rcpt_tos), str(message["Subject"])))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.loop = controller.loop
    yield mailbox, port
    mailbox.release()
    controller.stop()


# --------------------------------------------------------------------------------------------------------------
# Celery workers
# --------------------------------------------------------------------------------------------------------------

# Runs `celery`, first moving the process's clock forward by whole days when TEST_WORKER_SHIFT_DAYS is set (so a
# sweep that only works on working days has one). The prefork pool's children inherit the shifted clock.
WORKER_BOOT = """
import datetime as dt, os, sys
shift = os.environ.get("TEST_WORKER_SHIFT_DAYS")
if shift is not None:
    import time_machine
    now = dt.datetime.now(dt.timezone.utc)
    time_machine.travel(now + dt.timedelta(days=int(shift)), tick=True).start()
from celery.__main__ import main
sys.argv[0] = "celery"
main()
"""


def worker_database_url() -> str:
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", "the worker tests need PostgreSQL"
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


WORKER_ARGUMENTS = (
    *("-A", "config.celery_app", "worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "-Q", "celery"),
    *("--without-mingle", "--without-gossip", "--without-heartbeat"),
)


class Worker:
    """One `celery worker` process group (prefork, one child), logging to a file."""

    def __init__(self, *, broker_url: str, smtp_port: int, log_path: Path, shift_days: int | None = None) -> None:
        self.name = f"test-{uuid.uuid4().hex[:12]}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": worker_database_url(),
            "PGAPPNAME": self.name,  # so the test can find this worker's database sessions
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "WORKFLOWS_DIRECTORY": settings.WORKFLOWS_DIRECTORY,  # the directory this test's process asks
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("TEST_WORKER_SHIFT_DAYS", None)
        if shift_days is not None:
            env["TEST_WORKER_SHIFT_DAYS"] = str(shift_days)
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER_BOOT, *WORKER_ARGUMENTS, "-n", f"{self.name}@%h"],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: self._alive() and " ready." in self.log(), what=f"worker {self.name} to be ready")

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{self.log()[-5000:]}")
        return True

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_task(self, task_id: str, *, timeout: float = WAIT_SECONDS) -> object:
        """Wait until this worker logs that the task succeeded; return its result."""
        pattern = re.compile(rf"Task [\w.]+\[{re.escape(task_id)}\] (succeeded in [\d.]+s: (.*)|raised .*|failed.*)")

        def finished():
            self._alive()
            return pattern.search(self.log())

        match = wait_for(finished, timeout=timeout, what=f"task {task_id} on worker {self.name}")
        assert match.group(1), f"task {task_id} did not succeed: {match.group(0)}"
        return ast.literal_eval(match.group(2))

    def database_sessions(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.name])
            return cursor.fetchone()[0]

    def waiting_for_a_lock(self) -> str | None:
        """The statement of this worker's that waits for a lock, if one does."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT query FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
                [self.name],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process and its pool child), then wait until PostgreSQL has
        ended the worker's sessions, rolling back whatever they had not committed."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # the group is already gone
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=WAIT_SECONDS)

    def wait_until_disconnected(self) -> None:
        wait_for(lambda: self.database_sessions() == 0, what=f"worker {self.name}'s database sessions to end")


@pytest.fixture
def start_worker(transactional_db, broker, smtp_server, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start workers on demand; every one is killed (process group, SIGKILL) before the database is flushed."""
    workers: list[Worker] = []
    _, smtp_port = smtp_server

    def start(*, shift_days: int | None = None) -> Worker:
        worker = Worker(
            broker_url=broker.url,
            smtp_port=smtp_port,
            log_path=tmp_path / f"worker-{len(workers) + 1}.log",
            shift_days=shift_days,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.kill()
    smtp_server[0].release()  # a stalled SMTP session would keep a killed worker's row lock no longer than this
    for worker in workers:
        worker.wait_until_disconnected()


def send_task(name: str) -> str:
    """Send a task through the broker, as the beat does; return its id."""
    from config.celery_app import app

    task_id = f"test-{uuid.uuid4()}"
    app.send_task(name, task_id=task_id, retry=True, retry_policy={"max_retries": 10, "interval_start": 0.2})
    return task_id


@pytest.fixture
def published_tasks() -> Iterator[list[tuple[str, str]]]:
    """(task name, task id) of every task this process hands to the broker (failed attempts are not listed)."""
    from celery.signals import after_task_publish

    published: list[tuple[str, str]] = []

    def record(sender=None, headers=None, **_):
        published.append((sender, headers["id"]))

    after_task_publish.connect(record, weak=False)
    yield published
    after_task_publish.disconnect(record)


# --------------------------------------------------------------------------------------------------------------
# What the worker delivered
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def deliveries_in_this_process(monkeypatch) -> Iterator[list]:
    """Make delivery impossible in the test process, and record any attempt: only a worker may deliver."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append((args, kwargs))
        raise AssertionError("the test process tried to deliver outbox messages itself")

    monkeypatch.setattr(outbox, "deliver_one", refuse)
    monkeypatch.setattr(outbox, "deliver_due", refuse)
    yield attempts
    assert attempts == [], "the test process delivered outbox messages itself"


def message_id(message: OutboxMessage) -> str:
    """The Message-ID the outbox gives this message's e-mail (see `workflows.outbox._send`)."""
    digest = hashlib.sha256(message.dedup_key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def expected_emails() -> tuple[Counter, Counter]:
    """Every e-mail in the outbox, counted by Message-ID and by (recipient, subject)."""
    emails = list(OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).order_by("pk"))
    return (
        Counter(message_id(m) for m in emails),
        Counter(((m.address,), outbox.render(m)[0]) for m in emails),
    )


def received_emails(mailbox: Mailbox) -> tuple[Counter, Counter]:
    received = mailbox.snapshot()
    return Counter(r.message_id for r in received), Counter((r.recipients, r.subject) for r in received)


def assert_every_message_delivered_exactly_once(mailbox: Mailbox) -> None:
    by_id, by_recipient_and_subject = received_emails(mailbox)
    expected_by_id, expected_by_recipient_and_subject = expected_emails()
    assert expected_by_id, "the scenario should have sent some e-mail"
    assert set(expected_by_id.values()) == {1}, "Message-IDs in the outbox must be unique"
    assert by_id == expected_by_id
    assert by_recipient_and_subject == expected_by_recipient_and_subject
    assert Counter(OutboxMessage.objects.values_list("state", flat=True)) == {
        OutboxState.SENT: OutboxMessage.objects.count()
    }
    in_app = OutboxMessage.objects.filter(channel=OutboxChannel.IN_APP)
    assert sorted(Notification.objects.values_list("message_id", flat=True)) == sorted(
        in_app.values_list("pk", flat=True)
    )
    assert not OutboxMessage.objects.filter(attempts__gt=1).exists(), "no message should have needed a retry"
