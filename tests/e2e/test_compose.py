"""The product as users run it: `docker compose -f compose.pilot.yml up` beside the demo stack."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from monitor.core.records import PilotEnded, Sample
from monitor.core.report import SECTIONS
from tests.e2e.stack import MONITOR_UID, ROOT, DemoStack, PilotProject
from tests.integration.harness import wait_for
from tests.reading import headings, journal, report_path, report_text, tables

FAST_DEMO = "DEMO_WARMUP=2 DEMO_RATE=600"


def samples_of(pilot: PilotProject) -> list[Sample]:
    return [record for record in journal(pilot.logs) if isinstance(record, Sample)]


def test_a_healthy_pilot_runs_to_its_budget(pilot: PilotProject, stack: DemoStack) -> None:
    pilot.configure(duration="20s", interval="4s", job_env=FAST_DEMO)
    result = pilot.up()

    assert result.returncode == 0, result.stdout + result.stderr
    console = pilot.console()
    assert [line[: line.index("]") + 1] for line in console if "Status:" in line] == [
        "[  1/5]",
        "[  2/5]",
        "[  3/5]",
        "[  4/5]",
        "[  5/5]",
        "[end/5]",
    ]
    assert stack.backfills() == []

    samples = samples_of(pilot)
    end = journal(pilot.logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("budget", "TERM", True)
    assert samples[-1].final and samples[-1].total == stack.rows() > 0
    assert int(stack.sql("SELECT count(*) FROM matches WHERE updated_at IS NOT NULL")) > 0

    markdown = report_text(pilot.logs)
    assert headings(markdown) == list(SECTIONS)
    rows = tables(markdown)["Samples"]
    assert [row[4] for row in rows] == [str(sample.total) for sample in samples]
    deltas = [int(row[6].lstrip("+")) for row in rows]
    assert sum(deltas) == stack.rows()
    assert "PASSED" in markdown
    assert "postgres-dev-password" not in markdown + "\n".join(console)

    # Run as the logs folder's owner (not root), healthy while it ran, and gone afterwards.
    assert report_path(pilot.logs).stat().st_uid == MONITOR_UID
    container = pilot.container()
    assert container["Config"]["User"] == f"{MONITOR_UID}:{MONITOR_UID}"  # type: ignore[index]
    health = container["State"]["Health"]["Log"]  # type: ignore[index]
    assert any(check["ExitCode"] == 0 and "alive" in check["Output"] for check in health)
    assert container["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")  # type: ignore[index]
    # ...and hardened: a read-only root, no capability, no privilege to gain.
    host = container["HostConfig"]
    assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"]  # type: ignore[index]
    assert "no-new-privileges:true" in host["SecurityOpt"]  # type: ignore[index]


def test_a_crashing_job_fails_the_pilot(pilot: PilotProject, stack: DemoStack) -> None:
    pilot.configure(duration="2m", interval="3s", job_env=f"{FAST_DEMO} DEMO_FAIL_AFTER=20")
    started = time.monotonic()
    result = pilot.up()

    assert result.returncode == 1, result.stdout + result.stderr
    assert time.monotonic() - started < 60
    assert stack.backfills() == []
    end = journal(pilot.logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_exit_code) == ("job_exit", 1)
    assert samples_of(pilot)[-1].total == stack.rows() <= 20
    markdown = report_text(pilot.logs)
    assert "FAILED: the job exited with code 1" in markdown
    assert "Traceback (most recent call last)" in markdown
    assert any("the job exited with code 1" in line for line in pilot.console())


def test_compose_stop_stops_the_job_and_writes_the_report(
    pilot: PilotProject, stack: DemoStack
) -> None:
    pilot.configure(duration="5m", interval="3s", job_env=FAST_DEMO)
    up = pilot.start_up()
    try:
        assert wait_for(lambda: any("[  2/" in line for line in pilot.console()), 60, 0.5)
        assert stack.backfills() != []
        asked = time.monotonic()
        pilot.compose("stop", "monitor")
        stopped_in = time.monotonic() - asked
        assert up.wait(30) == 3
    finally:
        up.kill()
        up.wait()
    print(f"docker compose stop monitor took {stopped_in:.1f} s")

    assert stopped_in < 30  # compose's stop_grace_period: the monitor was not killed
    assert pilot.container()["State"]["ExitCode"] == 3  # type: ignore[index]
    assert stack.backfills() == []
    end = journal(pilot.logs)[-1]
    assert isinstance(end, PilotEnded)
    assert (end.reason, end.job_stopped_by, end.job_gone) == ("signal", "TERM", True)
    assert samples_of(pilot)[-1].total == stack.rows()
    markdown = report_text(pilot.logs)
    assert "INTERRUPTED" in markdown and "SIGTERM" in markdown


def test_bad_settings_start_nothing(pilot: PilotProject, stack: DemoStack) -> None:
    pilot.configure(interval="0", job_env=FAST_DEMO)
    result = pilot.up()

    assert result.returncode == 2, result.stdout + result.stderr
    assert [line for line in pilot.console() if line.strip()] == [
        "PILOT_INTERVAL: must be positive, got 0s"
    ]
    assert list(pilot.logs.iterdir()) == []
    assert stack.backfills() == []
    assert stack.rows() == 0


@pytest.mark.parametrize("target", ["pilot", "check", "logs", "images"])
def test_make_targets_say_when_docker_is_missing(target: str, tmp_path: Path) -> None:
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == (
        "make: Docker Engine is not reachable: run 'make provision' (as root) or start dockerd"
    )


def test_a_stop_grace_longer_than_compose_allows_is_refused(
    pilot: PilotProject, stack: DemoStack
) -> None:
    pilot.configure(stop_grace="25s", job_env=FAST_DEMO)
    result = pilot.up()

    assert result.returncode == 2, result.stdout + result.stderr
    assert [line for line in pilot.console() if line.strip()] == [
        "PILOT_STOP_GRACE: 25s needs the monitor's container to get 35s to stop, it gets 30s"
        " (raise compose's stop_grace_period: MONITOR_STOP_GRACE_PERIOD)"
    ]
    assert stack.backfills() == []


def test_the_password_can_come_from_a_docker_secret(
    pilot: PilotProject, stack: DemoStack, tmp_path: Path
) -> None:
    password = tmp_path / "database_password"
    password.write_text("postgres-dev-password\n")
    password.chmod(0o644)
    pilot.use_password_file(password)
    url = "postgresql://postgres@db:5432/football_prediction"
    pilot.configure(duration="6s", interval="3s", database_url=url, job_env=FAST_DEMO)
    result = pilot.up()

    assert result.returncode == 0, result.stdout + result.stderr
    assert samples_of(pilot)[-1].total == stack.rows()


def test_the_demo_refuses_a_network_of_another_project() -> None:
    network = f"pilot-e2e-foreign-{os.getpid()}"
    labels = ["--label", "com.docker.compose.project=footballprediction"]
    subprocess.run(["docker", "network", "create", *labels, network], check=True)
    try:
        result = subprocess.run(
            ["bash", str(ROOT / "demo/check-network.sh"), "football-prediction-demo"],
            env={**os.environ, "DEMO_NETWORK": network},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        subprocess.run(["docker", "network", "rm", network], check=True)
    assert result.returncode == 2
    assert f"the network {network} exists and belongs to footballprediction" in result.stdout
