"""How long the report of a 24-hour pilot sampled every second takes, and in how much memory.

A journal of 86,400 samples is written with the monitor's own Journal and records (on
/dev/shm: Journal fsyncs every record, which on a disk would make writing the fixture take
minutes and measure nothing of interest), with what a long pilot has besides samples: an
outage of the database with missing samples, its events, a job log of a day, the stop and
the end. `monitor.pilot.rebuild_report` is then timed in fresh interpreters, one per
repetition, so each run's peak RSS (ru_maxrss) is the report's alone on top of an
interpreter that has imported the monitor; a separate run under tracemalloc gives the peak
of Python allocations (tracemalloc slows the code, so that run is not timed).

`python -m bench.reportgen JOURNAL [--tracemalloc]` is that child process. It runs with
this virtualenv's interpreter and, when the image exists, with the monitor image's (the
interpreter that makes the reports of a real pilot), and each child is also timed whole,
start-up and imports included, as `python -m monitor report` would be.
"""

import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from monitor.adapters.journal import Journal
from monitor.core.records import Event, PilotEnded, PilotStarted, Sample

SAMPLES = 86_400
START_AT = 1_764_547_200.0  # 2025-12-01 00:00 UTC
BASELINE_ROWS = 10_000_000
OUTAGE = range(40_000, 40_120)  # two minutes without an answer from the database
REPETITIONS = 3
MONITOR_IMAGE = "pilot-monitor:latest"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ReportTiming:
    seconds: list[float]  # rebuild_report alone, in this virtualenv's Python
    process_seconds: list[float]  # the whole child process: start-up, imports, rebuild
    image_seconds: list[float]  # rebuild_report alone in the monitor's image (empty: no image)
    image_process_seconds: list[float]
    image_python: str
    peak_rss_mb: float
    rss_growth_mb: float
    python_peak_mb: float
    journal_mb: float


def _start(folder: Path) -> PilotStarted:
    return PilotStarted(
        run_id="20251201_000000",
        at=START_AT,
        duration_s=float(SAMPLES),
        interval_s=1.0,
        table="matches",
        baseline_rows=BASELINE_ROWS,
        counting="initial count plus rows with id > 10000000 through the primary key's index",
        container="football-prediction-app-1",
        command=("python", "scripts/backfill_full_history.py"),
        job_log=str(folder / "backfill_pilot.log"),
        job_log_offset=0,
        settings=(("PILOT_DURATION", "24h"), ("PILOT_INTERVAL", "1s")),
    )


def _rows_at(second: int) -> int:
    """About 400 matches an hour, pausing for a minute every 1,000 seconds (HTTP 429)."""
    active = second - 60 * (second // 1000)
    return BASELINE_ROWS + active // 9


def _sample(second: int) -> Sample:
    missing = second in OUTAGE
    return Sample(
        index=second,
        at=START_AT + second,
        elapsed_s=float(second),
        job_running=True,
        total=None if missing else _rows_at(second),
        error="the database did not answer in time" if missing else None,
    )


def _event(second: int, name: str, message: str) -> Event:
    return Event(at=START_AT + second, elapsed_s=float(second), name=name, message=message)


def write_journal(folder: Path) -> Path:
    """The journal of a 24-hour pilot at one sample a second, and its job's log."""
    start = _start(folder)
    path = folder / f"pilot_journal_{start.run_id}.jsonl"
    journal = Journal(path)
    journal.append(start)
    for second in range(1, SAMPLES + 1):
        journal.append(_sample(second))
        if second == OUTAGE.start:
            journal.append(_event(second, "count_failed", "the table cannot be counted"))
        if second == OUTAGE.stop:
            journal.append(_event(second, "count_recovered", "the table can be counted again"))
    journal.append(_event(SAMPLES, "stopping", "stopping the job (the 24h budget was spent)"))
    last = SAMPLES + 1
    journal.append(Sample(last, START_AT + last, float(last), False, _rows_at(SAMPLES), final=True))
    journal.append(PilotEnded(START_AT + SAMPLES + 2, SAMPLES + 2.0, "budget", 143, "TERM", True))
    journal.close()
    _write_job_log(Path(start.job_log))
    return path


def _write_job_log(path: Path) -> None:
    """A day of backfill output: a line per match, a 429 cool-down every 1,000 s."""
    with path.open("w", encoding="utf-8") as log:
        for second in range(0, SAMPLES, 9):
            log.write(f"2025-12-01 INFO upserted match fm-{second} (elapsed {second}s)\n")
            if second % 1000 < 9:
                log.write("2025-12-01 WARNING HTTP 429 Too Many Requests; cooling down 60s\n")


def _child(journal: Path, traced: bool) -> dict[str, float]:
    """In the child: rebuild the report once; time, RSS before and after, traced peak."""
    from monitor.pilot import rebuild_report  # noqa: PLC0415 (imported before the RSS baseline)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    rebuild_report(journal)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "rss_before_kb": before, "rss_after_kb": after, "traced": peak}


def _in_child(journal: Path, traced: bool, python: list[str] | None = None) -> dict[str, float]:
    argv = [*(python or [sys.executable]), "-m", "bench.reportgen", str(journal)]
    started = time.perf_counter()
    result = subprocess.run(
        [*argv, "--tracemalloc"] if traced else argv,
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    measured: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    measured["process_seconds"] = time.perf_counter() - started
    return measured


def _image_python(folder: Path) -> list[str] | None:
    """`python` in the monitor's image with this checkout and the journal's folder mounted;
    the container's own start is timed in `process_seconds` too (about a second)."""
    found = subprocess.run(
        ["docker", "image", "inspect", MONITOR_IMAGE], capture_output=True, check=False
    )
    if found.returncode != 0:
        return None
    return [
        "docker", "run", "--rm", "--user", "0", "--entrypoint", "python", "--workdir", "/src",
        "--volume", f"{ROOT}:/src:ro", "--volume", f"{folder}:{folder}",
        "--env", "PYTHONDONTWRITEBYTECODE=1", MONITOR_IMAGE,
    ]  # fmt: skip


def _version(python: list[str]) -> str:
    result = subprocess.run(
        [*python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def measure_report() -> ReportTiming:
    with tempfile.TemporaryDirectory(prefix="pilot-bench-report-", dir="/dev/shm") as folder:
        journal = write_journal(Path(folder))
        runs = [_in_child(journal, traced=False) for _ in range(REPETITIONS)]
        traced = _in_child(journal, traced=True)
        image = _image_python(Path(folder))
        in_image = [_in_child(journal, False, image) for _ in range(REPETITIONS)] if image else []
        size = journal.stat().st_size
    return ReportTiming(
        seconds=[run["seconds"] for run in runs],
        process_seconds=[run["process_seconds"] for run in runs],
        image_seconds=[run["seconds"] for run in in_image],
        image_process_seconds=[run["process_seconds"] for run in in_image],
        image_python=_version(image) if image else "",
        peak_rss_mb=max(run["rss_after_kb"] for run in runs) / 1024,
        rss_growth_mb=max(run["rss_after_kb"] - run["rss_before_kb"] for run in runs) / 1024,
        python_peak_mb=traced["traced"] / 2**20,
        journal_mb=size / 2**20,
    )


if __name__ == "__main__":
    print(json.dumps(_child(Path(sys.argv[1]), traced="--tracemalloc" in sys.argv[2:])))
