"""The run: for each size, its database, Redis and gunicorn with the production settings, the probe, then wrk on
each scenario with the baseline before, between and after them; the report as JSON in var/bench/."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import stack
from benchmarks.data.targets import DEFAULT_SEED

from .database import Databases
from .machine import machine_info, redis_info, with_path
from .report import add_ratios, database_name, fmt_ms, growth, size_label, targets
from .scenarios import BASELINE, SCENARIOS, BenchError, check_answer, common_headers
from .wrk import parse_wrk, wrk_command

OUTPUT_DIR = stack.BASE_DIR / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_DB = 14  # the machine's Redis: a database number of the benchmark's own, flushed at the start
# High enough never to refuse, while the throttle still runs and its Redis round trips are measured. Per second,
# not per minute: DRF's SimpleRateThrottle keeps every request's timestamp for the whole window in one cache value,
# so a per-minute window at benchmark speed would grow that value to tens of thousands of entries (far more than
# production's 1,200/minute ever holds) and measure pickling rather than the service.
THROTTLE_RATE = "100000000/second"
WARMUP_SECONDS = 2
DEFAULT_SIZES = (0.1, 1.0)


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Options:
    sizes: list[float] = field(default_factory=lambda: list(DEFAULT_SIZES))
    seconds: float = 10
    warmup: float = WARMUP_SECONDS
    connections: int = 8
    workers: int = (os.cpu_count() or 1) * 2 + 1
    fresh: bool = False
    seed: int = DEFAULT_SEED
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    profile: bool = False
    recycle: bool = False  # keep gunicorn's worker recycling (max_requests) as production has it
    database_url: str = field(default_factory=lambda: os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    output_dir: Path = OUTPUT_DIR


class Bench(Databases):
    def __init__(self, options: Options, write: Callable[[str], None]) -> None:
        self.options = options
        self.write = write
        self.out = options.output_dir
        self.logs = self.out / "logs"
        self.static_root = self.out / "static"
        self.redis_server: stack.RedisServer | None = None
        self.redis_url = ""
        self.redis_source = ""

    # -- servers -------------------------------------------------------------------------------------------

    def admin_url(self) -> str:
        return with_path(self.options.database_url, "/postgres")

    def database_url(self, name: str) -> str:
        return with_path(self.options.database_url, f"/{name}")

    def start_redis(self) -> None:
        machine_url = urlsplit(self.options.redis_url)._replace(path=f"/{REDIS_DB}").geturl()
        try:
            redis_info(machine_url)
        except Exception as exc:  # anything at all: start a Redis of our own
            self.redis_server = stack.RedisServer(self.logs / "redis.log").start()
            self.redis_url = self.redis_server.url
            self.redis_source = f"a redis-server of its own on port {self.redis_server.port}"
            self.write(f"Redis: none answers at {self.options.redis_url} ({exc}); started {self.redis_source}")
        else:
            self.redis_url = machine_url
            self.redis_source = f"the machine's Redis, database {REDIS_DB}"
            self.write(f"Redis: the machine's, at {machine_url} (database {REDIS_DB}, flushed)")
        self.flush_redis()

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def env(self, database: str, port: int) -> dict[str, str]:
        env = stack.production_env(
            database_url=self.database_url(database),
            redis_url=self.redis_url,
            port=port,
            static_root=self.static_root,
            BENCHMARK_BASELINE="true",
            API_THROTTLE_RATE=THROTTLE_RATE,
            WEB_CONCURRENCY=str(self.options.workers),
            LOG_LEVEL="WARNING",
        )
        if not self.options.recycle:
            # Production restarts each worker after about 5,000 requests. At benchmark rates that is every worker,
            # nearly together, every half a minute, and a fresh worker's first requests take seconds: the pause
            # lands at random in one scenario's ten seconds (it once left a scenario with no request answered).
            env["GUNICORN_MAX_REQUESTS"] = "0"
        return env

    # -- data ----------------------------------------------------------------------------------------------

    # -- one size ------------------------------------------------------------------------------------------

    def run_size(self, scale: float) -> dict:
        label = size_label(scale)
        name = database_name(scale)
        self.write("")
        self.write(f"== Size {label}: database {name}")
        data, origin = self.prepare_database(scale)
        record: dict = {
            "scale": scale,
            "database": name,
            "data_origin": origin,
            "data": {
                k: data.get(k)
                for k in (
                    "counts",
                    "member_waiting_seats",
                    "partner_visible_strategies",
                    "officer_led_strategies",
                    "seed",
                    "generated_at",
                )
            },
            "scenarios": {},
        }
        self.flush_redis()
        port = stack.free_port()
        env = self.env(name, port)
        log_dir = self.logs / label
        shutil.rmtree(log_dir, ignore_errors=True)
        log_dir.mkdir(parents=True)
        web = stack.web(env, log_dir, workers=self.options.workers)
        try:
            self.write(
                f"  gunicorn on 127.0.0.1:{port} with {self.options.workers} workers (log {log_dir / 'web.log'})"
            )
            member = stack.HttpsClient(port)
            member.sign_in(data["member_username"], data["password"])
            cookie = "; ".join(f"{k}={v}" for k, v in member.cookies.items())
            found = self.run_probe(
                env, label, port=port, token=data["api_token"], cookie=cookie, account=data["partner_service_account"]
            )
            record["events"] = {"latest": found["latest_event"], "after_for_100_new": found["before_100"]}
            record["queries_sql"] = {n: c["sql"] for n, c in found["counted"].items()}
            # The baseline before the first scenario, between each two and after the last: each scenario is compared
            # with the mean of the two baseline runs either side of it, so that a machine that slows down or speeds
            # up during the run (other work on it) moves both sides of each ratio alike.
            chosen = [s for s in SCENARIOS if s in self.options.scenarios]
            order = [BASELINE]
            for scenario in chosen:
                order += [scenario, BASELINE]
            done: list[tuple[str, dict]] = []
            for scenario in order:
                result = self.run_scenario(scenario, port, found, web)
                done.append((scenario, result))
                self.write(f"  {scenario:<13} {self.summary(result)}")
            baselines = [r for n, r in done if n == BASELINE]
            record["scenarios"][BASELINE] = self.combine(BASELINE, baselines, found)
            for position, (scenario, result) in enumerate(done):
                if scenario == BASELINE:
                    continue
                entry = self.combine(scenario, [result], found)
                nearby = [done[position - 1][1], done[position + 1][1]]
                if all("wrk" in r and not r.get("error") for r in nearby):
                    entry["baseline_rps_nearby"] = statistics.fmean(r["wrk"]["requests_per_second"] for r in nearby)
                    entry["baseline_p50_ms_nearby"] = statistics.fmean(r["wrk"]["latency_ms"]["50"] for r in nearby)
                record["scenarios"][scenario] = entry
        finally:
            web.stop()
        add_ratios(record)
        return record

    def run_probe(self, env: dict, label: str, *, port: int, token: str, cookie: str, account: str) -> dict:
        spec_path = self.out / f"probe-{label}-in.json"
        result_path = self.out / f"probe-{label}.json"
        descriptor = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the token
        with os.fdopen(descriptor, "w") as file:
            json.dump(
                {
                    "port": port,
                    "token": token,
                    "cookie": cookie,
                    "service_account": account,
                    "profile_dir": str(self.logs / label) if self.options.profile else None,
                },
                file,
            )
        result_path.unlink(missing_ok=True)
        stack.benchmark(env, "bench", "--probe", str(spec_path), "--probe-output", str(result_path), timeout=300)
        spec_path.unlink()
        return json.loads(result_path.read_text())

    def run_scenario(self, scenario: str, port: int, found: dict, web: stack.Service) -> dict:
        request = found["requests"][scenario]
        headers = common_headers(port) | request["headers"]
        result: dict = {"path": request["path"]}
        status, body = self.fetch(port, request["path"], headers)
        result["status"] = status
        problem = check_answer(scenario, status, body, found)
        if problem is not None:
            result["error"] = f"wrong answer before loading: {problem}"
            return result
        url = f"http://127.0.0.1:{port}{request['path']}"
        for seconds, key in ((self.options.warmup, "warmup"), (self.options.seconds, "wrk")):
            if not seconds:
                continue
            command = wrk_command(url, headers, seconds=seconds, connections=self.options.connections)
            completed = subprocess.run(  # noqa: S603 - our own command line
                command, capture_output=True, text=True, timeout=seconds + 120, check=False
            )
            web.alive()
            if completed.returncode != 0:
                result["error"] = f"wrk exited {completed.returncode}: {completed.stderr[-500:]}"
                return result
            try:
                parsed = parse_wrk(completed.stdout)
            except ValueError as exc:
                result["error"] = str(exc)
                return result
            result[key] = asdict(parsed) | {"output": completed.stdout}
            if parsed.error_text():
                result["error"] = f"{'warm-up: ' if key == 'warmup' else ''}{parsed.error_text()}"
                return result
        return result

    def fetch(self, port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=stack.WAIT_SECONDS)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    @staticmethod
    def summary(result: dict) -> str:
        if result.get("error"):
            return f"FAILED: {result['error']}"
        wrk = result["wrk"]
        return (
            f"{result['status']}, {wrk['requests_per_second']:,.1f} requests/s, p50 {fmt_ms(wrk['latency_ms']['50'])} "
            f"ms, p99 {fmt_ms(wrk['latency_ms']['99'])} ms ({wrk['requests']:,} requests)"
        )

    @staticmethod
    def combine(scenario: str, results: list[dict], found: dict) -> dict:
        """One record per scenario; the baseline's two runs are averaged (a failed run fails it)."""
        counted = found["counted"].get(scenario, {})
        record: dict = {
            "path": results[0]["path"],
            "status": results[0].get("status"),
            "queries": counted.get("queries"),
            "queries_status": counted.get("status"),
            "alone_ms": counted.get("alone_ms"),
            "sql_ms": counted.get("sql_ms"),
            "profile": counted.get("profile"),
        }
        errors = [r["error"] for r in results if r.get("error")]
        if errors:
            record["error"] = "; ".join(errors)
            record["wrk_output"] = [r[k]["output"] for r in results for k in ("warmup", "wrk") if k in r]
            return record
        wrks = [r["wrk"] for r in results]
        record |= {
            "rps": statistics.fmean(w["requests_per_second"] for w in wrks),
            "p50_ms": statistics.fmean(w["latency_ms"]["50"] for w in wrks),
            "p99_ms": statistics.fmean(w["latency_ms"]["99"] for w in wrks),
            "requests": sum(w["requests"] for w in wrks),
            "latency_ms": wrks[0]["latency_ms"] if len(wrks) == 1 else None,
        }
        if len(wrks) > 1:
            record["runs"] = [w["requests_per_second"] for w in wrks]
            record["runs_p50_ms"] = [w["latency_ms"]["50"] for w in wrks]
        record["wrk_output"] = [w["output"] for w in wrks]
        return record

    # -- everything ----------------------------------------------------------------------------------------

    def run(self) -> dict:
        if shutil.which("wrk") is None:
            raise BenchError("needs wrk on PATH (apt-get install wrk; `make bench` installs it)")
        self.out.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        started = dt.datetime.now(dt.UTC)
        self.write(f"PostgreSQL: the server at {urlsplit(self.admin_url()).netloc.rsplit('@', 1)[-1]}")
        self.start_redis()
        try:
            stack.collect_static(self.env("unused", 8000))
            report: dict = {
                "started_at": started.isoformat(timespec="seconds"),
                "machine": machine_info(self.admin_url(), self.redis_url),
                "redis_source": self.redis_source,
                "settings": {
                    "connections": self.options.connections,
                    "wrk_threads": min(2, self.options.connections),
                    "seconds": self.options.seconds,
                    "warmup_seconds": self.options.warmup,
                    "workers": self.options.workers,
                    "throttle_rate": THROTTLE_RATE,
                    "worker_recycling": "as production (GUNICORN_MAX_REQUESTS)" if self.options.recycle else "off",
                    "log_level": "WARNING",
                    "settings_module": "config.settings.production",
                    "seed": self.options.seed,
                    "sizes": [size_label(s) for s in self.options.sizes],
                },
                "sizes": {},
            }
            for scale in self.options.sizes:
                report["sizes"][size_label(scale)] = self.run_size(scale)
        finally:
            if self.redis_server is not None:
                self.redis_server.stop()
        report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        report["growth"] = growth(report)
        report["targets"] = [asdict(t) for t in targets(report)]
        report["failed"] = [
            f"{label} {name}"
            for label, size in report["sizes"].items()
            for name, r in size["scenarios"].items()
            if r.get("error")
        ]
        return report

    def save(self, report: dict) -> Path:
        stamp = dt.datetime.fromisoformat(report["started_at"]).strftime("%Y%m%dT%H%M%SZ")
        path = self.out / f"bench-{stamp}.json"
        text = json.dumps(report, indent=2, default=str) + "\n"
        path.write_text(text)
        (self.out / "latest.json").write_text(text)
        return path
