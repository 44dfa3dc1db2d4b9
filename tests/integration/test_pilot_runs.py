"""Whole pilots against a real Docker Engine and a real PostgreSQL: every way a pilot ends."""

import json
import signal
import time
from pathlib import Path

from monitor.core.records import Event, PilotEnded, PilotStarted, Sample
from monitor.core.report import SECTIONS
from tests.integration.harness import (
    App,
    Database,
    monitor_env,
    run_monitor,
    start_monitor,
    wait_for,
)
from tests.reading import journal, only, report_text, tables


def test_budget_spent_stops_the_job_and_reports(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, target_rows="100000", min_rate="1")
    result = run_monitor(env, tmp_path, "run")
    print(result.stdout)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    samples = [line for line in lines if line.startswith("[") and "Status:" in line]
    assert [line[: line.index("]") + 1] for line in samples] == [
        "[  1/3]",
        "[  2/3]",
        "[  3/3]",
        "[end/3]",
    ]
    assert len(samples) == 4
    assert "\r" not in result.stdout
    assert app.job_processes() == []

    records = journal(logs)
    end = records[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("budget", "TERM", True)
    final = [record for record in records if isinstance(record, Sample)][-1]
    assert final.final and final.total == database.scalar("SELECT count(*) FROM matches")
    assert final.total > 0
    # the decision's limits are in the start record, the table's size in every sample
    start = records[0]
    assert isinstance(start, PilotStarted)
    assert (start.target_rows, start.min_rate, start.max_hours) == (100_000, 1.0, None)
    sizes = [record.table_bytes for record in records if isinstance(record, Sample)]
    assert all(size is not None and size > 0 for size in sizes), sizes

    markdown = report_text(logs)
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS)
    rows = tables(markdown)["Samples"]
    assert len(rows) == 4
    assert rows[-1][4] == str(final.total)
    assert "PASSED" in markdown
    assert "\nDecision: **" in markdown
    assert "| Table size | " in markdown and "bytes a row" in markdown
    assert any(line.startswith("[monitor] decision: ") for line in lines)
    assert (
        "it-Sup3r-s3cret"
        not in markdown + result.stdout + (logs / "backfill_pilot.log").read_text()
    )
    for line in (logs / only(sorted(logs.glob("*.jsonl"))).name).read_text().splitlines():
        assert "it-Sup3r-s3cret" not in line
        json.loads(line)


