"""The demo stack's backfill against a real PostgreSQL: what a pilot run will see of it.

The script runs on the host as the app container runs it (`python backfill_full_history.py`,
no arguments, settings in the environment), against a database whose `matches` table is made
by the demo stack's own initdb script.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.integration.harness import (
    ROOT,
    Database,
    PostgresServer,
    make_database,
    wait_for,
)

SCRIPT = ROOT / "demo/app/scripts/backfill_full_history.py"
SCHEMA = ROOT / "demo/db/initdb/01-matches.sql"
# Quick but realistic: no warm-up, 100 matches a second, no 429s unless a test asks.
FAST = {"warmup": "0", "rate": "6000", "rate_limit_every": "0", "seed": "20261203"}
SUMMARY = re.compile(r"processed (\d+) matches \(inserted (\d+), updated (\d+)\)")


def use_demo_schema(database: Database) -> Database:
    """Replaces the harness's `matches` with the one the demo stack's initdb script makes."""
    database.execute("DROP TABLE matches")
    database.execute(SCHEMA.read_text())
    return database


def query(database: Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    connection = database.server.connect(database.name)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


class Backfill:
    """One run of the script, its output (stdout and stderr together) collected as it comes."""

    def __init__(self, database_url: str, **demo: str) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("DEMO_")}
        env.update({f"DEMO_{key.upper()}": value for key, value in demo.items()})
        env["DATABASE_URL"] = database_url
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, text: str, timeout: float = 10) -> None:
        found = wait_for(lambda: any(text in line for line in self.lines), timeout, step=0.02)
        assert found, f"no line with {text!r} within {timeout}s:\n{self.output}"

    def wait(self, timeout: float = 20) -> int:
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def stop_with(self, signum: signal.Signals, timeout: float = 5) -> tuple[int, float]:
        """The exit status after `signum`, and how long the script took to exit."""
        sent = time.monotonic()
        self.process.send_signal(signum)
        code = self.wait(timeout)
        return code, time.monotonic() - sent

    def summary(self) -> tuple[int, int, int]:
        """(processed, inserted, updated) from the script's last tally line."""
        tallies = [SUMMARY.search(line) for line in self.lines]
        last = [match for match in tallies if match][-1]
        processed, inserted, updated = (int(group) for group in last.groups())
        assert processed == inserted + updated, self.output
        return processed, inserted, updated

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def demo_db(database: Database) -> Database:
    return use_demo_schema(database)


@pytest.fixture
def runs() -> Iterator[list[Backfill]]:
    """Every run a test starts; any still alive at the end (a failed test) is killed."""
    started: list[Backfill] = []
    yield started
    for run in started:
        run.kill()


def start(runs: list[Backfill], database_url: str, **demo: str) -> Backfill:
    """A run with the FAST settings, changed by `demo`."""
    run = Backfill(database_url, **{**FAST, **demo})
    runs.append(run)
    return run


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def count(database: Database) -> int:
    return int(query(database, "SELECT count(*) FROM matches")[0][0])


# --- the table ------------------------------------------------------------------------------


def test_schema_is_shaped_like_the_real_matches_table(demo_db: Database) -> None:
    columns = dict(
        query(
            demo_db,
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'matches'",
        )
    )
    assert columns == {
        "id": "integer",
        "fotmob_id": "character varying",
        "home_team": "character varying",
        "away_team": "character varying",
        "league": "character varying",
        "status": "character varying",
        "match_time": "timestamp with time zone",
        "home_score": "integer",
        "away_score": "integer",
        "home_xg": "numeric",
        "away_xg": "numeric",
        "stats": "jsonb",
        "lineups": "jsonb",
        "data_source": "character varying",
        "collection_time": "timestamp with time zone",
        "created_at": "timestamp with time zone",
        "updated_at": "timestamp with time zone",
    }
    defaults = dict(
        query(
            demo_db,
            "SELECT column_name, column_default FROM information_schema.columns"
            " WHERE table_name = 'matches' AND column_default IS NOT NULL",
        )
    )
    assert list(defaults) == ["id"], "only id (serial) has a server-side default"
    assert "nextval" in defaults["id"]
    indexes = query(
        demo_db,
        "SELECT a.attname, i.indisunique, i.indisprimary FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
        " WHERE i.indrelid = 'matches'::regclass ORDER BY a.attname",
    )
    assert indexes == [("fotmob_id", False, False), ("id", True, True)]
    demo_db.execute(SCHEMA.read_text())  # a second run changes nothing and does not fail


