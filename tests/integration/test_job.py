"""The exec job adapter against a real Engine: one launch wins, stale state is not trusted."""

import threading
from pathlib import Path

import docker
import pytest

from monitor.adapters.job import ExecJob, LaunchRefusedError, run_in_container
from tests.integration.harness import App


def _job(app: App, client: docker.DockerClient, tmp_path: Path, run_id: str) -> ExecJob:
    return ExecJob(
        client.api, str(app.container.id), ["sleep", "1000"], run_id=run_id,
        log_path=tmp_path / "job.log",
    )  # fmt: skip


def test_of_launches_racing_exactly_one_starts(
    app: App, docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    jobs = [_job(app, docker_client, tmp_path, f"race{i}") for i in range(6)]
    results: list[object] = [None] * len(jobs)

    def launch(index: int) -> None:
        try:
            results[index] = jobs[index].start()
        except LaunchRefusedError as error:
            results[index] = error

    threads = [threading.Thread(target=launch, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    started = [job for job, result in zip(jobs, results, strict=True) if isinstance(result, int)]
    assert len(started) == 1, results
    assert len([line for line in app.processes() if line == "sleep 1000"]) == 1
    assert started[0].stop(2.0).gone


def test_a_lock_left_by_a_dead_launch_is_taken_over_and_a_live_one_is_respected(
    app: App, docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    api, container = docker_client.api, str(app.container.id)
    run_in_container(api, container, ["sh", "-c", "echo '99999 1' > /tmp/pilot-monitor.lock"])
    job = _job(app, docker_client, tmp_path, "after-stale")
    assert job.start() > 1
    assert job.stop(2.0).gone

    holder = app.container.exec_run(
        ["sh", "-c", "read -r line < /proc/1/stat; set -- ${line##*') '};"
         " echo \"1 ${20}\" > /tmp/pilot-monitor.lock"]
    )  # fmt: skip
    assert holder.exit_code == 0
    with pytest.raises(LaunchRefusedError, match="starting its job"):
        _job(app, docker_client, tmp_path, "while-locked").start()
    assert app.job_processes() == []


def test_after_a_container_restart_a_stop_signals_nothing(
    app: App, docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    job = _job(app, docker_client, tmp_path, "restart")
    job.start()
    app.container.restart(timeout=0)
    bystander = app.container.exec_run(["sh", "-c", "setsid sleep 999 & echo started"])
    assert bystander.exit_code == 0

    result = job.stop(2.0)

    assert (result.signal, result.gone) == (None, True)
    assert "sleep 999" in app.processes()  # whatever PID it got, it was left alone
