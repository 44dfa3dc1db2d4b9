"""The pilot through the socket proxy: compose.pilot.yml with compose.proxy.yml over it.

The monitor reaches the Engine only through haproxy (proxy/), which passes the calls the
monitor makes and refuses everything else with 403 before it reaches the Engine.
"""

import json
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from monitor.core.records import Event, PilotEnded, Sample
from monitor.core.report import SECTIONS
from tests.e2e.stack import PILOT_FILE, ROOT, DemoStack, PilotProject, compose
from tests.integration.harness import wait_for
from tests.reading import headings, journal, report_text, tables

PROXY_FILE = ROOT / "compose.proxy.yml"
PROXY_URL = "tcp://socket-proxy:2375"
FAST_DEMO = "DEMO_WARMUP=2 DEMO_RATE=600"

# Run in the monitor's image on the proxy's network: each request of argv[1] (method, path,
# body) sent to the proxy on a connection of its own; prints the status codes as JSON.
PROBE = """
import http.client, json, sys
statuses = []
for method, path, body in json.loads(sys.argv[1]):
    connection = http.client.HTTPConnection("socket-proxy", 2375, timeout=10)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    statuses.append(connection.getresponse().status)
    connection.close()
print(json.dumps(statuses))
"""


@pytest.fixture(scope="module")
def proxy_images(images: dict[str, str]) -> dict[str, str]:
    """The socket proxy's image, built once for this module on the session's base image."""
    compose(
        PILOT_FILE, "pilot-e2e-build", images, "build", "socket-proxy",
        overrides=(PROXY_FILE,), timeout=900,
    )  # fmt: skip
    return images


@pytest.fixture
def proxied(pilot: PilotProject, proxy_images: dict[str, str]) -> PilotProject:
    """The test's pilot project with compose.proxy.yml over it (its `down` removes both)."""
    pilot.files = (PROXY_FILE,)
    return pilot


@pytest.fixture
def victim(proxy_images: dict[str, str]) -> Iterator[str]:
    """A container that is created, never started: what the refused calls would act on."""
    name = f"pilot-e2e-victim-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["docker", "create", "--name", name, proxy_images["BASE_IMAGE"], "true"],
        capture_output=True,
        check=True,
    )
    yield name
    subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)


def samples_of(pilot: PilotProject) -> list[Sample]:
    if not list(pilot.logs.glob("pilot_journal_*.jsonl")):
        return []
    return [record for record in journal(pilot.logs) if isinstance(record, Sample)]


def monitor_id(pilot: PilotProject) -> str:
    return pilot.compose("ps", "--quiet", "monitor").stdout.strip()


def inspect(kind: str, name: str) -> dict[str, object] | None:
    """`docker <kind> inspect NAME` as the Engine itself says it, None when there is none."""
    result = subprocess.run(
        ["docker", kind, "inspect", name], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)[0]  # type: ignore[no-any-return]


def proxy_container(pilot: PilotProject) -> dict[str, object]:
    ids = pilot.compose("ps", "--all", "--quiet", "socket-proxy").stdout.split()
    assert len(ids) == 1, ids
    found = inspect("container", ids[0])
    assert found is not None
    return found


