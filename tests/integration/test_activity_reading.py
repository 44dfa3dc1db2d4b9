"""What the counter reads of the job's activity, against a real PostgreSQL: the table's
statistics, the job's sessions, their open transactions and lock waits, and who blocks them."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions

from monitor.adapters.counter import TableCounter
from monitor.core.activity import Reading
from monitor.core.database import parse_database_url
from monitor.core.records import Changes
from monitor.core.table import parse_table_name
from tests.integration.harness import Database

JOB = "backfill_full_history"


def _counter(
    database: Database,
    job_application: str | None = JOB,
    *,
    url: str | None = None,
    sessions: bool = True,
) -> TableCounter:
    """The monitor's counter of ``matches``, as the database's owner unless ``url`` says."""
    counter = TableCounter(
        parse_database_url(url or database.url, None),
        parse_table_name("matches"),
        connect_timeout_s=2,
        statement_timeout_s=5,
        job_application=job_application,
        sessions=sessions,
    )
    counter.take_baseline()
    return counter


@contextmanager
def _session(database: Database, application: str) -> Iterator[psycopg2.extensions.connection]:
    connection = psycopg2.connect(database.url, application_name=application)
    try:
        yield connection
    finally:
        connection.close()


def _read_until(
    counter: TableCounter, wanted: Callable[[Reading], bool], seconds: float = 15.0
) -> Reading:
    """Counts until the reading shows what is wanted (the statistics lag about a second)."""
    deadline = time.monotonic() + seconds
    while True:
        counter.count(2.0, threading.Event())
        if wanted(counter.reading) or time.monotonic() > deadline:
            return counter.reading
        time.sleep(0.3)


def test_rows_written_are_read_from_the_statistics(database: Database) -> None:
    database.execute(
        "INSERT INTO matches (fotmob_id) SELECT 'old-' || g FROM generate_series(1, 50) g"
    )
    counter = _counter(database)
    before = _read_until(counter, lambda r: r.changes is not None and r.changes.inserted >= 50)
    assert before.changes is not None
    with _session(database, JOB) as job, job.cursor() as cursor:
        cursor.execute("UPDATE matches SET status = 'done' WHERE id <= 40")
        cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('a'), ('b'), ('c'), ('d'), ('e')")
        cursor.execute("DELETE FROM matches WHERE id = 50")
        job.commit()
    base = before.changes
    after = _read_until(
        counter, lambda r: r.changes is not None and r.changes.deleted > base.deleted
    )
    assert after.changes is not None
    assert Changes(
        after.changes.inserted - base.inserted,
        after.changes.updated - base.updated,
        after.changes.deleted - base.deleted,
    ) == Changes(5, 40, 1)
    counter.close()


def test_the_jobs_open_transaction_is_seen_and_other_sessions_are_not(database: Database) -> None:
    counter = _counter(database)
    with _session(database, JOB) as job, _session(database, "someone-else") as other:
        with job.cursor() as cursor:
            cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('in-flight')")
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")
        reading = _read_until(counter, lambda r: bool(r.sessions))
        assert reading.sessions is not None and len(reading.sessions) == 1
        [session] = reading.sessions
        assert (session.application, session.state) == (JOB, "idle in transaction")
        assert session.transaction_s is not None and session.transaction_s >= 0
        assert session.waiting is None and reading.blockers == ()
        job.rollback()
        assert counter.count(2.0, threading.Event()) == 0  # never committed, never counted

    everyone = _counter(database, job_application=None)
    with _session(database, "someone-else"):
        reading = _read_until(everyone, lambda r: bool(r.sessions))
        # every other client session of the database, but never a monitor's own
        assert [s.application for s in reading.sessions or ()] == ["someone-else"]
    everyone.close()
    counter.close()


def test_a_lock_wait_names_the_session_holding_the_lock(database: Database) -> None:
    database.execute("INSERT INTO matches (fotmob_id) VALUES ('contended')")
    counter = _counter(database)
    with _session(database, "lock-holder") as holder, _session(database, JOB) as job:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE matches IN SHARE MODE")  # writers wait, readers do not
            cursor.execute("SELECT pg_backend_pid()")
            holder_pid = cursor.fetchone()[0]  # type: ignore[index]
        writer = threading.Thread(
            target=lambda: job.cursor().execute(
                "INSERT INTO matches (fotmob_id) VALUES ('blocked')"
            ),
            daemon=True,
        )
        writer.start()
        reading = _read_until(counter, lambda r: any(s.waiting for s in r.sessions or ()))
        holder.rollback()
        writer.join(5)
        job.rollback()
    [session] = reading.sessions or ()
    assert session.waiting == "Lock:relation" and session.blocked_by == (holder_pid,)
    [blocker] = reading.blockers
    assert (blocker.pid, blocker.application, blocker.state) == (
        holder_pid,
        "lock-holder",
        "idle in transaction",
    )
    assert blocker.transaction_s is not None
    assert counter.count(2.0, threading.Event()) == 1  # the count itself was never blocked
    counter.close()


def test_without_pg_read_all_stats_the_jobs_session_is_seen_its_state_unknown(
    database: Database,
) -> None:
    """PostgreSQL hides another role's session's state and backend type from a role without
    pg_read_all_stats, not its application_name: the job is there, doing what is unknown."""
    database.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pilot_no_stats')"
        " THEN CREATE ROLE pilot_no_stats LOGIN PASSWORD 'no-stats'; END IF; END $$"
    )
    database.execute("GRANT SELECT ON matches TO pilot_no_stats")
    url = database.server.url(database.name, user="pilot_no_stats", password="no-stats")
    counter = _counter(database, url=url)
    with _session(database, JOB) as job:
        with job.cursor() as cursor:
            cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('in-flight')")
        reading = _read_until(counter, lambda r: bool(r.sessions))
        job.rollback()
    [session] = reading.sessions or ()
    assert (session.application, session.state, session.transaction_s) == (JOB, "", None)
    counter.close()


def test_another_tables_counter_reads_the_statistics_alone(database: Database) -> None:
    """PILOT_TABLES' counters need only the counters: no look at pg_stat_activity."""
    counter = _counter(database, sessions=False)
    database.execute("INSERT INTO matches (fotmob_id) VALUES ('a'), ('b')")
    with _session(database, JOB):
        reading = _read_until(counter, lambda r: r.changes is not None and r.changes.inserted >= 2)
    assert reading.changes is not None and reading.changes.inserted >= 2
    assert (reading.sessions, reading.blockers) == (None, ())
    counter.close()
