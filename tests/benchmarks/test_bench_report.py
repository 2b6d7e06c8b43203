"""`python -m benchmarks bench`'s arithmetic and layout: reading wrk's report, the ratios, the targets, the checks of
each scenario's answer. No server, database or wrk needed."""

from __future__ import annotations

import json

import pytest

from benchmarks.bench import machine, scenarios, wrk
from benchmarks.bench import report as layout

WRK_OK = """Running 10s test @ http://127.0.0.1:41234/api/v1/strategies/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.50ms    3.10ms  80.21ms   90.00%
    Req/Sec   320.12     40.00   400.00     70.00%
  Latency Distribution
     50%   11.90ms
     75%   13.20ms
     90%   15.00ms
     99%    1.02s
  6400 requests in 10.01s, 1.20MB read
Requests/sec:    639.36
Transfer/sec:    122.80KB
"""

WRK_ERRORS = """Running 2s test @ http://127.0.0.1:41234/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us  100.00us   2.00ms   80.00%
    Req/Sec     4.00k   200.00     4.50k    70.00%
  Latency Distribution
     50%  790.00us
     75%  850.00us
     90%    0.90ms
     99%    1.50ms
  16000 requests in 2.00s, 2.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 120
Requests/sec:   8000.00
Transfer/sec:      1.00MB
"""


@pytest.mark.parametrize(
    ("text", "ms"),
    [("812.00us", 0.812), ("1.25ms", 1.25), ("2.01s", 2010.0), ("1.00m", 60_000.0), ("10.5ms", 10.5)],
)
def test_wrk_durations_are_read_in_milliseconds(text, ms):
    assert wrk.parse_duration_ms(text) == pytest.approx(ms)


def test_a_wrk_duration_without_a_unit_is_refused():
    with pytest.raises(ValueError):
        wrk.parse_duration_ms("12.5")


def test_wrk_report_throughput_percentiles_and_no_errors():
    result = wrk.parse_wrk(WRK_OK)
    assert result.requests == 6400
    assert result.seconds == pytest.approx(10.01)
    assert result.requests_per_second == pytest.approx(639.36)
    assert result.latency_ms == pytest.approx({"50": 11.9, "75": 13.2, "90": 15.0, "99": 1020.0})
    assert (result.p50_ms, result.p99_ms) == (pytest.approx(11.9), pytest.approx(1020.0))
    assert result.errors == 0
    assert result.error_text() is None


def test_wrk_report_errors_make_a_failure():
    result = wrk.parse_wrk(WRK_ERRORS)
    assert result.p50_ms == pytest.approx(0.79)
    assert result.non_2xx_3xx == 120
    assert result.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 2}
    assert result.errors == 125
    assert result.error_text() == "120 non-2xx/3xx responses; socket errors: read 3, timeout 2"


def test_wrk_output_without_the_latency_distribution_is_refused():
    without = "\n".join(line for line in WRK_OK.splitlines() if "%" not in line or "Stdev" in line)
    with pytest.raises(ValueError, match="--latency"):
        wrk.parse_wrk(without)
    with pytest.raises(ValueError):
        wrk.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_wrk_command_sends_every_header_and_asks_for_the_distribution():
    command = wrk.wrk_command(
        "http://127.0.0.1:5000/", {"Host": "127.0.0.1:5000", "X-Forwarded-Proto": "https"}, seconds=10, connections=8
    )
    assert command[:7] == ["wrk", "-t", "2", "-c", "8", "-d", "10s"]
    assert "--latency" in command
    assert command[-5:] == ["-H", "Host: 127.0.0.1:5000", "-H", "X-Forwarded-Proto: https", "http://127.0.0.1:5000/"]
    assert wrk.wrk_command("http://x/", {}, seconds=2.5, connections=1)[:7] == [
        "wrk", "-t", "1", "-c", "1", "-d", "2.5s",
    ]  # fmt: skip


def test_sizes_labels_and_database_names():
    assert layout.parse_sizes("1, 0.1x") == [0.1, 1.0]
    assert [layout.size_label(s) for s in (0.1, 1.0, 2.5)] == ["0.1x", "1x", "2.5x"]
    assert layout.database_name(0.1) == "commissioning_bench_0_1x"
    assert layout.database_name(1.0) == "commissioning_bench_1x"
    for bad in ("0", "-1", "0.1,0.1", "many"):
        with pytest.raises(ValueError):
            layout.parse_sizes(bad)


