"""The production configuration's processes, started on this machine without Docker, for the production smoke test,
the benchmarks and the resilience drills.

The commands are the ones docker/Dockerfile and docker/compose.yaml run: gunicorn with config/gunicorn.conf.py,
`celery -A config.celery_app worker` and `beat`, `manage.py collectstatic` and `migrate`, all with
`config.settings.production`. Redis and PostgreSQL servers of the caller's own (on spare ports, so they can be
stopped and restarted without touching anything else on the machine) come from the Debian packages.
"""

from __future__ import annotations

import base64
import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WAIT_SECONDS = 60


class StackError(RuntimeError):
    """A process of the stack did not start, or stopped when it should not have."""


def wait_for(
    condition: Callable[[], object], *, timeout: float = WAIT_SECONDS, what: str, every: float = 0.05
) -> object:
    """Poll `condition` every `every` seconds until it returns something truthy; StackError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise StackError(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Service:
    """One server process (and its children) in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_path
        self.popen: subprocess.Popen | None = None

    def start(self) -> Service:
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 (our own commands)
                self.command,
                env=self.env,
                cwd=BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        if self.popen is None or self.popen.poll() is not None:
            code = None if self.popen is None else self.popen.returncode
            raise StackError(f"{self.name} is not running (exit status {code}):\n{self.log()[-4000:]}")
        return True

    def json_lines(self) -> list[dict]:
        records = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    records.append(json.loads(line))
        return records

    def stop(self, timeout: float = WAIT_SECONDS) -> int | None:
        """SIGTERM, as a container runtime stops it; its exit status once it has finished what it was doing (the
        whole group is killed if it has not within `timeout`)."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        """SIGKILL to the whole process group: the process and every child (a worker's pool, gunicorn's workers)."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=WAIT_SECONDS)


# --------------------------------------------------------------------------------------------------------------
# The application's processes
# --------------------------------------------------------------------------------------------------------------


def production_env(
    *,
    database_url: str,
    redis_url: str,
    port: int,
    static_root: Path,
    smtp_port: int | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of every application process: production settings, this machine's addresses, and a fresh
    secret key. Variables of the caller's that would change the settings (DJANGO_*, CELERY_*, EMAIL_*) are dropped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "EMAIL_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECRETS_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),  # a Fernet key
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port or 25),
        "STATIC_ROOT": str(static_root),
        "SITE_URL": f"https://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def manage(env: dict[str, str], *arguments: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a management command of the product with these settings; fail with its output if it fails."""
    return _python(["manage.py", *arguments], env, timeout=timeout)


def benchmark(env: dict[str, str], *arguments: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run `python -m benchmarks ARGUMENTS` (this package's CLI) with these settings; fail with its output if it
    fails."""
    return _python(["-m", "benchmarks", *arguments], env, timeout=timeout)


def _python(arguments: list[str], env: dict[str, str], *, timeout: float) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603
        [PYTHON, *arguments],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        command = " ".join(["python", *arguments])
        raise StackError(f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def collect_static(env: dict[str, str]) -> None:
    """What the image's build does: gather static files with hashed names (production serves only those)."""
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        manage(env, "collectstatic", "--no-input", "-v", "0")


def web(env: dict[str, str], log_dir: Path, *, workers: int | None = None) -> Service:
    """gunicorn, as the image's CMD starts it; returns once it accepts connections."""
    if workers is not None:
        env = env | {"WEB_CONCURRENCY": str(workers)}
    service = Service("gunicorn", [PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
                                   "config.wsgi:application"], env, log_dir / "web.log").start()  # fmt: skip
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    wait_for(lambda: service.alive() and port_open(port), what="gunicorn to listen")
    return service


def worker(env: dict[str, str], log_dir: Path, *, name: str = "worker", concurrency: int | None = None) -> Service:
    """A Celery worker, as compose's `worker` service starts it; returns once it is ready."""
    command = [PYTHON, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=INFO", "-n", f"{name}@%h"]
    if concurrency is not None:
        command.append(f"--concurrency={concurrency}")
    service = Service(name, command, env, log_dir / f"{name}.log").start()
    wait_for(lambda: service.alive() and " ready." in service.log(), what=f"{name} to be ready")
    return service


def beat(env: dict[str, str], log_dir: Path) -> Service:
    """The beat, as compose's `beat` service starts it."""
    command = [PYTHON, "-m", "celery", "-A", "config.celery_app", "beat", "--loglevel=INFO"]
    service = Service("beat", command, env, log_dir / "beat.log").start()
    wait_for(lambda: service.alive() and "beat: Starting" in service.log(), what="the beat to start")
    return service


class HttpsClient:
    """An HTTP client that behaves like a browser behind the TLS-terminating proxy: it keeps cookies (Secure ones too:
    the proxy would have spoken TLS), says `X-Forwarded-Proto: https`, and sends Origin and Referer with forms."""

    def __init__(self, port: int, *, timeout: float = WAIT_SECONDS) -> None:
        self.port = port
        self.timeout = timeout
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form=None, headers=None, https: bool = True):
        """The response, with `.text` (the body) and `.set_cookies` (its Set-Cookie headers) added."""
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
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
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            response.text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        response.set_cookies = response.headers.get_all("Set-Cookie") or []
        for header in response.set_cookies:
            cookie = SimpleCookie()
            cookie.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs):
        return self.request("POST", path, form=form, **kwargs)

    def sign_in(self, username: str, password: str) -> None:
        import re

        page = self.get("/accounts/login/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = self.post("/accounts/login/", {"csrfmiddlewaretoken": token, "username": username,
                                                  "password": password})  # fmt: skip
        if response.status != 302:
            raise StackError(f"{username} could not sign in: {response.status}")


# --------------------------------------------------------------------------------------------------------------
# Servers of the caller's own
# --------------------------------------------------------------------------------------------------------------


class RedisServer:
    """A `redis-server` on a spare loopback port, keeping nothing on disk: a restart comes back empty."""

    def __init__(self, log_path: Path) -> None:
        if shutil.which("redis-server") is None:
            raise StackError("needs redis-server on PATH (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: port_open(self.port), what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=WAIT_SECONDS)
        self.process = None
        wait_for(lambda: not port_open(self.port), what=f"redis-server on port {self.port} to stop")


class PostgresServer:
    """A PostgreSQL cluster of the caller's own (Debian's binaries), on a spare port, that can be stopped and
    started again while the application runs. As root it runs as the `postgres` user, which PostgreSQL requires."""

    def __init__(self, directory: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise StackError("needs PostgreSQL's server binaries (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        full = [str(self.bin / command[0]), *command[1:]]
        if self.as_postgres:
            full = ["runuser", "-u", "postgres", "--", *full]
        result = subprocess.run(full, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
        if result.returncode != 0:
            raise StackError(f"{' '.join(full)} failed:\n{result.stdout}\n{result.stderr}")

    def init(self) -> PostgresServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
            # The postgres user must be able to reach the directory (a temporary folder is private to its owner).
            for folder in self.directory.parents:
                if folder.stat().st_uid == 0 and not folder.stat().st_mode & 0o001:
                    folder.chmod(folder.stat().st_mode | 0o011)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)
