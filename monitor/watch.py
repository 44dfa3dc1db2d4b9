"""The pilot loop: sample on a fixed schedule until the budget, the job's exit, a signal, or
a stall when PILOT_STALL_FAILS says so.

It talks to the job, the counter, the journal and the clock only through the small
protocols below, so it runs the same against Docker and PostgreSQL as against test fakes.
Every record is in the journal before its line is printed. Whatever goes wrong, the loop
ends by stopping the job: nothing on the way out (a full disk, a lost Engine) may skip it.
"""

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from monitor.core.activity import Activity, Reading
from monitor.core.analysis import Progress, measure, start_progress
from monitor.core.console import event_line, sample_line
from monitor.core.duration import format_duration
from monitor.core.records import EndReason, Event, PilotEnded, Record, Sample, TableCount

STATUS_POLL_S = 0.5  # the job's exit is seen within this, whatever the interval
TICK_S = 0.1
FAST_POLL_FOR_S = 5.0
FINAL_COUNT_S = 3.0
EPSILON_S = 1e-6
# What a step may take beyond its own budget (an Engine call's timeout and some margin); the
# heartbeat promises the next beat within the step's budget plus this.
STEP_SLACK_S = 30.0
# While the Engine cannot be asked, the asking backs off from STATUS_POLL_S to this.
ENGINE_BACKOFF_MAX_S = 15.0


class JobStatusView(Protocol):
    @property
    def running(self) -> bool: ...

    @property
    def exit_code(self) -> int | None: ...


class StopView(Protocol):
    @property
    def signal(self) -> str | None: ...

    @property
    def exit_code(self) -> int | None: ...

    @property
    def gone(self) -> bool: ...


class Job(Protocol):
    def status(self) -> JobStatusView: ...

    def output_closed(self) -> bool: ...

    def stop(self, grace: float) -> StopView: ...

    def lost(self) -> str | None:
        """Why the job died with its container (stopped, restarted), if it did."""
        ...


class Counter(Protocol):
    def count(self, seconds: float, cancel: threading.Event) -> int:
        """Rows in the table now; raises an exception whose text says why there is none."""
        ...

    @property
    def table_bytes(self) -> int | None:
        """The table's size on disk as the last count read it; None: not read."""
        ...

    @property
    def reading(self) -> Reading:
        """The job's activity in the database as read with the last count."""
        ...


class OtherTable(Protocol):
    """One more watched table (PILOT_TABLES): counted after the pilot's own, each sample."""

    @property
    def name(self) -> str: ...

    def count(self, seconds: float, cancel: threading.Event) -> int: ...

    @property
    def reading(self) -> Reading: ...


class Recorder(Protocol):
    def append(self, record: Record) -> None: ...


class Clock(Protocol):
    def now(self) -> float: ...

    def monotonic(self) -> float: ...

    def wait(self, event: threading.Event, seconds: float) -> bool: ...


class Heartbeat(Protocol):
    def beat(self, valid_for_s: float) -> None: ...


class StopRequest:
    """Set from a signal handler; the loop notices it at once and stops the job."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = "a stop was requested"

    def request(self, reason: str) -> None:
        """Keeps the first reason: a second Ctrl-C does not rewrite why the pilot stopped."""
        if not self.event.is_set():
            self.reason = reason
            self.event.set()


@dataclass(frozen=True)
class Resume:
    """Where a monitor taking up a pilot goes on: the last sample's index and progress."""

    index: int
    progress: Progress


@dataclass(frozen=True)
class Plan:
    duration_s: float
    interval_s: float
    stop_grace_s: float
    planned_samples: int
    started_monotonic: float
    # No progress of any kind for this long while the job runs is a stall (an event, and a
    # notice); with ``stall_fails``, it also ends the pilot as failed.
    stall_after_s: float = float("inf")
    stall_fails: bool = False