# --- a run from start to end ------------------------------------------------------------------


def test_warm_up_writes_nothing(demo_db: Database, runs: list[Backfill]) -> None:
    (started_at,) = query(demo_db, "SELECT clock_timestamp()")[0]
    run = start(runs, demo_db.url, warmup="1.5", matches="10")
    run.wait_for_line("Fetching match lists")
    samples = []
    deadline = time.monotonic() + 10
    while not any("Fetched match lists" in line for line in run.lines):
        assert time.monotonic() < deadline and run.process.poll() is None, run.output
        samples.append(count(demo_db))
        time.sleep(0.1)
    assert len(samples) >= 5, run.output
    assert set(samples) == {0}, samples
    assert run.wait() == 0, run.output
    assert len([line for line in run.lines if "Fetching match lists" in line]) >= 3
    (first_write,) = query(demo_db, "SELECT min(collection_time) FROM matches")[0]
    assert isinstance(first_write, datetime)
    assert (first_write - started_at).total_seconds() >= 1.5, "a row was written in the warm-up"


def test_repeats_update_so_rows_grow_slower_than_matches(
    demo_db: Database, runs: list[Backfill]
) -> None:
    run = start(runs, demo_db.url, matches="40", repeat="0.3")
    assert run.wait() == 0, run.output
    assert "Backfill complete: processed 40 matches" in run.lines[-1]
    processed, inserted, updated = run.summary()
    assert (processed, inserted + updated) == (40, 40)
    assert updated > 0, run.output

    ((rows, distinct_ids, updated_rows, numeric_ids, complete, created),) = query(
        demo_db,
        "SELECT count(*), count(DISTINCT fotmob_id), count(updated_at),"
        " count(*) FILTER (WHERE fotmob_id ~ '^[0-9]{6,}$'),"
        " count(*) FILTER (WHERE home_team IS NOT NULL AND league IS NOT NULL"
        "   AND status IS NOT NULL AND match_time IS NOT NULL AND collection_time IS NOT NULL"
        "   AND data_source = 'fotmob'),"
        " count(created_at) FROM matches",
    )
    assert rows == inserted < 40, "count(*) stands still while matches are updated"
    assert distinct_ids == rows, "a match met again is updated, never inserted twice"
    assert 0 < updated_rows <= updated
    assert numeric_ids == rows
    assert complete == rows
    assert created == 0, "created_at is left NULL, like raw-SQL inserts in the real stack"
    stale = query(
        demo_db,
        "SELECT count(*) FROM matches WHERE updated_at IS NOT NULL"
        " AND updated_at <> collection_time",
    )
    assert stale == [(0,)], "an UPDATE sets collection_time to NOW() too"


def test_the_same_seed_again_updates_every_match(demo_db: Database, runs: list[Backfill]) -> None:
    settings = {"matches": "15", "repeat": "0", "seed": "5"}
    first = start(runs, demo_db.url, **settings)
    assert first.wait() == 0, first.output
    assert first.summary() == (15, 15, 0)
    ids = query(demo_db, "SELECT fotmob_id FROM matches ORDER BY id")

    second = start(runs, demo_db.url, **settings)
    assert second.wait() == 0, second.output
    assert second.summary() == (15, 0, 15)
    assert query(demo_db, "SELECT fotmob_id FROM matches ORDER BY id") == ids
    assert count(demo_db) == 15
    assert demo_db.scalar("SELECT count(updated_at) FROM matches") == 15


