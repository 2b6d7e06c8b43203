"""Resilience drills (`manage.py drills`, `make drills`): the production configuration under races, a Redis outage,
a worker killed mid-sweep, a PostgreSQL restart and schemathesis, each printing what was done and what was lost.

- `races`: 50 requests at once deciding the last open seat of a gate (the API, five signatories' tokens, `If-Match`
  the gate's version), then 50 more with the fresh version; then 50 at once moving one strategy on (the page's
  button, two officers' sessions). Passes when exactly one of each succeeds and every other answer is a refusal
  (409, or 412 for an `If-Match` that went stale while the request waited for the lock), with no 5xx; one decision,
  one `decide` event, the gate approved and passed once; one stage change, the strategy one stage on.
- `redis-outage`: gate submissions and seat decisions through the pages, a few a second, while Redis is stopped for
  `--redis-outage-seconds` (a worker and the beat running). Passes when no change is refused and, once the beat's
  outbox sweep has run, every outbox message is sent, every e-mail received once (by Message-ID) and every in-app
  message has one notification.
- `worker-kill`: the seat reminder sweep over thousands of due seats, its worker SIGKILLed (whole process group)
  between batches, a new worker started. Passes when the batches committed before the kill are whole and the killed
  one left nothing; Redis hands the killed task to the new worker, which finishes it; every reminder exists once,
  every message is sent and every e-mail received once.
- `postgres-restart`: partners' systems poll `GET /api/v1/strategies/` (with and without `If-None-Match`) while
  PostgreSQL is stopped (`pg_ctl stop -m fast`) for 5 seconds and started again. Passes when every poll while it is
  down gets 503 with `Retry-After`, none a 500 or a dropped connection, and polls succeed again within seconds,
  served by the same gunicorn master.
- `schemathesis`: schemathesis over every operation of `/api/v1/schema/` with a partner's token,
  `--schemathesis-examples` cases an operation. Passes when no response is a server error and every one conforms to
  the schema (status codes, content types, headers, bodies).

How it runs
-----------
`manage.py drills` (what `make drills` runs, with the local settings) is the conductor and never opens a database
connection of its own. It makes a temporary folder (`/tmp/commissioning-drills-*`, whose parents the postgres user
can traverse), starts a PostgreSQL cluster there on a spare port (`stack.PostgresServer`), migrates one template
database with the production settings (`manage.py migrate`, which also writes the beat's schedule) and collects the
static files once. For each drill it clones the template (`CREATE DATABASE ... TEMPLATE`, a fraction of a second),
chooses spare ports for Redis, gunicorn and SMTP, and starts itself again as `manage.py drills --inside NAME` with
the production environment (`stack.production_env`) pointing at that drill's database.

That child is an ordinary Django process with the production settings, the same `DATABASE_URL`, `REDIS_URL`,
`EMAIL_PORT` and `SITE_URL` as the servers it starts. It seeds through the real services (as `tests/factories.py`
does, rewritten here because nothing under `tests/` is imported), counts rows with the ORM, and runs a Redis of its
own, an aiosmtpd server that records each message's Message-ID, gunicorn, Celery workers and the beat as the drill
needs them (`stack`), stopping every one before it exits. Its commits ask the drill's broker for delivery, as the
web servers' do. It writes `result.json` in its folder; the conductor prints the table and writes the JSON report
to `var/drills/drills-<UTC time>.json` and `var/drills/latest.json`. A fresh database and fresh servers for each
drill, so drills cannot disturb each other or anything else on the machine. The folder is removed at the end,
unless `--keep` is given or a drill failed: then the conductor prints where each drill's logs are.

What the drills change from production, and why
-----------------------------------------------
- `API_THROTTLE_RATE=1000000/minute` and `API_AUTH_FAILURE_LIMIT=1000000`: the pollers and schemathesis send far
  more requests from one token and one address than the limits allow, and schemathesis sends wrong tokens on
  purpose (its `ignored_auth` check); with production's limits they would measure the 429s, not the API.
- `worker-kill`: `CELERY_VISIBILITY_TIMEOUT=20` (production: 900), so Redis hands the killed worker's task to the
  new worker within the drill rather than after 15 minutes; the outbox sweep runs every 5 seconds instead of every
  minute (one run delivers at most 500 messages, and the sweep writes thousands); and the worker runs one task at a
  time (`--concurrency=1`), so the kill lands in the sweep and not between an e-mail's acceptance by the SMTP
  server and its commit, the one window in which the outbox documents a repeat (same Message-ID).
- `redis-outage` keeps production's schedule (the outbox sweep every minute). It times the outage so that the beat's
  minute falls in its middle (so the beat tries, and fails, to send while Redis is down), which can add up to a
  minute of waiting before the changes start. Its figures say how long after Redis returned the messages that had
  waited were delivered, and how many were sent by tasks the later changes asked for and how many by the beat's
  outbox sweep.
- gunicorn runs `WEB_CONCURRENCY=4` workers of one thread each (production's default is 2 × cores + 1, at most 8).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import hashlib
import http.client
import json
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email import policy
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from . import stack

DRILLS = ("races", "redis-outage", "worker-kill", "postgres-restart", "schemathesis")
REPORT_DIR = stack.BASE_DIR / "var" / "drills"
TEMPLATE_DATABASE = "drills_template"
PASSWORD = "drill-password-2026-correct-horse"  # noqa: S105 (throwaway accounts in a throwaway database)
WEB_WORKERS = 4
DRILL_TIMEOUT_SECONDS = 900
RESULT_FILE = "result.json"

# Raised for every drill: see the module docstring.
RELAXED_LIMITS = {"API_THROTTLE_RATE": "1000000/minute", "API_AUTH_FAILURE_LIMIT": "1000000"}


class DrillError(RuntimeError):
    """The drill could not be carried out (a server did not start, a set-up step was refused)."""


# --------------------------------------------------------------------------------------------------------------
# Results, the table and the JSON report (no Django needed)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class DrillResult:
    name: str
    done: str = ""  # what was done, one line for the table
    passed: bool = False
    headline: str = ""  # the figures that matter, one line for the table
    lost: str = ""  # what was lost (or "nothing")
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log_dir: str = ""

    def check(self, passed: bool, text: str) -> bool:
        """Record a failed check (the drill fails if any does); return whether it passed."""
        if not passed:
            self.failures.append(text)
        return passed

    def finish(self) -> DrillResult:
        self.passed = not self.failures
        return self

    @classmethod
    def from_dict(cls, data: dict) -> DrillResult:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines or [""]


def format_table(results: list[DrillResult], *, width: int = 118) -> str:
    """The summary: drill, what was done, PASS/FAIL, figures; long cells wrap within their column."""
    name_w = max([len("drill"), *(len(r.name) for r in results)])
    result_w = len("result")
    rest = max(width - name_w - result_w - 6, 40)
    done_w = rest * 2 // 5
    figures_w = rest - done_w
    header = ("drill", "what was done", "result", "figures")
    rows = [header] + [(r.name, r.done, "PASS" if r.passed else "FAIL", r.headline) for r in results]
    out = []
    for index, (name, done, result, figures) in enumerate(rows):
        done_lines, figure_lines = _wrap(done, done_w), _wrap(figures, figures_w)
        for i in range(max(len(done_lines), len(figure_lines))):
            cells = (
                (name if i == 0 else "").ljust(name_w),
                (done_lines[i] if i < len(done_lines) else "").ljust(done_w),
                (result if i == 0 else "").ljust(result_w),
                figure_lines[i] if i < len(figure_lines) else "",
            )
            out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join(("-" * name_w, "-" * done_w, "-" * result_w, "-" * figures_w)))
    return "\n".join(out)


def report_data(results: list[DrillResult], *, started: dt.datetime, finished: dt.datetime, options: dict) -> dict:
    return {
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 1),
        "commit": _git_commit(),
        "options": options,
        "passed": bool(results) and all(r.passed for r in results),
        "drills": [asdict(r) for r in results],
    }


def write_report(data: dict, directory: Path = REPORT_DIR, *, now: dt.datetime | None = None) -> Path:
    """Write the report as drills-<UTC timestamp>.json and latest.json; return the first."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(data, indent=2, default=str) + "\n"
    path = directory / f"drills-{stamp}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


