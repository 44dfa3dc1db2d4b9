"""Fixtures with real parts: a PostgreSQL 15 server and a Docker Engine.

Nothing here skips: a missing Engine or server is an error, so CI can never go green
without having exercised them. `.ci/run` (through `make test`) provisions both.
"""

import subprocess
from collections.abc import Iterator

import docker
import pytest

from tests.integration.harness import (
    BASE_IMAGE,
    JOB_DIR,
    ROOT,
    App,
    Database,
    PostgresServer,
    make_database,
    start_app,
)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def database(pg_server: PostgresServer) -> Database:
    return Database(pg_server, make_database(pg_server))


@pytest.fixture
def own_pg_server() -> Iterator[PostgresServer]:
    """A server of the test's own, for tests that stop and restart it."""
    server = PostgresServer()
    server.start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    client = docker.from_env(timeout=60)
    client.ping()
    yield client
    client.close()


@pytest.fixture(scope="session")
def base_image(docker_client: docker.DockerClient) -> str:
    subprocess.run(
        ["bash", str(ROOT / "images/base/build.sh")], check=True, stdin=subprocess.DEVNULL
    )
    docker_client.images.get(BASE_IMAGE)
    return BASE_IMAGE


@pytest.fixture
def app(docker_client: docker.DockerClient, base_image: str) -> Iterator[App]:
    jobs = {str(JOB_DIR): {"bind": "/job", "mode": "ro"}}
    app = start_app(docker_client, base_image, "pilottest", jobs)
    yield app
    app.container.remove(force=True)
