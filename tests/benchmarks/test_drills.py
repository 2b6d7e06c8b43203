"""The drills' own bookkeeping (`python -m benchmarks drills`): choosing drills, the table, the JSON report, reading
schemathesis's report. The drills themselves start servers and take minutes; `make drills` runs them."""

import datetime as dt
import json
from dataclasses import asdict

import pytest

from benchmarks.drills import catalogue, mail, redis_outage, schemathesis
from benchmarks.drills.results import DrillResult, format_table, report_data, write_report


def test_every_drill_is_run_in_a_fixed_order_unless_some_are_chosen():
    assert catalogue.select(None) == list(catalogue.DRILLS)
    assert catalogue.select("schemathesis, races") == ["races", "schemathesis"]
    assert set(catalogue.DRILLS) == set(catalogue.DRILL_FUNCTIONS)
    with pytest.raises(ValueError, match="Unknown drill bogus"):
        catalogue.select("races,bogus")


def test_a_drill_fails_when_any_check_fails_and_keeps_every_reason():
    result = DrillResult(name="races")
    assert result.check(True, "fine")
    assert not result.check(False, "two decisions recorded")
    assert not result.check(False, "a 500")
    assert result.finish().passed is False
    assert result.failures == ["two decisions recorded", "a 500"]
    assert DrillResult(name="races").finish().passed is True


def test_a_result_survives_the_trip_through_json_between_the_drill_and_the_conductor():
    result = DrillResult(name="worker-kill", done="killed", headline="0 lost", figures={"sent": 3}).finish()
    data = json.loads(json.dumps(asdict(result)))
    assert DrillResult.from_dict({**data, "added_later": 1}) == result


def test_the_table_says_pass_or_fail_and_wraps_long_cells_within_the_width():
    results = [
        DrillResult(name="races", done="fifty decisions at once " * 4, headline="1×201, 49×412 " * 6).finish(),
        DrillResult(name="redis-outage", done="Redis stopped", headline="3 lost", failures=["3 lost"]).finish(),
    ]
    table = format_table(results, width=100)
    lines = table.splitlines()
    assert lines[0].split() == ["drill", "what", "was", "done", "result", "figures"]
    assert set(lines[1]) <= {"-", " "}
    assert all(len(line) <= 100 for line in lines)
    assert lines[2].startswith("races") and " PASS " in lines[2]
    assert len([line for line in lines if line.startswith(" ")]) >= 2  # the long cells went on to more lines
    assert any(line.startswith("redis-outage") and " FAIL " in line for line in lines)


def test_the_report_is_written_with_the_time_in_its_name_and_as_latest(tmp_path):
    results = [DrillResult(name="races").finish(), DrillResult(name="schemathesis", failures=["ST103"]).finish()]
    started = dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)
    data = report_data(results, started=started, finished=started + dt.timedelta(seconds=90), options={})
    path = write_report(data, tmp_path, now=started)
    assert path == tmp_path / "drills-20261202T160000Z.json"
    assert (tmp_path / "latest.json").read_text() == path.read_text()
    written = json.loads(path.read_text())
    assert written["passed"] is False
    assert written["seconds"] == 90
    assert [d["name"] for d in written["drills"]] == ["races", "schemathesis"]
    assert written["drills"][1]["failures"] == ["ST103"]


def test_the_outage_is_timed_so_that_the_beats_minute_falls_in_its_middle():
    now = 1_000_000_000.0  # hh:46:40
    wait = redis_outage.seconds_until_outage_covers_a_beat_tick(30, 8, now=now)
    outage_starts = now + wait + 8
    assert 0 <= wait < 60
    assert (outage_starts + 15) % 60 == pytest.approx(0)
    assert redis_outage.seconds_until_outage_covers_a_beat_tick(90, 8, now=now) == 0


def test_nothing_lost_is_said_plainly_and_losses_are_counted():
    clean = dict.fromkeys(("e-mails lost", "in-app lost", "pending", "failed", "e-mails duplicated"), 0)
    assert mail.lost_line(clean | {"in-app duplicated": 0}).startswith("nothing")
    lost = mail.lost_line(clean | {"e-mails lost": 2, "pending": 2, "in-app duplicated": 1})
    assert "2 e-mails" in lost and "1 duplicated" in lost


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites errors="0" failures="1" tests="2">
  <testsuite name="schemathesis" failures="1" tests="2">
    <testcase name="POST /api/v1/webhooks/" time="1.0" />
    <testcase name="GET /api/v1/events/" time="1.1">
      <failure type="failure" message="ST103">1. Test Case ID: CnUmjL

- ST103 Undocumented status code

    Received: 400
    Documented: 200, 401, 429

[400] Bad Request:

    `{"status":400}`

Reproduce with:

    curl -X GET 'http://127.0.0.1:8000/api/v1/events/?limit=0'</failure>
    </testcase>
  </testsuite>
</testsuites>
"""

OUTPUT = """API Operations:
  Selected: 15/15
  Tested: 15

Test cases:
  1031 generated, 1 found 1 unique failures, 24 skipped
"""


def test_schemathesis_failures_are_read_from_its_junit_report_one_line_each(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    summary = schemathesis.parse_schemathesis(OUTPUT, junit)
    assert summary["operations"] == 15
    assert summary["test cases"] == 1031
    assert summary["failures"] == [
        "GET /api/v1/events/: ST103 Undocumented status code (Received: 400; Documented: 200, 401, 429); "
        "answered [400] Bad Request; reproduce: curl -X GET 'http://127.0.0.1:8000/api/v1/events/?limit=0'"
    ]
    assert schemathesis.parse_schemathesis(OUTPUT, tmp_path / "missing.xml")["failures"] == []
    assert summary["warnings"] == []
