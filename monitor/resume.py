"""Taking up a pilot whose monitor died (killed, out of memory, its container recreated).

The journal tells what was started and measured so far; the app container tells whether the
job still runs. A job that runs is re-attached and watched to the pilot's own deadline, with
the pilot's own baseline: it is never started a second time. A job that ended while no
monitor watched is recorded as such, with its exit code while the Engine still has it. The
time the monitor was away is journaled as a gap, and the report shows it.
"""

import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docker
import docker.errors

from monitor.adapters import engine
from monitor.adapters.clock import SystemClock
from monitor.adapters.counter import Baseline, CountError, TableCounter
from monitor.adapters.job import ENGINE_ERRORS, ExecJob, Found, JobError, find_run_job
from monitor.adapters.journal import Journal, JournalLockedError, iter_journal
from monitor.core.duration import format_duration
from monitor.core.records import EndReason
from monitor.core.report import timestamp
from monitor.core.table import parse_table_name
from monitor.core.unfinished import Unfinished, where_it_stands
from monitor.core.verdict import EXIT_CONFIG
from monitor.outputs import Fanout, Output
from monitor.pilot import conclude
from monitor.preflight import DOCKER_TIMEOUT_S
from monitor.settings import Settings
from monitor.watch import Heartbeat, Plan, Resume, StopRequest, Watch


def take_up(
    journals: list[Path],
    settings: Settings,
    stop: StopRequest,
    emit: Callable[[str], None],
    *,
    heartbeat: Heartbeat | None = None,
    outputs: Sequence[Output] = (),
) -> int:
    """Brings every unfinished pilot to its end, oldest first; the last one's exit code.

    No new pilot is started: the next run of the monitor starts one.
    """
    code = EXIT_CONFIG
    for path in journals:
        try:
            journal = Journal(path)
        except JournalLockedError:
            emit(
                f"PILOT_LOGS_DIR: pilot {path.name} in {path.parent} is being watched by another"
                " monitor right now; nothing was started"
            )
            return EXIT_CONFIG
        try:
            state = where_it_stands(iter_journal(path))
            code = _take_up(
                state,
                journal,
                settings=settings,
                stop=stop,
                emit=emit,
                heartbeat=heartbeat,
                outputs=Fanout(journal, outputs),
            )
        except ValueError as error:  # not a journal this monitor can read
            journal.close()
            emit(f"PILOT_LOGS_DIR: cannot take up {path}: {error}")
            return EXIT_CONFIG
        if code == EXIT_CONFIG:
            return code
    return code


def _take_up(
    state: Unfinished,
    journal: Journal,
    *,
    settings: Settings,
    stop: StopRequest,
    emit: Callable[[str], None],
    heartbeat: Heartbeat | None,
    outputs: Fanout,
) -> int:
    start = state.start
    try:
        client = engine.connect(DOCKER_TIMEOUT_S)
    except docker.errors.DockerException as error:
        journal.close()
        setting, why = engine.failure(error)
        emit(
            f"{setting}: {why}; pilot {start.run_id} cannot be taken up, and its job may"
            " still run (its journal is kept for the next try)"
        )
        return EXIT_CONFIG
    counter = _counter(
        settings, start.table, start.baseline, start.baseline_rows,
        job_application=settings.job_application,
    )  # fmt: skip
    others = tuple(
        _counter(settings, table.table, table.baseline, table.baseline_rows, sessions=False)
        for table in start.tables
    )
    try:
        job = ExecJob(
            client.api,
            start.container_id or start.container,
            list(start.command),
            run_id=start.run_id,
            log_path=Path(start.job_log),
            user=settings.user,
        )
        watch = _watch(
            state,
            job=job,
            counter=counter,
            others=others,
            journal=outputs,
            stop_grace_s=settings.stop_grace,
            stall_after_s=settings.stall_after,
            stall_fails=settings.stall_fails,
            stop=stop,
            emit=emit,
            heartbeat=heartbeat,
        )
        emit(
            f"[monitor] taking up pilot {start.run_id} (started {timestamp(start.at)}): its"
            f" monitor stopped at {timestamp(state.last_at)[11:19]}; its own settings hold"
        )
        try:
            reason, detail = _find_job(state, job, client, settings.user)
        except JobError as error:
            emit(
                f"PILOT_APP_CONTAINER: cannot tell whether the job of pilot {start.run_id} still"
                f" runs ({error}); its journal is kept for the next try"
            )
            return EXIT_CONFIG
        outputs.replay(start)  # the outputs of this monitor have not heard of the pilot
        gap = watch.clock.now() - state.last_at
        what = "re-attached to the job, which runs" if reason is None else detail
        watch.event(
            "monitor_resumed",
            f"the monitor is back after {format_duration(gap)} away: {what}; the job's output"
            " since then is not in the job log",
            gap_from=state.last_at,
            missed=watch.last_index - state.last_index,
        )
        if reason is None:
            watch.run()
        else:
            watch.finish(reason, detail)
    finally:
        journal.close()
        for opened in (counter, *others):
            opened.close()
        client.close()
    return conclude(
        journal.path, emit, journal.unwritten, outputs, language=settings.report_language
    )


