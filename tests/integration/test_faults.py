"""A pilot through a database outage, and a report rebuilt from its journal."""

import threading
import time
from pathlib import Path

from monitor.adapters.journal import read_journal
from monitor.core.records import PilotEnded, Sample
from tests.integration.harness import (
    App,
    Database,
    PostgresServer,
    make_database,
    monitor_env,
    run_monitor,
    start_monitor,
)


def test_a_database_outage_is_recorded_as_missing_samples(
    own_pg_server: PostgresServer, app: App, tmp_path: Path
) -> None:
    database = Database(own_pg_server, make_database(own_pg_server))
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, duration="16s", interval="2s", connect_timeout="1s")
    monitor = start_monitor(env, tmp_path, "run")
    assert monitor.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(monitor.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while not any(line.startswith("[  2/8]") for line in lines) and time.monotonic() < deadline:
        time.sleep(0.1)
    own_pg_server.stop()
    time.sleep(5)
    own_pg_server.start()
    monitor.wait(timeout=60)
    reader.join(timeout=5)
    output = "".join(lines)
    print(output)

    assert monitor.returncode == 0, output
    samples = [
        record for record in read_journal(next(logs.glob("*.jsonl"))) if isinstance(record, Sample)
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
    assert isinstance(read_journal(journal)[-1], PilotEnded)

    rebuilt = run_monitor(env, tmp_path, "report", str(journal))
    assert rebuilt.returncode == 0, rebuilt.stdout
    second = Path(rebuilt.stdout.strip())
    assert second != first and second.name.endswith("_2.md")
    assert second.read_text() == first.read_text()

    missing = run_monitor(env, tmp_path, "report", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1 and missing.stdout.startswith("JOURNAL:")
