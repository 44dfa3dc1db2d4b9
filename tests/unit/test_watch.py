"""The pilot loop against in-memory fakes: a clock that jumps, a scripted job and counter."""

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from monitor.adapters.job import JobStatus as Status
from monitor.adapters.job import StopResult as Stopped
from monitor.core.activity import Reading
from monitor.core.analysis import Progress, summarise
from monitor.core.records import Changes, Event, PilotEnded, Record, Sample, Session
from monitor.core.verdict import judge
from monitor.watch import (
    ENGINE_BACKOFF_MAX_S,
    FINAL_COUNT_S,
    STATUS_POLL_S,
    STEP_SLACK_S,
    Plan,
    Resume,
    StopRequest,
    Watch,
)

STALL_EVENTS = ("stalled", "progressing")
START = 1000.0  # the fake monotonic clock at the start of the pilot
WALL = 1_700_000_000.0


class CountFailedError(Exception):
    """Stands in for the counter adapter's CountError."""


class FakeClock:
    """wait() advances time at once, running any action scheduled inside the wait."""

    def __init__(self) -> None:
        self.t = START
        self.waits: list[float] = []
        self._timers: list[tuple[float, Callable[[], None]]] = []

    def now(self) -> float:
        return WALL + (self.t - START)

    def monotonic(self) -> float:
        return self.t

    def elapsed(self) -> float:
        return self.t - START

    def at(self, elapsed: float, action: Callable[[], None]) -> None:
        self._timers.append((START + elapsed, action))
        self._timers.sort(key=lambda timer: timer[0])

    def wait(self, event: threading.Event, seconds: float) -> bool:
        self.waits.append(seconds)
        if event.is_set():
            return True
        end = self.t + max(0.0, seconds)
        while self._timers and self._timers[0][0] <= end:
            when, action = self._timers.pop(0)
            self.t = max(self.t, when)
            action()
            if event.is_set():
                return True  # woken early, like threading.Event.wait
        self.t = end
        return event.is_set()


@dataclass
class FakeJob:
    clock: FakeClock
    exits_at: float | None = None  # elapsed seconds at which the job ends by itself
    exit_code: int = 0
    stop_result: Stopped = field(default_factory=lambda: Stopped("TERM", 143, True))
    stop_error: Exception | None = None
    status_fails_at: float | None = None
    stop_calls: list[tuple[float, float]] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)
    stopped: bool = False
    lost_because: str | None = None  # the job "exits" because its container went
    status_calls: list[float] = field(default_factory=list)

    def _exited(self) -> bool:
        return self.exits_at is not None and self.clock.elapsed() >= self.exits_at

    def status(self) -> Status:
        self.status_calls.append(self.clock.elapsed())
        if self.status_fails_at is not None and self.clock.elapsed() >= self.status_fails_at:
            raise ConnectionError("Docker Engine unreachable")
        if self.stopped:
            return Status(False, self.stop_result.exit_code)
        if self._exited():
            return Status(False, self.exit_code)
        return Status(True, None)

    def output_closed(self) -> bool:
        return self.closed.is_set()

    def lost(self) -> str | None:
        return self.lost_because if self._exited() else None

    def stop(self, grace: float) -> Stopped:
        self.stop_calls.append((grace, self.clock.elapsed()))
        if self.stop_error is not None:
            raise self.stop_error
        if self._exited():
            return Stopped(None, None, True)  # nothing to signal; exec gone
        self.stopped = True
        return self.stop_result


class FakeCounter:
    """Returns the scripted counts in turn; an exception in the script is raised instead.
    With ``bytes_per_row``, each count reads the table's size too, as the real one does;
    ``readings`` are the activity each count reads in turn (then none); each count takes
    ``takes_s`` of the clock's time, or all it is given if that is less."""

    def __init__(
        self, clock: FakeClock, script: list[int | Exception], name: str = "matches"
    ) -> None:
        self.clock = clock
        self.name = name
        self.takes_s = 0.0
        self.script = list(script)
        self.calls: list[tuple[float, float, threading.Event]] = []
        self._last = 0
        self.bytes_per_row: int | None = None
        self.table_bytes: int | None = None
        self.readings: list[Reading] = []
        self.reading = Reading()

    def count(self, seconds: float, cancel: threading.Event) -> int:
        self.calls.append((self.clock.elapsed(), seconds, cancel))
        self.clock.t += min(self.takes_s, seconds)
        self.table_bytes = None
        self.reading = self.readings.pop(0) if self.readings else Reading()
        item = self.script.pop(0) if self.script else self._last
        if isinstance(item, Exception):
            raise item
        self._last = item
        if self.bytes_per_row is not None:
            self.table_bytes = item * self.bytes_per_row
        return item


