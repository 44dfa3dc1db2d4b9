"""Webhooks and pings during real pilots, received by a local HTTP server the test starts."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.integration.harness import App, Database, free_port, monitor_env, run_monitor

TOKEN = "T0KEN-Sup3r-s3cret"


@dataclass
class Received:
    path: str
    content_type: str
    body: bytes


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def json_events(self, prefix: str) -> list[dict[str, object]]:
        return [json.loads(r.body) for r in self.requests if r.path.startswith(prefix)]

    def paths(self, prefix: str) -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            found.requests.append(
                Received(self.path, self.headers.get("Content-Type", ""), self.rfile.read(length))
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", found.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


def with_outputs(env: dict[str, str], receiver: Receiver) -> dict[str, str]:
    return {
        **env,
        "PILOT_WEBHOOK_URL": receiver.url(f"/hook/{TOKEN}"),
        "PILOT_SLACK_WEBHOOK_URL": receiver.url(f"/slack/{TOKEN}"),
        "PILOT_PING_URL": receiver.url(f"/ping/{TOKEN}/"),
    }


def test_a_passing_pilot_is_announced_and_concluded_everywhere(
    database: Database, app: App, tmp_path: Path, receiver: Receiver
) -> None:
    env = with_outputs(monitor_env(database, app, tmp_path / "logs"), receiver)
    result = run_monitor(env, tmp_path, "run")

    assert result.returncode == 0, result.stdout
    events = receiver.json_events("/hook/")
    assert [event["event"] for event in events] == ["started", "finished"]
    assert events[1]["outcome"] == "passed" and events[1]["exit_code"] == 0
    assert (tmp_path / str(events[1]["report"])).exists()
    assert {r.content_type for r in receiver.requests if "/hook/" in r.path} == {"application/json"}
    slack = receiver.json_events("/slack/")
    assert str(slack[0]["text"]).startswith("▶️ Pilot")
    assert str(slack[1]["text"]).startswith("🏁 Pilot") and "PASSED" in str(slack[1]["text"])
    assert receiver.paths("/ping/") == [f"/ping/{TOKEN}/start", f"/ping/{TOKEN}"]
    [end_ping] = [r.body for r in receiver.requests if r.path == f"/ping/{TOKEN}"]
    assert end_ping.startswith(b"PASSED: the time budget was spent")
    every = b"".join(r.body for r in receiver.requests).decode()
    assert database.url.split(":")[2].split("@")[0] not in every  # the database password
    assert TOKEN not in result.stdout


def test_a_failing_job_is_told_at_once_and_fails_the_ping(
    database: Database, app: App, tmp_path: Path, receiver: Receiver
) -> None:
    env = monitor_env(
        database, app, tmp_path / "logs", duration="30s", job_env="JOB_RATE=20 JOB_FAIL_AFTER=30"
    )
    result = run_monitor(with_outputs(env, receiver), tmp_path, "run")

    assert result.returncode == 1, result.stdout
    events = receiver.json_events("/hook/")
    assert [event["event"] for event in events] == ["started", "job_failed", "finished"]
    assert events[1]["exit_code"] == 1
    assert events[2]["outcome"] == "failed"
    assert receiver.paths("/ping/") == [f"/ping/{TOKEN}/start", f"/ping/{TOKEN}/fail"]


def test_receivers_that_are_down_cost_the_pilot_nothing(
    database: Database, app: App, tmp_path: Path
) -> None:
    down = Receiver(free_port())  # nothing listens there
    env = with_outputs(monitor_env(database, app, tmp_path / "logs"), down)
    started = time.monotonic()
    result = run_monitor(env, tmp_path, "run")
    took = time.monotonic() - started

    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert "[monitor] PASSED: the time budget was spent with the job running" in lines
    # "(ConnectionError, after 3 tries)", or "(ConnectionError)" alone when the pilot's end
    # cut the retries short: a slow machine can start the notice late.
    told = "[monitor] PILOT_WEBHOOK_URL: the 'started' notice could not be delivered (Connection"
    assert any(line.startswith(told) for line in lines), result.stdout
    assert TOKEN not in result.stdout
    # A 6 s pilot; the retries run beside it, and the end waits at most 3 s per output.
    assert took < 6 + 3 * 3 + 8, took