def test_an_injected_failure_exits_1_with_a_traceback(
    demo_db: Database, runs: list[Backfill]
) -> None:
    run = start(runs, demo_db.url, fail_after="5", repeat="0")
    assert run.wait() == 1, run.output
    assert "Traceback (most recent call last):" in run.output
    assert any(" ERROR Backfill failed" in line for line in run.lines), run.output
    assert "InjectedFailureError" in run.lines[-1]
    assert count(demo_db) == 5


def test_rate_limits_are_logged_as_warnings(demo_db: Database, runs: list[Backfill]) -> None:
    run = start(runs, demo_db.url, matches="7", rate_limit_every="3", rate_limit_pause="0.2")
    assert run.wait() == 0, run.output
    warnings = [line for line in run.lines if " WARNING " in line]
    assert len(warnings) == 2, run.output
    assert all("HTTP 429 Too Many Requests, cooling down 0.2s" in line for line in warnings)


def test_progress_lines_carry_a_timestamp(demo_db: Database, runs: list[Backfill]) -> None:
    run = start(runs, demo_db.url, matches="20", log_every="10")
    assert run.wait() == 0, run.output
    progress = [line for line in run.lines if " INFO Processed " in line]
    assert len(progress) == 2, run.output
    stamp = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO Processed \d+ matches \(inserted \d+"
    assert all(re.match(stamp, line) for line in progress), progress


# --- stopping -----------------------------------------------------------------------------------


def assert_stopped_cleanly(run: Backfill, database: Database) -> None:
    """The tally the script logs matches the table, and its session is gone."""
    _, inserted, _ = run.summary()
    assert count(database) == inserted
    incomplete = database.scalar(
        "SELECT count(*) FROM matches WHERE home_team IS NULL OR status IS NULL"
        " OR collection_time IS NULL"
    )
    assert incomplete == 0
    sessions = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE application_name = 'backfill_full_history' AND datname = current_database()"
    )
    assert wait_for(lambda: database.scalar(sessions) == 0, timeout=3), "session left open"


def test_sigterm_while_processing_exits_143_within_a_second(
    demo_db: Database, runs: list[Backfill]
) -> None:
    run = start(runs, demo_db.url, rate="600", jitter="0")
    assert wait_for(lambda: count(demo_db) >= 3, timeout=10), run.output
    code, took = run.stop_with(signal.SIGTERM)
    assert code == 143, run.output
    assert took < 1.5, f"took {took:.2f}s to stop"
    assert re.search(r" INFO Received SIGTERM, stopping", run.output), run.output
    assert_stopped_cleanly(run, demo_db)


def test_sigterm_in_the_middle_of_a_match_lets_it_commit(
    demo_db: Database, runs: list[Backfill]
) -> None:
    """A lock holds the script inside a match's transaction while the signal arrives."""
    run = start(runs, demo_db.url)
    assert wait_for(lambda: count(demo_db) >= 3, timeout=10), run.output
    blocker = demo_db.server.connect(demo_db.name)
    blocker.autocommit = False
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE matches IN EXCLUSIVE MODE")  # reads pass, writes wait
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
            " 'backfill_full_history' AND datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        assert wait_for(lambda: demo_db.scalar(waiting) == 1, timeout=5), run.output
        run.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert run.process.poll() is None, "the script left a match in the middle"
        rows_before = count(demo_db)
    finally:
        blocker.commit()
        blocker.close()
    released = time.monotonic()
    code = run.wait(5)
    assert code == 143, run.output
    assert time.monotonic() - released < 1.5
    assert count(demo_db) in {rows_before, rows_before + 1}
    assert_stopped_cleanly(run, demo_db)


