"""A PostgreSQL 15 cluster kept between benchmark runs, with `matches` at 100k, 1M and 10M rows.

Building the 10M-row table takes minutes, so the cluster lives in a persistent directory
(PILOT_BENCH_DIR, default /var/tmp/pilot-bench) and each table is built once, in one
transaction, and marked complete with a table comment only after VACUUM ANALYZE: a run that
was interrupted half-way leaves no table that looks finished. Rows that earlier runs added
are deleted at the start of each run, so every run measures the same sizes.

The server keeps the defaults of the `postgres:15` image where they shape reads
(shared_buffers 128 MB, parallel workers); only bulk-load settings differ (wal_level
minimal, a large max_wal_size, more maintenance_work_mem), which affect the build, not a
sample. Root may not run the server: every server command runs as the `postgres` user.
"""

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import psycopg2
import psycopg2.extensions

PG_BIN = Path("/usr/lib/postgresql/15/bin")
BENCH_DIR = Path(os.environ.get("PILOT_BENCH_DIR", "/var/tmp/pilot-bench"))
# A cluster that listens on loopback only, for a benchmark: not a secret worth a file.
PASSWORD = "pilot-bench"
SIZES: dict[str, int] = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}

# Appended to postgresql.conf once, at initdb. Read-path settings stay at their defaults.
SERVER_SETTINGS = """
# pilot-bench
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
log_line_prefix = '%n [%p] app=%a: '
wal_level = minimal
max_wal_senders = 0
max_wal_size = '8GB'
maintenance_work_mem = '512MB'
"""

# The real table's shape (DESIGN.md): serial key, an indexed fotmob_id, scores, xG, JSON.
# The primary key and the index are added after the load: building them once is faster.
MATCHES_DDL = """
CREATE TABLE matches (
    id serial,
    fotmob_id varchar(50),
    status varchar(20),
    match_time timestamp,
    home_score integer,
    away_score integer,
    home_xg numeric(4, 2),
    away_xg numeric(4, 2),
    stats json,
    data_source varchar(50),
    collection_time timestamp,
    created_at timestamp,
    updated_at timestamp
)
"""

FILL_SQL = """
INSERT INTO matches (id, fotmob_id, status, match_time, home_score, away_score, home_xg,
                     away_xg, stats, data_source, collection_time, created_at, updated_at)
SELECT g, 'fm-' || g, (ARRAY['finished', 'scheduled', 'postponed'])[1 + mod(g, 3)],
       timestamp '2010-01-01' + g * interval '7 minutes', mod(g, 5), mod(g * 7, 4),
       mod(g, 317) / 100.0, mod(g, 211) / 100.0,
       json_build_object('shots', mod(g, 23), 'corners', mod(g, 11),
                         'possession', 35 + mod(g, 30)),
       'fotmob', now(), NULL, now()
FROM generate_series(1, %(rows)s) AS g
"""

# One row as the backfill writes it: serial id, collection_time now(), created_at NULL.
TRICKLE_SQL = """
INSERT INTO matches (fotmob_id, status, match_time, home_score, away_score, home_xg, away_xg,
                     stats, data_source, collection_time, updated_at)
SELECT 'new-' || md5(random()::text), 'finished', now(), 2, 1, 1.35, 0.80,
       '{"shots": 12, "corners": 5, "possession": 54}', 'fotmob', now(), now()
FROM generate_series(1, %(rows)s)
"""


def database_name(label: str) -> str:
    return f"bench_{label.lower()}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*argv: str) -> None:
    """Runs a server program as `postgres`; its output is shown only when it fails."""
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", *argv],
        check=False,
        capture_output=True,
        text=True,
        cwd=BENCH_DIR,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} failed:\n{result.stdout}{result.stderr}")


@dataclass
class Cluster:
    """The running benchmark server: where it listens and how to reach it."""

    port: int
    root: Path = BENCH_DIR

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str) -> str:
        """What the monitor is given: TCP with a password, as it reaches the stack's `db`."""
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg2.extensions.connection:
        """An administrative session over the Unix socket (trusted locally)."""
        connection = psycopg2.connect(
            host=str(self.root), port=self.port, user="postgres", dbname=dbname
        )
        connection.autocommit = True
        return connection

    def psql_argv(self, dbname: str, query: str) -> list[str]:
        """The original script's sample minus docker: psql on the server's local socket."""
        return [
            str(PG_BIN / "psql"),
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            dbname,
            "-tAc",
            query,
        ]

    def version(self) -> str:
        with contextlib.closing(self.connect()) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
        return str(row[0]) if row else "?"

    def stop(self) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


def _initdb() -> None:
    """A new cluster with a superuser password for TCP and trust on the local socket."""
    data = BENCH_DIR / "data"
    shutil.rmtree(data, ignore_errors=True)
    pwfile = BENCH_DIR / "pwfile"
    pwfile.write_text(PASSWORD)
    shutil.chown(pwfile, "postgres", "postgres")
    try:
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
        )
    finally:
        pwfile.unlink()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(SERVER_SETTINGS.format(socket_dir=BENCH_DIR))


_held: list[TextIO] = []


