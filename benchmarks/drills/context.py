"""What a drill process has to work with: its folder, the servers it starts (stopped when it ends), its options,
the world it seeds through the services, and a few readings of the database and the logs."""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import stack, world

from .mail import MailRecorder

PASSWORD = "drill-password-2026-correct-horse"  # noqa: S105 (throwaway accounts in a throwaway database)
WEB_WORKERS = 4
EMAIL_DOMAIN = "drills.example.org"


class DrillError(RuntimeError):
    """The drill could not be carried out (a server did not start, a set-up step was refused)."""


@dataclass
class Context:
    """What a drill needs: its folder, the servers it started (stopped on exit), the options."""

    name: str
    folder: Path
    stack: contextlib.ExitStack
    options: dict
    pg_dir: Path
    pg_port: int
    started: float = field(default_factory=time.monotonic)

    def say(self, text: str) -> None:
        print(f"[{self.name} {time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    @property
    def web_port(self) -> int:
        return int(os.environ["GUNICORN_BIND"].rsplit(":", 1)[1])

    def server_env(self, **extra: str) -> dict[str, str]:
        """The servers' environment: this process's (the production settings for this drill's database and
        ports), logging as production does."""
        return {**os.environ, "LOG_LEVEL": "INFO", "LOG_FORMAT": "json"} | extra

    def redis(self) -> stack.RedisServer:
        from django.conf import settings

        server = stack.RedisServer(self.folder / "redis.log")
        server.port = int(settings.REDIS_URL.rsplit(":", 1)[1].split("/")[0])
        server.url = settings.REDIS_URL
        server.start()
        self.stack.callback(server.stop)
        return server

    def smtp(self) -> MailRecorder:
        from django.conf import settings

        recorder = MailRecorder()
        recorder.start(settings.EMAIL_PORT)
        self.stack.callback(recorder.stop)
        return recorder

    def web(self, **extra: str) -> stack.Service:
        service = stack.web(self.server_env(**extra), self.folder, workers=WEB_WORKERS)
        self.stack.callback(service.stop, 30)
        return service

    def worker(self, name: str, *, concurrency: int | None = None, shift_days: int = 0, **extra) -> stack.Service:
        env = self.server_env(PGAPPNAME=f"drill-{name}", **extra)
        if not shift_days:
            service = stack.worker(env, self.folder, name=name, concurrency=concurrency)
        else:  # the worker's clock moved to the next working day (a sweep does nothing on other days)
            command = [stack.PYTHON, "-c", SHIFTED_CELERY, "-A", "config.celery_app", "worker", "--loglevel=INFO"]
            command += ["-n", f"{name}@%h", *([f"--concurrency={concurrency}"] if concurrency else [])]
            env["DRILL_SHIFT_DAYS"] = str(shift_days)
            service = stack.Service(name, command, env, self.folder / f"{name}.log").start()
            stack.wait_for(lambda: service.alive() and " ready." in service.log(), what=f"{name} to be ready")
        self.stack.callback(service.stop, 30)
        return service

    def beat(self, **extra: str) -> stack.Service:
        service = stack.beat(self.server_env(**extra), self.folder)
        self.stack.callback(service.stop, 30)
        return service

    def postgres(self) -> stack.PostgresServer:
        server = stack.PostgresServer(self.pg_dir)
        server.port = self.pg_port
        server.url = server.database_url("postgres")
        return server


# `celery`, with the process's clock moved forward by whole days (the prefork pool's children inherit it).
SHIFTED_CELERY = """
import datetime as dt, os, sys
import time_machine
now = dt.datetime.now(dt.timezone.utc)
time_machine.travel(now + dt.timedelta(days=int(os.environ["DRILL_SHIFT_DAYS"])), tick=True).start()
from celery.__main__ import main
sys.argv[0] = "celery"
main()
"""


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.2) -> object:
    """stack.wait_for, failing the drill (DrillError) rather than the stack."""
    try:
        return stack.wait_for(condition, timeout=timeout, what=what, every=every)
    except stack.StackError as exc:
        raise DrillError(str(exc)) from None


def seed_world():
    """The shared world (`benchmarks.world`), with the drills' password and e-mail domain."""
    return world.build_world(password=PASSWORD, email_domain=EMAIL_DOMAIN)


def partner_token(context: Context, organisation_code: str) -> str:
    """A partner's token, issued as an administrator issues one: `manage.py api_token CODE`."""
    issued = stack.manage(context.server_env(), "api_token", organisation_code, "--days", "1")
    found = re.search(r"cce_\w+", issued.stdout)
    if not found:
        raise DrillError(f"api_token printed no token: {issued.stdout[-500:]}")
    return found.group(0)


def audit_count(obj_or_subject, transition: str, *, subject: bool = False) -> int:
    from django.contrib.contenttypes.models import ContentType

    from workflows.models import AuditEvent

    kind = ContentType.objects.get_for_model(obj_or_subject)
    if subject:
        return AuditEvent.objects.filter(subject_type=kind, subject_id=obj_or_subject.pk, transition=transition).count()
    return AuditEvent.objects.filter(object_type=kind, object_id=obj_or_subject.pk, transition=transition).count()


def error_lines(service: stack.Service, limit: int = 5) -> list[str]:
    """The server's ERROR records (with their tracebacks), for the report."""
    found = []
    for record in service.json_lines():
        if record.get("level") in {"ERROR", "CRITICAL"}:
            text = f"{record.get('logger')}: {record.get('message')}"
            if record.get("exc_info"):
                text += "\n" + str(record["exc_info"])
            found.append(text)
    return found[:limit]