def test_sigterm_during_the_warm_up_exits_143_at_once(
    demo_db: Database, runs: list[Backfill]
) -> None:
    run = start(runs, demo_db.url, warmup="60")
    run.wait_for_line("Fetching match lists")
    code, took = run.stop_with(signal.SIGTERM)
    assert code == 143, run.output
    assert took < 1.5, f"took {took:.2f}s to stop"
    assert "Received SIGTERM, stopping: processed 0 matches" in run.output
    assert count(demo_db) == 0


def test_sigterm_during_a_rate_limit_cool_down_exits_143_at_once(
    demo_db: Database, runs: list[Backfill]
) -> None:
    run = start(runs, demo_db.url, rate_limit_every="3", rate_limit_pause="60")
    run.wait_for_line("HTTP 429 Too Many Requests, cooling down 60s")
    code, took = run.stop_with(signal.SIGTERM)
    assert code == 143, run.output
    assert took < 1.5, f"took {took:.2f}s to stop"
    assert count(demo_db) == 3


def test_sigint_exits_130_without_a_keyboardinterrupt(
    demo_db: Database, runs: list[Backfill]
) -> None:
    run = start(runs, demo_db.url, warmup="60")
    run.wait_for_line("Fetching match lists")
    code, _ = run.stop_with(signal.SIGINT)
    assert code == 130, run.output
    assert "Received SIGINT, stopping" in run.output
    assert "Traceback" not in run.output


# --- the database going away --------------------------------------------------------------------


def test_an_unreachable_database_is_retried_then_fails_with_1(runs: list[Backfill]) -> None:
    nowhere = f"postgresql://postgres:pw@127.0.0.1:{closed_port()}/football_prediction"
    run = start(runs, nowhere, db_retries="2", db_backoff="0.1")
    assert run.wait() == 1, run.output
    retries = [line for line in run.lines if " WARNING Database unavailable" in line]
    assert len(retries) == 2, run.output
    assert "retry 2 of 2" in retries[-1]
    assert "Traceback (most recent call last):" in run.output
    assert "DatabaseUnavailableError" in run.lines[-1]


def test_a_database_restart_is_ridden_out(
    own_pg_server: PostgresServer, runs: list[Backfill]
) -> None:
    database = use_demo_schema(Database(own_pg_server, make_database(own_pg_server)))
    run = start(runs, database.url, rate="1200", matches="60", db_retries="6", db_backoff="0.2")
    assert wait_for(lambda: count(database) >= 5, timeout=10), run.output
    own_pg_server.stop()
    time.sleep(0.5)
    own_pg_server.start()
    assert run.wait(30) == 0, run.output
    assert " WARNING Database unavailable" in run.output
    processed, inserted, _ = run.summary()
    assert processed == 60
    assert count(database) == inserted
    assert database.scalar("SELECT count(DISTINCT fotmob_id) FROM matches") == inserted


# --- bad settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEMO_RATE", "fast"),
        ("DEMO_RATE", "0"),
        ("DEMO_RATE", "-30"),
        ("DEMO_RATE", "nan"),
        ("DEMO_JITTER", "1.5"),
        ("DEMO_MATCHES", "ten"),
        ("DEMO_FAIL_AFTER", "2.5"),
        ("DEMO_WARMUP", "-1"),
    ],
)
def test_a_bad_setting_exits_2_with_one_line_naming_it(
    demo_db: Database, runs: list[Backfill], name: str, value: str
) -> None:
    run = start(runs, demo_db.url, **{name.removeprefix("DEMO_").lower(): value})
    assert run.wait() == 2, run.output
    assert len(run.lines) == 1, run.output
    assert " ERROR " in run.lines[0]
    assert f"{name} must be" in run.lines[0]
    assert repr(value) in run.lines[0]
    assert count(demo_db) == 0


def test_a_bad_database_url_is_named_but_never_shown(runs: list[Backfill]) -> None:
    run = start(runs, "hunter2 is not a url")
    assert run.wait() == 2, run.output
    assert len(run.lines) == 1, run.output
    assert "DATABASE_URL is not a valid PostgreSQL URL" in run.lines[0]
    assert "hunter2" not in run.output