def test_database_and_redis_urls_keep_the_server_and_change_the_name():
    assert machine.with_path("postgres://postgres:pw@127.0.0.1:5432/", "/commissioning_bench_1x") == (
        "postgres://postgres:pw@127.0.0.1:5432/commissioning_bench_1x"
    )
    assert machine.with_path("redis://127.0.0.1:6379/0", "/14") == "redis://127.0.0.1:6379/14"


def scenario(rps, p50, queries, **extra):
    figures = {"rps": rps, "p50_ms": p50, "p99_ms": p50 * 3, "alone_ms": p50 / 4, "queries": queries}
    return figures | {"status": 200} | extra


def size(rps_poll, rps_list, p50_list, p50_queue, queries_queue=9, **nearby):
    record = {
        "database": "db",
        "data_origin": "reused",
        "scenarios": {
            "baseline": scenario(1000.0, 5.0, 0, runs=[900.0, 1100.0]),
            "poll-304": scenario(rps_poll, 10.0, 2, status=304, **nearby),
            "list-100": scenario(rps_list, p50_list, 5),
            "events-none": scenario(400.0, 15.0, 2),
            "events-100": scenario(200.0, 30.0, 3),
            "member-queue": scenario(100.0, p50_queue, queries_queue),
        },
    }
    layout.add_ratios(record)
    return record


def test_ratios_to_the_baseline_prefer_the_runs_either_side():
    record = size(600.0, 150.0, 40.0, 60.0, baseline_rps_nearby=800.0, baseline_p50_ms_nearby=4.0)
    poll = record["scenarios"]["poll-304"]
    assert poll["rps_vs_baseline"] == pytest.approx(0.75)  # 600 / 800 (nearby), not 600 / 1000 (the mean)
    assert poll["p50_vs_baseline"] == pytest.approx(2.5)
    assert record["scenarios"]["list-100"]["rps_vs_baseline"] == pytest.approx(0.15)
    assert record["scenarios"]["baseline"]["rps_vs_baseline"] == pytest.approx(1.0)
    assert layout.ratio(1.0, 0) is None
    assert layout.ratio(None, 2.0) is None


def test_growth_and_targets_met_and_missed():
    report = {
        "sizes": {
            "0.1x": size(600.0, 250.0, 40.0, 50.0),
            "1x": size(400.0, 150.0, 50.0, 100.0, queries_queue=10),
        }
    }
    report["growth"] = layout.growth(report)
    assert report["growth"]["list-100"]["p50_1x_over_0_1x"] == pytest.approx(1.25)
    assert report["growth"]["member-queue"]["p50_1x_over_0_1x"] == pytest.approx(2.0)
    assert report["growth"]["member-queue"]["adjusted_1x_over_0_1x"] == pytest.approx(2.0)  # same baselines
    found = {t.name: t for t in layout.targets(report)}

    poll_small = found["poll-304 throughput at 0.1x >= 50% of the baseline"]
    assert poll_small.met is True
    assert "60.0% of the baseline" in poll_small.detail and "10.0 points to spare" in poll_small.detail
    poll_large = found["poll-304 throughput at 1x >= 50% of the baseline"]
    assert poll_large.met is False
    assert "short by 10.0 points (1.25x faster needed)" in poll_large.detail
    assert found["list-100 throughput at 0.1x >= 20% of the baseline"].met is True
    assert found["list-100 throughput at 1x >= 20% of the baseline"].met is False

    assert found["list-100 p50 at 1x / p50 at 0.1x <= 1.5 (each against its own baseline)"].met is True
    queue = found["member-queue p50 at 1x / p50 at 0.1x <= 1.5 (each against its own baseline)"]
    assert queue.met is False
    assert queue.detail == (
        "2.00x (limit 1.5x): 1.33 times the limit; raw p50 ratio 2.00x; one request alone, no load: 2.00x"
    )

    assert found["poll-304 queries per request the same at 0.1x and 1x"].met is True
    different = found["member-queue queries per request the same at 0.1x and 1x"]
    assert different.met is False
    assert different.detail == "9 and 10 (+1 at 1x)"
    assert different.line().startswith("NOT MET")


def test_growth_is_read_against_each_sizes_own_baseline():
    small = size(600.0, 250.0, 40.0, 50.0)
    large = size(600.0, 250.0, 40.0, 100.0)
    large["scenarios"]["member-queue"]["baseline_p50_ms_nearby"] = 10.0  # the machine was busier for 1x
    layout.add_ratios(large)
    report = {"sizes": {"0.1x": small, "1x": large}}
    report["growth"] = layout.growth(report)
    assert report["growth"]["member-queue"]["p50_1x_over_0_1x"] == pytest.approx(2.0)
    assert report["growth"]["member-queue"]["adjusted_1x_over_0_1x"] == pytest.approx(1.0)
    found = {t.name: t for t in layout.targets(report)}
    assert found["member-queue p50 at 1x / p50 at 0.1x <= 1.5 (each against its own baseline)"].met is True