def _counter(
    settings: Settings,
    table: str,
    baseline: dict[str, Any],
    baseline_rows: int,
    *,
    job_application: str | None = None,
    sessions: bool = True,
) -> TableCounter:
    """A watched table's counter as the journal left it: the same baseline, so the same
    counts (a journal from before baselines were journaled: a full count's)."""
    counter = TableCounter(
        settings.database,
        parse_table_name(table),
        settings.connect_timeout,
        settings.statement_timeout,
        job_application=job_application,
        sessions=sessions,
    )
    counter.baseline = (
        Baseline.from_dict(baseline) if baseline else Baseline(rows=baseline_rows, strategy="full")
    )
    return counter


def _watch(
    state: Unfinished,
    *,
    job: ExecJob,
    counter: TableCounter,
    others: Sequence[TableCounter],
    journal: Fanout,
    stop_grace_s: float,
    stall_after_s: float,
    stall_fails: bool,
    stop: StopRequest,
    emit: Callable[[str], None],
    heartbeat: Heartbeat | None,
) -> Watch:
    """The pilot's watch on its original schedule: the clock's start is moved back to it."""
    start, clock = state.start, SystemClock()
    plan = Plan(
        duration_s=start.duration_s,
        interval_s=start.interval_s,
        stop_grace_s=stop_grace_s,
        planned_samples=max(1, int(start.duration_s // start.interval_s)),
        started_monotonic=clock.monotonic() - (clock.now() - start.at),
        stall_after_s=stall_after_s,
        stall_fails=stall_fails,
    )
    return Watch(
        plan,
        job=job,
        counter=counter,
        journal=journal,
        clock=clock,
        emit=emit,
        stop=stop,
        baseline_rows=start.baseline_rows,
        count_errors=(CountError,),
        engine_errors=ENGINE_ERRORS,
        heartbeat=heartbeat,
        resume=Resume(state.last_index, state.progress),
        others=others,
    )


def _find_job(
    state: Unfinished, job: ExecJob, client: docker.DockerClient, user: str | None
) -> tuple[EndReason | None, str]:
    """Re-attaches the job if it still runs (None); else why the pilot ends and how to say it.

    Raises JobError when that cannot be told: the pilot is then left for a later try.
    """
    start, launch = state.start, state.launch or {}
    command = shlex.join(start.command)
    try:
        container = client.api.inspect_container(start.container_id or start.container)
    except docker.errors.NotFound:
        return "job_lost", "the job was lost while no monitor watched: its container is gone"
    started = str(launch.get("container_started") or container["State"].get("StartedAt"))
    if not container["State"].get("Running") or container["State"].get("StartedAt") != started:
        return (
            "job_lost",
            "the job was lost while no monitor watched: the app container stopped or restarted",
        )
    try:
        found = find_run_job(client.api, container["Id"], start.run_id, user)
    except ENGINE_ERRORS as error:
        raise JobError(str(error)) from error
    exec_id = launch.get("exec_id")
    if found is not None:
        job.reattach(found, str(exec_id) if exec_id else None, started)
    if found is not None and found.pid is not None:
        return None, f"`{command}` runs (pid {found.pid})"
    if found is None and not launch:
        return "error", "the monitor stopped before the job was started: no job of this pilot ran"
    if found is None:
        # A stopped job's pidfile is removed once it is confirmed gone.
        job.reattach(Found(str(launch.get("pidfile", "")), None), exec_id, started)
    return (
        "job_exit",
        "the job ended while no monitor watched (its exit code went with that monitor's"
        " connection to the Engine)",
    )
