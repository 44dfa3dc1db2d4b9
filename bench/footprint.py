"""What a running pilot costs: the monitor's memory and CPU, and what the database sees of it.

A real pilot (interval 5 s, one minute, a job inserting rows) runs against the 1M-row table
while this module reads /proc/<pid>/status and /proc/<pid>/stat of the monitor twice a
second. CPU is reported for the sampling phase only, from the first sample in the journal to
the start of the stop: the target is about a pilot that is sampling, and start-up (imports,
preflight, the initial count) is paid once per pilot, so it is reported apart.

The image also runs a HEALTHCHECK every 15 s, `python -m monitor.health`, a process of its
own: it is run here on the same schedule during the pilot and its CPU is reported apart, as
part of what the sidecar costs beyond the monitor process.

The database side comes from the server's own statement log (on for this phase only):
every statement of a session whose application_name is `pilot-monitor`, with its backend
PID, so connections are counted as distinct backends, including short-lived ones that a
poll of pg_stat_activity could miss (that poll is kept as a cross-check).
"""

import contextlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2.extensions

from bench.postgres import Cluster, database_name, statement_log
from bench.stack import journal_records, monitor_env
from monitor.core.records import Sample
from tests.integration.harness import App, follow, start_monitor

APPLICATION_NAME = "pilot-monitor"
POLL_S = 0.5
HEALTHCHECK_EVERY_S = 15.0  # the image's HEALTHCHECK --interval
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
LOG_LINE = re.compile(r"^(\d+\.\d+) \[(\d+)\] app=([^:]*): LOG:  statement: (.*)$")


@dataclass
class Usage:
    """One reading of the monitor process: resident memory now and at its peak, CPU used."""

    at: float
    rss_kb: int
    hwm_kb: int
    cpu_s: float


@dataclass
class Phase:
    """Readings taken when the first sample and the start of the stop were seen journaled,
    and the CPU seconds of each health check run meanwhile."""

    first_sample: Usage | None = None
    stopping: Usage | None = None
    health_cpu_s: list[float] = field(default_factory=list)


@dataclass
class Footprint:
    duration_s: float
    interval_s: float
    rss_mb: float
    peak_rss_mb: float
    cpu_percent: float
    cpu_window_s: float
    startup_cpu_s: float
    total_cpu_s: float
    samples: int  # samples after the first, matched with statements_sampling
    connections: int  # distinct backends that ran a statement for the monitor
    connections_sampling: int  # of those, the ones used between the first and last sample
    connections_seen_live: int  # distinct backends a poll of pg_stat_activity saw
    statements_total: int
    statements_sampling: int
    health_cpu_s: list[float] = field(default_factory=list)
    statement_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def health_percent(self) -> float:
        """The health check's CPU at one run per 15 s, as % of one core."""
        return 100 * statistics.median(self.health_cpu_s) / HEALTHCHECK_EVERY_S

    @property
    def statements_per_sample(self) -> float:
        return self.statements_sampling / self.samples if self.samples else float("nan")


def _usage(pid: int) -> Usage | None:
    """VmRSS, VmHWM and utime+stime of every thread; None once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmRSS" not in fields:  # a zombie has no memory left to report
        return None
    after_name = stat[stat.rindex(")") + 2 :].split()
    ticks = int(after_name[11]) + int(after_name[12])  # utime, stime
    return Usage(
        at=time.time(),
        rss_kb=int(fields["VmRSS"].split()[0]),
        hwm_kb=int(fields["VmHWM"].split()[0]),
        cpu_s=ticks / TICKS_PER_S,
    )


def _journal_so_far(logs: Path) -> list[dict[str, object]]:
    """The records journaled so far (a line being written is skipped until it is whole)."""
    records = []
    for path in logs.glob("pilot_journal_*.jsonl"):
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
    return records


def _update_phase(phase: Phase, logs: Path, usage: Usage) -> None:
    if phase.stopping is not None:
        return
    records = _journal_so_far(logs)
    if phase.first_sample is None and any(r.get("kind") == "sample" for r in records):
        phase.first_sample = usage
    elif any(r.get("kind") == "end" or r.get("name") == "stopping" for r in records):
        phase.stopping = usage


def _live_backends(cursor: psycopg2.extensions.cursor, seen: set[tuple[int, str]]) -> None:
    cursor.execute(
        "SELECT pid, backend_start::text FROM pg_stat_activity WHERE application_name = %s",
        (APPLICATION_NAME,),
    )
    seen.update((int(pid), str(start)) for pid, start in cursor.fetchall())


def _statements(log: Path, offset: int) -> list[tuple[float, int, str]]:
    """(time, backend pid, text) of every statement the monitor's sessions ran."""
    with log.open(encoding="utf-8", errors="replace") as file:
        file.seek(offset)
        lines = file.read().splitlines()
    found: list[tuple[float, int, str]] = []
    ours = False  # whether the line before was (part of) one of the monitor's statements
    for line in lines:
        match = LOG_LINE.match(line)
        if match:
            ours = match.group(3) == APPLICATION_NAME
            if ours:
                found.append((float(match.group(1)), int(match.group(2)), match.group(4)))
        elif ours and line.startswith("\t"):  # a multi-line statement goes on
            at, pid, text = found[-1]
            found[-1] = (at, pid, f"{text} {line.strip()}")
        else:
            ours = False
    return found