class Watch:
    def __init__(
        self,
        plan: Plan,
        *,
        job: Job,
        counter: Counter,
        journal: Recorder,
        clock: Clock,
        emit: Callable[[str], None],
        stop: StopRequest,
        baseline_rows: int,
        count_errors: tuple[type[Exception], ...],
        engine_errors: tuple[type[Exception], ...] = (),
        heartbeat: Heartbeat | None = None,
        resume: Resume | None = None,
        others: Sequence[OtherTable] = (),
    ) -> None:
        self.plan = plan
        self.others = others
        self._others_seen: dict[str, TableCount] = {}  # each other table's last good count
        self.job = job
        self.counter = counter
        self.journal = journal
        self.clock = clock
        self.emit = emit
        self.stop = stop
        self._count_errors = count_errors
        self._engine_errors = engine_errors
        self._heartbeat = heartbeat
        self._progress: Progress = resume.progress if resume else start_progress(baseline_rows)
        self._index = 0
        if resume is not None:
            # A pilot taken up after a gap goes on at the next slot of its schedule; the slots
            # it missed stay missing (the journal's index jumps over them).
            missed = int((self.elapsed() + EPSILON_S) // plan.interval_s)
            self._index = max(resume.index, min(missed, plan.planned_samples))
        self._output_closed_at: float | None = None
        self._last_running = True
        self._engine_failures = 0
        self._engine_retry_at = 0.0
        self._count_failing = False
        self._journal_failing = False
        self._progressed_at = self._progress.last_elapsed_s  # when the job last showed progress
        self._stalled = False
        self._stall_message = ""

    @property
    def last_index(self) -> int:
        """The index of the last sample taken or, after a gap, skipped."""
        return self._index

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.plan.started_monotonic

    def event(self, name: str, message: str, **data: object) -> None:
        record = Event(self.clock.now(), self.elapsed(), name, message, dict(data))
        self.record(record)
        self.emit(event_line(record))

    def record(self, record: Record) -> None:
        """Journals a record. A disk that refuses it does not end the pilot: the journal keeps
        it in memory and writes it once the disk allows, and the console says so, once."""
        try:
            self.journal.append(record)
        except OSError as error:
            if not self._journal_failing:
                self._journal_failing = True
                self.emit(
                    f"[monitor] the journal could NOT be written ({error.strerror or error}):"
                    " its records are kept in memory until the disk takes them; the pilot goes on"
                )
            return
        if self._journal_failing:
            self._journal_failing = False
            self.emit("[monitor] the journal is written again, nothing was lost")

    def run(self) -> PilotEnded:
        """Samples until the pilot ends, stops the job, and returns the end record."""
        try:
            reason, detail = self._sample_until_end()
        except Exception as error:  # the job must be stopped whatever broke
            reason, detail = "error", f"{type(error).__name__}: {error}"
            self._try(lambda: self.event("monitor_error", f"monitor error: {detail}"))
        return self.finish(reason, detail)

    def _sample_until_end(self) -> tuple[EndReason, str]:
        plan = self.plan
        while True:
            due = min(
                plan.started_monotonic + (self._index + 1) * plan.interval_s,
                plan.started_monotonic + plan.duration_s,
            )
            ended = self._wait_until(due)
            if ended is not None:
                return ended
            if self.elapsed() >= plan.duration_s - EPSILON_S:
                if self._index < plan.planned_samples:
                    self._sample(final=False)
                return "budget", f"the {format_duration(plan.duration_s)} budget was spent"
            if not self._sample(final=False):
                return self._exited()
            if self._stalled and plan.stall_fails:
                return "stall", self._stall_message

    def _wait_until(self, due: float) -> tuple[EndReason, str] | None:
        """Watches the job and the stop flag until ``due``; says why the pilot ended, if it did.

        A stop request wakes the wait at once. The Engine is asked about the job twice a second,
        and on every tick for a few seconds after the job's output closed (it usually just
        exited; but a stream can also close while the job runs on, hence the time limit).
        """
        next_inspect = self.clock.monotonic()
        while True:
            self._beat(STATUS_POLL_S)
            if self.stop.event.is_set():
                return "signal", self.stop.reason
            now = self.clock.monotonic()
            if now >= next_inspect - EPSILON_S or self._output_recently_closed(now):
                if not self._running():
                    return self._exited()
                next_inspect = now + STATUS_POLL_S
            remaining = due - now
            if remaining <= 0:
                return None
            self.clock.wait(self.stop.event, min(TICK_S, remaining, next_inspect - now))

    def _output_recently_closed(self, now: float) -> bool:
        if not self.job.output_closed():
            return False
        if self._output_closed_at is None:
            self._output_closed_at = now
        return now - self._output_closed_at < FAST_POLL_FOR_S

    def _exited(self) -> tuple[EndReason, str]:
        """Why the job is no longer running: it exited, or its container went under it."""
        try:
            lost = self.job.lost()
        except self._engine_errors:
            lost = None
        return ("job_lost", f"the job was lost: {lost}") if lost else ("job_exit", "the job exited")

    def _running(self) -> bool:
        """The job's state; while the Engine cannot be asked, the last state known.

        The Engine is then asked again with a back-off (up to ENGINE_BACKOFF_MAX_S), so that
        a hung Engine holds up neither the samples nor the stop request for long.
        """
        now = self.clock.monotonic()
        if self._engine_failures and now < self._engine_retry_at:
            return self._last_running
        try:
            running = self.job.status().running
        except self._engine_errors as error:
            if not self._engine_failures:
                self.event(
                    "engine_unreachable",
                    f"cannot ask the Docker Engine about the job, retrying with back-off: {error}",
                )
            self._engine_failures += 1
            backoff = min(ENGINE_BACKOFF_MAX_S, STATUS_POLL_S * 2**self._engine_failures)
            self._engine_retry_at = self.clock.monotonic() + backoff
            return self._last_running
        if self._engine_failures:
            self._engine_failures = 0
            self.event("engine_reachable", "the Docker Engine answers again")
        self._last_running = running
        return running

    def _sample(self, *, final: bool) -> bool:
        """Takes, journals and prints one sample; returns whether the job was running."""
        budget = FINAL_COUNT_S if final else max(0.5, self.plan.interval_s / 2)
        deadline = self.clock.monotonic() + budget
        self._beat(budget)
        running = self._running()
        total: int | None = None
        error: str | None = None
        table_bytes: int | None = None
        reading = Reading()
        try:
            total = self.counter.count(budget, threading.Event() if final else self.stop.event)
            table_bytes, reading = self.counter.table_bytes, self.counter.reading
        except self._count_errors as failure:
            error = str(failure) or type(failure).__name__
        others = self._count_others(deadline, final)
        others_moved = self._others_moved(others)
        self._index += 1
        sample = Sample(
            index=self._index,
            at=self.clock.now(),
            elapsed_s=self.elapsed(),
            job_running=running,
            total=total,
            error=error,
            final=final,
            table_bytes=table_bytes,
            changes=reading.changes,
            sessions=reading.sessions,
            blockers=reading.blockers,
            tables=others,
        )
        self.record(sample)
        row, self._progress = measure(self._progress, sample)
        self.emit(sample_line(row, self.plan.planned_samples, self.plan.interval_s))
        self._note_count_edges(error)
        if not final:
            self._note_stall(row.delta, row.activity, running, others_moved)
        return running

    def _count_others(self, deadline: float, final: bool) -> tuple[TableCount, ...]:
        """PILOT_TABLES' counts, each in its share of what the pilot's own count left of the
        sample's budget (half a second at least); one that fails is missing, like the pilot's
        own."""
        counts = []
        for position, table in enumerate(self.others):
            left = deadline - self.clock.monotonic()
            share = max(0.5, left / (len(self.others) - position))
            try:
                total = table.count(share, threading.Event() if final else self.stop.event)
            except self._count_errors as failure:
                counts.append(TableCount(table.name, None, error=str(failure) or "count failed"))
            else:
                counts.append(TableCount(table.name, total, table.reading.changes))
        return tuple(counts)

    def _others_moved(self, others: tuple[TableCount, ...]) -> bool:
        """Whether any other table gained rows or saw writes since its last good count."""
        moved = False
        for count in others:
            if count.total is None:
                continue
            before = self._others_seen.get(count.table)
            self._others_seen[count.table] = count
            if before is None or before.total is None:
                continue
            wrote = (
                count.changes is not None
                and before.changes is not None
                and count.changes != before.changes
            )
            moved = moved or count.total > before.total or wrote
        return moved

    def _note_stall(
        self, delta: int | None, activity: Activity | None, running: bool, others_moved: bool
    ) -> None:
        """One event when the running job has shown no progress of any kind (rows or writes
        in any watched table, statements) for ``stall_after_s``, one when it shows some
        again. Without activity (not read), new rows are the only progress; a missing count
        proves nothing."""
        progressed = activity.progress if activity else delta is not None and delta > 0
        progressed = progressed or others_moved
        if progressed:
            self._progressed_at = self.elapsed()
            if self._stalled:
                self._stalled = False
                what = (
                    activity.state
                    if activity and activity.progress
                    else "other tables"
                    if others_moved
                    else "growing"
                )
                self.event("progressing", f"the job shows progress again ({what})", state=what)
            return
        still = self.elapsed() - self._progressed_at
        if running and not self._stalled and still >= self.plan.stall_after_s - EPSILON_S:
            self._stalled = True
            state = activity.state if activity else "idle"
            why = activity.detail if activity else "no new rows"
            self._stall_message = (
                f"no progress for {format_duration(round(still))} while the job runs"
                f" ({state}: {why})"
            )
            self.event(
                "stalled",
                f"{self._stall_message}: stalled?",
                since_s=self._progressed_at,
                state=state,
            )

    def _note_count_edges(self, error: str | None) -> None:
        """One event where counting starts to fail and one where it works again."""
        if error is not None and not self._count_failing:
            self.event("count_failed", f"the table cannot be counted: {error}", error=error)
        elif error is None and self._count_failing:
            self.event("count_recovered", "the table can be counted again")
        self._count_failing = error is not None

    def finish(self, reason: EndReason, detail: str) -> PilotEnded:
        """Stops the job, takes one last count and appends the end record.

        The stop comes before anything that touches the disk or the console, and nothing
        that fails afterwards is allowed to prevent the end record from being attempted.
        """
        self._beat(self.plan.stop_grace_s + FINAL_COUNT_S)
        exit_code: int | None = None
        if reason == "job_exit":
            exit_code = self._exit_code()
            self._try(
                lambda: self.event(
                    "job_exited", f"the job exited with code {exit_code}", exit_code=exit_code
                )
            )
        elif reason == "job_lost":
            exit_code = self._exit_code()
            self._try(lambda: self.event("job_lost", detail, exit_code=exit_code))
        else:
            self._try(
                lambda: self.event(
                    "stopping",
                    f"stopping the job ({detail}): SIGTERM, then SIGKILL after"
                    f" {format_duration(self.plan.stop_grace_s)}",
                )
            )
        signal, stopped_code, gone = self._stop()
        if reason not in ("job_exit", "job_lost"):
            exit_code = stopped_code
        self._try(lambda: self._sample(final=True))
        end = PilotEnded(
            at=self.clock.now(),
            elapsed_s=self.elapsed(),
            reason=reason,
            job_exit_code=exit_code,
            job_stopped_by=signal,
            job_gone=gone,
            detail=detail,
        )
        self.record(end)
        return end

    def _stop(self) -> tuple[str | None, int | None, bool]:
        """(signal used, exit code, confirmed gone); a failure to stop is recorded, not raised."""
        try:
            stop = self.job.stop(self.plan.stop_grace_s)
        except Exception as error:
            message = f"the job could NOT be stopped: {error}"
            self._try(lambda: self.event("job_not_stopped", message))
            return None, None, False
        if stop.signal or not stop.gone:
            message = (
                f"the job {'is gone' if stop.gone else 'could NOT be confirmed gone'} after"
                f" SIG{stop.signal} (exit code {stop.exit_code})"
                if stop.signal
                else "the job could NOT be signalled (its PID is unknown) and may still run"
            )
            self._try(
                lambda: self.event(
                    "job_stopped" if stop.gone else "job_not_stopped",
                    message,
                    signal=stop.signal,
                    exit_code=stop.exit_code,
                    gone=stop.gone,
                )
            )
        return stop.signal, stop.exit_code, stop.gone

    def _exit_code(self) -> int | None:
        try:
            return self.job.status().exit_code
        except Exception:  # an unknown code is reported as such, not as a crash
            return None

    def _beat(self, step_s: float) -> None:
        if self._heartbeat is not None:
            self._heartbeat.beat(step_s + STEP_SLACK_S)

    def _try(self, action: Callable[[], object]) -> None:
        """Runs a journal or console step on the way out; its failure must not stop the end."""
        try:
            action()
        except Exception as error:
            # If the console itself is gone, the end record is still attempted.
            with contextlib.suppress(Exception):
                self.emit(f"[monitor] could not record a step of the pilot's end: {error}")
