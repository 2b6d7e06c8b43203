"""The machine, PostgreSQL and Redis the benchmark ran on, for the report."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit


def machine_info(database_url: str, redis_url: str) -> dict:
    import django
    import psycopg

    info: dict = {"cores": os.cpu_count(), "python": platform.python_version(), "django": django.get_version()}
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        info["cpu_model"] = model.group(1).strip() if model else platform.processor() or platform.machine()
    with contextlib.suppress(OSError, AttributeError):
        kib = int(re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
        info["memory_gib"] = round(kib / 2**20, 1)
    info["kernel"] = platform.release()
    with psycopg.connect(database_url, autocommit=True) as connection:
        info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    info["redis"] = redis_info(redis_url).get("redis_version")
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    info["wrk"] = (result.stdout + result.stderr).splitlines()[0].split(" Copyright")[0].strip()
    with contextlib.suppress(ImportError):
        import gunicorn

        info["gunicorn"] = gunicorn.__version__
    return info


def redis_info(url: str) -> dict:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).info("server")


def with_path(url: str, path: str) -> str:
    return urlsplit(url)._replace(path=path).geturl()
