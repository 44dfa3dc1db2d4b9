"""A monitor killed mid-run and started again takes its pilot up: never a second backfill.

Real Docker Engine, real app container, real PostgreSQL; the monitor is killed with SIGKILL
(what the OOM killer and `docker kill` do), so nothing of its own shutdown runs.
"""

import signal
import time
from pathlib import Path

from monitor.core.records import Event, PilotEnded, Sample
from tests.integration.harness import (
    App,
    Database,
    follow,
    monitor_env,
    run_monitor,
    start_monitor,
    wait_for,
)
from tests.reading import journal, report_text


def samples(logs: Path) -> list[Sample]:
    if not list(logs.glob("pilot_journal_*.jsonl")):
        return []
    return [record for record in journal(logs) if isinstance(record, Sample)]


def events(logs: Path, name: str) -> list[Event]:
    return [r for r in journal(logs) if isinstance(r, Event) and r.name == name]


def kill_after_samples(env: dict[str, str], cwd: Path, logs: Path, count: int) -> None:
    """Starts a pilot and SIGKILLs its monitor once ``count`` samples are journaled."""
    monitor = start_monitor(env, cwd, "run")
    follow(monitor)
    try:
        assert wait_for(lambda: len(samples(logs)) >= count, timeout=60), "no samples"
    finally:
        monitor.send_signal(signal.SIGKILL)
        monitor.wait(timeout=10)


def job_pids(app: App) -> list[str]:
    return [line for line in app.job_processes() if "insert_rows" in line]


def test_a_killed_monitor_takes_its_pilot_up_with_the_job_still_running(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="16s", interval="2s")
    kill_after_samples(env, tmp_path, logs, 2)
    before = samples(logs)
    running = job_pids(app)
    assert len(running) == 1, running  # the job runs on with no monitor
    time.sleep(4)  # the monitor is away for two intervals or more

    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "taking up pilot" in result.stdout
    records = journal(logs)
    assert len(list(logs.glob("pilot_journal_*.jsonl"))) == 1
    after = samples(logs)
    assert after[: len(before)] == before  # every journaled sample kept, as it was
    indices = [sample.index for sample in after if not sample.final]
    assert indices == sorted(indices) and indices[-1] == 8
    assert len(indices) < 8  # the slots the monitor missed stay missing
    [resumed] = events(logs, "monitor_resumed")
    assert "re-attached" in resumed.message
    assert resumed.data["missed"] >= 2
    assert len(events(logs, "job_started")) == 1
    end = records[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("budget", "TERM", True)
    assert after[-1].final and after[-1].total == database.scalar("SELECT count(*) FROM matches")
    assert job_pids(app) == []
    markdown = report_text(logs)
    assert "PASSED" in markdown
    assert "Monitoring gap: the monitor was not running" in markdown


def test_a_job_that_ended_while_the_monitor_was_away_is_reported_as_such(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="30s", interval="2s", job_env="JOB_RATE=10")
    env["PILOT_JOB_ENV"] += " JOB_FAIL_AFTER=60"
    kill_after_samples(env, tmp_path, logs, 1)
    assert wait_for(lambda: job_pids(app) == [], timeout=30)  # it fails after 60 rows

    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 1, result.stdout + result.stderr
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    # The Engine records 126 for an exec whose attached client died, whatever the job
    # returned: the code is not told rather than told wrong.
    assert (end.reason, end.job_exit_code, end.job_gone) == ("job_exit", None, True)
    assert "ended while no monitor watched" in end.detail
    assert len(events(logs, "job_started")) == 1 and job_pids(app) == []
    assert "FAILED: the job exited with code unknown" in report_text(logs)


def test_an_app_container_restarted_while_the_monitor_was_away_loses_the_job(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="30s", interval="2s")
    kill_after_samples(env, tmp_path, logs, 1)
    app.container.restart(timeout=1)

    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 1, result.stdout + result.stderr
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_gone) == ("job_lost", True)
    assert "app container stopped or restarted" in end.detail
    assert job_pids(app) == []
    assert "FAILED: the job was lost while no monitor watched" in report_text(logs)


def test_two_monitors_started_together_take_the_pilot_up_once(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="14s", interval="2s")
    kill_after_samples(env, tmp_path, logs, 1)
    pids_before = job_pids(app)

    monitors = [start_monitor(env, tmp_path, "run") for _ in range(2)]
    outputs = [monitor.communicate(timeout=90)[0] for monitor in monitors]

    codes = sorted(monitor.returncode for monitor in monitors)
    assert codes == [0, 2], outputs
    refused = outputs[[m.returncode for m in monitors].index(2)]
    assert "being watched by another monitor right now; nothing was started" in refused
    assert len(refused.strip().splitlines()) == 1
    assert len(events(logs, "job_started")) == 1 and len(events(logs, "monitor_resumed")) == 1
    assert len(pids_before) == 1 and job_pids(app) == []


def test_a_pilot_taken_up_after_its_deadline_is_stopped_at_once(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="6s", interval="2s")
    kill_after_samples(env, tmp_path, logs, 1)
    time.sleep(6)  # past the 6 s budget
    assert len(job_pids(app)) == 1

    started = time.monotonic()
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 15
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("budget", "TERM", True)
    assert job_pids(app) == []


def test_no_new_pilot_starts_while_another_monitor_watches_one(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="12s", interval="2s")
    first = start_monitor(env, tmp_path, "run")
    lines, _ = follow(first)
    try:
        assert wait_for(lambda: len(samples(logs)) >= 1, timeout=60)
        second = run_monitor(env, tmp_path, "run")
    finally:
        first.wait(timeout=60)
    assert second.returncode == 2, second.stdout
    assert "being watched by another monitor" in second.stdout
    assert first.returncode == 0, lines
    assert len(events(logs, "job_started")) == 1
