"""Counting the watched table in PostgreSQL: one read-only session, exact and cheap.

At the start the counter takes the row count once. How each sample counts after that is
the strategy (PILOT_COUNT_STRATEGY):

- keyset: with a single integer primary key, the largest key at the start (the watermark)
  is noted, and each sample counts only the rows past it, through the key's index, added
  to the starting count. Its cost follows the pilot's inserts, not the table's size, and it
  is exact for a backfill that inserts (deletes of rows older than the start are not seen);
- full: count(*) of the whole table each sample: exact, and as slow as the table is big;
- estimate: the starting count plus the rows inserted minus the rows deleted since, from
  the table's statistics (pg_stat): nearly free at any size, but an estimate;
- auto: keyset where the table allows it, else full.

Each sample is one statement. With the count it reads what the job does in the database
(see ``monitor.core.activity``): the table's statistics counters, and the job's sessions in
pg_stat_activity (those with PILOT_JOB_APPLICATION as their application_name, or else every
other client session of the database but the monitors'), with the sessions their lock
waits are blocked by. Seeing other users' sessions takes pg_read_all_stats; without it,
their state reads as unknown. The counter of another watched table (PILOT_TABLES) reads
the counters only.

keyset and full also read the table's size on disk (pg_total_relation_size: its files'
sizes, indexes and TOAST included), for the report's size at the end. It takes no lock the
count does not already take on the table (an ACCESS SHARE on its indexes and TOAST too,
which only a DROP or a plain REINDEX of an index waits for), and no privilege. estimate
leaves it out: it reads only statistics, and locks nothing.

Every wait on the server goes through a psycopg2 wait callback that select()s in short
steps, so a time budget holds on the client side even when the server never answers (a
paused container, a lost network), a stop request ends the wait, and the monitor's signal
handlers run meanwhile. Server-side timeouts alone cannot promise that.
"""

import math
import select
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from monitor.core.activity import Reading
from monitor.core.counting import Strategy
from monitor.core.database import DatabaseTarget
from monitor.core.records import Changes, Session
from monitor.core.table import TableName

APPLICATION_NAME = "pilot-monitor"
_INTEGER_TYPES = ("smallint", "integer", "bigint")
SETTLE_S = 10.0  # longest wait at the start for the transactions open then to end


_limits = threading.local()
_WAIT_STEP_S = 0.2
_UNBOUNDED_WAIT_S = 60.0  # for a connection used outside _bounded(): never wait forever


def _wait(connection: psycopg2.extensions.connection) -> None:
    """psycopg2's wait callback, bounded by the deadline and cancel event of _bounded()."""
    until: float = getattr(_limits, "until", None) or time.monotonic() + _UNBOUNDED_WAIT_S
    cancel: threading.Event | None = getattr(_limits, "cancel", None)
    while True:
        state = connection.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if state == psycopg2.extensions.POLL_READ:
            readers, writers = [connection.fileno()], []
        elif state == psycopg2.extensions.POLL_WRITE:
            readers, writers = [], [connection.fileno()]
        else:
            raise psycopg2.OperationalError(f"unexpected connection state {state}")
        left = until - time.monotonic()
        if left <= 0:
            raise psycopg2.OperationalError("the database did not answer in time")
        step = min(_WAIT_STEP_S, left)
        if cancel is not None and cancel.is_set():
            raise psycopg2.OperationalError("cancelled: the pilot is stopping")
        select.select(readers, writers, [], step)


@contextmanager
def _bounded(seconds: float, cancel: threading.Event | None = None) -> Iterator[None]:
    _limits.until, _limits.cancel = time.monotonic() + seconds, cancel
    try:
        yield
    finally:
        _limits.until, _limits.cancel = None, None


class CountError(Exception):
    """No count could be had within the time allowed; the sample is missing, never zero."""


class StrategyError(Exception):
    """The table does not allow the counting strategy asked for."""


