"""The conductor (`python -m benchmarks drills`): a PostgreSQL cluster of its own and a migrated template
database, then each drill in a child process (`--inside NAME`) with the production settings on a clone of it; and
`run_inside`, what that child runs."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import signal
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from benchmarks import stack

from .catalogue import DRILL_FUNCTIONS
from .context import WEB_WORKERS, Context
from .results import DrillResult, format_table, report_data, write_report

TEMPLATE_DATABASE = "drills_template"
DRILL_TIMEOUT_SECONDS = 900
RESULT_FILE = "result.json"

# Raised for every drill: see the module docstring.
RELAXED_LIMITS = {"API_THROTTLE_RATE": "1000000/minute", "API_AUTH_FAILURE_LIMIT": "1000000"}


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
        "-m",
        "benchmarks",
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