def _git_commit() -> str:
    with contextlib.suppress(Exception):
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=stack.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return found.stdout.strip()
    return ""


def select(only: str | None) -> list[str]:
    if not only:
        return list(DRILLS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in DRILLS]
    if unknown or not names:
        raise ValueError(f"Unknown drill {', '.join(unknown) or '(none)'}; choose from {', '.join(DRILLS)}.")
    return [name for name in DRILLS if name in names]


# --------------------------------------------------------------------------------------------------------------
# The conductor: `manage.py drills`
# --------------------------------------------------------------------------------------------------------------


def conduct(*, names: list[str], keep: bool, options: dict, write: Callable[[str], None]) -> tuple[int, Path]:
    """Run the drills; print the table and write the report. Returns (failed drills, report path)."""
    started = dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix="commissioning-drills-", dir="/tmp"))
    write(f"Drills: {', '.join(names)}. Working folder (logs): {work}")
    results: list[DrillResult] = []
    postgres: stack.PostgresServer | None = None
    try:
        postgres = stack.PostgresServer(work / "postgres")
        postgres.init()
        postgres.start()
        template_url = postgres.create_database(TEMPLATE_DATABASE)
        env = stack.production_env(
            database_url=template_url, redis_url="redis://127.0.0.1:1/0", port=1, static_root=work / "static"
        )
        began = time.monotonic()
        stack.manage(env, "migrate", "--no-input", "-v", "0")
        stack.collect_static(env)
        write(
            f"PostgreSQL {postgres.bin.parent.name} on port {postgres.port}; template database migrated and static "
            f"files collected in {time.monotonic() - began:.0f}s."
        )
    except Exception as exc:  # a set-up failure is a failed run, reported like a drill
        failed = DrillResult(name="set-up", done="PostgreSQL, migrations, static files", log_dir=str(work))
        failed.failures.append(f"{type(exc).__name__}: {exc}")
        results.append(failed.finish())
        names = []
    try:
        for name in names:
            try:
                results.append(_run_one(name, postgres=postgres, work=work, options=options, write=write))
            except Exception as exc:  # the conductor's own failure for this drill; the next ones still run
                failed = DrillResult(name=name, log_dir=str(work / name))
                failed.failures.append(f"the conductor failed: {type(exc).__name__}: {exc}")
                results.append(failed.finish())
    finally:
        if postgres is not None:
            with contextlib.suppress(Exception):
                postgres.stop()
    finished = dt.datetime.now(dt.UTC)

    write("")
    write(format_table(results))
    write("")
    failed = [r for r in results if not r.passed]
    for result in failed:
        write(f"FAIL {result.name}:")
        for failure in result.failures:
            write(f"  - {failure}")
        for note in result.notes[:5]:
            write(f"  note: {note}")
        write(f"  logs: {result.log_dir}")
    path = write_report(report_data(results, started=started, finished=finished, options=options))
    write(f"Report: {path} (and {path.parent / 'latest.json'}); {(finished - started).total_seconds():.0f}s in all.")
    if keep or failed:
        write(f"Kept the working folder with every log: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return len(failed), path


def _run_one(name: str, *, postgres: stack.PostgresServer, work: Path, options: dict, write) -> DrillResult:
    folder = work / name
    folder.mkdir()
    database = f"drill_{name.replace('-', '_')}"
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(database), sql.Identifier(TEMPLATE_DATABASE)
            )
        )
    web_port, redis_port, smtp_port = stack.free_port(), stack.free_port(), stack.free_port()
    env = stack.production_env(
        database_url=postgres.database_url(database),
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        port=web_port,
        static_root=work / "static",
        smtp_port=smtp_port,
        WEB_CONCURRENCY=str(WEB_WORKERS),
        **RELAXED_LIMITS,
    )
    # The drill process itself logs warnings and worse, as text; the servers it starts log as production does.
    env |= {"LOG_LEVEL": "WARNING", "LOG_FORMAT": "text"}
    command = [
        stack.PYTHON,
        "manage.py",
        "drills",
        "--inside",
        name,
        "--work-dir",
        str(folder),
        "--pg-dir",
        str(postgres.directory),
        "--pg-port",
        str(postgres.port),
        "--redis-outage-seconds",
        str(options["redis_outage_seconds"]),
        "--schemathesis-examples",
        str(options["schemathesis_examples"]),
    ]
    write("")
    write(f"== {name} ==")
    began = time.monotonic()
    child = subprocess.Popen(command, env=env, cwd=stack.BASE_DIR)  # noqa: S603 (our own command)
    try:
        code = child.wait(timeout=DRILL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGTERM)  # it stops its servers on the way out
        try:
            code = child.wait(timeout=120)
        except subprocess.TimeoutExpired:
            child.kill()
            code = child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=120)
        raise
    result_path = folder / RESULT_FILE
    if result_path.exists():
        result = DrillResult.from_dict(json.loads(result_path.read_text()))
    else:
        result = DrillResult(name=name, done="(the drill process wrote no result)")
        result.failures.append(f"the drill process exited with status {code} without a result; see its output above")
    if code != 0 and not result.failures:
        result.failures.append(f"the drill process exited with status {code}")
    result.log_dir = str(folder)
    result.seconds = round(time.monotonic() - began, 1)
    if not postgres_running(postgres):  # a drill that stopped it and failed must not take the next ones down
        postgres.start()
    return result.finish()


def postgres_running(postgres: stack.PostgresServer) -> bool:
    return stack.port_open(postgres.port)


# --------------------------------------------------------------------------------------------------------------
# Inside a drill: the child process, with the production settings and the drill's own database
# --------------------------------------------------------------------------------------------------------------


def run_inside(name: str, *, work_dir: Path, pg_dir: Path, pg_port: int, options: dict) -> int:
    """Run one drill in this process (Django configured for the drill's database); write result.json."""
    result = DrillResult(name=name, log_dir=str(work_dir))
    began = time.monotonic()

    def on_term(*_):
        raise KeyboardInterrupt("stopped by the conductor")

    signal.signal(signal.SIGTERM, on_term)
    with contextlib.ExitStack() as stop_later:
        context = Context(name=name, folder=work_dir, stack=stop_later, options=options, pg_dir=pg_dir, pg_port=pg_port)
        try:
            DRILL_FUNCTIONS[name](context, result)
        except BaseException as exc:  # a drill that could not finish fails, with the reason
            result.failures.append(f"the drill stopped: {type(exc).__name__}: {exc}")
            (work_dir / "traceback.txt").write_text(traceback.format_exc())
            context.say(f"stopped: {type(exc).__name__}: {exc} (traceback in {work_dir / 'traceback.txt'})")
        finally:
            result.seconds = round(time.monotonic() - began, 1)
            result.finish()
    if result.done:
        context.say(f"Done: {result.done}")
    context.say(f"Lost: {result.lost or '(not established)'}")
    context.say(f"{'PASS' if result.passed else 'FAIL'}: {result.headline}")
    for failure in result.failures:
        context.say(f"  failed: {failure}")
    (work_dir / RESULT_FILE).write_text(json.dumps(asdict(result), indent=2, default=str))
    return 0 if result.passed else 1


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


# --------------------------------------------------------------------------------------------------------------
# HTTP, as a browser or a partner's system behind the TLS-terminating proxy
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# SMTP: an aiosmtpd server in this process that records every message it accepts
# --------------------------------------------------------------------------------------------------------------


class MailRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: list[tuple[str, tuple[str, ...], str]] = []  # (Message-ID, recipients, subject)
        self.controller = None

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append((str(message["Message-ID"]), tuple(envelope.rcpt_tos), str(message["Subject"])))
        return "250 Message accepted for delivery"

    def start(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            with contextlib.suppress(Exception):
                self.controller.stop()

    def message_ids(self) -> Counter:
        with self._lock:
            return Counter(message_id for message_id, _, _ in self.received)


def message_id_of(dedup_key: str) -> str:
    """The Message-ID the outbox gives an outbox message's e-mail (see `workflows.outbox._send`)."""
    from django.conf import settings

    return f"<{hashlib.sha256(dedup_key.encode()).hexdigest()[:32]}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def delivery(mail: MailRecorder) -> dict[str, int]:
    """Every outbox message against what reached the SMTP server and the in-app notifications."""
    from django.db.models import Count

    from workflows.models import Notification, OutboxChannel, OutboxMessage, OutboxState

    keys = list(OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).values_list("dedup_key", flat=True))
    expected = Counter(message_id_of(key) for key in keys)
    received = mail.message_ids()
    states = Counter(OutboxMessage.objects.values_list("state", flat=True))
    in_app = set(OutboxMessage.objects.filter(channel=OutboxChannel.IN_APP).values_list("pk", flat=True))
    per_message = dict(Notification.objects.values_list("message_id").annotate(n=Count("pk")).order_by())
    return {
        "outbox messages": sum(states.values()),
        "sent": states.get(OutboxState.SENT, 0),
        "pending": states.get(OutboxState.PENDING, 0),
        "failed": states.get(OutboxState.FAILED, 0),
        "needed a retry": OutboxMessage.objects.filter(attempts__gt=1).count(),
        "e-mails expected": len(keys),
        "e-mails with a repeated Message-ID in the outbox": sum(n - 1 for n in expected.values() if n > 1),
        "e-mails delivered": sum(1 for mid in expected if received[mid] >= 1),
        "e-mails duplicated": sum(received[mid] - 1 for mid in expected if received[mid] > 1),
        "e-mails lost": sum(1 for mid in expected if received[mid] == 0),
        "e-mails nobody sent": sum(n for mid, n in received.items() if mid not in expected),
        "in-app messages": len(in_app),
        "in-app delivered": sum(1 for pk in in_app if per_message.get(pk, 0) >= 1),
        "in-app duplicated": sum(n - 1 for pk, n in per_message.items() if n > 1),
        "in-app lost": sum(1 for pk in in_app if per_message.get(pk, 0) == 0),
    }


def drained(mail: MailRecorder) -> bool:
    from workflows.models import OutboxChannel, OutboxMessage, OutboxState

    if OutboxMessage.objects.exclude(state=OutboxState.SENT).exists():
        return False
    keys = OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).values_list("dedup_key", flat=True)
    received = mail.message_ids()
    return all(received[message_id_of(key)] for key in keys)


def check_exactly_once(result: DrillResult, figures: dict[str, int]) -> None:
    result.check(figures["outbox messages"] > 0, "the drill should have written outbox messages")
    result.check(
        figures["sent"] == figures["outbox messages"],
        f"every outbox message sent ({figures['sent']:,} of {figures['outbox messages']:,}; "
        f"{figures['pending']:,} pending, {figures['failed']:,} failed)",
    )
    for what in ("e-mails lost", "e-mails duplicated", "e-mails nobody sent", "in-app lost", "in-app duplicated"):
        result.check(figures[what] == 0, f"{what}: {figures[what]:,}")
    result.check(figures["e-mails with a repeated Message-ID in the outbox"] == 0, "Message-IDs must be unique")


def lost_line(figures: dict[str, int]) -> str:
    lost = figures["e-mails lost"] + figures["in-app lost"] + figures["pending"] + figures["failed"]
    duplicated = figures["e-mails duplicated"] + figures["in-app duplicated"]
    if not lost and not duplicated:
        return "nothing: no message lost, none duplicated"
    return (
        f"{figures['e-mails lost']:,} e-mails and {figures['in-app lost']:,} in-app messages lost "
        f"({figures['pending']:,} still pending, {figures['failed']:,} failed); {duplicated:,} duplicated"
    )


# --------------------------------------------------------------------------------------------------------------
# Seeding through the real services
# --------------------------------------------------------------------------------------------------------------


def build_world() -> SimpleNamespace:
    """A county council leading, an ICB co-commissioning, a district council, and people in every role. Everyone
    has the same password (hashed once: production's PBKDF2 is slow on purpose)."""
    from django.contrib.auth.hashers import make_password

    from commissioning.models import Organisation, OrganisationKind, Role, RoleAssignment, User

    password = make_password(PASSWORD)
    county = Organisation.objects.create(
        name="Midshire County Council",
        code="MCC",
        kind=OrganisationKind.COUNTY_COUNCIL,
        key_decision_revenue_threshold=500_000,
        key_decision_capital_threshold=1_000_000,
    )
    icb = Organisation.objects.create(name="Midshire Integrated Care Board", code="ICB", kind=OrganisationKind.ICB)
    district = Organisation.objects.create(
        name="Riverside District Council", code="RDC", kind=OrganisationKind.DISTRICT_COUNCIL
    )

    def person(username: str, organisation, *roles: str, email: bool = True):
        user = User.objects.create(
            username=username,
            first_name=username.replace("_", " ").title(),
            last_name="Drill",
            email=f"{username}@drills.example.org" if email else "",
            password=password,
        )
        for role in roles:
            RoleAssignment.objects.create(
                person=user, organisation=organisation, role=role, starts_on=dt.date(2020, 1, 1)
            )
        return user

    w = SimpleNamespace(county=county, icb=icb, district=district, person=person)
    w.officer = person("officer", county, Role.COMMISSIONING_OFFICER)
    w.officer2 = person("officer2", county, Role.COMMISSIONING_OFFICER)
    w.manager = person("manager", county, Role.COMMISSIONING_MANAGER)
    w.finance = person("finance", county, Role.FINANCE)
    w.legal = person("legal", county, Role.LEGAL)
    w.procurement = person("procurement", county, Role.PROCUREMENT)
    w.member = person("member", county, Role.EXECUTIVE_MEMBER)
    w.icb_signatory = person("icb_signatory", icb, Role.PARTNER_SIGNATORY)
    w.district_signatory = person("district_signatory", district, Role.PARTNER_SIGNATORY)
    county.escalation_contact = w.manager
    county.save()
    return w


def make_strategy(w, reference: str, *, title: str = "Adult carers support", value: str = "50000", pooled=False):
    """A strategy in Analyse led by the county, the ICB co-commissioning (and the district pooling budget)."""
    from decimal import Decimal

    from commissioning import services
    from commissioning.models import PartnerKind, ServiceArea

    partners = [services.PartnerSpec(w.icb.pk, PartnerKind.CO_COMMISSIONER)]
    if pooled:
        partners.append(services.PartnerSpec(w.district.pk, PartnerKind.POOLED_BUDGET_CONTRIBUTOR))
    return services.strategy_create(
        actor=w.officer,
        reference=reference,
        title=title,
        service_area=ServiceArea.ADULT_SOCIAL_CARE,
        lead_organisation=w.county,
        lead_officer=w.officer,
        annual_value=Decimal(value),
        total_contract_value=Decimal(value),
        pooled_budget=pooled,
        partners=partners,
    )


def complete_evidence(strategy, actor) -> None:
    from commissioning import services
    from commissioning.models import EvidenceStatus

    strategy.refresh_from_db()
    for item in strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage):
        services.evidence_update(
            actor=actor, evidence_id=item.pk, status=EvidenceStatus.COMPLETE, content=f"{item.title}: done."
        )
    if strategy.stage == "plan":
        services.strategy_update(actor=actor, strategy_id=strategy.pk, delivery_channel="outsourcing")


def signer_of(w, seat):
    return {
        "commissioning_officer": w.officer2,
        "commissioning_manager": w.manager,
        "finance": w.finance,
        "legal": w.legal,
        "procurement": w.procurement,
        "executive_member": w.member,
        "partner_signatory": w.icb_signatory if seat.organisation_id == w.icb.pk else w.district_signatory,
    }[seat.role]


def pass_gate(w, strategy) -> None:
    """Submit the strategy's gate and approve every seat, so that it passes."""
    from commissioning import services

    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    for seat in gate.current_seats().order_by("pk"):
        services.seat_decide(actor=signer_of(w, seat), seat_id=seat.pk, outcome="approve")


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


