"""The start of a pilot, with fakes: once launched, a job is always stopped, whatever fails."""

import threading
from dataclasses import dataclass, field

import pytest

from monitor.adapters.job import JobError, LaunchRefusedError
from monitor.adapters.job import JobStatus as Status
from monitor.adapters.job import StopResult as Stopped
from monitor.core.activity import Reading
from monitor.core.records import Event, PilotEnded, Record
from monitor.pilot import _start_and_watch
from monitor.watch import Plan, StopRequest, Watch


@dataclass
class FakeJob:
    """Launches (or not), then fails as told; records every stop."""

    launch: bool = True
    start_error: Exception | None = None
    launched: bool = False
    stops: list[float] = field(default_factory=list)
    pidfile: str = "/tmp/pilot-monitor-run-0000.pid"
    exec_id: str | None = "exec-1"
    container_started: str | None = "2026-12-03T00:00:00Z"

    def start(self) -> int:
        self.launched = self.launch
        if self.start_error is not None:
            raise self.start_error
        return 42

    def status(self) -> Status:
        return Status(running=self.launched and not self.stops, exit_code=None)

    def output_closed(self) -> bool:
        return False

    def stop(self, grace: float) -> Stopped:
        self.stops.append(grace)
        return Stopped("TERM", 143, True)

    def lost(self) -> str | None:
        return None


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return 1_700_000_000.0 + self.t

    def monotonic(self) -> float:
        return self.t

    def wait(self, event: threading.Event, seconds: float) -> bool:
        self.t += seconds
        return event.is_set()


class Counter:
    table_bytes = None
    reading = Reading()

    def count(self, seconds: float, cancel: threading.Event) -> int:
        return 7


@dataclass
class Console:
    """Journal and console in one timeline; the journal can be made to fail."""

    items: list[tuple[str, object]] = field(default_factory=list)
    failing: bool = False

    def append(self, record: Record) -> None:
        if self.failing:
            raise OSError(28, "No space left on device")
        self.items.append(("record", record))

    def emit(self, line: str) -> None:
        self.items.append(("line", line))


def watch_for(job: FakeJob, console: Console, stop: StopRequest) -> Watch:
    plan = Plan(
        duration_s=2.0, interval_s=1.0, stop_grace_s=5.0, planned_samples=2, started_monotonic=0.0
    )
    return Watch(
        plan,
        job=job,
        counter=Counter(),
        journal=console,
        clock=Clock(),
        emit=console.emit,
        stop=stop,
        baseline_rows=0,
        count_errors=(),
    )


def test_the_start_is_journaled_before_it_is_printed() -> None:
    console = Console()
    job = FakeJob()
    end = _start_and_watch(job, watch_for(job, console, StopRequest()), StopRequest(), "job")
    first_record = next(i for i, (kind, _) in enumerate(console.items) if kind == "record")
    started = console.items[first_record][1]
    assert isinstance(started, Event) and started.name == "job_started"
    assert console.items[first_record + 1] == (
        "line",
        "[monitor] started job (pid 42 in the container)",
    )
    assert end.reason == "budget" and job.stops == [5.0]


def test_a_start_that_fails_after_the_launch_is_stopped() -> None:
    console = Console()
    job = FakeJob(start_error=JobError("the pidfile could not be read"))
    end = _start_and_watch(job, watch_for(job, console, StopRequest()), StopRequest(), "job")
    assert job.stops == [5.0]
    assert (end.reason, end.job_gone) == ("error", True)
    assert "could not be confirmed" in end.detail


@pytest.mark.parametrize(
    "error", [LaunchRefusedError("an earlier job still runs"), JobError("no such container")]
)
def test_a_job_that_never_ran_is_not_stopped_but_recorded(error: Exception) -> None:
    console = Console()
    job = FakeJob(launch=isinstance(error, LaunchRefusedError), start_error=error)
    end = _start_and_watch(job, watch_for(job, console, StopRequest()), StopRequest(), "job")
    assert job.stops == []
    names = [item.name for kind, item in console.items if isinstance(item, Event)]
    assert names == ["job_not_started"]
    assert isinstance(end, PilotEnded) and end.reason == "error" and end.job_gone


def test_a_journal_that_fails_from_the_start_does_not_end_the_pilot() -> None:
    console = Console()
    job = FakeJob()
    watch = watch_for(job, console, StopRequest())
    console.failing = True
    end = _start_and_watch(job, watch, StopRequest(), "job")
    assert (end.reason, job.stops) == ("budget", [5.0])
    lines = [item for kind, item in console.items if kind == "line"]
    said = [line for line in lines if "journal could NOT be written" in str(line)]
    assert len(said) == 1 and "No space left on device" in str(said[0])
    assert not any(kind == "record" for kind, _ in console.items)


def test_a_stop_requested_before_the_start_starts_nothing() -> None:
    console = Console()
    job = FakeJob()
    stop = StopRequest()
    stop.request("the monitor received SIGTERM")
    end = _start_and_watch(job, watch_for(job, console, stop), stop, "job")
    assert not job.launched and job.stops == []
    assert end.reason == "signal"