@dataclass(frozen=True)
class Baseline:
    rows: int
    strategy: Strategy  # as resolved: keyset, full or estimate
    key: str | None = None
    watermark: int | None = None
    changes: tuple[int, int] | None = None  # the statistics' (inserted, deleted) at the start
    settled: bool = True  # every transaction open at the watermark had ended before the count

    def to_dict(self) -> dict[str, Any]:
        """For the journal, from which a restarted monitor takes the baseline up again."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Baseline":
        changes = data.get("changes")
        return cls(
            rows=int(data["rows"]),
            strategy=data["strategy"],
            key=data.get("key"),
            watermark=data.get("watermark"),
            changes=(int(changes[0]), int(changes[1])) if changes else None,
            settled=bool(data.get("settled", True)),
        )

    def describe(self) -> str:
        if self.strategy == "estimate":
            return (
                "estimate: initial count plus rows inserted minus rows deleted since, from the"
                " table's statistics (not exact: they lag by a second or more and count rolled-"
                "back inserts)"
            )
        if self.strategy == "full":
            return "count(*) of the whole table each sample (exact)"
        if self.watermark is None:
            return "count(*) each sample (exact; the table was empty at the start)"
        caveat = (
            ""
            if self.settled
            else f"; a transaction open at the start outlived a {SETTLE_S:g}s wait, and rows"
            f" it commits with {self.key} <= {self.watermark} are not counted"
        )
        return (
            f"initial count plus rows with {self.key} > {self.watermark} through the primary"
            f" key's index (exact for inserts; deletes of older rows are not seen{caveat})"
        )


class TableCounter:
    def __init__(
        self,
        target: DatabaseTarget,
        table: TableName,
        connect_timeout_s: float,
        statement_timeout_s: float,
        strategy: Strategy = "auto",
        *,
        job_application: str | None = None,
        sessions: bool = True,
    ) -> None:
        """``sessions``: whether each sample looks for the job's sessions too (False: the
        table's statistics counters only, for PILOT_TABLES)."""
        psycopg2.extensions.set_wait_callback(_wait)
        self.strategy = strategy
        self._job_application = job_application
        self._sessions = sessions
        self._target = target
        self._table = table
        self._connect_timeout = max(1, round(connect_timeout_s))
        self._statement_timeout_ms = max(1, round(statement_timeout_s * 1000))
        self._connection: psycopg2.extensions.connection | None = None
        self._session_timeout_ms = self._statement_timeout_ms
        self.baseline = Baseline(rows=0, strategy="full")
        # The table's bytes as the last count read them; None: not read (estimate, a failure).
        self.table_bytes: int | None = None
        # The job's activity as read with the last count; empty: not read.
        self.reading = Reading()

    @property
    def name(self) -> str:
        return str(self._table)

    def _connect(self, within_s: float | None = None) -> psycopg2.extensions.connection:
        """The session, opened if needed; ``within_s`` caps the connect time of this attempt."""
        if self._connection is None or self._connection.closed:
            timeout = self._connect_timeout
            if within_s is not None:
                timeout = max(1, min(timeout, math.ceil(within_s)))
            connection = psycopg2.connect(
                host=self._target.host,
                port=self._target.port,
                dbname=self._target.dbname,
                user=self._target.user,
                password=self._target.password.get_secret_value(),
                connect_timeout=timeout,
                application_name=APPLICATION_NAME,
                options=f"-c statement_timeout={self._statement_timeout_ms}"
                " -c lock_timeout=5000 -c idle_in_transaction_session_timeout=60000",
            )
            connection.set_session(readonly=True, autocommit=True)
            self._connection = connection
            self._session_timeout_ms = self._statement_timeout_ms
        return self._connection

    def _limit(self, cursor: psycopg2.extensions.cursor, within_s: float) -> None:
        """Lowers the statement timeout when less time is left than it allows (and back).

        Whole seconds keep the value stable from one sample to the next: no SET per sample.
        """
        wanted = min(self._statement_timeout_ms, max(1, math.floor(within_s)) * 1000)
        if wanted != self._session_timeout_ms:
            cursor.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(wanted)))
            self._session_timeout_ms = wanted

    def close(self) -> None:
        if self._connection is not None and not self._connection.closed:
            self._connection.close()
        self._connection = None

    def _relation(self) -> sql.Composable:
        if self._table.schema:
            return sql.SQL("{}.{}").format(
                sql.Identifier(self._table.schema), sql.Identifier(self._table.name)
            )
        return sql.Identifier(self._table.name)

    def table_exists(self) -> bool:
        with self._bounded_once(), self._connect().cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (self._regclass_text(),))
            row = cursor.fetchone()
        return bool(row and row[0])

    def readable(self) -> bool:
        """Whether the monitor's database user may read the table (an existing one)."""
        with self._bounded_once(), self._connect().cursor() as cursor:
            cursor.execute(
                "SELECT has_table_privilege(to_regclass(%s), 'SELECT')", (self._regclass_text(),)
            )
            row = cursor.fetchone()
        return bool(row and row[0])

    def _bounded_once(self) -> AbstractContextManager[None]:
        """One connect and one statement's worth of time, for the checks before the start."""
        return _bounded(self._connect_timeout + self._statement_timeout_ms / 1000)

    def _regclass_text(self) -> str:
        return str(self._relation().as_string(self._connect()))

    def take_baseline(self) -> Baseline:
        """Counts the table once and fixes what every later sample is measured against."""
        with self._bounded_once():
            self.baseline = self._measure_baseline()
        return self.baseline

    def check_strategy(self) -> Strategy:
        """The strategy the samples will use (auto resolved); StrategyError when the table
        cannot be counted the way that was asked."""
        if self.strategy in ("keyset", "auto"):
            with self._bounded_once(), self._connect().cursor() as cursor:
                return "keyset" if self._keyset_key(cursor) is not None else "full"
        if self.strategy == "estimate":
            with self._bounded_once(), self._connect().cursor() as cursor:
                cursor.execute(
                    "SELECT c.relkind, current_setting('track_counts') FROM pg_class c"
                    " WHERE c.oid = %s::regclass",
                    (self._regclass_text(),),
                )
                kind, tracking = _row(cursor)
                if kind != "r":
                    raise StrategyError(
                        f"estimate needs a plain table, and {self._table} is not one (a"
                        " partitioned table's or a view's statistics do not move)"
                    )
                if tracking != "on":
                    raise StrategyError("estimate needs the server's track_counts to be on")
        return self.strategy

    def _changes(self, cursor: psycopg2.extensions.cursor) -> tuple[int, int]:
        """The table's inserted and deleted row counters in the statistics; they never go
        down but on a reset, unlike the live-tuple count that VACUUM and ANALYZE rewrite."""
        cursor.execute(
            "SELECT pg_stat_get_tuples_inserted(c.oid), pg_stat_get_tuples_deleted(c.oid)"
            " FROM pg_class c WHERE c.oid = %s::regclass",
            (self._regclass_text(),),
        )
        inserted, deleted = _row(cursor)
        return int(inserted), int(deleted)

    def _keyset_key(self, cursor: psycopg2.extensions.cursor) -> str | None:
        """The key keyset counts by: None for full and estimate, or when auto finds none."""
        if self.strategy in ("full", "estimate"):
            return None
        key = self._integer_key(cursor)
        if key is None and self.strategy == "keyset":
            raise StrategyError(
                f"keyset needs a single integer primary key, and {self._table} has none"
            )
        return key

    def _integer_key(self, cursor: psycopg2.extensions.cursor) -> str | None:
        cursor.execute(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = to_regclass(%s) AND i.indisprimary
            """,
            (self._regclass_text(),),
        )
        keys = cursor.fetchall()
        return str(keys[0][0]) if len(keys) == 1 and keys[0][1] in _INTEGER_TYPES else None

    def _measure_baseline(self) -> Baseline:
        with self._connect().cursor() as cursor:
            key = self._keyset_key(cursor)
            if key is not None:
                return self._keyset_baseline(cursor, key)
            if self.strategy == "estimate":
                cursor.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(self._relation()),
                )
                rows = int(_row(cursor)[0])
                return Baseline(rows, "estimate", changes=self._changes(cursor))
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(self._relation()))
            return Baseline(int(_row(cursor)[0]), "full")

    def _keyset_baseline(self, cursor: psycopg2.extensions.cursor, key: str) -> Baseline:
        """The watermark, then the count of the rows up to it once no writer can add more.

        A transaction open at the watermark may hold keys below it and commit later: the
        rows up to the watermark are counted only after every transaction open then has
        ended (or SETTLE_S has passed, which the description then says).
        """
        cursor.execute(
            sql.SQL(
                "SELECT max({key}), pg_snapshot_xmax(pg_current_snapshot())::text FROM {table}"
            ).format(key=sql.Identifier(key), table=self._relation())
        )
        watermark, horizon = _row(cursor)
        settled = self._settle(cursor, horizon)
        if watermark is None:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(self._relation()))
        else:
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {table} WHERE {key} <= %s").format(
                    table=self._relation(), key=sql.Identifier(key)
                ),
                (watermark,),
            )
        rows = int(_row(cursor)[0])
        return Baseline(rows, "keyset", key=key, watermark=watermark, settled=settled)

    def _settle(self, cursor: psycopg2.extensions.cursor, horizon: str) -> bool:
        """Waits until every transaction open at ``horizon`` has ended; False if SETTLE_S passed."""
        deadline = time.monotonic() + SETTLE_S
        while True:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= %s::xid8", (horizon,))
            if _row(cursor)[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def count_once(self, baseline: Baseline, within_s: float) -> int:
        """The table's rows now, by the baseline's strategy, in about ``within_s``, in one
        statement that reads with them the table's size (``table_bytes``; keyset and full),
        its statistics counters and the job's sessions (``reading``)."""
        self.table_bytes = None
        self.reading = Reading()
        estimate = baseline.strategy == "estimate" and baseline.changes is not None
        with self._connect(within_s).cursor() as cursor:
            self._limit(cursor, within_s)
            cursor.execute(
                self._sample_statement(baseline, estimate),
                {
                    "table": self._regclass_text(),
                    "watermark": baseline.watermark,
                    "monitor": APPLICATION_NAME,
                    "application": self._job_application,
                },
            )
            rows, table_bytes, inserted, updated, deleted, sessions, blockers = _row(cursor)
        changes = None if inserted is None else Changes(int(inserted), int(updated), int(deleted))
        self.reading = Reading(
            changes,
            tuple(_session(item) for item in sessions or ()) if self._sessions else None,
            tuple(_session(item) for item in blockers or ()),
        )
        if estimate:
            return self._estimate(baseline, changes)
        self.table_bytes = None if table_bytes is None else int(table_bytes)
        return int(rows) + (baseline.rows if baseline.key is not None else 0)

    def _sample_statement(self, baseline: Baseline, estimate: bool) -> sql.Composed:
        """``_SAMPLE`` for this table and strategy: keyset counts past the watermark, full the
        whole table, estimate nothing (the counters are its count); the job's sessions only
        for the pilot's own table."""
        if estimate:
            count: sql.Composable = sql.SQL("NULL::bigint")
        elif baseline.key is not None and baseline.watermark is not None:
            count = sql.SQL("(SELECT count(*) FROM {table} WHERE {key} > %(watermark)s)").format(
                table=self._relation(), key=sql.Identifier(baseline.key)
            )
        else:
            count = sql.SQL("(SELECT count(*) FROM {table})").format(table=self._relation())
        return sql.SQL(_SAMPLE).format(
            job=sql.SQL(_JOB if self._sessions else ""),
            count=count,
            size=sql.SQL("NULL::bigint" if estimate else _SIZE),
            sessions=sql.SQL(_SESSIONS if self._sessions else "NULL::json"),
            blockers=sql.SQL(_BLOCKERS if self._sessions else "NULL::json"),
        )

    def _estimate(self, baseline: Baseline, changes: Changes | None) -> int:
        """The starting count plus the rows inserted minus those deleted since."""
        assert baseline.changes is not None
        inserted_then, deleted_then = baseline.changes
        if changes is None:
            raise CountError("the table has no statistics: no estimate")
        if changes.inserted < inserted_then or changes.deleted < deleted_then:
            raise CountError("the table's statistics were reset since the start: no estimate")
        return baseline.rows + (changes.inserted - inserted_then) - (changes.deleted - deleted_then)

    def count(self, seconds: float, cancel: threading.Event) -> int:
        """Retries with backoff (reconnecting) until ``seconds`` are spent; then CountError.

        Each attempt's connect and statement timeouts are cut to the time left, so the
        budget holds against a server that hangs; ``cancel`` cuts the back-off short, so a
        stop request is never held up by a retry.
        """
        deadline = time.monotonic() + seconds
        delay = 0.25
        self.reading = Reading()
        while True:
            left = max(0.1, deadline - time.monotonic())
            try:
                with _bounded(left, cancel):
                    rows = self.count_once(self.baseline, left)
            except psycopg2.Error as error:
                self.close()
                reason = _reason(error)
            else:
                return rows
            if time.monotonic() + delay > deadline or cancel.wait(delay):
                raise CountError(reason)
            delay = min(delay * 2, 5.0)


# One statement a sample: the count (keyset's past the watermark, or the whole table's), the
# table's size on disk (0: a view or a partitioned parent, which have no files of their own),
# its statistics counters, and the job's sessions: PILOT_JOB_APPLICATION's, or every client
# session of this database but the monitors' own, with the sessions their lock waits are
# blocked by (lock waits only: waits on I/O or the client are work, not blocking). Without
# pg_read_all_stats, another role's session shows its user, database and application_name,
# but a NULL backend_type and state: it is kept, its state unknown. A background worker has
# no user.
_SAMPLE = """{job}
SELECT {count}, {size},
       pg_stat_get_tuples_inserted(c.oid), pg_stat_get_tuples_updated(c.oid),
       pg_stat_get_tuples_deleted(c.oid), {sessions}, {blockers}
FROM pg_class c WHERE c.oid = %(table)s::regclass
"""
_SIZE = "NULLIF(pg_total_relation_size(c.oid), 0)"
_JOB = """WITH job AS (
    SELECT a.pid, a.application_name, coalesce(a.state, '') AS state,
           extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS transaction_s,
           extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS state_s,
           CASE WHEN a.wait_event_type = 'Lock' THEN 'Lock:' || a.wait_event END AS waiting,
           CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by
    FROM pg_stat_activity a
    WHERE a.datname = current_database()
      AND (a.backend_type = 'client backend'
           OR (a.backend_type IS NULL AND a.usesysid IS NOT NULL))
      AND a.pid <> pg_backend_pid() AND a.application_name <> %(monitor)s
      AND (%(application)s::text IS NULL OR a.application_name = %(application)s)
)"""
_SESSIONS = "(SELECT json_agg(job ORDER BY job.pid) FROM job)"
_BLOCKERS = """(SELECT json_agg(json_build_object(
            'pid', b.pid, 'application_name', b.application_name,
            'state', coalesce(b.state, ''),
            'transaction_s', extract(epoch FROM clock_timestamp() - b.xact_start)::float8,
            'state_s', extract(epoch FROM clock_timestamp() - b.state_change)::float8)
        ORDER BY b.pid)
    FROM pg_stat_activity b
    WHERE b.pid IN (SELECT unnest(job.blocked_by) FROM job))"""


def _session(item: dict[str, Any]) -> Session:
    return Session(
        pid=int(item["pid"]),
        application=str(item.get("application_name") or ""),
        state=str(item.get("state") or ""),
        transaction_s=item.get("transaction_s"),
        state_s=item.get("state_s"),
        waiting=item.get("waiting"),
        blocked_by=tuple(item.get("blocked_by") or ()),
    )


def _row(cursor: psycopg2.extensions.cursor) -> tuple[Any, ...]:
    row = cursor.fetchone()
    assert row is not None  # an aggregate always returns one row
    return tuple(row)


def _reason(error: psycopg2.Error) -> str:
    """First line of the server's or libpq's message: it names hosts, never passwords."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