def test_a_pilot_runs_through_the_proxy(proxied: PilotProject, stack: DemoStack) -> None:
    proxied.configure(duration="12s", interval="4s", job_env=FAST_DEMO)
    result = proxied.up()

    assert result.returncode == 0, result.stdout + result.stderr
    console = proxied.console()
    assert [line[: line.index("]") + 1] for line in console if "Status:" in line] == [
        "[  1/3]",
        "[  2/3]",
        "[  3/3]",
        "[end/3]",
    ]
    assert stack.backfills() == []

    records = journal(proxied.logs)
    samples = [record for record in records if isinstance(record, Sample)]
    end = records[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("budget", "TERM", True)
    assert samples[-1].final and samples[-1].total == stack.rows() > 0
    markdown = report_text(proxied.logs)
    assert headings(markdown) == list(SECTIONS)
    rows = tables(markdown)["Samples"]
    assert [row[4] for row in rows] == [str(sample.total) for sample in samples]
    assert "PASSED" in markdown
    # The job's output came through the proxy's tunnel into the job log.
    assert "backfill" in (proxied.logs / "backfill_pilot.log").read_text().lower()

    # The monitor had the proxy's address, no socket and not the socket's group.
    monitor = proxied.container()
    mounts = monitor["Mounts"]
    assert "docker.sock" not in json.dumps(mounts)
    assert "/app/logs" in [mount["Destination"] for mount in mounts]  # type: ignore[attr-defined]
    assert f"DOCKER_HOST={PROXY_URL}" in monitor["Config"]["Env"]  # type: ignore[index]
    assert not monitor["HostConfig"]["GroupAdd"]  # type: ignore[index]

    # The proxy: only on its private, internal network; read-only, not root, no capability.
    proxy = proxy_container(proxied)
    networks = list(proxy["NetworkSettings"]["Networks"])  # type: ignore[index]
    assert networks == [f"{proxied.project}_docker-api"]
    network = inspect("network", networks[0])
    assert network is not None and network["Internal"] is True
    assert sorted(monitor["NetworkSettings"]["Networks"]) == sorted(  # type: ignore[index]
        [stack.project, networks[0]]
    )
    assert proxy["Config"]["User"] == "haproxy"  # type: ignore[index]
    assert proxy["HostConfig"]["ReadonlyRootfs"] is True  # type: ignore[index]
    assert proxy["HostConfig"]["CapDrop"] == ["ALL"]  # type: ignore[index]
    # No request of the monitor was refused or failed: the proxy logs those alone.
    logged = proxied.compose("logs", "--no-color", "--no-log-prefix", "socket-proxy").stdout
    assert "HTTP/1.1" not in logged, logged


def test_the_proxy_refuses_what_the_monitor_does_not_use(
    proxied: PilotProject, stack: DemoStack, victim: str
) -> None:
    proxied.configure(job_env=FAST_DEMO)
    proxied.compose("up", "--detach", "--wait", "socket-proxy")
    created = f"pilot-e2e-created-{uuid.uuid4().hex[:8]}"
    create = json.dumps(
        {"Image": proxied.env["BASE_IMAGE"], "Cmd": ["true"], "HostConfig": {"Binds": ["/:/host"]}}
    )
    asked = {
        # What the monitor uses, with and without the version prefix.
        ("GET", "/_ping", None): 200,
        ("HEAD", "/_ping", None): 200,
        ("GET", "/version", None): 200,
        ("GET", "/v1.41/version", None): 200,
        ("GET", "/containers/json?all=1", None): 200,
        ("GET", "/v1.41/containers/json", None): 200,
        ("GET", f"/v1.41/containers/{victim}/json", None): 200,
        # What it does not: creating, starting, killing, removing, reading a container's
        # logs or files, images, events; an allowed path with another method; a path that
        # climbs out of its segment.
        ("POST", f"/v1.41/containers/create?name={created}", create): 403,
        ("POST", f"/containers/create?name={created}", create): 403,
        ("POST", f"/v1.41/containers/{victim}/start", ""): 403,
        ("POST", f"/v1.41/containers/{victim}/kill", ""): 403,
        ("POST", f"/containers/{victim}/kill?signal=KILL", ""): 403,
        ("DELETE", f"/v1.41/containers/{victim}?force=1", None): 403,
        ("DELETE", f"/containers/{victim}", None): 403,
        ("GET", f"/v1.41/containers/{victim}/logs?stdout=1", None): 403,
        ("GET", f"/v1.41/containers/{victim}/archive?path=/", None): 403,
        ("GET", "/v1.41/images/json", None): 403,
        ("GET", "/v1.41/events", None): 403,
        ("POST", "/v1.41/version", ""): 403,
        ("DELETE", f"/v1.41/containers/{victim}/json", None): 403,
        ("GET", "/v1.41/containers/../images/json", None): 403,
        ("POST", f"/v1.41/containers/{victim}/../create/exec", create): 403,
    }
    probes = json.dumps([list(request) for request in asked])
    result = proxied.compose(
        "run", "--rm", "--no-deps", "--entrypoint", "python", "monitor", "-c", PROBE, probes
    )

    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert dict(zip(asked, statuses, strict=True)) == asked
    # The Engine never saw the refused calls: no container created, the victim untouched.
    assert inspect("container", created) is None
    untouched = inspect("container", victim)
    assert untouched is not None and untouched["State"]["Status"] == "created"  # type: ignore[index]
    logged = proxied.compose("logs", "--no-color", "--no-log-prefix", "socket-proxy").stdout
    assert logged.count(" 403 ") == list(asked.values()).count(403), logged

    # The monitor's own preflight through the proxy: every check passes.
    check = proxied.compose("run", "--rm", "--no-deps", "monitor", "check", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{PROXY_URL}: Engine" in check.stdout


def test_an_engine_out_of_reach_for_a_while_is_retried_and_reported(
    proxied: PilotProject, stack: DemoStack
) -> None:
    proxied.configure(duration="36s", interval="3s", job_env="DEMO_WARMUP=1 DEMO_RATE=300")
    up = proxied.start_up()
    assert wait_for(lambda: len(samples_of(proxied)) >= 2, timeout=90)
    # The monitor loses its only way to the Engine. (Stopping the proxy would end the pilot
    # instead: `up --exit-code-from` stops every service when one exits.)
    network, monitor = f"{proxied.project}_docker-api", monitor_id(proxied)
    subprocess.run(["docker", "network", "disconnect", network, monitor], check=True)
    time.sleep(9)
    subprocess.run(["docker", "network", "connect", network, monitor], check=True)
    output = up.communicate(timeout=120)[0]

    assert up.returncode == 0, output
    records = journal(proxied.logs)
    names = [record.name for record in records if isinstance(record, Event)]
    assert names.count("engine_unreachable") == 1 and names.count("engine_reachable") == 1
    away = [r.at for r in records if isinstance(r, Event) and r.name.startswith("engine_")]
    during = [s for s in samples_of(proxied) if away[0] < s.at < away[1]]
    assert len(during) >= 2  # the database was sampled all along
    assert all(s.total is not None and s.job_running for s in during)
    end = records[-1]
    assert isinstance(end, PilotEnded) and (end.reason, end.job_gone) == ("budget", True)
    assert stack.backfills() == []
    assert "Docker Engine unreachable from" in report_text(proxied.logs)