def test_a_failed_scenario_is_not_measured_rather_than_met():
    report = {"sizes": {"0.1x": size(600.0, 250.0, 40.0, 50.0), "1x": size(600.0, 250.0, 40.0, 50.0)}}
    del report["sizes"]["1x"]["scenarios"]["list-100"]["rps"]
    report["sizes"]["1x"]["scenarios"]["list-100"]["error"] = "12 non-2xx/3xx responses"
    layout.add_ratios(report["sizes"]["1x"])
    found = {t.name: t for t in layout.targets(report)}
    assert found["list-100 throughput at 1x >= 20% of the baseline"].met is None
    assert found["list-100 throughput at 1x >= 20% of the baseline"].line().startswith("NOT MEASURED")


def test_targets_of_scenarios_not_run_are_left_out():
    report = {"sizes": {"0.1x": size(600.0, 250.0, 40.0, 50.0)}}
    del report["sizes"]["0.1x"]["scenarios"]["list-100"]
    names = [t.name for t in layout.targets(report)]
    assert names == [
        "poll-304 throughput at 0.1x >= 50% of the baseline",
        "events-none throughput at 0.1x >= 40% of the baseline",
        "events-100 throughput at 0.1x >= 15% of the baseline",
        "member-queue throughput at 0.1x >= 10% of the baseline",
    ]  # none for list-100, which did not run


def test_the_report_renders_every_table():
    report = {
        "machine": {"cpu_model": "AMD EPYC", "cores": 2, "memory_gib": 23.5, "postgresql": "15.2", "redis": "7.0"},
        "redis_source": "the machine's Redis",
        "settings": {"connections": 8, "seconds": 10, "warmup_seconds": 2, "workers": 5, "throttle_rate": "1/second"},
        "sizes": {"0.1x": size(600.0, 250.0, 40.0, 50.0), "1x": size(400.0, 150.0, 50.0, 100.0)},
    }
    report["sizes"]["1x"]["scenarios"]["events-100"] = {"status": 200, "queries": 3, "error": "socket errors: read 1"}
    report["growth"] = layout.growth(report)
    report["targets"] = [t.__dict__ for t in layout.targets(report)]
    for label in ("0.1x", "1x"):
        report["sizes"][label]["scenarios"]["peer-list-100"] = scenario(30.0, 200.0, 4)
    text = layout.render(report)
    assert "Size 0.1x" in text and "Size 1x" in text
    assert "Against the peer" in text
    assert "list-100 at 1x" in text
    assert "How cost grows with data" in text
    assert "NOT MET      member-queue p50 at 1x / p50 at 0.1x <= 1.5 (each against" in text
    assert "FAILED scenarios\n1x events-100: socket errors: read 1" in text
    header = next(line for line in text.splitlines() if line.startswith("scenario  "))
    assert "requests/s" in header and "p99 ms" in header and "rps/baseline" in header


def test_table_aligns_names_left_and_figures_right():
    text = layout.table(["name", "n"], [["a", "1"], ["longer", "100"]])
    assert text.splitlines() == ["name      n", "------  ---", "a         1", "longer  100"]


def page(n):
    return json.dumps({"results": [{"id": i} for i in range(1, n + 1)]})


@pytest.mark.parametrize(
    ("name", "status", "body", "problem"),
    [
        ("poll-304", 304, "", None),
        ("poll-304", 200, "{}", "answered 200, not 304"),
        ("list-100", 200, page(100), None),
        ("list-100", 200, page(40), "40 strategies on the page, not 100"),
        ("events-none", 200, page(0), None),
        ("events-none", 200, page(1), "1 events after the latest, not none"),
        ("events-100", 200, page(100), None),
        ("events-100", 200, page(99), "99 new events, not 100"),
        ("baseline", 200, '{"status": "ok"}', None),
        ("baseline", 503, "down", "answered 503, not 200"),
        ("member-queue", 200, '<strong id="queue-waiting">25</strong><table id="queue">', None),
        ("member-queue", 200, '<strong id="queue-waiting">0</strong>', "lists no seats waiting"),
        ("member-queue", 302, "", "answered 302, not 200"),
    ],
)
def test_each_scenarios_answer_is_checked_before_it_is_loaded(name, status, body, problem):
    found = scenarios.check_answer(name, status, body, {"latest_event": 100})
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_the_feed_must_end_at_the_latest_event():
    assert "not the latest (500)" in scenarios.check_answer("events-100", 200, page(100), {"latest_event": 500})
