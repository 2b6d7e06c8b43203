"""wrk (Debian's package), the load generator: its command line, and the figures of its report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WRK_TIMEOUT = "30s"  # gunicorn's worker timeout: slower than this is a failure, not a latency

TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(text: str) -> float:
    """wrk's times ("812.00us", "1.25ms", "2.01s", "1.00m") in milliseconds."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(us|ms|s|m|h)\s*", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * TIME_UNITS_MS[match.group(2)]


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    latency_ms: dict[str, float]  # percentile ("50", "75", "90", "99") -> milliseconds
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, timeout

    @property
    def p50_ms(self) -> float:
        return self.latency_ms["50"]

    @property
    def p99_ms(self) -> float:
        return self.latency_ms["99"]

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())

    def error_text(self) -> str | None:
        """What went wrong, in words, or None."""
        parts = []
        if self.non_2xx_3xx:
            parts.append(f"{self.non_2xx_3xx:,} non-2xx/3xx responses")
        bad = {k: v for k, v in self.socket_errors.items() if v}
        if bad:
            parts.append("socket errors: " + ", ".join(f"{k} {v:,}" for k, v in bad.items()))
        if self.requests == 0:
            parts.append("no request completed")
        return "; ".join(parts) or None


def parse_wrk(output: str) -> WrkResult:
    """The figures of `wrk --latency`'s report: requests/s, the latency distribution, errors."""
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+)", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.MULTILINE)
    if total is None or rate is None:
        raise ValueError(f"not wrk's report:\n{output[-2000:]}")
    latency = {
        m.group(1).rstrip("0").rstrip(".") if "." in m.group(1) else m.group(1): parse_duration_ms(m.group(2))
        for m in re.finditer(r"^\s+([\d.]+)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE)
    }
    if "50" not in latency or "99" not in latency:
        raise ValueError(f"wrk's report has no latency distribution (run it with --latency):\n{output[-2000:]}")
    non_2xx = re.search(r"^\s*Non-2xx or 3xx responses:\s*(\d+)", output, re.MULTILINE)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output, re.MULTILINE)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True)) if sockets else {}
    )
    return WrkResult(
        requests=int(total.group(1)),
        seconds=parse_duration_ms(total.group(2)) / 1000,
        requests_per_second=float(rate.group(1)),
        latency_ms=latency,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
    )


def wrk_command(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> list[str]:
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds:g}s"]
    command += ["--timeout", WRK_TIMEOUT, "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]
