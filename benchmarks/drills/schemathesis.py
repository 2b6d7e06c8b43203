"""5. schemathesis: every API operation with a partner's token; no server error, no schema violation."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import stack
from benchmarks.world import complete_evidence, make_strategy, pass_gate

from .clients import Browser, api_headers
from .context import Context, DrillError, error_lines, partner_token, seed_world
from .results import DrillResult

SCHEMATHESIS_TIMEOUT = 600
# Valid data may still be refused by a business rule (not your seat, already decided, not in Do), so "valid data
# must be accepted" is not a defect here, as in tests/commissioning/test_api_schema.py.
SCHEMATHESIS_EXCLUDED = ("positive_data_acceptance",)
# A write without its If-Match is answered 428 Precondition Required (RFC 6585), the status for exactly that, which
# schemathesis' missing-header check does not list among those it expects.
SCHEMATHESIS_CONFIG = """\
[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]
"""


def drill_schemathesis(context: Context, result: DrillResult) -> None:
    from commissioning import services

    examples = int(context.options["schemathesis_examples"])
    result.done = (
        f"schemathesis {_schemathesis_version()} over every operation of /api/v1/schema/ with a partner's token, "
        f"{examples} cases an operation, every check but {', '.join(SCHEMATHESIS_EXCLUDED)}"
    )
    context.redis()
    w = seed_world()
    make_strategy(w, reference="DRILL-OPEN", title="Open strategy")
    submitted = make_strategy(w, reference="DRILL-SUBMITTED", title="Submitted strategy", pooled=True)
    complete_evidence(submitted, w.officer)
    services.gate_submit(actor=w.officer, strategy_id=submitted.pk)
    moved = make_strategy(w, reference="DRILL-PLAN", title="Strategy in Plan")
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
    config_file = context.folder / "schemathesis.toml"
    config_file.write_text(SCHEMATHESIS_CONFIG)
    command = [
        str(Path(stack.PYTHON).parent / "schemathesis"),
        "--config-file",
        str(config_file),
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
        # One worker: with two threads, Python 3.11's ast (hypothesis reads its lambdas' source) now and then fails
        # with "AST constructor recursion depth mismatch" (CPython gh-106905, fixed in 3.12), a tool error, not ours.
        "--workers",
        "1",
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
