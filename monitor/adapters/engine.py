"""The connection to the Docker Engine: the local socket, a proxy, or a remote Engine (TLS).

docker-py reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH. One trap is taken
care of here: the HTTP library under it lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE replace
the CA that DOCKER_CERT_PATH names, so with either set a correct TLS setup fails. With TLS,
the client is made to ignore the environment's HTTP settings.
"""

import contextlib
import os
import re
from collections.abc import Iterator

import docker
import docker.errors

LOCAL_SOCKET = "unix:///var/run/docker.sock"
_CA_BUNDLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_SSL_REASON = re.compile(r"\[SSL: [A-Z0-9_]+\][^(')]*|SSLEOFError|SSLZeroReturnError")


def where() -> str:
    return os.environ.get("DOCKER_HOST") or LOCAL_SOCKET


def uses_tls() -> bool:
    return bool(os.environ.get("DOCKER_TLS_VERIFY")) and where().startswith("tcp://")


def connect(timeout_s: int) -> docker.DockerClient:
    """A client whose first request (the API version) has been answered."""
    if not uses_tls():
        return docker.from_env(timeout=timeout_s)
    with _without(_CA_BUNDLES):
        client = docker.from_env(timeout=timeout_s)
    client.api.trust_env = False
    return client


@contextlib.contextmanager
def _without(names: tuple[str, ...]) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def failure(error: docker.errors.DockerException) -> tuple[str, str]:
    """(setting to fix, why) for an Engine that cannot be used, in one short line."""
    text = str(error)
    if uses_tls():
        folder = os.environ.get("DOCKER_CERT_PATH") or "~/.docker"
        if "client_cert" in text:
            return "DOCKER_CERT_PATH", f"no cert.pem and key.pem readable in {folder}"
        found = _SSL_REASON.search(text)
        if found:
            return "DOCKER_CERT_PATH", f"TLS with {where()} failed: {found.group(0).strip()}"
        if "PermissionError" in text:
            return (
                "DOCKER_CERT_PATH",
                f"cannot read the certificates in {folder} as uid {os.getuid()}",
            )
    reason = _innermost(text)
    if where().startswith("unix://"):
        groups = ",".join(map(str, os.getgroups()))
        return (
            "DOCKER_HOST",
            f"cannot reach {where()} as uid {os.getuid()} (groups {groups}): {reason}",
        )
    return "DOCKER_HOST", f"cannot reach {where()}: {reason}"


def _innermost(text: str) -> str:
    """The cause inside urllib3's wrapping ("Max retries exceeded ... (Caused by ...))")."""
    lines = text.strip().splitlines()
    text = lines[0] if lines else "no answer"
    for marker in ("Failed to establish a new connection: ", "Caused by "):
        if marker in text:
            return text.rsplit(marker, 1)[1].rstrip(")'\"")
    return text