def _hold_the_bench() -> None:
    """One benchmark at a time: a second would stop the first one's server under it."""
    lock = (BENCH_DIR / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise SystemExit(f"bench: another benchmark is using {BENCH_DIR}; wait for it") from None
    _held.append(lock)  # held until the process ends


def start_cluster() -> Cluster:
    """Starts the persistent cluster (made on first use) on a free port.

    A server left running by an interrupted run is stopped first, so its port and settings
    are this run's.
    """
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    shutil.chown(BENCH_DIR, "postgres", "postgres")
    _hold_the_bench()
    if not (BENCH_DIR / "data" / "PG_VERSION").exists():
        _initdb()
    cluster = Cluster(port=_free_port())
    if (cluster.data / "postmaster.pid").exists():
        with contextlib.suppress(RuntimeError):
            cluster.stop()
    cluster.log.unlink(missing_ok=True)
    _as_postgres(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(cluster.data),
        "-l",
        str(cluster.log),
        "-o",
        # Only the postgres user (and root) may use the trusted local socket.
        f"-p {cluster.port} -c unix_socket_permissions=0700",
        "-w",
        "-t",
        "120",
        "start",
    )
    with contextlib.closing(cluster.connect()) as connection, connection.cursor() as cursor:
        # A run that died during the footprint phase may have left statement logging on.
        cursor.execute("ALTER SYSTEM RESET ALL")
        cursor.execute("SELECT pg_reload_conf()")
    return cluster


@dataclass(frozen=True)
class TableSetup:
    label: str
    rows: int
    built: bool  # by this run; else reused
    seconds: float  # this run's set-up of the table
    build_seconds: float  # the build, by this run or the one that made the table
    size_bytes: int


def _marker(rows: int) -> str:
    return f"pilot-bench: {rows} rows, complete"


def _build_seconds(comment: str | None, rows: int) -> float | None:
    """How long the table took to build, from its marker; None: no complete table."""
    if comment is None or not comment.startswith(_marker(rows) + "; built in "):
        return None
    return float(comment.rsplit(" ", 2)[-2])


def _table_comment(cursor: psycopg2.extensions.cursor) -> str | None:
    cursor.execute(
        "SELECT obj_description(to_regclass('matches'), 'pg_class')"
        " WHERE to_regclass('matches') IS NOT NULL"
    )
    row = cursor.fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _ensure_database(cluster: Cluster, dbname: str) -> None:
    with contextlib.closing(cluster.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{dbname}"')  # our own fixed name, not input


def _build(connection: psycopg2.extensions.connection, rows: int) -> float:
    """The table, its data and both indexes in one transaction, then VACUUM ANALYZE.

    VACUUM sets the visibility map, as autovacuum would have on a table that has existed
    for a while; without it the first reads would also pay for setting hint bits. The
    marker comment, written last, records the build time for later runs to report.
    """
    started = time.monotonic()
    connection.autocommit = False
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS matches")
        cursor.execute(MATCHES_DDL)
        cursor.execute(FILL_SQL, {"rows": rows})
        cursor.execute("ALTER TABLE matches ADD PRIMARY KEY (id)")
        cursor.execute("CREATE INDEX ix_matches_fotmob_id ON matches (fotmob_id)")
        cursor.execute("SELECT setval('matches_id_seq', %s)", (rows,))
    connection.commit()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) matches")
        seconds = time.monotonic() - started
        cursor.execute(f"COMMENT ON TABLE matches IS '{_marker(rows)}; built in {seconds:.1f} s'")
    return seconds


def _trim(connection: psycopg2.extensions.connection, rows: int) -> None:
    """Removes what earlier runs added, so each run starts from exactly ``rows`` rows."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM matches WHERE id > %s", (rows,))
        if cursor.rowcount:
            cursor.execute("VACUUM (ANALYZE) matches")


def ensure_table(cluster: Cluster, label: str, rows: int) -> TableSetup:
    """`matches` with exactly ``rows`` rows in its own database, built only when missing."""
    started = time.monotonic()
    dbname = database_name(label)
    _ensure_database(cluster, dbname)
    with contextlib.closing(cluster.connect(dbname)) as connection:
        with connection.cursor() as cursor:
            earlier = _build_seconds(_table_comment(cursor), rows)
        if earlier is not None:
            _trim(connection, rows)
        build = _build(connection, rows) if earlier is None else earlier
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('matches')")
            row = cursor.fetchone()
    size = int(row[0]) if row else 0
    took = time.monotonic() - started
    return TableSetup(label, rows, earlier is None, took, build, size)


@contextlib.contextmanager
def statement_log(cluster: Cluster) -> Iterator[int]:
    """Logs every statement while the block runs; yields the log's offset at its start.

    On only for the footprint phase, so that logging does not slow the latency samples.
    """
    with contextlib.closing(cluster.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("ALTER SYSTEM SET log_statement = 'all'")
        cursor.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)  # the postmaster signals every backend; give them a moment
        try:
            yield cluster.log.stat().st_size
        finally:
            cursor.execute("ALTER SYSTEM RESET log_statement")
            cursor.execute("SELECT pg_reload_conf()")