def _kind(statement: str) -> str:
    """A statement's shape, numbers and literals masked: what kinds the database saw."""
    masked = re.sub(r"'[^']*'|\b\d+\b", "?", statement)
    return re.sub(r"\s+", " ", masked).strip()[:90]


def _health_check(env: dict[str, str]) -> float:
    """CPU seconds of one `python -m monitor.health`, as the image's HEALTHCHECK runs it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "monitor.health"],
        env=env,
        check=False,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _watch(
    monitor: "subprocess.Popen[str]", env: dict[str, str], cluster: Cluster, dbname: str
) -> tuple[list[Usage], Phase, set[tuple[int, str]]]:
    """Reads the monitor twice a second until it exits; runs the health check meanwhile.

    The monitor is reaped (poll) only when it has exited, so RUSAGE_CHILDREN deltas around
    a health check count that check alone.
    """
    logs = Path(env["PILOT_LOGS_DIR"])
    readings: list[Usage] = []
    phase = Phase()
    live: set[tuple[int, str]] = set()
    next_check = time.monotonic() + HEALTHCHECK_EVERY_S
    with contextlib.closing(cluster.connect(dbname)) as poller, poller.cursor() as cursor:
        while monitor.poll() is None:
            usage = _usage(monitor.pid)
            if usage is not None:
                readings.append(usage)
                _update_phase(phase, logs, usage)
            _live_backends(cursor, live)
            if time.monotonic() >= next_check and phase.stopping is None:
                phase.health_cpu_s.append(_health_check(env))
                next_check += HEALTHCHECK_EVERY_S
            time.sleep(POLL_S)
    return readings, phase, live


def measure_footprint(
    app: App, cluster: Cluster, shared: Path, duration_s: float, interval_s: float
) -> Footprint:
    """One pilot of ``duration_s`` sampling every ``interval_s`` against the 1M-row table."""
    dbname = database_name("1M")
    logs = Path(tempfile.mkdtemp(prefix="footprint-", dir=shared))
    env = monitor_env(
        cluster.url(dbname),
        app,
        logs,
        duration=f"{duration_s:g}s",
        interval=f"{interval_s:g}s",
        command="python /job/insert_rows.py",
        job_env=f"JOB_DSN={cluster.url(dbname)} JOB_RATE=5",
    )
    with statement_log(cluster) as offset:
        monitor = start_monitor(env, logs, "run")
        _lines, reader = follow(monitor)
        readings, phase, live = _watch(monitor, env, cluster, dbname)
        reader.join(timeout=10)
        if monitor.returncode != 0:
            raise RuntimeError(f"the footprint pilot ended with {monitor.returncode}")
        time.sleep(0.5)  # the server's last log lines
        statements = _statements(cluster.log, offset)
    samples = [r for r in journal_records(logs) if isinstance(r, Sample) and not r.final]
    return _summarise(
        readings=readings,
        phase=phase,
        live=live,
        statements=statements,
        samples=samples,
        duration_s=duration_s,
        interval_s=interval_s,
    )


def _summarise(
    *,
    readings: list[Usage],
    phase: Phase,
    live: set[tuple[int, str]],
    statements: list[tuple[float, int, str]],
    samples: list[Sample],
    duration_s: float,
    interval_s: float,
) -> Footprint:
    """Figures of one run; statements per sample are counted between the first and the last
    sample's records, so each of the samples after the first is matched with its query."""
    first, stop = phase.first_sample, phase.stopping
    if first is None or stop is None or not readings or len(samples) < 2:
        raise RuntimeError("the footprint pilot's sampling phase was not seen")
    window = stop.at - first.at
    during = [s for s in statements if samples[0].at < s[0] <= samples[-1].at]
    kinds: dict[str, int] = {}
    for _at, _pid, text in statements:
        kinds[_kind(text)] = kinds.get(_kind(text), 0) + 1
    return Footprint(
        duration_s=duration_s,
        interval_s=interval_s,
        rss_mb=stop.rss_kb / 1024,
        peak_rss_mb=readings[-1].hwm_kb / 1024,
        cpu_percent=100 * (stop.cpu_s - first.cpu_s) / window,
        cpu_window_s=window,
        startup_cpu_s=first.cpu_s,
        total_cpu_s=readings[-1].cpu_s,
        samples=len(samples) - 1,
        connections=len({pid for _at, pid, _text in statements}),
        connections_sampling=len({pid for _at, pid, _text in during}),
        connections_seen_live=len(live),
        statements_total=len(statements),
        statements_sampling=len(during),
        health_cpu_s=phase.health_cpu_s,
        statement_kinds=kinds,
    )
