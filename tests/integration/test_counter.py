"""The table counter against a real PostgreSQL: exact, read-only, and honest about failure."""

import socket
import threading
import time

import psycopg2
import pytest

from monitor.adapters.counter import CountError, StrategyError, TableCounter
from monitor.core.counting import Strategy
from monitor.core.database import parse_database_url
from monitor.core.table import parse_table_name
from tests.integration.harness import Database, PostgresServer, make_database


def _insert(database: Database, prefix: str, rows: int) -> None:
    database.execute(
        f"INSERT INTO matches (fotmob_id) SELECT '{prefix}-' || g FROM generate_series(1, {rows}) g"
    )


def _counter(
    database: Database, table: str = "matches", strategy: Strategy = "auto"
) -> TableCounter:
    target = parse_database_url(database.url, None)
    return TableCounter(
        target, parse_table_name(table), connect_timeout_s=2, statement_timeout_s=5,
        strategy=strategy,
    )  # fmt: skip


def test_watermark_count_equals_count_star_under_inserts_and_updates(database: Database) -> None:
    _insert(database, "old", 500)
    counter = _counter(database)
    baseline = counter.take_baseline()
    assert (baseline.rows, baseline.strategy, baseline.key, baseline.watermark) == (
        500,
        "keyset",
        "id",
        500,
    )

    _insert(database, "new", 37)
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
    assert (baseline.rows, baseline.strategy, baseline.key) == (7, "full", None)
    database.execute("INSERT INTO stats.events VALUES ('late')")
    assert keyless.count(1.0, threading.Event()) == 8
    keyless.close()


def test_keyset_and_full_read_the_tables_size_in_the_counts_statement(
    database: Database,
) -> None:
    _insert(database, "old", 300)
    expected = "SELECT pg_total_relation_size('matches'::regclass)"
    for strategy in ("keyset", "full"):
        counter = _counter(database, strategy=strategy)  # type: ignore[arg-type]
        counter.take_baseline()
        assert counter.table_bytes is None  # the baseline reads no size
        assert counter.count(1.0, threading.Event()) == 300
        assert counter.table_bytes == database.scalar(expected) > 0
        counter.close()
    estimate = _counter(database, strategy="estimate")
    estimate.take_baseline()
    assert estimate.count(1.0, threading.Event()) == 300
    assert estimate.table_bytes is None  # statistics only: no lock taken, no size read
    estimate.close()


def test_a_view_has_no_size_of_its_own(database: Database) -> None:
    database.execute("CREATE VIEW recent AS SELECT * FROM matches")
    _insert(database, "v", 3)
    counter = _counter(database, "recent")
    counter.take_baseline()
    assert counter.count(1.0, threading.Event()) == 3
    assert counter.table_bytes is None  # 0 from PostgreSQL: not a size to project
    counter.close()


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


def _count_star(database: Database) -> int:
    return int(database.scalar("SELECT count(*) FROM matches"))  # type: ignore[call-overload]


@pytest.mark.parametrize("strategy", ["keyset", "full", "auto"])
def test_exact_strategies_equal_count_star_while_others_write(
    database: Database, strategy: Strategy
) -> None:
    """Inserts, updates, deletes of new rows, a rollback and a transaction still open."""
    _insert(database, "old", 500)
    counter = _counter(database, strategy=strategy)
    assert counter.take_baseline().rows == 500
    writer = database.server.connect(database.name)
    writer.autocommit = False

    def write(statement: str) -> None:
        with writer.cursor() as cursor:
            cursor.execute(statement)

    def agrees() -> None:
        assert counter.count(2.0, threading.Event()) == _count_star(database)

    steps = [
        "INSERT INTO matches (fotmob_id) SELECT 'new-' || g FROM generate_series(1, 37) g",
        "UPDATE matches SET status = 'finished' WHERE id % 3 = 0",
        "DELETE FROM matches WHERE id IN (SELECT id FROM matches WHERE id > 500 LIMIT 5)",
    ]
    for statement in steps:
        write(statement)
        writer.commit()
        agrees()
    write("INSERT INTO matches (fotmob_id) SELECT 'gone' FROM generate_series(1, 10)")
    writer.rollback()
    agrees()
    write("INSERT INTO matches (fotmob_id) SELECT 'open' FROM generate_series(1, 7)")
    agrees()  # seven rows in a transaction not yet committed: not there for anyone
    writer.commit()
    agrees()
    assert _count_star(database) == 500 + 37 - 5 + 7
    writer.close()
    counter.close()