class Timeline:
    """The journal and the console in one list, so their order can be checked."""

    def __init__(self) -> None:
        self.items: list[tuple[str, object]] = []

    def append(self, record: Record) -> None:
        self.items.append(("record", record))

    def emit(self, line: str) -> None:
        self.items.append(("line", line))

    @property
    def records(self) -> list[Record]:
        return [item for kind, item in self.items if kind == "record"]  # type: ignore[misc]

    @property
    def lines(self) -> list[str]:
        return [item for kind, item in self.items if kind == "line"]  # type: ignore[misc]

    @property
    def samples(self) -> list[Sample]:
        return [record for record in self.records if isinstance(record, Sample)]

    @property
    def events(self) -> list[Event]:
        return [record for record in self.records if isinstance(record, Event)]


@dataclass
class Pilot:
    clock: FakeClock
    job: FakeJob
    counter: FakeCounter
    timeline: Timeline
    stop: StopRequest
    watch: Watch


def make_pilot(
    script: list[int | Exception],
    *,
    duration: float = 300.0,
    interval: float = 60.0,
    grace: float = 10.0,
    baseline: int = 100,
    clock: FakeClock | None = None,
    heartbeat: "RecordedBeats | None" = None,
    stall_after: float = float("inf"),
    stall_fails: bool = False,
    **job_options: object,
) -> Pilot:
    clock = clock or FakeClock()
    job = FakeJob(clock, **job_options)  # type: ignore[arg-type]
    counter = FakeCounter(clock, script)
    timeline = Timeline()
    stop = StopRequest()
    plan = Plan(
        duration_s=duration,
        interval_s=interval,
        stop_grace_s=grace,
        planned_samples=max(1, int(duration // interval)),
        started_monotonic=clock.monotonic(),
        stall_after_s=stall_after,
        stall_fails=stall_fails,
    )
    watch = Watch(
        plan,
        job=job,
        counter=counter,
        journal=timeline,
        clock=clock,
        emit=timeline.emit,
        stop=stop,
        baseline_rows=baseline,
        count_errors=(CountFailedError,),
        engine_errors=(ConnectionError,),
        heartbeat=heartbeat,
    )
    return Pilot(clock, job, counter, timeline, stop, watch)


def verdict_of(build, pilot: Pilot, baseline: int = 100):
    start = build.start(
        baseline=baseline,
        duration=pilot.watch.plan.duration_s,
        interval=pilot.watch.plan.interval_s,
    )
    return summarise([start, *pilot.timeline.records]).verdict


def test_other_tables_share_what_the_pilots_own_count_left_of_the_sample(build) -> None:
    """A sample may take half an interval (30 s here): the other tables count in what is
    left of it, half a second each at least, so a sample never takes twice its budget."""
    pilot = make_pilot([110, 120], duration=120.0)
    teams, odds = FakeCounter(pilot.clock, [2], "teams"), FakeCounter(pilot.clock, [7], "odds")
    for table in (teams, odds):
        table.takes_s = 4.0
    pilot.watch.others = (teams, odds)
    pilot.counter.takes_s = 20.0
    pilot.watch.run()
    assert [seconds for _, seconds, _ in pilot.counter.calls][:2] == [30.0, 30.0]
    assert [seconds for _, seconds, _ in teams.calls][:1] == [5.0]  # 10 s left, for two
    assert [seconds for _, seconds, _ in odds.calls][:1] == [6.0]  # 6 s left, for one
    pilot = make_pilot([110], duration=60.0)
    pilot.counter.takes_s = 30.0  # the whole budget, as in an outage
    teams, odds = FakeCounter(pilot.clock, [2], "teams"), FakeCounter(pilot.clock, [7], "odds")
    pilot.watch.others = (teams, odds)
    pilot.watch.run()
    assert (teams.calls[0][1], odds.calls[0][1]) == (0.5, 0.5)
    assert [count.total for count in pilot.timeline.samples[0].tables] == [2, 7]


def test_a_sample_carries_the_table_size_its_count_read(build) -> None:
    pilot = make_pilot([110, CountFailedError("timeout"), 130], duration=180.0)
    pilot.counter.bytes_per_row = 2000
    pilot.watch.run()
    assert [(s.total, s.table_bytes) for s in pilot.timeline.samples] == [
        (110, 220_000),
        (None, None),  # a failed count reads no size either
        (130, 260_000),
        (130, 260_000),  # the count after the stop
    ]
    start = build.start(baseline=100, duration=180.0)
    size = summarise([start, *pilot.timeline.records]).table_size
    assert size is not None
    assert (size.table_bytes, size.rows) == (260_000, 130)


def test_budget_reached(build) -> None:
    pilot = make_pilot([110, 120, 130, 140, 150, 155])
    end = pilot.watch.run()

    samples = pilot.timeline.samples
    assert [(s.index, s.elapsed_s, s.total, s.final) for s in samples] == [
        (1, 60.0, 110, False),
        (2, 120.0, 120, False),
        (3, 180.0, 130, False),
        (4, 240.0, 140, False),
        (5, 300.0, 150, False),
        (6, 300.0, 155, True),
    ]
    assert [s.job_running for s in samples] == [True] * 5 + [False]
    assert samples[0].at == WALL + 60.0
    assert pilot.job.stop_calls == [(10.0, 300.0)]

    assert end == PilotEnded(
        at=WALL + 300.0,
        elapsed_s=300.0,
        reason="budget",
        job_exit_code=143,
        job_stopped_by="TERM",
        job_gone=True,
        detail="the 5m budget was spent",
    )
    assert pilot.timeline.records[-1] == end
    kinds = [(r.kind, getattr(r, "name", None)) for r in pilot.timeline.records]
    assert kinds[5:] == [
        ("event", "stopping"),
        ("event", "job_stopped"),
        ("sample", None),
        ("end", None),
    ]

    lines = [line for line in pilot.timeline.lines if not line.startswith("[monitor]")]
    assert lines[0] == (
        "[  1/5] Status: ✅ Running | Total:  110 | Added: + 10 | Speed: 10.0/min | Avg: 10.0/min"
    )
    assert lines[-1].startswith("[end/5] Status: ⏹️ Stopped | Total:  155 | Added: + 55 |")
    assert verdict_of(build, pilot).outcome == "passed"
    assert verdict_of(build, pilot).exit_code == 0


def test_counter_gets_half_an_interval_and_the_final_count_is_not_cancelled() -> None:
    pilot = make_pilot([110, 120, 130, 140, 150, 155])
    pilot.clock.at(150.5, lambda: pilot.stop.request("SIGTERM received"))
    pilot.watch.run()
    regular, final = pilot.counter.calls[:-1], pilot.counter.calls[-1]
    assert [(at, seconds) for at, seconds, _ in regular] == [(60.0, 30.0), (120.0, 30.0)]
    assert all(cancel is pilot.stop.event for _, _, cancel in regular)
    assert final[1] == FINAL_COUNT_S
    assert final[2] is not pilot.stop.event
    assert not final[2].is_set()


def test_polls_are_at_most_one_second() -> None:
    pilot = make_pilot([110] * 10)
    pilot.watch.run()
    assert pilot.clock.waits
    assert max(pilot.clock.waits) <= STATUS_POLL_S
    assert min(pilot.clock.waits) > 0


def test_no_sample_past_the_plan_when_the_budget_is_not_a_whole_number_of_intervals() -> None:
    pilot = make_pilot([110, 120, 125], duration=150.0, interval=60.0)
    end = pilot.watch.run()
    samples = pilot.timeline.samples
    assert [(s.index, s.elapsed_s, s.final) for s in samples] == [
        (1, 60.0, False),
        (2, 120.0, False),
        (3, 150.0, True),
    ]
    assert end.elapsed_s == 150.0
    assert end.reason == "budget"


@pytest.mark.parametrize(
    ("exit_code", "outcome", "monitor_exit"), [(0, "completed", 0), (1, "failed", 1)]
)
def test_job_exit_is_seen_at_the_next_poll(build, exit_code, outcome, monitor_exit) -> None:
    pilot = make_pilot([110, 120, 125], duration=600.0, exits_at=125.5, exit_code=exit_code)
    end = pilot.watch.run()

    assert end.reason == "job_exit"
    assert end.job_exit_code == exit_code  # kept from the job, not from the stop attempt
    assert end.elapsed_s == pytest.approx(126.0)  # the first 1-second poll after 125.5
    assert end.job_stopped_by is None
    assert end.job_gone is True
    samples = pilot.timeline.samples
    assert [(s.elapsed_s, s.final, s.job_running) for s in samples] == [
        (60.0, False, True),
        (120.0, False, True),
        (pytest.approx(126.0), True, False),
    ]
    exited = [event for event in pilot.timeline.events if event.name == "job_exited"]
    assert len(exited) == 1
    assert exited[0].data == {"exit_code": exit_code}
    assert exited[0].message == f"the job exited with code {exit_code}"
    assert pilot.job.stop_calls == [(10.0, pytest.approx(126.0))]  # still made sure it is gone
    verdict = verdict_of(build, pilot)
    assert (verdict.outcome, verdict.exit_code) == (outcome, monitor_exit)


def test_job_exit_noticed_within_a_tenth_of_a_second_once_its_output_closed() -> None:
    pilot = make_pilot([110, 120], duration=600.0, exits_at=60.35)
    pilot.clock.at(60.35, pilot.job.closed.set)
    end = pilot.watch.run()
    assert end.reason == "job_exit"
    assert 60.35 <= end.elapsed_s <= 60.45 + 1e-9
    assert max(pilot.clock.waits) <= 0.1 + 1e-12


def test_stop_request_ends_the_pilot_as_a_signal(build) -> None:
    pilot = make_pilot([110, 120, 125], duration=600.0)
    pilot.clock.at(90.5, lambda: pilot.stop.request("SIGTERM received"))
    pilot.clock.at(91.0, lambda: pilot.stop.request("SIGINT received"))
    end = pilot.watch.run()

    assert end.reason == "signal"
    assert end.detail == "SIGTERM received"  # the first reason only
    assert end.elapsed_s == 90.5  # woken at once, not at the end of the poll
    assert end.job_stopped_by == "TERM"
    assert end.job_gone is True
    assert pilot.job.stop_calls == [(10.0, 90.5)]
    assert [(s.elapsed_s, s.final) for s in pilot.timeline.samples] == [
        (60.0, False),
        (90.5, True),
    ]
    stopping = [event for event in pilot.timeline.events if event.name == "stopping"]
    assert stopping[0].message.startswith("stopping the job (SIGTERM received)")
    verdict = verdict_of(build, pilot)
    assert (verdict.outcome, verdict.exit_code) == ("interrupted", 3)


def test_stop_request_keeps_the_first_reason() -> None:
    stop = StopRequest()
    stop.request("SIGTERM")
    stop.request("SIGINT")
    assert stop.reason == "SIGTERM"
    assert stop.event.is_set()


def test_stop_requested_before_the_first_sample() -> None:
    pilot = make_pilot([100], duration=600.0)
    pilot.stop.request("SIGINT received")
    end = pilot.watch.run()
    assert end.reason == "signal"
    assert end.elapsed_s == 0.0
    assert [s.final for s in pilot.timeline.samples] == [True]


def test_counter_failure_is_a_missing_sample_and_the_pilot_goes_on(build) -> None:
    script: list[int | Exception] = [
        110,
        CountFailedError("could not connect to server: Connection refused"),
        CountFailedError(""),
        140,
        150,
        150,
    ]
    pilot = make_pilot(script)
    end = pilot.watch.run()

    samples = pilot.timeline.samples
    assert [s.total for s in samples] == [110, None, None, 140, 150, 150]
    assert samples[1].error == "could not connect to server: Connection refused"
    assert samples[2].error == "CountFailedError"  # an empty message still says something
    assert end.reason == "budget"

    lines = [line for line in pilot.timeline.lines if not line.startswith("[monitor]")]
    assert "could not connect to server: Connection refused" in lines[1]
    assert "Total:    ?" in lines[1]
    assert "Total:    0" not in lines[1]
    # the next good sample's speed spans the gap: 30 rows over 3 minutes
    assert "| Speed: 10.0/min |" in lines[3]
    summary = summarise([build.start(duration=300.0), *pilot.timeline.records])
    assert summary.missing == 2
    assert summary.verdict.outcome == "passed"


def test_unexpected_counter_error_still_stops_the_job_and_ends(build) -> None:
    pilot = make_pilot([110, KeyError("boom"), 130])
    end = pilot.watch.run()
    assert end.reason == "error"
    assert "KeyError" in end.detail
    assert pilot.job.stop_calls == [(10.0, 120.0)]
    assert any(event.name == "monitor_error" for event in pilot.timeline.events)
    assert pilot.timeline.records[-1] == end
    assert verdict_of(build, pilot).outcome == "failed"


def test_every_record_is_journaled_before_its_line_is_printed() -> None:
    pilot = make_pilot([110, CountFailedError("timeout"), 130, 140, 150, 155])
    pilot.clock.at(250.0, lambda: pilot.stop.request("SIGTERM received"))
    pilot.watch.run()

    items = pilot.timeline.items
    sample_lines = 0
    for position, (kind, item) in enumerate(items):
        if kind != "line":
            continue
        assert isinstance(item, str)
        before = [record for k, record in items[:position] if k == "record"]
        previous_kind, previous = items[position - 1]
        assert previous_kind == "record", f"line {item!r} printed before its record"
        if item.startswith("[monitor]"):
            assert isinstance(previous, Event)
            assert item == f"[monitor] {previous.message}"
        else:
            sample_lines += 1
            assert isinstance(previous, Sample)
            assert sum(isinstance(record, Sample) for record in before) >= sample_lines
            label = "end" if previous.final else str(previous.index)
            assert item.startswith(f"[{label:>3}/5]")
    assert sample_lines == len(pilot.timeline.samples) == 5


def test_stop_that_raises_still_ends_with_the_job_not_confirmed_gone(build) -> None:
    pilot = make_pilot([110, 120, 130, 140, 150, 150])
    pilot.job.stop_error = RuntimeError("exec_create failed: engine unreachable")
    end = pilot.watch.run()  # must not raise: the pilot still needs its end record

    assert end.job_gone is False
    assert end.reason == "budget"
    assert pilot.timeline.records[-1] == end
    assert any("engine unreachable" in event.message for event in pilot.timeline.events)
    verdict = verdict_of(build, pilot)
    assert (verdict.outcome, verdict.exit_code) == ("failed", 1)


def test_stop_that_cannot_confirm_the_job_is_gone(build) -> None:
    pilot = make_pilot([110, 120, 130, 140, 150, 150])
    pilot.job.stop_result = Stopped("KILL", None, False)
    end = pilot.watch.run()
    assert (end.job_stopped_by, end.job_gone) == ("KILL", False)
    assert [e.name for e in pilot.timeline.events][-1] == "job_not_stopped"
    assert verdict_of(build, pilot).outcome == "failed"


def test_engine_lost_mid_pilot_keeps_sampling_and_still_ends_with_a_record(build) -> None:
    pilot = make_pilot(
        [110, 120, 130, 140, 150], duration=300.0, status_fails_at=100.0,
        stop_error=ConnectionError("Docker Engine unreachable"),
    )  # fmt: skip
    end = pilot.watch.run()  # must not raise: the journal needs its end record

    assert end.reason == "budget"  # the database was still sampled to the end of the budget
    assert [sample.total for sample in pilot.timeline.samples[:5]] == [110, 120, 130, 140, 150]
    assert all(sample.job_running for sample in pilot.timeline.samples[:5])  # last state known
    lost = [event for event in pilot.timeline.events if event.name == "engine_unreachable"]
    assert len(lost) == 1 and "Docker Engine unreachable" in lost[0].message
    assert end.job_gone is False
    assert pilot.timeline.records[-1] == end
    assert verdict_of(build, pilot).outcome == "failed"


def test_engine_back_after_an_outage_is_recorded() -> None:
    pilot = make_pilot([110, 120, 130], duration=180.0)
    pilot.job.status_fails_at = 70.0
    pilot.clock.at(100.0, lambda: setattr(pilot.job, "status_fails_at", None))
    end = pilot.watch.run()
    names = [event.name for event in pilot.timeline.events]
    assert names.count("engine_unreachable") == 1
    assert names.count("engine_reachable") == 1
    assert end.reason == "budget" and end.job_gone is True


def test_the_engine_is_asked_again_with_a_back_off_while_it_fails() -> None:
    pilot = make_pilot([110, 120, 130, 140, 150], duration=300.0, status_fails_at=0.0)
    pilot.watch.run()
    asked = [at for at in pilot.job.status_calls if at < 300.0]
    gaps = [later - earlier for earlier, later in itertools.pairwise(asked)]
    assert gaps[:4] == pytest.approx([1.0, 2.0, 4.0, 8.0], abs=0.2)
    assert max(gaps) <= ENGINE_BACKOFF_MAX_S + STATUS_POLL_S + 0.01
    assert len(asked) < 40  # not the 600 polls of a healthy 5 minutes


def test_a_job_whose_container_went_ends_the_pilot_as_lost(build) -> None:
    pilot = make_pilot(
        [110, 120, 130], exits_at=90.0, exit_code=137, lost_because="the app container restarted"
    )
    end = pilot.watch.run()
    assert (end.reason, end.job_exit_code) == ("job_lost", 137)
    assert end.detail == "the job was lost: the app container restarted"
    assert next(e.name for e in pilot.timeline.events) == "job_lost"
    verdict = verdict_of(build, pilot)
    assert verdict.outcome == "failed"
    assert verdict.headline == "FAILED: the job was lost: the app container restarted"


def test_a_pilot_taken_up_goes_on_at_its_next_slot_from_where_it_was() -> None:
    clock = FakeClock()
    clock.t = START + 200.0  # the monitor was away; the pilot started 200 s ago
    pilot = make_pilot([150, 160], clock=clock, duration=300.0)
    resumed = Watch(
        replace(pilot.watch.plan, started_monotonic=START),
        job=pilot.job,
        counter=pilot.counter,
        journal=pilot.timeline,
        clock=clock,
        emit=pilot.timeline.emit,
        stop=pilot.stop,
        baseline_rows=100,
        count_errors=(CountFailedError,),
        resume=Resume(
            index=1, progress=Progress(baseline=100, last_total=120, last_elapsed_s=60.0)
        ),
    )
    assert resumed.last_index == 3  # samples 2 and 3 were missed
    resumed.run()
    samples = [(s.index, s.elapsed_s, s.total) for s in pilot.timeline.samples]
    assert samples == [(4, 240.0, 150), (5, 300.0, 160), (6, 300.0, 160)]
    assert pilot.timeline.lines[0].startswith("[  4/5]")
    assert "Speed: 10.0/min" in pilot.timeline.lines[0]  # 30 rows over the 180 s since sample 1


def test_a_stall_is_an_event_when_it_starts_and_when_rows_come_again() -> None:
    failure = CountFailedError("connection refused")
    script: list[int | Exception] = [110, 110, failure, 110, 110, 120, 120, 130, 130, 130]
    pilot = make_pilot(script, duration=600.0, stall_after=180.0)
    pilot.watch.run()
    found = [(e.name, e.elapsed_s) for e in pilot.timeline.events if e.name in STALL_EVENTS]
    # no row since 60 s: a stall at 240 s (the missing count at 180 s proves nothing)
    assert found == [("stalled", 240.0), ("progressing", 360.0)]
    [stalled] = [e for e in pilot.timeline.events if e.name == "stalled"]
    assert stalled.message == "no progress for 3m while the job runs (idle: no new rows): stalled?"


def test_updates_without_new_rows_are_progress_not_a_stall() -> None:
    pilot = make_pilot([100] * 6, duration=360.0, stall_after=120.0)
    pilot.counter.readings = [Reading(Changes(0, 50 * n, 0), ()) for n in range(6)]
    end = pilot.watch.run()
    assert end.reason == "budget"
    assert not [e for e in pilot.timeline.events if e.name in STALL_EVENTS]
    assert [s.changes for s in pilot.timeline.samples][:2] == [Changes(0, 0, 0), Changes(0, 50, 0)]


def test_a_job_blocked_by_a_lock_stalls_and_with_stall_fails_the_pilot_ends_failed() -> None:
    holder = Session(81, "psql", "idle in transaction", 200.0, 190.0)
    waiting = Session(42, "backfill", "active", 3.0, 3.0, "Lock:relation", (81,))
    pilot = make_pilot(
        [110, 110, 110, 110, 110], duration=300.0, stall_after=120.0, stall_fails=True
    )
    pilot.counter.readings = [Reading(Changes(10, 0, 0), ())] + [
        Reading(Changes(10, 0, 0), (waiting,), (holder,))
    ] * 5
    end = pilot.watch.run()
    [stalled] = [e for e in pilot.timeline.events if e.name == "stalled"]
    assert stalled.elapsed_s == 180.0 and stalled.data["state"] == "blocked"
    assert "pid 81 (psql, idle in transaction, transaction open 3m 20s)" in stalled.message
    assert end.reason == "stall" and end.elapsed_s == 180.0
    assert pilot.job.stop_calls == [(10.0, 180.0)]  # stopped at once, not at the budget's end
    verdict = judge(end, sampled=True, not_started=False)
    assert verdict.headline.startswith("FAILED: the job stalled, no progress for 2m")


def test_count_failures_are_events_at_their_edges() -> None:
    failure = CountFailedError("connection refused")
    pilot = make_pilot([110, failure, failure, 140], duration=240.0)
    pilot.watch.run()
    edges = [(e.name, e.elapsed_s) for e in pilot.timeline.events if e.name.startswith("count_")]
    assert edges == [("count_failed", 120.0), ("count_recovered", 240.0)]


def test_a_disk_that_fills_and_frees_neither_ends_the_pilot_nor_loses_a_record() -> None:
    pilot = make_pilot([110, 120, 130, 140], duration=240.0)
    refused: list[Record] = []

    def full_for_a_while(record: Record) -> None:
        if 60.0 <= pilot.clock.elapsed() < 180.0:
            refused.append(record)
            raise OSError(28, "No space left on device")
        pilot.timeline.append(record)

    pilot.watch.journal = type("Journal", (), {"append": staticmethod(full_for_a_while)})()
    end = pilot.watch.run()

    assert end.reason == "budget" and pilot.job.stop_calls == [(10.0, 240.0)]
    assert [r.index for r in refused if isinstance(r, Sample)] == [1, 2]
    said = [line for line in pilot.timeline.lines if "journal" in line]
    assert len(said) == 2
    assert "could NOT be written (No space left on device)" in said[0]
    assert "written again" in said[1]


@dataclass
class RecordedBeats:
    clock: FakeClock
    beats: list[tuple[float, float]] = field(default_factory=list)  # (elapsed, valid for)

    def beat(self, valid_for_s: float) -> None:
        self.beats.append((self.clock.elapsed(), valid_for_s))


def test_heartbeat_promises_what_each_step_needs() -> None:
    clock = FakeClock()
    beats = RecordedBeats(clock)
    pilot = make_pilot([110, 120, 130, 140, 150, 155], clock=clock, heartbeat=beats)
    pilot.watch.run()

    times = [at for at, _ in beats.beats]
    assert times[0] == 0.0
    assert max(later - earlier for earlier, later in itertools.pairwise(times)) <= 1.0
    waiting, sampling = STATUS_POLL_S + STEP_SLACK_S, 60.0 / 2 + STEP_SLACK_S
    stopping, last_count = 10.0 + FINAL_COUNT_S + STEP_SLACK_S, FINAL_COUNT_S + STEP_SLACK_S
    assert {valid for _, valid in beats.beats} == {waiting, sampling, stopping, last_count}
    assert [at for at, valid in beats.beats if valid == sampling] == [60, 120, 180, 240, 300]
    assert beats.beats[-2:] == [(300.0, stopping), (300.0, last_count)]
