"""The one line that says why the Docker Engine cannot be used, naming what to fix."""

import os

import docker.errors
import pytest

from monitor.adapters import engine

WRAPPED_SSL = (
    "Error while fetching server API version: HTTPSConnectionPool(host='10.0.0.5', port=2376):"
    " Max retries exceeded with url: /version (Caused by SSLError(SSLCertVerificationError(1,"
    " '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer"
    " certificate (_ssl.c:1006)')))"
)
REFUSED = (
    "Error while fetching server API version: HTTPConnectionPool(host='10.0.0.5', port=2375):"
    " Max retries exceeded with url: /version (Caused by NewConnectionError('<urllib3.connection"
    ".HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111]"
    " Connection refused'))"
)


@pytest.fixture(autouse=True)
def no_docker_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)


def failure(text: str) -> tuple[str, str]:
    return engine.failure(docker.errors.DockerException(text))


def test_tls_failures_name_the_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/certs")
    assert failure(WRAPPED_SSL) == (
        "DOCKER_CERT_PATH",
        "TLS with tcp://10.0.0.5:2376 failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate"
        " verify failed: unable to get local issuer certificate",
    )
    assert failure(
        "Path to a certificate and key files must be provided through the client_cert param"
    ) == (
        "DOCKER_CERT_PATH",
        "no cert.pem and key.pem readable in /certs",
    )


def test_a_tcp_engine_that_refuses_is_said_without_the_wrapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2375")
    assert failure(REFUSED) == (
        "DOCKER_HOST",
        "cannot reach tcp://10.0.0.5:2375: [Errno 111] Connection refused",
    )


def test_the_socket_names_the_uid_and_groups() -> None:
    setting, reason = failure("Error while fetching server API version: ('Connection aborted.')")
    groups = ",".join(map(str, os.getgroups()))
    assert setting == "DOCKER_HOST"
    assert reason.startswith(
        f"cannot reach unix:///var/run/docker.sock as uid {os.getuid()} (groups {groups}): "
    )