# --------------------------------------------------------------------------------------------------------------
# 1. races
# --------------------------------------------------------------------------------------------------------------

RACERS = 50


def drill_races(context: Context, result: DrillResult) -> None:
    from knox.models import AuthToken

    from commissioning import services
    from commissioning.models import Role, Stage, StagePeriod, Strategy
    from workflows.models import AuditEvent, Decision, Gate, GateState, SeatState

    result.done = (
        f"{RACERS} decisions at once on a gate's last open seat (API, 5 signatories' tokens, If-Match), then {RACERS} "
        f"more with the fresh version; {RACERS} moves at once of one strategy (page button, 2 officers)"
    )
    context.redis()
    context.say("seeding: a gate with one seat left (the ICB's), a strategy whose gate has passed")
    w = build_world()
    seat_strategy = make_strategy(w, "DRILL-SEAT", title="Home care")
    complete_evidence(seat_strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=seat_strategy.pk)
    last = None
    for seat in gate.current_seats().order_by("pk"):
        if seat.role == Role.PARTNER_SIGNATORY:
            last = seat
        else:
            services.seat_decide(actor=signer_of(w, seat), seat_id=seat.pk, outcome="approve")
    if last is None:
        raise DrillError("the gate has no partner signatory's seat")
    signatories = [w.icb_signatory] + [
        w.person(f"icb_signatory{i}", w.icb, Role.PARTNER_SIGNATORY) for i in (2, 3, 4, 5)
    ]
    tokens = [AuthToken.objects.create(user=person)[1] for person in signatories]
    advance_strategy = make_strategy(w, "DRILL-ADVANCE", title="Short breaks")
    pass_gate(w, advance_strategy)

    web = context.web()
    api = Browser(context.web_port)

    # --- the seat: every signatory read the queue and holds the same gate version
    queue = api.get("/api/v1/seats/", headers=api_headers(tokens[0]))
    if queue.status != 200:
        raise DrillError(f"GET /api/v1/seats/ answered {queue.status}: {queue.text[:300]}")
    listed = next((s for s in json.loads(queue.text) if s["id"] == last.pk), None)
    if listed is None:
        raise DrillError("the last open seat is not in the signatory's queue")
    version = listed["gate_version"]
    path = f"/api/v1/seats/{last.pk}/decision/"

    def decide(token: str, gate_version: int) -> Callable[[], Reply]:
        headers = api_headers(token, **{"If-Match": f'"{gate_version}"', "Idempotency-Key": str(uuid.uuid4())})
        return lambda: api.request("POST", path, body={"outcome": "approve"}, headers=headers, keep_cookies=False)

    context.say(f'{RACERS} decisions on seat {last.pk} at once, If-Match "{version}"')
    replies = fire_together([decide(tokens[i % len(tokens)], version) for i in range(RACERS)])
    seat_outcomes = [outcome(r) for r in replies]
    loser_codes = Counter(
        json.loads(r.text).get("code", "?") for r in replies if isinstance(r, Reply) and r.status in (409, 412)
    )
    gate.refresh_from_db()
    context.say(f"answers: {counted(seat_outcomes)}; refusals by code: {dict(loser_codes)}")
    late = fire_together([decide(tokens[i % len(tokens)], gate.version) for i in range(RACERS)])
    late_outcomes = [outcome(r) for r in late]
    context.say(f'{RACERS} more with the fresh version "{gate.version}": {counted(late_outcomes)}')

    last.refresh_from_db()
    decisions = Decision.objects.filter(seat=last).count()
    decide_events = AuditEvent.objects.filter(transition="decide", data__seat=last.pk).count()
    approvals = {name: audit_count(gate, name) for name in ("approve", "pass_gate")}
    seat_approved_events = audit_count(last, "approve")
    # --- the strategy: two officers each have the page open at the same version
    officer = Browser(context.web_port, name="officer").sign_in("officer")
    manager = Browser(context.web_port, name="manager").sign_in("manager")
    forms = []
    for browser in (officer, manager):
        page = browser.get(f"/strategies/{advance_strategy.reference}/")
        if "Move to Plan" not in page.text:
            raise DrillError(f"{browser.name} is not offered 'Move to Plan' on the strategy page")
        forms.append((browser, {"csrfmiddlewaretoken": csrf_token(page.text), "version": hidden(page.text, "version")}))
    advance_path = f"/strategies/{advance_strategy.reference}/advance/"

    def advance(browser: Browser, form: dict) -> Callable[[], Reply]:
        return lambda: browser.post(advance_path, form, keep_cookies=False)

    context.say(f"{RACERS} moves of {advance_strategy.reference} at once, version {forms[0][1]['version']}")
    moves = fire_together([advance(*forms[i % 2]) for i in range(RACERS)])
    move_outcomes = [outcome(r) for r in moves]
    refusals_explained = sum(
        1 for r in moves if isinstance(r, Reply) and r.status == 409 and "There is a problem" in r.text
    )
    context.say(f"answers: {counted(move_outcomes)}")
    advance_strategy.refresh_from_db()
    strategy_type_moves = audit_count(advance_strategy, "begin_plan", subject=True)
    plan_gates = Gate.objects.filter(subject_id=advance_strategy.pk, stage=Stage.PLAN).count()
    plan_periods = StagePeriod.objects.filter(strategy=advance_strategy, stage=Stage.PLAN).count()

    result.figures = {
        "seat: answers": dict(Counter(seat_outcomes)),
        "seat: refusals by problem code": dict(loser_codes),
        "seat: late answers (fresh If-Match)": dict(Counter(late_outcomes)),
        "seat: decisions recorded": decisions,
        "seat: 'decide' audit events": decide_events,
        "seat: 'approve' audit events of the seat": seat_approved_events,
        "gate: 'approve' and 'pass_gate' audit events": approvals,
        "gate: state": gate.state,
        "strategy: answers": dict(Counter(move_outcomes)),
        "strategy: 409 pages with the error summary": refusals_explained,
        "strategy: stage, cycle": f"{advance_strategy.stage}, {advance_strategy.cycle}",
        "strategy: 'begin_plan' audit events": strategy_type_moves,
        "strategy: Plan gates, Plan stage periods": f"{plan_gates}, {plan_periods}",
    }
    wins = seat_outcomes.count("201")
    refused = sum(seat_outcomes.count(code) for code in ("409", "412"))
    result.check(wins == 1, f"exactly one decision accepted (got {wins})")
    result.check(refused == RACERS - 1, f"every other decision refused with 409/412 ({counted(seat_outcomes)})")
    result.check(late_outcomes.count("409") == RACERS, f"late decisions all 409 ({counted(late_outcomes)})")
    result.check(decisions == 1, f"one decision row for the seat (got {decisions})")
    result.check(decide_events == 1, f"one 'decide' audit event for the seat (got {decide_events})")
    result.check(seat_approved_events == 1, f"the seat approved once (got {seat_approved_events})")
    result.check(approvals == {"approve": 1, "pass_gate": 1}, f"the gate approved and passed once ({approvals})")
    result.check(last.state == SeatState.APPROVED and gate.state == GateState.PASSED, "seat approved, gate passed")
    moved = move_outcomes.count("302")
    result.check(moved == 1, f"exactly one move accepted (got {moved})")
    result.check(
        move_outcomes.count("409") == RACERS - 1,
        f"every other move refused with 409 ({counted(move_outcomes)})",
    )
    result.check(refusals_explained == move_outcomes.count("409"), "every 409 page carries the error summary")
    result.check(
        (advance_strategy.stage, advance_strategy.cycle) == (Stage.PLAN, 1), "the strategy moved one stage, to Plan"
    )
    result.check(strategy_type_moves == 1, f"one stage change in the audit trail (got {strategy_type_moves})")
    result.check((plan_gates, plan_periods) == (1, 1), "one Plan gate and one Plan stage period")
    server_errors = [o for o in seat_outcomes + late_outcomes + move_outcomes if not o.isdigit() or o >= "500"]
    result.check(not server_errors, f"no 5xx or dropped connection ({counted(server_errors)})")
    if server_errors:
        result.notes += error_lines(web)
    if Strategy.objects.filter(pk=advance_strategy.pk, stage=Stage.PLAN).exists() and wins == moved == 1:
        result.lost = "nothing: one decision and one move, each recorded once"
    else:
        result.lost = "the audit trail or the states are not what one winner each would leave (see failures)"
    result.headline = (
        f"seat: {counted(seat_outcomes)} (late: {counted(late_outcomes)}), {decisions} decision, "
        f"{decide_events} decide event; advance: {counted(move_outcomes)}, {strategy_type_moves} stage change, "
        f"now {advance_strategy.get_stage_display()}"
    )


