"""wrk (https://github.com/wg/wrk), the HTTP load generator: run it, read its report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .report import Load

# wrk prints its latency distribution, errors and throughput in lines like these.
PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
ANSWERED = re.compile(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m|h),", re.MULTILINE)
SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
FAILED_ANSWERS = re.compile(r"Non-2xx or 3xx responses: (\d+)")
MILLISECONDS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# A slow answer is measured, not counted as an error (wrk's default gives up
# after 2 seconds); only one slower than this is an error.
TIMEOUT_SECONDS = 10


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True)
class Request:
    """What every request of a run sends."""

    method: str
    url: str
    headers: tuple[str, ...] = ()
    body: str | None = None

    def lua(self) -> str | None:
        """The wrk script that sends anything besides a GET with headers."""
        if self.method == "GET" and self.body is None:
            return None
        lines = [f"wrk.method = {json.dumps(self.method)}"]
        if self.body is not None:
            lines.append(f"wrk.body = {json.dumps(self.body)}")
            lines.append('wrk.headers["Content-Type"] = "application/json"')
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Options:
    threads: int
    connections: int


def parse_report(output: str) -> Load:
    """The throughput, p50, p99 and errors of a `wrk --latency` report. Throughput
    counts the answers in 2xx or 3xx only: a service that sheds load answers
    503 quickly, and that is not work done."""
    percentiles = {
        share: float(value) * MILLISECONDS[unit]
        for share, value, unit in PERCENTILE.findall(output)
    }
    answered = ANSWERED.search(output)
    if answered is None or set(percentiles) != {"50", "99"}:
        raise WrkError(f"could not read wrk's report:\n{output}")
    socket_errors = SOCKET_ERRORS.search(output)
    failed_answers = FAILED_ANSWERS.search(output)
    failed = int(failed_answers.group(1)) if failed_answers else 0
    errors = failed + (sum(int(count) for count in socket_errors.groups()) if socket_errors else 0)
    count, duration, unit = answered.groups()
    seconds = float(duration) * MILLISECONDS[unit] / 1000
    return Load(
        requests_per_second=(int(count) - failed) / seconds,
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        errors=errors,
    )


def executable() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkError("wrk is not installed: apt-get install wrk (nox -s bench_service does)")
    return wrk


def run(request: Request, options: Options, seconds: int, scratch: Path) -> Load:
    """Load `request` for `seconds` with wrk, and read what it measured."""
    command = [
        executable(),
        "--latency",
        f"--threads={options.threads}",
        f"--connections={options.connections}",
        f"--duration={seconds}s",
        f"--timeout={TIMEOUT_SECONDS}s",
    ]
    for header in request.headers:
        command += ["--header", header]
    if (script := request.lua()) is not None:
        path = scratch / f"wrk-{request.method.lower()}.lua"
        path.write_text(script)
        command.append(f"--script={path}")
    completed = subprocess.run(
        [*command, request.url], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if completed.returncode != 0:
        output = completed.stdout + completed.stderr
        raise WrkError(f"wrk failed ({completed.returncode}): {output}")
    return parse_report(completed.stdout)
