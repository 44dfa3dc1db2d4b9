"""The demo's read-only role (demo/db/initdb/02-monitor-role.sql) on a real PostgreSQL: the
monitor counts by every strategy as that role, and its session can write nothing."""

import re
import threading
import time

import psycopg2
import psycopg2.errors
import pytest

from monitor.adapters.counter import TableCounter
from monitor.core.counting import Strategy
from monitor.core.database import parse_database_url
from monitor.core.table import parse_table_name
from tests.integration.harness import ROOT, Database

ROLE_SQL = ROOT / "demo/db/initdb/02-monitor-role.sql"
ROLE = "pilot_monitor"
_PASSWORD = re.search(r"PASSWORD '([^']+)'", ROLE_SQL.read_text())
assert _PASSWORD is not None, f"{ROLE_SQL} sets no password"
ROLE_PASSWORD = _PASSWORD.group(1)
REFUSED = (psycopg2.errors.ReadOnlySqlTransaction, psycopg2.errors.InsufficientPrivilege)
WRITES = [
    "INSERT INTO matches (fotmob_id) VALUES ('forbidden')",
    "UPDATE matches SET status = 'forbidden'",
    "DELETE FROM matches",
    "TRUNCATE matches",
    "CREATE TABLE forbidden (x int)",
    "CREATE INDEX forbidden ON matches (status)",
    "ALTER TABLE matches ADD COLUMN forbidden int",
    "DROP TABLE matches",
]


@pytest.fixture
def monitored(database: Database) -> Database:
    """The test database with the role file applied, as the postgres image applies it.

    The role belongs to the whole (session-wide) server: the file is applied again for
    every test database, which it must allow.
    """
    database.execute(ROLE_SQL.read_text())
    database.execute(
        "INSERT INTO matches (fotmob_id) SELECT 'old-' || g FROM generate_series(1, 50) g"
    )
    return database


def _role_url(database: Database) -> str:
    return database.server.url(database.name, user=ROLE, password=ROLE_PASSWORD)


def _counter(
    database: Database, strategy: Strategy = "auto", table: str = "matches"
) -> TableCounter:
    """The monitor's own counter, connected as the role."""
    target = parse_database_url(_role_url(database), None)
    return TableCounter(
        target, parse_table_name(table), connect_timeout_s=2, statement_timeout_s=5,
        strategy=strategy,
    )  # fmt: skip


def test_the_role_file_grants_select_on_matches_and_nothing_else(monitored: Database) -> None:
    monitored.execute(ROLE_SQL.read_text())  # a second run changes nothing and fails nothing
    connection = monitored.server.connect(monitored.name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
            " WHERE grantee = %s",
            (ROLE,),
        )
        assert cursor.fetchall() == [("matches", "SELECT")]
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,"
            " rolconfig, pg_has_role(%s, 'pg_read_all_stats', 'MEMBER')"
            " FROM pg_roles WHERE rolname = %s",
            (ROLE, ROLE),
        )
        assert cursor.fetchone() == (
            False, False, False, False, False, ["default_transaction_read_only=on"], True,
        )  # fmt: skip
        cursor.execute(
            "SELECT has_schema_privilege(%s, 'public', 'CREATE'),"
            " has_database_privilege(%s, current_database(), 'CREATE')",
            (ROLE, ROLE),
        )
        assert cursor.fetchone() == (False, False)
    connection.close()


@pytest.mark.parametrize(
    ("strategy", "resolved"),
    [("auto", "keyset"), ("keyset", "keyset"), ("full", "full"), ("estimate", "estimate")],
)
def test_the_monitor_counts_as_the_role_with_each_strategy(
    monitored: Database, strategy: Strategy, resolved: str
) -> None:
    counter = _counter(monitored, strategy)
    assert counter.table_exists()
    assert counter.check_strategy() == resolved
    baseline = counter.take_baseline()
    assert (baseline.rows, baseline.strategy) == (50, resolved)
    monitored.execute("INSERT INTO matches (fotmob_id) SELECT 'new' FROM generate_series(1, 7)")
    # The estimate reads the statistics, which lag the writes by a second or so.
    deadline = time.monotonic() + 15
    seen = counter.count(2.0, threading.Event())
    while seen != 57 and strategy == "estimate" and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = counter.count(2.0, threading.Event())
    assert seen == 57 == monitored.scalar("SELECT count(*) FROM matches")
    counter.close()


def test_the_monitors_session_as_the_role_cannot_write(monitored: Database) -> None:
    counter = _counter(monitored)
    counter.take_baseline()
    connection = counter._connect()  # the very session the samples are taken on
    for statement in WRITES:
        with pytest.raises(REFUSED), connection.cursor() as cursor:
            cursor.execute(statement)

    # The read-only session is the first wall; the role's grants are the second, and they
    # hold on their own: with read-only lifted, every write is still a permission error.
    connection.set_session(readonly=False)
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = off")
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone() == ("off",)
    for statement in WRITES:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege), connection.cursor() as cursor:
            cursor.execute(statement)
    counter.close()

    assert monitored.scalar("SELECT count(*) FROM matches") == 50
    assert monitored.scalar("SELECT count(*) FROM matches WHERE status = 'forbidden'") == 0
    assert monitored.scalar("SELECT to_regclass('forbidden') IS NULL") is True


def test_a_plain_session_of_the_role_is_read_only_by_default(monitored: Database) -> None:
    """Whatever client connects as the role (psql, a script), not only the monitor."""
    connection = psycopg2.connect(_role_url(monitored))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SHOW default_transaction_read_only")
        assert cursor.fetchone() == ("on",)
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            cursor.execute("INSERT INTO matches (fotmob_id) VALUES ('forbidden')")
    connection.close()


def test_the_role_sees_other_sessions_in_pg_stat_activity(monitored: Database) -> None:
    """pg_read_all_stats: another user's query text, which a plain role sees as
    `<insufficient privilege>`; a later check of what else runs on the database needs it."""
    other = monitored.server.connect(monitored.name)
    with other.cursor() as cursor:
        cursor.execute("SET application_name = 'another-writer'")
        cursor.execute("SELECT 4242")
        pid = other.get_backend_pid()
    counter = _counter(monitored)
    counter.take_baseline()
    with counter._connect().cursor() as cursor:
        cursor.execute(
            "SELECT usename, application_name, query FROM pg_stat_activity WHERE pid = %s",
            (pid,),
        )
        assert cursor.fetchone() == ("postgres", "another-writer", "SELECT 4242")
    counter.close()
    other.close()


def test_the_role_reads_no_other_table(monitored: Database) -> None:
    """SELECT on matches only, and no default privileges: another table needs its own grant."""
    monitored.execute("CREATE TABLE fixtures (id serial PRIMARY KEY, code text)")
    counter = _counter(monitored, table="fixtures")
    assert counter.table_exists()  # the catalogue is visible; the rows are not
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        counter.take_baseline()
    counter.close()
