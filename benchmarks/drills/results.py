"""A drill's result, the summary table and the JSON report (no Django needed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import stack

REPORT_DIR = stack.BASE_DIR / "var" / "drills"


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
