"""The heartbeat file and the health check that reads it (the image's HEALTHCHECK)."""

import time
from pathlib import Path

import pytest

from monitor import health
from monitor.adapters.heartbeat import Heartbeat, alive


def test_a_beat_writes_the_deadline(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    before = time.time()
    Heartbeat(path).beat(45.0)
    deadline = float(path.read_text(encoding="ascii"))
    assert before + 45.0 - 0.001 <= deadline <= time.time() + 45.0  # written to the ms
    assert alive(path, before + 44.0)[0] is True
    ok, why = alive(path, deadline + 20.0)
    assert (ok, why) == (False, "the monitor's loop is 20 s overdue")


def test_a_shorter_promise_waits_a_second_a_longer_one_does_not(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    heartbeat = Heartbeat(path)
    heartbeat.beat(40.0)
    first = path.read_text(encoding="ascii")
    heartbeat.beat(10.0)  # within the second and no longer: not written
    assert path.read_text(encoding="ascii") == first
    heartbeat.beat(40.0)  # the same promise again within the second: not written either
    assert path.read_text(encoding="ascii") == first
    heartbeat.beat(500.0)  # a step that needs longer is promised at once
    assert float(path.read_text(encoding="ascii")) >= time.time() + 499.0


def test_no_path_means_no_heartbeat(tmp_path: Path) -> None:
    Heartbeat(None).beat(10.0)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_heartbeat_does_not_fail_the_pilot(tmp_path: Path) -> None:
    Heartbeat(tmp_path / "missing-folder" / "heartbeat").beat(10.0)
    assert alive(tmp_path / "missing-folder" / "heartbeat", time.time())[0] is False


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "no heartbeat at"), ("soon\n", "unreadable heartbeat at")],
)
def test_missing_or_garbled_heartbeat_is_not_alive(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "heartbeat"
    if content is not None:
        path.write_text(content, encoding="ascii")
    ok, why = alive(path, time.time())
    assert ok is False
    assert why.startswith(reason)


def test_health_check_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "heartbeat"
    monkeypatch.setenv(health.HEARTBEAT_VARIABLE, str(path))
    assert health.main() == 1
    Heartbeat(path).beat(30.0)
    assert health.main() == 0
    path.write_text(f"{time.time() - 5}\n", encoding="ascii")
    assert health.main() == 1
    monkeypatch.delenv(health.HEARTBEAT_VARIABLE)
    assert health.main() == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("no heartbeat at")
    assert lines[1].startswith("the monitor's loop is alive")
    assert lines[2] == "the monitor's loop is 5 s overdue"
    assert lines[3] == "PILOT_HEARTBEAT_FILE is not set: no heartbeat to check"