# --------------------------------------------------------------------------------------------------------------
# 2. redis-outage
# --------------------------------------------------------------------------------------------------------------

CHANGES_PER_SECOND = 3.0
PHASE_BEFORE_SECONDS = 8
PHASE_AFTER_SECONDS = 8
DRAIN_TIMEOUT_SECONDS = 200
SETTLE_SECONDS = 3


@dataclass
class Change:
    kind: str  # "submit" or "decide"
    status: str
    started: float
    ended: float


def seconds_until_outage_covers_a_beat_tick(outage: float, before: float, now: float | None = None) -> float:
    """How long to wait before starting the stream so that, after `before` seconds of changes, an outage of
    `outage` seconds has the beat's minute (hh:mm:00) in its middle: the beat must try to send while Redis is down."""
    if outage >= 60:
        return 0.0
    start = (time.time() if now is None else now) + before  # the earliest the outage can start
    return (60 - (start + outage / 2) % 60) % 60


def _log_time(record: dict) -> float:
    """A JSON log line's time (local time: Django sets the processes' TZ to TIME_ZONE, this one's too)."""
    with contextlib.suppress(KeyError, ValueError):
        moment = dt.datetime.strptime(record["time"], "%Y-%m-%d %H:%M:%S,%f")
        return time.mktime(moment.timetuple()) + moment.microsecond / 1e6
    return 0.0


def sent_by(worker: stack.Service, *, beat: bool) -> int:
    """Messages sent by the worker's deliver_outbox tasks that the beat sent (no request id) or that a request's
    commit asked for (its request id)."""
    total = 0
    for record in worker.json_lines():
        found = re.search(r"deliver_outbox\[[^]]+\] succeeded in [\d.]+s: \{'sent': (\d+)", record.get("message", ""))
        if found and (record.get("request_id") is None) == beat:
            total += int(found.group(1))
    return total


def drill_redis_outage(context: Context, result: DrillResult) -> None:
    from django.db import connection

    from workflows.models import OutboxChannel, OutboxMessage, OutboxState, Seat, SeatState

    outage = float(context.options["redis_outage_seconds"])
    result.done = (
        f"gate submissions and seat decisions through the pages, ~{CHANGES_PER_SECOND:.0f}/s, Redis stopped for "
        f"{outage:.0f}s with a worker and the beat running"
    )
    redis = context.redis()
    mail = context.smtp()
    total_seconds = PHASE_BEFORE_SECONDS + outage + PHASE_AFTER_SECONDS
    strategies_needed = math.ceil(total_seconds * CHANGES_PER_SECOND / 4) + 10  # 1 submission, 3 decisions each
    context.say(f"seeding {strategies_needed} strategies with their evidence complete")
    w = build_world()
    strategies = []
    for number in range(1, strategies_needed + 1):
        strategy = make_strategy(w, f"DRILL-{number:03d}", title=f"Drill strategy {number}")
        complete_evidence(strategy, w.officer)
        strategies.append(strategy)
    web = context.web()
    worker = context.worker("worker")
    beat = context.beat()
    browsers = {
        name: Browser(context.web_port, name=name).sign_in(name)
        for name in ("officer", "officer2", "finance", "icb_signatory")
    }
    by_role = {"commissioning_officer": "officer2", "finance": "finance", "partner_signatory": "icb_signatory"}
    changes: list[Change] = []
    stop = threading.Event()
    errors: list[str] = []

    def change(kind: str, browser: Browser, page_path: str, post_path: str, form: dict) -> None:
        began = time.monotonic()
        try:
            page = browser.get(page_path)
            fields = {"csrfmiddlewaretoken": csrf_token(page.text), **form}
            for name in ("version", "gate_version"):
                if f'name="{name}"' in page.text:
                    fields[name] = hidden(page.text, name)
            reply = browser.post(post_path, fields)
            status = str(reply.status)
            if reply.status != 302 and len(errors) < 5:
                errors.append(f"{kind} {post_path}: {reply.status} {reply.text[:200]}")
        except Exception as exc:
            status = type(exc).__name__
            if len(errors) < 5:
                errors.append(f"{kind} {post_path}: {status}: {exc}")
        changes.append(Change(kind, status, began, time.monotonic()))
        time.sleep(max(0.0, 1 / CHANGES_PER_SECOND - (time.monotonic() - began)))

    def stream() -> None:
        try:
            for strategy in strategies:
                if stop.is_set():
                    return
                path = f"/strategies/{strategy.reference}/"
                change("submit", browsers["officer"], path, f"{path}submit/", {})
                seats = list(Seat.objects.filter(gate__subject_id=strategy.pk, state=SeatState.PENDING).order_by("pk"))
                for seat in seats:
                    if stop.is_set():
                        return
                    browser = browsers[by_role[seat.role]]
                    change("decide", browser, f"/seats/{seat.pk}/", f"/seats/{seat.pk}/", {"outcome": "approve"})
            errors.append("the stream ran out of strategies before the drill ended")
        finally:
            connection.close()

    wait = seconds_until_outage_covers_a_beat_tick(outage, PHASE_BEFORE_SECONDS)
    if wait:
        context.say(f"waiting {wait:.0f}s so that the beat's minute falls in the middle of the outage")
        time.sleep(wait)
    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    context.say(f"changes flowing; Redis up for {PHASE_BEFORE_SECONDS}s")
    time.sleep(PHASE_BEFORE_SECONDS)
    redis_stopped = time.monotonic()
    stopped_at_wall = time.time()
    redis.stop()
    context.say(f"Redis stopped for {outage:.0f}s")
    time.sleep(outage)
    waiting = dict(OutboxMessage.objects.exclude(state=OutboxState.SENT).values_list("pk", "dedup_key"))
    redis.start()
    redis_back = time.monotonic()
    context.say(f"Redis back (empty, as after a restart without persistence); {len(waiting)} messages waiting")
    backlog_cleared: float | None = None

    def check_backlog() -> bool:
        """Whether the messages that waited through the outage have all been delivered (noting when)."""
        nonlocal backlog_cleared
        if backlog_cleared is None:
            sent = OutboxMessage.objects.filter(pk__in=waiting, state=OutboxState.SENT).count()
            received = mail.message_ids()
            emails = [key for key in waiting.values() if f":{OutboxChannel.EMAIL}:" in key]
            if sent == len(waiting) and all(received[message_id_of(key)] for key in emails):
                backlog_cleared = time.monotonic()
        return backlog_cleared is not None

    while time.monotonic() < redis_back + PHASE_AFTER_SECONDS:
        check_backlog()
        time.sleep(0.25)
    stop.set()
    streamer.join(60)

    def phase(c: Change) -> str:
        if c.ended < redis_stopped:
            return "before"
        if c.started > redis_stopped and c.ended < redis_back:
            return "Redis down"
        if c.started > redis_back:
            return "after"
        return "at a switch"

    by_phase = Counter(phase(c) for c in changes)
    refused = [c for c in changes if c.status != "302"]
    beat_lines = [r for r in beat.json_lines() if "deliver_outbox" in r.get("message", "") or r.get("level") == "ERROR"]
    beat_during_outage = [
        r.get("message", "")[:200]
        for r in beat.json_lines()
        if stopped_at_wall <= _log_time(r) <= stopped_at_wall + outage
    ]
    context.say(
        f"{len(changes)} changes ({counted([phase(c) for c in changes])}); refused: {len(refused)}; "
        "waiting for the outbox to drain (the beat's outbox sweep runs every minute)"
    )
    drain_started = time.monotonic()
    try:
        wait_until(
            lambda: check_backlog() and drained(mail),
            timeout=DRAIN_TIMEOUT_SECONDS,
            what="every message to be delivered",
            every=0.5,
        )
        drain_seconds = time.monotonic() - redis_back
    except DrillError as exc:
        result.failures.append(str(exc))
        drain_seconds = None
    backlog_seconds = None if backlog_cleared is None else backlog_cleared - redis_back
    time.sleep(SETTLE_SECONDS)  # a repeat still on its way would be counted
    figures = delivery(mail)
    alive = {name: service.popen.poll() is None for name, service in (("web", web), ("worker", worker), ("beat", beat))}
    result.figures = {
        "changes made": len(changes),
        "changes by phase": dict(by_phase),
        "changes by kind": dict(Counter(c.kind for c in changes)),
        "changes refused": len(refused),
        "changes refused while Redis was down": sum(1 for c in refused if phase(c) == "Redis down"),
        "messages waiting when Redis returned": len(waiting),
        "seconds from Redis's return until they were all delivered": (
            round(backlog_seconds, 1) if backlog_seconds is not None else None
        ),
        "seconds from Redis's return until everything was delivered (changes went on for "
        f"{PHASE_AFTER_SECONDS}s)": round(drain_seconds, 1) if drain_seconds else None,
        "seconds waited for the drain once the changes stopped": round(time.monotonic() - drain_started, 1),
        **figures,
        "messages delivered by tasks that changes asked for": sent_by(worker, beat=False),
        "messages delivered by the beat's outbox sweep": sent_by(worker, beat=True),
        "the beat's log lines while Redis was down": len(beat_during_outage),
        "the first of them": beat_during_outage[:2],
        "the beat's outbox sweeps sent": sum(1 for r in beat_lines if "Sending due task" in r.get("message", "")),
        "processes still running": alive,
    }
    result.check(by_phase["Redis down"] > 0, "changes were made while Redis was down")
    result.check(not refused, f"no change refused ({counted([c.status for c in refused])}): {errors[:3]}")
    result.check(not [e for e in errors if "ran out" in e], "the stream kept going for the whole drill")
    result.check(all(alive.values()), f"gunicorn, the worker and the beat kept running ({alive})")
    check_exactly_once(result, figures)
    result.lost = lost_line(figures)
    result.headline = (
        f"{len(changes)} changes ({by_phase['Redis down']} with Redis down), {len(refused)} refused; "
        f"{figures['e-mails expected']:,} e-mails: {figures['e-mails delivered']:,} delivered, "
        f"{figures['e-mails duplicated']} duplicated, {figures['e-mails lost']} lost; "
        f"{figures['in-app delivered']:,}/{figures['in-app messages']:,} in-app; "
        + (
            f"the {len(waiting)} waiting delivered {backlog_seconds:.0f}s after Redis returned"
            if backlog_seconds is not None
            else "not drained"
        )
    )


