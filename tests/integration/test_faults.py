"""Pilots through faults: a database that goes away or hangs, a closed terminal, a console
that goes away, two pilots at once; and a report rebuilt from its journal."""

import os
import signal
import time
from pathlib import Path

from monitor.adapters.journal import iter_journal
from monitor.core.records import PilotEnded, Sample
from tests.integration.harness import (
    App,
    Database,
    PostgresServer,
    follow,
    make_database,
    monitor_env,
    run_monitor,
    start_monitor,
    wait_for,
)


def test_a_database_outage_is_recorded_as_missing_samples(
    own_pg_server: PostgresServer, app: App, tmp_path: Path
) -> None:
    database = Database(own_pg_server, make_database(own_pg_server))
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="16s", interval="2s", connect_timeout="1s")
    monitor = start_monitor(env, tmp_path, "run")
    lines, reader = follow(monitor)
    assert wait_for(lambda: any(line.startswith("[  2/8]") for line in lines), timeout=30)
    own_pg_server.stop()
    time.sleep(5)
    own_pg_server.start()
    monitor.wait(timeout=60)
    reader.join(timeout=5)
    output = "".join(lines)
    print(output)

    assert monitor.returncode == 0, output
    samples = [
        record for record in iter_journal(next(logs.glob("*.jsonl"))) if isinstance(record, Sample)
    ]
    missing = [sample for sample in samples if sample.total is None]
    assert 1 <= len(missing) <= 4, output
    assert all(sample.error for sample in missing)
    assert all(sample.total != 0 for sample in samples[1:] if sample.total is not None)
    assert samples[-1].total == database.scalar("SELECT count(*) FROM matches")
    assert "⚠️ no count" in output
    report = next(logs.glob("pilot_run_report_*.md")).read_text()
    assert "Database outage" in report and "missing" in report


def test_report_command_rebuilds_from_the_journal(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="2s", interval="1s")
    assert run_monitor(env, tmp_path, "run").returncode == 0
    journal = next(logs.glob("pilot_journal_*.jsonl"))
    first = next(logs.glob("pilot_run_report_*.md"))
    assert isinstance(list(iter_journal(journal))[-1], PilotEnded)

    rebuilt = run_monitor(env, tmp_path, "report", str(journal))
    assert rebuilt.returncode == 0, rebuilt.stdout
    second = Path(rebuilt.stdout.strip())
    assert second != first and second.name.endswith("_2.md")
    # the same report, linking the chart rebuilt beside it
    assert second.read_text() == first.read_text().replace(".svg)", "_2.svg)")

    missing = run_monitor(env, tmp_path, "report", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and missing.stdout.startswith("JOURNAL:")


def test_a_database_that_stops_answering_holds_up_neither_samples_nor_a_stop(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="10m", interval="2s", stop_grace="3s")
    monitor = start_monitor(env, tmp_path, "run")
    lines, reader = follow(monitor)
    assert wait_for(lambda: any(line.startswith("[  1/300]") for line in lines), timeout=30)
    backend = database.scalar(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'pilot-monitor'"
    )
    assert isinstance(backend, int)
    os.kill(backend, signal.SIGSTOP)  # the server process hangs: no answer, no error
    try:
        assert wait_for(lambda: any("no count" in line for line in lines), timeout=15), lines
        signalled = time.monotonic()
        monitor.send_signal(signal.SIGTERM)
        monitor.wait(timeout=60)
        took = time.monotonic() - signalled
    finally:
        os.kill(backend, signal.SIGCONT)
    reader.join(timeout=5)
    output = "".join(lines)
    print(f"SIGTERM to exit with the database hung: {took:.2f} s")

    assert monitor.returncode == 3, output
    assert took < 3 + 10, output
    assert app.job_processes() == []
    assert next(logs.glob("pilot_run_report_*.md")).exists()


def test_a_closed_terminal_neither_kills_the_pilot_nor_orphans_the_job(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="10m", interval="1s")
    monitor = start_monitor(env, tmp_path, "run")
    assert monitor.stdout is not None
    for line in monitor.stdout:
        if line.startswith("[  1/600]"):
            break
    monitor.send_signal(signal.SIGHUP)
    monitor.wait(timeout=30)

    assert monitor.returncode == 3
    assert app.job_processes() == []
    report = next(logs.glob("pilot_run_report_*.md")).read_text()
    assert "SIGHUP" in report


def test_a_console_that_goes_away_does_not_stop_the_pilot(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="4s", interval="1s")
    monitor = start_monitor(env, tmp_path, "run")
    assert monitor.stdout is not None
    monitor.stdout.readline()
    monitor.stdout.close()  # like `python -m monitor run | head -n 1`
    monitor.wait(timeout=60)

    assert monitor.returncode == 0
    assert app.job_processes() == []
    samples = [r for r in iter_journal(next(logs.glob("*.jsonl"))) if isinstance(r, Sample)]
    assert len(samples) == 5  # four on schedule and the last one after the stop
    assert next(logs.glob("pilot_run_report_*.md")).exists()


def test_two_pilots_started_together_run_one_backfill(
    database: Database, app: App, tmp_path: Path
) -> None:
    pilots = [
        start_monitor(monitor_env(database, app, tmp_path / name, duration="4s"), tmp_path, "run")
        for name in ("a", "b")
    ]
    outputs = [pilot.communicate(timeout=90)[0] for pilot in pilots]
    codes = sorted(pilot.returncode for pilot in pilots)

    assert codes in ([0, 1], [0, 2]), outputs
    winner = outputs[[pilot.returncode for pilot in pilots].index(0)]
    assert "the job is gone after SIGTERM" in winner  # stopped by its own budget, no one else
    loser = outputs[[pilot.returncode for pilot in pilots].index(codes[1])]
    assert "earlier pilot" in loser or "another pilot" in loser, loser
    assert app.job_processes() == []
