"""The table counter against a real PostgreSQL: exact, read-only, and honest about failure."""

import socket
import threading
import time

import psycopg2
import pytest

from monitor.adapters.counter import CountError, TableCounter
from monitor.core.database import parse_database_url
from monitor.core.table import parse_table_name
from tests.integration.harness import Database, PostgresServer, make_database


def _counter(database: Database, table: str = "matches") -> TableCounter:
    target = parse_database_url(database.url, None)
    return TableCounter(target, parse_table_name(table), connect_timeout_s=2, statement_timeout_s=5)


def test_watermark_count_equals_count_star_under_inserts_and_updates(database: Database) -> None:
    database.execute(
        "INSERT INTO matches (fotmob_id) SELECT 'old-' || g FROM generate_series(1, 500) g"
    )
    counter = _counter(database)
    baseline = counter.take_baseline()
    assert (baseline.rows, baseline.key, baseline.watermark) == (500, "id", 500)

    database.execute(
        "INSERT INTO matches (fotmob_id) SELECT 'new-' || g FROM generate_series(1, 37) g"
    )
    database.execute("UPDATE matches SET status = 'finished' WHERE id <= 100")
    database.execute("BEGIN; INSERT INTO matches (fotmob_id) VALUES ('rolled-back'); ROLLBACK")
    assert counter.count(1.0, threading.Event()) == 537
    assert counter.count(1.0, threading.Event()) == database.scalar("SELECT count(*) FROM matches")
    counter.close()


def test_an_empty_table_and_a_table_without_a_key_are_counted_in_full(database: Database) -> None:
    counter = _counter(database)
    assert counter.take_baseline().watermark is None
    database.execute("INSERT INTO matches (fotmob_id) VALUES ('a'), ('b')")
    assert counter.count(1.0, threading.Event()) == 2
    counter.close()

    database.execute("CREATE SCHEMA stats; CREATE TABLE stats.events (name text)")
    database.execute("INSERT INTO stats.events SELECT 'e' FROM generate_series(1, 7)")
    keyless = _counter(database, "stats.events")
    assert keyless.table_exists()
    baseline = keyless.take_baseline()
    assert (baseline.rows, baseline.key) == (7, None)
    database.execute("INSERT INTO stats.events VALUES ('late')")
    assert keyless.count(1.0, threading.Event()) == 8
    keyless.close()


def test_the_monitor_session_cannot_write(database: Database) -> None:
    counter = _counter(database)
    counter.take_baseline()
    connection = counter._connect()
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), connection.cursor() as cursor:
        cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('forbidden')")
    with connection.cursor() as cursor:
        cursor.execute("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        assert cursor.fetchone() == ("pilot-monitor",)
    counter.close()
    assert database.scalar("SELECT count(*) FROM matches WHERE fotmob_id = 'forbidden'") == 0


def test_a_database_outage_is_an_error_never_a_zero(own_pg_server: PostgresServer) -> None:
    database = Database(own_pg_server, make_database(own_pg_server))
    database.execute("INSERT INTO matches (fotmob_id) VALUES ('a')")
    counter = _counter(database)
    counter.take_baseline()
    own_pg_server.stop()
    with pytest.raises(CountError) as failure:
        counter.count(1.0, threading.Event())
    assert str(failure.value)
    own_pg_server.start()
    assert counter.count(5.0, threading.Event()) == 1
    counter.close()


def test_the_time_budget_holds_against_a_server_that_never_answers(database: Database) -> None:
    with socket.socket() as silent:  # accepts connections (kernel backlog), never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        target = parse_database_url(f"postgresql://u:p@127.0.0.1:{port}/db", None)
        counter = TableCounter(
            target, parse_table_name("matches"), connect_timeout_s=30, statement_timeout_s=30
        )
        started = time.monotonic()
        with pytest.raises(CountError):
            counter.count(2.0, threading.Event())
        took = time.monotonic() - started
    assert took < 2.0 + 3.0, f"a 2 s budget took {took:.1f} s"


def test_the_time_budget_holds_against_a_locked_table(database: Database) -> None:
    counter = _counter(database)
    counter.take_baseline()
    locker = database.server.connect(database.name)
    locker.autocommit = False
    with locker.cursor() as cursor:
        cursor.execute("LOCK TABLE matches IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(CountError):
            counter.count(1.5, threading.Event())
        took = time.monotonic() - started
    locker.rollback()
    locker.close()
    assert took < 1.5 + 3.0, f"a 1.5 s budget took {took:.1f} s"
    assert counter.count(5.0, threading.Event()) == 0
    counter.close()