# --------------------------------------------------------------------------------------------------------------
# 3. worker-kill
# --------------------------------------------------------------------------------------------------------------

KILL_SEATS = 2500  # three batches of the sweep (1,000 a batch)
KILL_PANEL = 50
VISIBILITY_TIMEOUT = 20
SWEEP_BATCH = 1000


def sweep_result(worker: stack.Service, task_id: str) -> str | None:
    """What the sweep task returned, once the worker has logged that it succeeded."""
    found = re.search(
        rf"Task workflows\.sweep_seat_reminders\[{re.escape(task_id)}\] succeeded in [\d.]+s: '([^']*)'", worker.log()
    )
    return found.group(1) if found else None


def drill_worker_kill(context: Context, result: DrillResult) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from commissioning import services
    from config.celery_app import app
    from workflows.calendar import WorkingCalendar
    from workflows.models import OutboxChannel, OutboxMessage, Seat

    result.done = (
        f"the seat reminder sweep over {KILL_SEATS:,} due seats; its worker SIGKILLed mid-sweep; a new worker "
        "started (Redis hands it the killed task)"
    )
    context.redis()
    mail = context.smtp()
    today = timezone.localdate()
    calendar = WorkingCalendar()
    sweep_day = today if calendar.is_working_day(today) else calendar.add_working_days(today, 1)
    shift = (sweep_day - today).days
    context.say(
        f"seeding {KILL_SEATS:,} seats due {sweep_day:%A %-d %B %Y}"
        + (f" (the workers' clocks moved {shift} day(s) on to that working day)" if shift else "")
    )
    w = build_world()
    strategy = make_strategy(w, "DRILL-PANEL", title="Panel review")
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    Seat.objects.filter(gate=gate).update(due_on=sweep_day + dt.timedelta(days=90))  # the policy's own: not due
    panel = [w.person(f"panel{i:02d}", w.county) for i in range(KILL_PANEL)]
    Seat.objects.bulk_create(
        Seat(
            gate=gate,
            round=gate.round,
            role=f"panel-{i:04d}",
            organisation=w.county,
            person=panel[i % KILL_PANEL],
            label=f"Panel member {i}",
            due_on=sweep_day,
        )
        for i in range(KILL_SEATS)
    )
    panel_seats = list(Seat.objects.filter(gate=gate, role__startswith="panel-").order_by("pk"))
    expected_keys = {
        f"seat:{seat.pk}:due:{channel}:{seat.person_id}"
        for seat in panel_seats
        for channel in (OutboxChannel.IN_APP, OutboxChannel.EMAIL)
    }
    every_5s, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.SECONDS)
    changed = PeriodicTask.objects.filter(task="workflows.deliver_outbox").update(interval=every_5s, crontab=None)
    if changed != 1:
        raise DrillError(f"expected one outbox sweep in the beat's schedule, found {changed}")

    extra = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = context.worker("worker-1", concurrency=1, shift_days=shift, **extra)
    context.beat(**extra)
    wait_until(lambda: drained(mail), timeout=60, what="the submission's messages to be delivered")

    def reminders() -> int:
        return OutboxMessage.objects.filter(template="seat_reminder").count()

    task_id = f"drill-sweep-{uuid.uuid4()}"
    app.send_task("workflows.sweep_seat_reminders", task_id=task_id)  # as the beat sends it at 07:00
    sent_at = time.monotonic()
    context.say(f"sweep sent (task {task_id}); killing the worker once its first batch has committed")
    committed = wait_until(reminders, timeout=120, what="the sweep's first batch to commit", every=0.01)
    first.kill()
    killed_at = time.monotonic()
    after_kill = reminders()
    context.say(f"worker-1 killed {killed_at - sent_at:.1f}s after the sweep was sent: {after_kill:,} reminder rows")

    def worker_sessions(name: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [f"drill-{name}"])
            return cursor.fetchone()[0]

    wait_until(lambda: worker_sessions("worker-1") == 0, timeout=30, what="worker-1's database sessions to end")
    rolled_back = reminders()
    finished_before_kill = sweep_result(first, task_id) is not None
    # Redis hands an unacknowledged task to another worker once it is older than the visibility timeout.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 2 - (time.monotonic() - sent_at)))
    second = context.worker("worker-2", concurrency=1, shift_days=shift, **extra)
    context.say("worker-2 started; waiting for it to receive the killed sweep")
    redelivered = True
    try:
        rerun = wait_until(lambda: sweep_result(second, task_id), timeout=90, what="the killed sweep to run again")
    except DrillError:
        redelivered = False
        result.failures.append("Redis did not hand the killed sweep to the new worker within 90s")
        context.say("the killed sweep did not come back; sending it again, as the next day's beat would")
        again = f"drill-sweep-{uuid.uuid4()}"
        app.send_task("workflows.sweep_seat_reminders", task_id=again)
        rerun = wait_until(lambda: sweep_result(second, again), timeout=90, what="the re-sent sweep")
    context.say(f"the sweep ran again: {rerun}; waiting for every message to be delivered")
    drain_began = time.monotonic()
    try:
        wait_until(lambda: drained(mail), timeout=DRAIN_TIMEOUT_SECONDS, what="every message to be delivered", every=1)
    except DrillError as exc:
        result.failures.append(str(exc))
    drain_seconds = time.monotonic() - drain_began
    time.sleep(SETTLE_SECONDS)  # a repeat still on its way would be counted

    keys = list(OutboxMessage.objects.filter(template="seat_reminder").values_list("dedup_key", flat=True))
    figures = delivery(mail)
    per_batch = 2 * SWEEP_BATCH
    result.figures = {
        "seats due": len(panel_seats),
        "reminder rows expected (in-app and e-mail per seat)": len(expected_keys),
        "reminder rows seen when the worker was killed": after_kill,
        "reminder rows after its sessions ended": rolled_back,
        "seconds from the sweep being sent to the kill": round(killed_at - sent_at, 2),
        "the sweep finished before the kill": finished_before_kill,
        "redelivered by Redis to the new worker": redelivered,
        "the new worker's run": rerun,
        "reminder rows at the end": len(keys),
        "reminder rows missing": len(expected_keys - set(keys)),
        "reminder rows not expected": len(set(keys) - expected_keys),
        "seconds to deliver after the re-run": round(drain_seconds, 1),
        **figures,
    }
    result.check(committed > 0 and not finished_before_kill, "the worker was killed while the sweep ran")
    result.check(
        0 < rolled_back < len(expected_keys) and rolled_back % per_batch == 0,
        f"whole batches committed at the kill, the killed one rolled back ({rolled_back:,} rows; a batch writes "
        f"{per_batch:,})",
    )
    result.check(len(keys) == len(set(keys)) == len(expected_keys), "every reminder exists exactly once")
    result.check(set(keys) == expected_keys, "the reminders are exactly the due seats' (in-app and e-mail)")
    check_exactly_once(result, figures)
    result.lost = lost_line(figures) if set(keys) == expected_keys else "reminders missing or unexpected (see figures)"
    result.headline = (
        f"killed with {rolled_back:,}/{len(expected_keys):,} reminder rows committed; re-run by "
        f"{'Redis redelivery' if redelivered else 're-sending'} ({rerun.split(': ', 1)[-1]}); "
        f"{len(set(keys)):,} unique reminders; {figures['e-mails delivered']:,}/{figures['e-mails expected']:,} "
        f"e-mails, {figures['e-mails duplicated']} duplicated, {figures['e-mails lost']} lost; "
        f"{figures['in-app delivered']:,}/{figures['in-app messages']:,} in-app"
    )


