"""`make bench`: measures issue 6's targets in one run and prints one Markdown table.

Everything is measured in the same run on the same machine, so the ratios the claims are
about (keyset against a full count, 10M rows against 100k) compare like with like even on
a noisy shared 2-core machine. Progress goes to stderr; stdout is the machine line, the
set-up line, the table and the run time, ready to paste into docs/performance.md.

    python -m bench.run [--sizes 100k,1M,10M] [--rounds 40] [--crash-runs 5] [--footprint-s 60]
"""

import argparse
import contextlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.crash import CrashDetection, measure_crash_detection
from bench.footprint import Footprint, measure_footprint
from bench.postgres import SIZES, Cluster, TableSetup, database_name, ensure_table, start_cluster
from bench.render import Results, render
from bench.reportgen import measure_report
from bench.sampling import Cell, measure_size
from bench.stack import app_container

FOOTPRINT_INTERVAL_S = 5.0


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="table sizes, of 100k,1M,10M")
    parser.add_argument("--rounds", type=int, default=40, help="samples per way and size")
    parser.add_argument("--crash-runs", type=int, default=5, help="pilots whose job crashes")
    parser.add_argument("--footprint-s", type=float, default=60.0, help="the footprint pilot")
    arguments = parser.parse_args(argv)
    arguments.sizes = [size for size in arguments.sizes.split(",") if size]
    unknown = set(arguments.sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown sizes {sorted(unknown)}: choose among {', '.join(SIZES)}")
    return arguments


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _docker_version() -> str:
    result = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        check=False,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    return result.stdout.strip() or "?"


def machine_line(cluster: Cluster) -> str:
    """What the numbers belong to: cores, CPU, PostgreSQL, Docker, Python, and when."""
    nproc = subprocess.run(["nproc"], check=True, capture_output=True, text=True).stdout.strip()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"machine: nproc {nproc}, {_cpu_model()}, PostgreSQL {cluster.version()},"
        f" Docker Engine {_docker_version()}, Python {platform.python_version()}, {when}"
    )


def _setup_line(started: float, tables: list[TableSetup]) -> str:
    parts = []
    for table in tables:
        size = f"{table.size_bytes / 2**20:,.0f} MB with indexes"
        if table.built:
            parts.append(f"{table.label} built now in {table.build_seconds:.1f} s ({size})")
        else:
            parts.append(
                f"{table.label} reused, built once in {table.build_seconds:.1f} s ({size})"
            )
    took = time.monotonic() - started
    return f"set-up: {took:.1f} s (server start and tables); " + "; ".join(parts)


def _sampling(cluster: Cluster, sizes: list[str], rounds: int) -> dict[str, dict[str, Cell]]:
    results = {}
    for size in sizes:
        log(f"sampling {size} rows: {rounds} rounds of every way")
        results[size] = measure_size(cluster, size, rounds, log)
    return results


def _end_to_end(
    cluster: Cluster, crash_runs: int, footprint_s: float
) -> tuple[CrashDetection | None, Footprint | None]:
    """The real monitor in pilots against the app stand-in: crashes, then the footprint."""
    if crash_runs <= 0 and footprint_s <= 0:
        return None, None
    shared = Path(tempfile.mkdtemp(prefix="pilot-bench-run-", dir="/var/tmp"))
    crash = footprint = None
    try:
        with app_container(shared) as app:
            if crash_runs > 0:
                log(f"crash detection: {crash_runs} pilots whose job exits with 1")
                url = cluster.url(database_name("100k"))
                crash = measure_crash_detection(app, url, shared, crash_runs, log)
            if footprint_s > 0:
                log(f"footprint: a {footprint_s:g} s pilot sampling every 5 s, 1M rows")
                footprint = measure_footprint(
                    app, cluster, shared, footprint_s, FOOTPRINT_INTERVAL_S
                )
                for kind, count in footprint.statement_kinds.items():
                    log(f"  the monitor ran {count} x: {kind}")
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    return crash, footprint


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    started = time.monotonic()
    log("starting the benchmark's PostgreSQL (tables are built on first use: 10M takes minutes)")
    cluster = start_cluster()
    try:
        needed = sorted({*arguments.sizes, "100k", "1M"}, key=list(SIZES).index)
        tables = [ensure_table(cluster, size, SIZES[size]) for size in needed]
        setup = _setup_line(started, tables)
        log(setup)
        machine = machine_line(cluster)
        sampling = _sampling(cluster, arguments.sizes, arguments.rounds)
        crash, footprint = _end_to_end(cluster, arguments.crash_runs, arguments.footprint_s)
    finally:
        with contextlib.suppress(RuntimeError):
            cluster.stop()
    log("report: a journal of 86,400 samples, rebuilt in fresh interpreters")
    report = measure_report()
    table = render(Results(arguments.sizes, sampling, crash, footprint, report))
    took = time.monotonic() - started
    print(f"{machine}\n{setup}\n\n{table}\n\nbench: total {took // 60:.0f} min {took % 60:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
