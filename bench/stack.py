"""The pilot's surroundings for the end-to-end measurements, as the integration tests build
them: a container labelled like a compose stack's `app` service (from the local base image,
which has python3 and psycopg2) and the monitor run as a user runs it, `python -m monitor
run` with PILOT_* settings in its environment. The test harness's pieces are reused so the
benchmark measures the monitor exactly as the tests exercise it.
"""

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import docker

from monitor.adapters.journal import iter_journal
from monitor.core.records import Record
from tests.integration.harness import BASE_IMAGE, JOB_DIR, ROOT, App, start_app

BENCH_JOBS = Path(__file__).resolve().parent / "jobs"


@contextlib.contextmanager
def app_container(shared: Path) -> Iterator[App]:
    """The stand-in `app`: host network (it reaches the loopback server), the test job at
    /job, the benchmark's jobs at /bench-job and ``shared`` at /out for what jobs record."""
    client = docker.from_env(timeout=60)
    app = start_app(
        client,
        BASE_IMAGE,
        "pilotbench",
        {
            str(JOB_DIR): {"bind": "/job", "mode": "ro"},
            str(BENCH_JOBS): {"bind": "/bench-job", "mode": "ro"},
            str(shared): {"bind": "/out", "mode": "rw"},
        },
    )
    try:
        yield app
    finally:
        app.container.remove(force=True)
        client.close()


def monitor_env(database_url: str, app: App, logs: Path, **settings: str) -> dict[str, str]:
    """The environment of one `python -m monitor run`; ``settings`` become PILOT_<NAME>.

    Like the harness's monitor_env, but for a server that is not a test fixture.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("PILOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        PILOT_SECRETS_DIR=str(logs / "no-secrets"),
        PILOT_COMPOSE_PROJECT=app.project,
        PILOT_DATABASE_URL=database_url,
        PILOT_LOGS_DIR=str(logs),
        PILOT_STOP_GRACE="3s",
        # as the image sets it: the loop keeps a heartbeat file for the HEALTHCHECK
        PILOT_HEARTBEAT_FILE=str(logs / "heartbeat"),
    )
    env.update({f"PILOT_{key.upper()}": value for key, value in settings.items()})
    return env


def journal_records(logs: Path) -> list[Record]:
    """The records of the one pilot whose journal is in ``logs``."""
    (path,) = sorted(logs.glob("pilot_journal_*.jsonl"))
    return list(iter_journal(path))