# --------------------------------------------------------------------------------------------------------------
# 4. postgres-restart
# --------------------------------------------------------------------------------------------------------------

POLLERS = 4
POLL_PAUSE = 0.02
DOWN_SECONDS = 5
SETTLED_AFTER_SECONDS = 6


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
    return found


def drill_postgres_restart(context: Context, result: DrillResult) -> None:
    from django.db import connections

    result.done = (
        f"{POLLERS} partner pollers on GET /api/v1/strategies/ (with and without If-None-Match) while PostgreSQL "
        f"is stopped (pg_ctl stop -m fast) for {DOWN_SECONDS}s and started again"
    )
    context.redis()
    w = build_world()
    for number in range(1, 6):
        make_strategy(w, f"DRILL-{number:03d}", title=f"Drill strategy {number}")
    token = partner_token(context, "ICB")
    connections.close_all()
    postgres = context.postgres()
    web = context.web()
    master = web.pid
    workers_before = children_of(master)
    client = Browser(context.web_port)
    first = client.get("/api/v1/strategies/", headers=api_headers(token))
    if first.status != 200:
        raise DrillError(f"the first poll answered {first.status}: {first.text[:300]}")
    polls: list[tuple[float, float, str, bool]] = []  # started, ended, outcome, well-formed 503
    stop = threading.Event()
    lock = threading.Lock()

    def poll(index: int) -> None:
        etag = first.headers.get("etag")
        conditional = index % 2 == 0
        while not stop.is_set():
            headers = api_headers(token, **({"If-None-Match": etag} if conditional and etag else {}))
            began = time.monotonic()
            try:
                reply = client.get("/api/v1/strategies/", headers=headers, keep_cookies=False, timeout=30)
                status = str(reply.status)
                proper = reply.status != 503 or (
                    "retry-after" in reply.headers and reply.headers.get("content-type") == "application/problem+json"
                )
                if reply.status == 200 and reply.headers.get("etag"):
                    etag = reply.headers["etag"]
            except Exception as exc:  # a reset or a timeout: exactly what must not happen
                status, proper = type(exc).__name__, False
            with lock:
                polls.append((began, time.monotonic(), status, proper))
            conditional = not conditional
            time.sleep(POLL_PAUSE)

    threads = [threading.Thread(target=poll, args=(i,), daemon=True) for i in range(POLLERS)]
    for thread in threads:
        thread.start()
    time.sleep(4)
    stop_began = time.monotonic()
    postgres.stop("fast")
    stop_ended = time.monotonic()
    context.say(f"PostgreSQL stopped in {stop_ended - stop_began:.1f}s; down for {DOWN_SECONDS}s")
    time.sleep(DOWN_SECONDS / 2)
    ready_down = client.get("/readyz", keep_cookies=False)
    time.sleep(DOWN_SECONDS / 2)
    start_began = time.monotonic()
    try:
        postgres.start()
    finally:
        start_ended = time.monotonic()
    context.say(f"PostgreSQL started again in {start_ended - start_began:.1f}s")

    def successes_after() -> list:
        with lock:
            return [p for p in polls if p[0] > start_ended and p[2] in ("200", "304")]

    with contextlib.suppress(DrillError):
        wait_until(successes_after, timeout=30, what="a poll to succeed again", every=0.05)
    time.sleep(SETTLED_AFTER_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    workers_after = children_of(master)
    ready_after = client.get("/readyz", keep_cookies=False)

    def phase(began: float, ended: float) -> str:
        if ended < stop_began:
            return "before"
        if began > stop_ended and ended < start_began:
            return "down"
        if began > start_ended:
            return "after"
        return "while stopping or starting"

    by_phase: dict[str, Counter] = {}
    for began, ended, status, _ in polls:
        by_phase.setdefault(phase(began, ended), Counter())[status] += 1
    recovered = [p for p in polls if p[0] > start_ended and p[2] in ("200", "304")]
    first_success = min((p[1] for p in recovered), default=None)
    recover_seconds = None if first_success is None else first_success - start_ended
    after_recovery = Counter(p[2] for p in polls if first_success is not None and p[0] > first_success)
    bad = [p for p in polls if p[2] not in ("200", "304", "503")]
    malformed_503 = sum(1 for p in polls if p[2] == "503" and not p[3])
    result.figures = {
        "polls": len(polls),
        "answers by phase": {name: dict(counter) for name, counter in by_phase.items()},
        "seconds to stop PostgreSQL": round(stop_ended - stop_began, 2),
        "seconds to start it": round(start_ended - start_began, 2),
        "seconds from its start to the first success": round(recover_seconds, 2) if recover_seconds else None,
        "answers after the first success": dict(after_recovery),
        "503 without Retry-After or problem+json": malformed_503,
        "/readyz while down": f"{ready_down.status} {ready_down.text[:160]}",
        "/readyz after": ready_after.status,
        "gunicorn master pid before, after": f"{master}, {master if web.popen.poll() is None else 'exited'}",
        "gunicorn workers replaced": sorted(workers_before - workers_after),
    }
    down = by_phase.get("down", Counter())
    result.check(sum(down.values()) > 0, "polls were answered while PostgreSQL was down")
    result.check(set(down) <= {"503"}, f"every poll while down got 503 ({dict(down)})")
    result.check(not bad, f"no 500 and no dropped connection ({counted([p[2] for p in bad])})")
    result.check(malformed_503 == 0, "every 503 carries Retry-After and problem+json")
    result.check(set(by_phase.get("before", Counter())) <= {"200", "304"}, "every poll before the stop succeeded")
    result.check(recover_seconds is not None and recover_seconds < 10, "polls succeed again within 10s of the start")
    result.check(set(after_recovery) <= {"200", "304"}, f"every poll after recovery succeeded ({dict(after_recovery)})")
    result.check(ready_down.status == 503 and "database" in ready_down.text, "/readyz said 503 naming the database")
    result.check(ready_after.status == 200, "/readyz says ready again")
    result.check(web.popen.poll() is None, "gunicorn's master kept running (the same pid)")
    if bad or "500" in {p[2] for p in polls}:
        result.notes += error_lines(web)
    result.lost = (
        "nothing: requests while it was down were refused with 503 (clients retry), none failed otherwise"
        if not bad
        else f"{len(bad)} requests failed with something other than 503 (see notes)"
    )
    result.headline = (
        "; ".join(f"{name}: {counted(list(counter.elements()))}" for name, counter in by_phase.items())
        + f"; recovered {recover_seconds:.2f}s after the start" * (recover_seconds is not None)
        + f"; same master pid {master}"
    )


# --------------------------------------------------------------------------------------------------------------
# 5. schemathesis
# --------------------------------------------------------------------------------------------------------------

SCHEMATHESIS_TIMEOUT = 600
# Valid data may still be refused by a business rule (not your seat, already decided, not in Do), so "valid data
# must be accepted" is not a defect here, as in tests/commissioning/test_api_schema.py.
SCHEMATHESIS_EXCLUDED = ("positive_data_acceptance",)


def drill_schemathesis(context: Context, result: DrillResult) -> None:
    from commissioning import services

    examples = int(context.options["schemathesis_examples"])
    result.done = (
        f"schemathesis {_schemathesis_version()} over every operation of /api/v1/schema/ with a partner's token, "
        f"{examples} cases an operation, every check but {', '.join(SCHEMATHESIS_EXCLUDED)}"
    )
    context.redis()
    w = build_world()
    make_strategy(w, "DRILL-OPEN", title="Open strategy")
    submitted = make_strategy(w, "DRILL-SUBMITTED", title="Submitted strategy", pooled=True)
    complete_evidence(submitted, w.officer)
    services.gate_submit(actor=w.officer, strategy_id=submitted.pk)
    moved = make_strategy(w, "DRILL-PLAN", title="Strategy in Plan")
    pass_gate(w, moved)
    services.strategy_advance(actor=w.officer, strategy_id=moved.pk)
    token = partner_token(context, "ICB")
    web = context.web()
    base = f"http://127.0.0.1:{context.web_port}"
    # The schema as gunicorn serves it, fetched here with a generous timeout (drf-spectacular builds it on every
    # request, which takes seconds on a busy machine: longer than schemathesis waits for a schema) and given to
    # schemathesis as a file.
    began = time.monotonic()
    served = Browser(context.web_port).get("/api/v1/schema/?format=json", headers=api_headers(token), timeout=300)
    schema_seconds = time.monotonic() - began
    if served.status != 200:
        raise DrillError(f"GET /api/v1/schema/ answered {served.status}: {served.text[:300]}")
    schema_file = context.folder / "openapi.json"
    schema_file.write_text(served.text)
    junit = context.folder / "schemathesis-junit.xml"
    command = [
        str(Path(stack.PYTHON).parent / "schemathesis"),
        "run",
        str(schema_file),
        "--url",
        base,
        "-H",
        f"Authorization: Token {token}",
        "-H",
        "X-Forwarded-Proto: https",
        "--max-examples",
        str(examples),
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(SCHEMATHESIS_EXCLUDED),
        "--workers",
        "2",
        "--seed",
        "2026",
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
        "--no-color",
    ]
    context.say(f"running schemathesis (log: {context.folder / 'schemathesis.log'})")
    with open(context.folder / "schemathesis.log", "w") as log:
        finished = subprocess.run(  # noqa: S603 (the installed schemathesis)
            command,
            cwd=context.folder,  # its cache of failures (.schemathesis/) stays with the drill's logs
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=SCHEMATHESIS_TIMEOUT,
            check=False,
        )
    output = (context.folder / "schemathesis.log").read_text(errors="replace")
    summary = parse_schemathesis(output, junit)
    server_errors = sum(1 for r in web.json_lines() if r.get("level") in {"ERROR", "CRITICAL"})
    result.figures = {
        **summary,
        "seconds to serve /api/v1/schema/": round(schema_seconds, 1),
        "exit status": finished.returncode,
        "ERROR lines in gunicorn's log": server_errors,
    }
    result.check(summary.get("operations", 0) > 0, "schemathesis tested some operations")
    for failure in summary["failures"]:  # each defect found, with the request that shows it
        result.check(False, failure)
    if not summary["failures"]:
        result.check(finished.returncode == 0, f"schemathesis exited with {finished.returncode} (see its log)")
    result.check(server_errors == 0, f"no ERROR in gunicorn's log ({server_errors})")
    if server_errors:
        result.notes += error_lines(web)
    kinds = Counter(match.group(1) for f in summary["failures"] if (match := re.search(r": (ST\d+ [^(]+?) \(", f)))
    result.lost = "not applicable (no outage); each defect found is a failure, with a curl that shows it"
    result.headline = (
        f"{summary.get('operations', '?')} operations, {summary.get('test cases', '?')} test cases; "
        f"{len(summary['failures'])} failing"
        + (f" ({', '.join(f'{n}× {kind}' for kind, n in kinds.items())})" if kinds else "")
        + f"; {server_errors} server errors logged"
    )


def _schemathesis_version() -> str:
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        return version("schemathesis")
    return "?"


def parse_schemathesis(output: str, junit: Path) -> dict:
    """Operations, test cases and failures, from the JUnit report (and the text summary for the counts)."""
    import xml.etree.ElementTree as ET

    summary: dict[str, Any] = {"failures": []}
    selected = re.search(r"Selected:\s*(\d+)/(\d+)", output)
    tested = re.search(r"Tested:\s*(\d+)", output)
    if selected:
        summary["operations in the schema"] = int(selected.group(2))
    if tested:
        summary["operations"] = int(tested.group(1))
    cases = re.search(r"Test cases:\s*(\d+)\s*generated", output)
    if cases:
        summary["test cases"] = int(cases.group(1))
    summary["warnings"] = re.findall(r"⚠️\s*(.+)", output)
    if junit.exists():
        tree = ET.parse(junit)  # noqa: S314
        testcases = tree.getroot().iter("testcase")
        operations = 0
        for testcase in testcases:
            operations += 1
            for problem in [*testcase.iter("failure"), *testcase.iter("error")]:
                text = problem.text or problem.get("message") or ""
                summary["failures"] += [f"{testcase.get('name')}: {line}" for line in schemathesis_failures(text)]
        summary.setdefault("operations", operations)
    return summary


def schemathesis_failures(text: str) -> list[str]:
    """One line per failing test case of a JUnit failure's text: the check, what it saw, the answer, the curl."""
    found = []
    for block in re.split(r"^\s*\d+\. Test Case ID: ", text, flags=re.M)[1:]:
        lines = [line.strip() for line in block.splitlines()]
        title = next((line[2:] for line in lines if line.startswith("- ")), "")
        start = lines.index(f"- {title}") + 1 if title else 0
        details = []
        for line in lines[start:]:
            if line.startswith("["):
                break
            if line:
                details.append(line)
        answer = next((line.rstrip(":") for line in lines if re.match(r"^\[\d{3}\]", line)), "")
        curl = next((line for line in lines if line.startswith("curl ")), "")
        found.append(f"{title} ({'; '.join(details)}); answered {answer}; reproduce: {curl}")
    return found or [" ".join(text.split())[:500]]


DRILL_FUNCTIONS: dict[str, Callable[[Context, DrillResult], None]] = {
    "races": drill_races,
    "redis-outage": drill_redis_outage,
    "worker-kill": drill_worker_kill,
    "postgres-restart": drill_postgres_restart,
    "schemathesis": drill_schemathesis,
}
