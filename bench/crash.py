"""How long the monitor takes to notice that the job crashed.

The job records time.time() just before it exits with code 1, at a random moment of its
run, and the monitor journals a `job_exited` event when it notices; the latency is the gap
between the two. The interval is 60 s and every crash happens well before the first
interval ends, so a detection that merely waited for the next sample would show up as tens
of seconds, not as a fraction of one.
"""

import random
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.stack import journal_records, monitor_env
from monitor.core.records import Event
from tests.integration.harness import App, run_monitor

EXIT_JOB_FAILED = 1
CRASH_WINDOW_S = (1.0, 12.0)  # also past the monitor's first seconds of faster polling


@dataclass(frozen=True)
class CrashDetection:
    latencies_s: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_s)

    @property
    def worst(self) -> float:
        return max(self.latencies_s)


def _detected_at(logs: Path) -> float:
    events = [r for r in journal_records(logs) if isinstance(r, Event) and r.name == "job_exited"]
    if len(events) != 1:
        raise RuntimeError(f"expected one job_exited event in {logs}, found {len(events)}")
    return events[0].at


def _one_crash(app: App, database_url: str, shared: Path, run: int, delay_s: float) -> float:
    """One pilot whose job crashes after ``delay_s``; the seconds until the event record."""
    stamp = shared / f"crash-{run}.stamp"
    logs = Path(tempfile.mkdtemp(prefix=f"crash-{run}-", dir=shared))
    env = monitor_env(
        database_url,
        app,
        logs,
        duration="5m",
        interval="60s",
        command="python /bench-job/crash_job.py",
        job_env=f"CRASH_AFTER={delay_s:.3f} CRASH_STAMP=/out/{stamp.name}",
    )
    result = run_monitor(env, logs, "run", timeout=120)
    if result.returncode != EXIT_JOB_FAILED:
        raise RuntimeError(
            f"the crash pilot ended with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return _detected_at(logs) - float(stamp.read_text())


def measure_crash_detection(
    app: App, database_url: str, shared: Path, runs: int, log: Callable[[str], None]
) -> CrashDetection:
    moments = random.Random()
    latencies = []
    for run in range(1, runs + 1):
        delay = moments.uniform(*CRASH_WINDOW_S)
        latency = _one_crash(app, database_url, shared, run, delay)
        log(f"crash {run}/{runs}: the job exited {delay:.1f} s in, noticed {latency:.3f} s later")
        latencies.append(latency)
    return CrashDetection(latencies)
