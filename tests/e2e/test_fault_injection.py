"""Faults injected into the real stack while a pilot runs: the monitor's own death, the
database and the app container going away, a logs folder that fills up, `compose down`."""

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.core.records import Event, PilotEnded, Sample
from tests.e2e.stack import MONITOR_UID, DemoStack, PilotProject
from tests.integration.harness import wait_for
from tests.reading import journal, report_text

SLOW_DEMO = "DEMO_WARMUP=1 DEMO_RATE=300"


def records(pilot: PilotProject) -> list[object]:
    if not list(pilot.logs.glob("pilot_journal_*.jsonl")):
        return []
    return list(journal(pilot.logs))


def samples(pilot: PilotProject) -> list[Sample]:
    return [record for record in records(pilot) if isinstance(record, Sample)]


def events(pilot: PilotProject, name: str) -> list[Event]:
    return [r for r in records(pilot) if isinstance(r, Event) and r.name == name]


def ended(pilot: PilotProject) -> PilotEnded | None:
    found = records(pilot)
    return found[-1] if found and isinstance(found[-1], PilotEnded) else None


def start_and_wait(pilot: PilotProject, count: int) -> subprocess.Popen[str]:
    """`compose up` in the background, once ``count`` samples are on disk."""
    up = pilot.start_up()
    assert wait_for(lambda: len(samples(pilot)) >= count, timeout=90), "the pilot did not sample"
    return up


def monitor_id(pilot: PilotProject) -> str:
    return pilot.compose("ps", "--quiet", "monitor").stdout.strip()


@pytest.fixture
def restore(stack: DemoStack) -> Iterator[DemoStack]:
    """The demo stack brought back up (db and app healthy) after a test took part of it down."""
    yield stack
    stack.compose("up", "--detach", "--wait", "--no-build")


def test_a_killed_monitor_is_taken_up_by_the_next_up(pilot: PilotProject, stack: DemoStack) -> None:
    pilot.configure(duration="40s", interval="4s", job_env=SLOW_DEMO)
    up = start_and_wait(pilot, 2)
    subprocess.run(["docker", "kill", monitor_id(pilot)], check=True, capture_output=True)
    up.wait(timeout=30)
    before = samples(pilot)
    assert len(stack.backfills()) == 1  # the job runs on with no monitor
    time.sleep(6)

    result = pilot.up()

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(pilot.logs.glob("pilot_journal_*.jsonl"))) == 1
    after = samples(pilot)
    assert after[: len(before)] == before  # nothing journaled was lost
    assert len(events(pilot, "job_started")) == 1
    [resumed] = events(pilot, "monitor_resumed")
    assert "re-attached to the job" in resumed.message and resumed.data["missed"] >= 1
    end = ended(pilot)
    assert end is not None and (end.reason, end.job_gone) == ("budget", True)
    assert after[-1].final and after[-1].total == stack.rows()
    assert stack.backfills() == []
    assert any("taking up pilot" in line for line in pilot.console())
    assert "Monitoring gap: the monitor was not running" in report_text(pilot.logs)


def test_the_database_going_away_is_missing_samples_never_a_zero(
    pilot: PilotProject, restore: DemoStack
) -> None:
    pilot.configure(duration="36s", interval="3s", job_env=SLOW_DEMO)
    up = start_and_wait(pilot, 2)
    restore.compose("stop", "--timeout", "1", "db")
    time.sleep(8)
    restore.compose("start", "db")
    output = up.communicate(timeout=120)[0]

    assert up.returncode in (0, 1), output  # the job itself may give up on its database
    totals = [sample.total for sample in samples(pilot)]
    missing = [sample for sample in samples(pilot) if sample.total is None]
    assert len(missing) >= 2 and all(sample.error for sample in missing)
    assert 0 not in totals[1:]
    assert any(total is not None for total in totals[totals.index(None) :])  # it came back
    names = [event.name for event in records(pilot) if isinstance(event, Event)]
    assert "count_failed" in names and "count_recovered" in names
    assert "Database outage:" in report_text(pilot.logs)


def test_an_app_container_killed_mid_run_fails_the_pilot_within_an_interval(
    pilot: PilotProject, restore: DemoStack
) -> None:
    pilot.configure(duration="60s", interval="4s", job_env=SLOW_DEMO)
    up = start_and_wait(pilot, 1)
    killed = time.monotonic()
    restore.compose("kill", "app")
    assert wait_for(lambda: ended(pilot) is not None, timeout=30)
    noticed = time.monotonic() - killed
    output = up.communicate(timeout=60)[0]

    assert up.returncode == 1, output
    end = ended(pilot)
    assert end is not None and (end.reason, end.job_gone) == ("job_lost", True)
    assert "the app container is exited" in end.detail
    assert noticed < 4 + 5  # one interval, and the time to stop and journal the end
    print(f"app container killed to the end record: {noticed:.1f} s")
    assert "FAILED: the job was lost: the app container is exited" in report_text(pilot.logs)


@pytest.fixture
def small_logs(pilot: PilotProject) -> Iterator[Path]:
    """The pilot's logs folder on a 512 KiB tmpfs of its own, owned by the monitor's user."""
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=512k,uid={MONITOR_UID},gid={MONITOR_UID}",
         "pilot-e2e-logs", str(pilot.logs)],
        check=True,
    )  # fmt: skip
    try:
        yield pilot.logs
    finally:
        pilot.compose("down", "--timeout", "30", check=False)
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(["umount", "--lazy", str(pilot.logs)], check=True)


def test_a_logs_folder_that_fills_up_mid_run_is_said_and_fails_the_pilot(
    pilot: PilotProject, stack: DemoStack, small_logs: Path
) -> None:
    pilot.configure(duration="24s", interval="2s", job_env=SLOW_DEMO)
    up = start_and_wait(pilot, 2)
    filler = small_logs / "filler"
    fill = ["dd", "if=/dev/zero", f"of={filler}", "bs=4k"]
    full = subprocess.run(fill, check=False, capture_output=True)
    assert full.returncode != 0 and b"No space left" in full.stderr
    output = up.communicate(timeout=90)[0]
    console = pilot.console()

    assert up.returncode == 1, output
    assert stack.backfills() == []  # the job was still stopped at its budget
    said = "\n".join(console)
    assert "the journal could NOT be written (No space left on device)" in said
    assert "the report could NOT be written" in said
    assert any("Status:" in line and line.startswith("[end/") for line in console)
    assert not list(small_logs.glob("pilot_run_report_*.md"))
    filler.unlink()


def test_compose_down_mid_run_stops_the_job_and_writes_the_report_in_time(
    pilot: PilotProject, stack: DemoStack
) -> None:
    pilot.configure(duration="5m", interval="3s", job_env=SLOW_DEMO)
    up = start_and_wait(pilot, 1)
    started = time.monotonic()
    pilot.compose("down", "--remove-orphans")
    took = time.monotonic() - started
    up.communicate(timeout=30)

    end = ended(pilot)
    assert end is not None and (end.reason, end.job_gone) == ("signal", True)
    assert "SIGTERM" in end.detail
    assert "INTERRUPTED" in report_text(pilot.logs)
    assert stack.backfills() == []
    assert took < 30  # compose's stop grace (stop_grace_period: 30s) was not needed
    print(f"compose down to the report on disk: {took:.1f} s")
