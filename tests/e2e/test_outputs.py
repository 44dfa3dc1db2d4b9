"""Webhooks, pings and the stall notice from the monitor's container during demo pilots.

The receiver runs on the host, on the demo network's gateway address, which is how a
container reaches its host.
"""

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.stack import DemoStack, PilotProject

TOKEN = "T0KEN-e2e-s3cret"


@dataclass
class Receiver:
    address: str
    port: int = 0
    requests: list[tuple[str, bytes]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self.port}{path}"

    def events(self) -> list[dict[str, object]]:
        return [json.loads(body) for path, body in self.requests if path.startswith("/hook/")]

    def pings(self) -> list[str]:
        return [
            path.removeprefix(f"/ping/{TOKEN}") for path, _ in self.requests if "/ping/" in path
        ]


@pytest.fixture
def receiver(stack: DemoStack) -> Iterator[Receiver]:
    inspected = subprocess.run(
        ["docker", "network", "inspect", stack.project], capture_output=True, text=True, check=True
    )
    gateway = json.loads(inspected.stdout)[0]["IPAM"]["Config"][0]["Gateway"]
    found = Receiver(gateway)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            found.requests.append((self.path, self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((gateway, 0), Handler)
    found.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found
    server.shutdown()
    server.server_close()


def configure(pilot: PilotProject, receiver: Receiver, **settings: str) -> None:
    pilot.configure(
        webhook_url=receiver.url(f"/hook/{TOKEN}"),
        ping_url=receiver.url(f"/ping/{TOKEN}"),
        **settings,
    )


def test_a_stalling_demo_pilot_is_told_as_it_goes(
    pilot: PilotProject, stack: DemoStack, receiver: Receiver
) -> None:
    # The demo backfill pauses 16 s for a simulated HTTP 429 after 20 matches.
    configure(
        pilot, receiver, duration="33s", interval="3s", stall_after="9s",
        job_env="DEMO_WARMUP=1 DEMO_RATE=600 DEMO_RATE_LIMIT_EVERY=20 DEMO_RATE_LIMIT_PAUSE=16",
    )  # fmt: skip
    result = pilot.up()

    assert result.returncode == 0, result.stdout + result.stderr
    events = receiver.events()
    kinds = [event["event"] for event in events]
    # The pause is a stall; on a slow machine the job's start can be one too.
    assert kinds[0] == "started" and kinds[-1] == "finished", kinds
    assert set(kinds[1:-1]) == {"stalled"} and len(kinds) <= 4, kinds
    assert re.search(
        r"no progress for (9|1\d)s while the job runs \(idle: ", str(events[-2]["text"])
    )
    assert events[-1]["outcome"] == "passed"
    print(json.dumps(events[-1], ensure_ascii=False))
    assert str(events[-1]["report"]).startswith("logs/pilot_run_report_")
    assert receiver.pings() == ["/start", ""]
    console = "\n".join(pilot.console())
    assert "the job shows progress again (growing)" in console
    assert TOKEN not in console
    assert "postgres-dev-password" not in "".join(body.decode() for _, body in receiver.requests)


def test_a_crashing_demo_job_is_told_at_once_and_fails_the_ping(
    pilot: PilotProject, stack: DemoStack, receiver: Receiver
) -> None:
    configure(
        pilot, receiver, duration="1m", interval="3s",
        job_env="DEMO_WARMUP=1 DEMO_RATE=600 DEMO_FAIL_AFTER=20",
    )  # fmt: skip
    result = pilot.up()

    assert result.returncode == 1, result.stdout + result.stderr
    events = receiver.events()
    assert [event["event"] for event in events] == ["started", "job_failed", "finished"]
    assert events[1]["exit_code"] == 1 and events[2]["outcome"] == "failed"
    assert receiver.pings() == ["/start", "/fail"]
    assert stack.backfills() == []