def test_keyset_counts_rows_of_a_transaction_open_at_the_start(database: Database) -> None:
    """Its keys are below the watermark that a later writer set; it commits after the start."""
    _insert(database, "old", 10)
    early = database.server.connect(database.name)
    early.autocommit = False
    with early.cursor() as cursor:
        cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('early')")  # id 11, open
    database.execute("INSERT INTO matches (fotmob_id) VALUES ('late')")  # id 12, committed
    counter = _counter(database, strategy="keyset")
    taking = threading.Thread(target=counter.take_baseline)
    taking.start()
    time.sleep(0.5)  # the baseline waits for the open transaction
    early.commit()
    early.close()
    taking.join()
    assert (counter.baseline.watermark, counter.baseline.settled) == (12, True)
    assert counter.count(2.0, threading.Event()) == _count_star(database) == 12
    counter.close()


def test_keyset_says_so_when_a_transaction_outlives_the_wait(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("monitor.adapters.counter.SETTLE_S", 0.5)
    idle = database.server.connect(database.name)
    idle.autocommit = False
    with idle.cursor() as cursor:
        cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('held')")
    database.execute("INSERT INTO matches (fotmob_id) VALUES ('late')")
    counter = _counter(database, strategy="keyset")
    baseline = counter.take_baseline()
    idle.rollback()
    idle.close()
    assert baseline.settled is False
    assert "a transaction open at the start outlived a 0.5s wait" in baseline.describe()
    counter.close()


def test_keyset_does_not_see_older_rows_deleted(database: Database) -> None:
    """The documented limit of keyset; full sees the delete."""
    _insert(database, "old", 50)
    keyset, full = _counter(database, strategy="keyset"), _counter(database, strategy="full")
    keyset.take_baseline(), full.take_baseline()
    database.execute("DELETE FROM matches WHERE id <= 10")
    assert keyset.count(2.0, threading.Event()) == 50
    assert full.count(2.0, threading.Event()) == 40 == _count_star(database)
    keyset.close(), full.close()


def test_the_estimate_catches_up_with_count_star(database: Database) -> None:
    _insert(database, "old", 300)
    counter = _counter(database, strategy="estimate")
    baseline = counter.take_baseline()
    assert (baseline.rows, baseline.strategy) == (300, "estimate")
    assert "estimate" in baseline.describe()
    _insert(database, "new", 40)
    database.execute("DELETE FROM matches WHERE id <= 15")
    database.execute("UPDATE matches SET status = 'done'")
    expected = 300 + 40 - 15
    assert _count_star(database) == expected
    deadline = time.monotonic() + 15
    seen = counter.count(2.0, threading.Event())
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = counter.count(2.0, threading.Event())
    assert seen == expected
    database.execute("SELECT pg_stat_reset_single_table_counters('matches'::regclass)")
    with pytest.raises(CountError, match="statistics were reset"):
        counter.count_once(counter.baseline, 2.0)
    counter.close()


def test_estimate_of_a_partitioned_table_is_refused(database: Database) -> None:
    database.execute("CREATE TABLE seasons (year int) PARTITION BY RANGE (year)")
    counter = _counter(database, "seasons", strategy="estimate")
    with pytest.raises(StrategyError, match="estimate needs a plain table"):
        counter.check_strategy()
    counter.close()


def test_keyset_without_an_integer_key_is_refused(database: Database) -> None:
    database.execute("CREATE TABLE keyless (name text)")
    counter = _counter(database, "keyless", strategy="keyset")
    with pytest.raises(StrategyError, match="keyset needs a single integer primary key"):
        counter.check_strategy()
    counter.close()
    for table, asked, resolved in [
        ("keyless", "full", "full"),
        ("keyless", "auto", "full"),
        ("matches", "auto", "keyset"),
    ]:
        counter = _counter(database, table, strategy=asked)  # type: ignore[arg-type]
        assert counter.check_strategy() == resolved
        counter.close()