def test_job_finishing_by_itself_is_a_completed_pilot(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(
        database, app, logs, duration="60s", interval="10s", job_env="JOB_RATE=20 JOB_STOP_AFTER=10"
    )
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "the job exited with code 0" in result.stdout
    assert "backfill complete: 10 rows" in result.stdout  # the log's last lines are shown
    records = journal(logs)
    end = records[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_exit_code, end.job_stopped_by) == ("job_exit", 0, None)
    exited_at = float(result.stdout.split("backfill complete: 10 rows at ")[1].split()[0])
    noticed = next(r for r in records if isinstance(r, Event) and r.name == "job_exited")
    print(f"job exit to monitor record: {noticed.at - exited_at:.3f} s")
    assert noticed.at - exited_at < 10, "an exit must be noticed within the 10 s interval"
    assert "COMPLETED" in report_text(logs)
    assert database.scalar("SELECT count(*) FROM matches") == 10


def test_job_crash_fails_the_pilot_with_its_exit_code(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(
        database, app, logs, duration="60s", interval="2s", job_env="JOB_RATE=20 JOB_FAIL_AFTER=15"
    )
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "the job exited with code 1" in result.stdout
    assert "RuntimeError: injected failure after 15 rows" in result.stdout
    markdown = report_text(logs)
    assert "FAILED: the job exited with code 1" in markdown
    stats = dict((row[0], row[1]) for row in tables(markdown)["Log analysis"])
    assert stats["Tracebacks"] == "1"
    assert int(stats["Error lines"]) >= 1
    assert "Traceback (most recent call last)" in markdown


def test_sigterm_stops_the_job_and_still_writes_the_report(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="10m", interval="1s", stop_grace="5s")
    monitor = start_monitor(env, tmp_path, "run")
    assert monitor.stdout is not None
    seen: list[str] = []
    for line in monitor.stdout:
        seen.append(line)
        if line.startswith("[  2/600]"):
            break
    assert app.job_processes(), "the job should be running before the signal"
    signalled = time.monotonic()
    monitor.send_signal(signal.SIGTERM)
    rest, _ = monitor.communicate(timeout=30)
    output = "".join(seen) + rest
    took = time.monotonic() - signalled
    print(f"SIGTERM to exit with the report on disk: {took:.2f} s")
    assert took < 5 + 5, "job stop and report must fit in the grace period plus a margin"

    assert monitor.returncode == 3, output
    assert app.job_processes() == []
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("signal", "TERM", True)
    markdown = report_text(logs)
    assert "INTERRUPTED" in markdown and "SIGTERM" in markdown


def test_a_job_ignoring_sigterm_is_killed_with_its_whole_process_group(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(
        database,
        app,
        logs,
        duration="4s",
        interval="2s",
        stop_grace="2s",
        job_env="JOB_RATE=10 JOB_IGNORE_TERM=1 JOB_CHILD=1",
    )
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert app.job_processes() == []
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.job_stopped_by, end.job_gone, end.job_exit_code) == ("KILL", True, 137)
    assert "had to be killed" in report_text(logs)


def test_the_job_runs_with_the_configured_user_and_workdir(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(
        database,
        app,
        logs,
        command="python insert_rows.py",
        workdir="/job",
        user="nobody",
        duration="4s",
        interval="2s",
    )
    monitor = start_monitor(env, tmp_path, "run")
    assert wait_for(lambda: app.job_processes() != [], timeout=15)
    owners = app.container.exec_run(
        [
            "sh",
            "-c",
            "for p in /proc/[0-9]*; do grep -l insert_rows $p/cmdline >/dev/null 2>&1"
            " && stat -c %U $p; done",
        ]
    )
    output, _ = monitor.communicate(timeout=60)
    assert monitor.returncode == 0, output
    assert "nobody" in owners.output.decode()


def test_the_grace_period_covers_the_whole_process_group(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(
        database, app, logs, duration="4s", interval="2s", stop_grace="5s",
        job_env="JOB_RATE=10 JOB_CHILD=cleanup",
    )  # fmt: skip
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 0, result.stdout + result.stderr
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.job_stopped_by, end.job_gone) == ("TERM", True)
    cleaned = app.container.exec_run(["cat", "/tmp/child-cleaned-up"])
    assert cleaned.output == b"yes", "the child must get its grace period after the leader exits"
    assert app.job_processes() == []


def test_a_launch_that_cannot_write_its_files_is_refused_and_reported(
    database: Database, app: App, tmp_path: Path
) -> None:
    assert app.container.exec_run(["chmod", "0755", "/tmp"]).exit_code == 0
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, user="nobody", duration="10s", interval="2s")
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 1, result.stdout + result.stderr
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_gone) == ("error", True)
    assert "could not write to /tmp" in end.detail
    assert "FAILED: the job was not started" in report_text(logs)
    assert database.scalar("SELECT count(*) FROM matches") == 0
    assert app.job_processes() == []


def test_a_second_pilot_is_refused_while_an_earlier_job_still_runs(
    database: Database, app: App, tmp_path: Path
) -> None:
    first_logs = tmp_path / "first"
    first = start_monitor(monitor_env(database, app, first_logs, duration="10m"), tmp_path, "run")
    assert wait_for(lambda: app.job_processes() != [], timeout=20)
    first.kill()  # SIGKILL: the monitor dies, its job runs on in the container
    first.wait(timeout=10)
    assert app.job_processes() != []

    second_logs = tmp_path / "second"
    result = run_monitor(monitor_env(database, app, second_logs), tmp_path, "run")
    assert result.returncode == 2, result.stdout
    assert result.stdout.startswith("PILOT_COMMAND: a job of an earlier pilot still runs")
    assert not list(second_logs.glob("pilot_journal_*"))
    assert len([line for line in app.job_processes() if "insert_rows" in line]) == 1


def test_sigterm_with_a_job_ignoring_sigterm_still_ends_within_grace_plus_margin(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(
        database, app, logs, duration="10m", interval="1s", stop_grace="3s",
        job_env="JOB_RATE=10 JOB_IGNORE_TERM=1",
    )  # fmt: skip
    monitor = start_monitor(env, tmp_path, "run")
    assert monitor.stdout is not None
    for line in monitor.stdout:
        if line.startswith("[  2/600]"):
            break
    signalled = time.monotonic()
    monitor.send_signal(signal.SIGTERM)
    output, _ = monitor.communicate(timeout=60)
    took = time.monotonic() - signalled
    print(f"SIGTERM to exit, job ignoring SIGTERM, 3 s grace: {took:.2f} s")

    assert monitor.returncode == 3, output
    assert took < 3 + 10, "the documented bound is PILOT_STOP_GRACE + 10 s"
    end = journal(logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("signal", "KILL", True)
    assert app.job_processes() == []


def test_more_tables_are_counted_at_every_sample_and_reported(
    database: Database, app: App, tmp_path: Path
) -> None:
    database.execute("CREATE TABLE teams (name text); INSERT INTO teams VALUES ('a'), ('b')")
    database.execute("CREATE SCHEMA stats; CREATE TABLE stats.odds (id serial PRIMARY KEY)")
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, tables="matches, teams,stats.odds,teams")
    result = run_monitor(env, tmp_path, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[monitor] also watched: teams has 2, stats.odds has 0" in result.stdout
    lines = [line for line in result.stdout.splitlines() if "Status:" in line]
    assert all(" | teams 2 | stats.odds 0" in line for line in lines), lines

    records = journal(logs)
    start = records[0]
    assert isinstance(start, PilotStarted)
    assert [(t.table, t.baseline_rows) for t in start.tables] == [("teams", 2), ("stats.odds", 0)]
    assert [t.baseline["strategy"] for t in start.tables] == ["full", "keyset"]
    samples = [record for record in records if isinstance(record, Sample)]
    assert all([(t.table, t.total) for t in s.tables] == [("teams", 2), ("stats.odds", 0)]
               for s in samples)  # fmt: skip

    markdown = report_text(logs)
    assert "### `teams`" in markdown and "### `stats.odds`" in markdown
    assert "| Samples | 4, 0 missing |" in markdown

    env = monitor_env(database, app, logs, tables="teams,nope")
    refused = run_monitor(env, tmp_path, "run")
    assert refused.returncode == 2
    assert "PILOT_TABLES: no table 'nope'" in refused.stdout + refused.stderr
