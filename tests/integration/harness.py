"""The test stack's parts: a throwaway PostgreSQL, a container labelled like compose's app,
and the monitor run as a user runs it (`python -m monitor`, settings in the environment)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import docker
import psycopg2

ROOT = Path(__file__).resolve().parents[2]


JOB_DIR = Path(__file__).resolve().parent / "job"


PG_BIN = Path("/usr/lib/postgresql/15/bin")


SUPERUSER_PASSWORD = "it-Sup3r-s3cret"


BASE_IMAGE = os.environ.get("BASE_IMAGE_TAG", "pilot-local/python:3.11-slim")


MATCHES_DDL = """
CREATE TABLE matches (
    id serial PRIMARY KEY,
    fotmob_id varchar(50),
    status varchar(20),
    match_time timestamp,
    home_score integer,
    away_score integer,
    data_source varchar(50),
    collection_time timestamp,
    created_at timestamp,
    updated_at timestamp
);
CREATE INDEX ix_matches_fotmob_id ON matches (fotmob_id);
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A throwaway cluster on loopback, run as the postgres user (root may not run it)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pilot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(SUPERUSER_PASSWORD)
        shutil.chown(pwfile, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
            "--no-sync",
            "-E",
            "UTF8",
        )
        pwfile.unlink()

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            capture_output=True,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str, user: str = "postgres", password: str = SUPERUSER_PASSWORD) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> "psycopg2.extensions.connection":
        connection = psycopg2.connect(self.url(dbname))
        connection.autocommit = True
        return connection


def make_database(server: PostgresServer) -> str:
    name = f"fp_{uuid.uuid4().hex[:10]}"
    admin = server.connect()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    connection = server.connect(name)
    with connection.cursor() as cursor:
        cursor.execute(MATCHES_DDL)
    connection.close()
    return name


@dataclass
class Database:
    server: PostgresServer
    name: str

    @property
    def url(self) -> str:
        return self.server.url(self.name)

    def scalar(self, query: str) -> object:
        connection = self.server.connect(self.name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query)
                row = cursor.fetchone()
                return row[0] if row else None
        finally:
            connection.close()

    def execute(self, query: str) -> None:
        connection = self.server.connect(self.name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query)
        finally:
            connection.close()


@dataclass
class App:
    """A container labelled like a compose stack's `app` service."""

    container: "docker.models.containers.Container"
    project: str

    def processes(self) -> list[str]:
        """Command lines of every process in the container except PID 1 and this probe."""
        probe = (
            "import os\n"
            "for pid in os.listdir('/proc'):\n"
            "    if pid.isdigit() and pid not in ('1', str(os.getpid())):\n"
            "        try:\n"
            "            print(open(f'/proc/{pid}/cmdline').read().replace('\\0', ' ').strip())\n"
            "        except OSError:\n"
            "            pass\n"
        )
        result = self.container.exec_run(["python3", "-c", probe])
        assert result.exit_code == 0, result.output
        return [line for line in result.output.decode().splitlines() if line]

    def job_processes(self) -> list[str]:
        return [line for line in self.processes() if "insert_rows" in line or "sleep 1000" in line]


def start_app(
    client: "docker.DockerClient", image: str, prefix: str, volumes: dict[str, dict[str, str]]
) -> App:
    """A container labelled like a compose stack's `app` service, on the host network (it
    reaches the loopback PostgreSQL), with ``volumes`` as docker-py takes them."""
    project = f"{prefix}{uuid.uuid4().hex[:8]}"
    container = client.containers.run(
        image,
        ["sleep", "infinity"],
        detach=True,
        name=f"{project}-app-1",
        network_mode="host",
        volumes=volumes,
        labels={
            "com.docker.compose.project": project,
            "com.docker.compose.service": "app",
            "com.docker.compose.container-number": "1",
            "com.docker.compose.oneoff": "False",
        },
    )
    return App(container, project)


def monitor_env(database: Database, app: App, logs: Path, **settings: str) -> dict[str, str]:
    """The environment of a `python -m monitor` run against the test stack."""
    job_env = f"JOB_DSN={database.url} " + settings.pop("job_env", "JOB_RATE=10")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PILOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        PILOT_SECRETS_DIR=str(logs / "no-secrets"),
        PILOT_COMPOSE_PROJECT=app.project,
        PILOT_DATABASE_URL=database.url,
        PILOT_COMMAND="python /job/insert_rows.py",
        PILOT_JOB_ENV=job_env,
        PILOT_LOGS_DIR=str(logs),
        PILOT_DURATION="6s",
        PILOT_INTERVAL="2s",
        PILOT_STOP_GRACE="3s",
    )
    env.update({f"PILOT_{key.upper()}": value for key, value in settings.items()})
    return env


def run_monitor(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        check=False,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_monitor(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def wait_for(predicate, timeout: float, step: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def follow(monitor: subprocess.Popen[str]) -> tuple[list[str], threading.Thread]:
    """The monitor's console lines, collected by a thread as they come."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(monitor.stdout or []), daemon=True)
    reader.start()
    return lines, reader
