"""Finding the stack's app container the way Compose labels it."""

import socket
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"
NUMBER_LABEL = "com.docker.compose.container-number"
DEFAULT_STOP_TIMEOUT_S = 10  # what `docker stop` and compose give a container by default


class LocateError(Exception):
    """The container cannot be used; ``setting`` names the variable to fix."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")


@dataclass(frozen=True)
class AppContainer:
    id: str
    name: str


def find_app_container(
    client: docker.DockerClient, *, name: str | None, project: str | None, service: str
) -> AppContainer:
    """The running container by name, or by compose project and service labels.

    Compose does not tell a container its own project, so without PILOT_COMPOSE_PROJECT the
    service label alone must point at exactly one project.
    """
    if name:
        try:
            container = client.containers.get(name)
        except docker.errors.NotFound:
            raise LocateError("PILOT_APP_CONTAINER", f"no container named {name!r}") from None
        return _running(container, "PILOT_APP_CONTAINER")
    labels = [f"{SERVICE_LABEL}={service}"]
    if project:
        labels.append(f"{PROJECT_LABEL}={project}")
    found = [
        container
        for container in client.containers.list(all=True, filters={"label": labels})
        if container.labels.get(ONEOFF_LABEL) != "True"
    ]
    if not found:
        raise _not_found(client, project, service)
    projects = sorted({container.labels.get(PROJECT_LABEL, "?") for container in found})
    if len(projects) > 1:
        raise LocateError(
            "PILOT_COMPOSE_PROJECT",
            f"service {service!r} exists in several projects ({', '.join(projects)}); set one",
        )
    running = [container for container in found if container.status == "running"]
    if not running:
        return _running(found[0], "PILOT_APP_SERVICE")
    running.sort(key=lambda container: int(container.labels.get(NUMBER_LABEL, "0") or 0))
    return AppContainer(str(running[0].id), str(running[0].name))


def _not_found(client: docker.DockerClient, project: str | None, service: str) -> LocateError:
    """Says which of project and service is wrong, listing what does exist."""
    if project:
        members = client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
        if not members:
            return LocateError(
                "PILOT_COMPOSE_PROJECT", f"no compose project {project!r} on this Engine"
            )
        services = sorted({member.labels.get(SERVICE_LABEL, "?") for member in members})
        return LocateError(
            "PILOT_APP_SERVICE",
            f"no service {service!r} in compose project {project!r} (it has {', '.join(services)})",
        )
    return LocateError(
        "PILOT_APP_SERVICE", f"no container of service {service!r} in any compose project"
    )


def _running(container: Container, setting: str) -> AppContainer:
    if container.status != "running":
        raise LocateError(
            setting, f"container {container.name!r} is {container.status}, not running"
        )
    return AppContainer(str(container.id), str(container.name))


def own_stop_timeout(client: docker.DockerClient) -> int | None:
    """How long Docker lets the monitor's own container stop, when the monitor runs in one.

    A container's host name is its short ID unless set otherwise; outside a container (or
    when the name does not lead back to one) there is nothing to check.
    """
    if not Path("/.dockerenv").exists():
        return None
    try:
        config = client.api.inspect_container(socket.gethostname())["Config"]
    except docker.errors.DockerException:
        return None
    timeout = config.get("StopTimeout")
    return DEFAULT_STOP_TIMEOUT_S if timeout is None else int(timeout)
