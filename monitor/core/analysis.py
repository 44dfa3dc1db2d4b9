"""From recorded samples to rates and statistics: pure functions, no clock, no I/O.

Rates are per interval (rows since the previous good sample over the time between them),
never a cumulative average dressed up as speed. A missing count stays missing: it is never 0.

A pilot is summarised in one pass over its records, in memory that does not grow with the
number of samples: running figures for the statistics, and a Samples table of at most
``TABLE_ROWS`` rows (every interval, or buckets of consecutive samples), and at most
``rates.KEEP`` interval rates for their percentiles (``monitor.core.rates``). Only the events
(and the outages, which come with events of their own) are kept whole.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from monitor.core.activity import Activity, ActivitySummary, ActivityTracker, Reading, assess
from monitor.core.rates import Rates, RateTracker
from monitor.core.records import (
    Changes,
    Event,
    PilotEnded,
    PilotStarted,
    Record,
    Sample,
    TableCount,
)
from monitor.core.tables import TableFigures, TablesTracker
from monitor.core.verdict import Verdict, judge

TABLE_ROWS = 200
FINE_BUCKETS = 5 * TABLE_ROWS


@dataclass(frozen=True)
class Interval:
    index: int
    at: float
    elapsed_s: float
    span_s: float
    job_running: bool
    total: int | None
    added: int | None
    delta: int | None
    rate_per_min: float | None
    average_per_min: float | None
    error: str | None
    final: bool
    # What the job did in the database over the interval; None: not read (older journals).
    activity: Activity | None = None
    tables: tuple[TableCount, ...] = ()  # PILOT_TABLES' counts at this sample


@dataclass(frozen=True)
class Bucket:
    """Consecutive samples summarised as one row of the Samples table.

    ``delta`` is the sum of the samples' deltas, so the rows a good sample after a gap brings
    belong to its bucket, as its rate spans the gap; ``rate_per_min`` is that delta over the
    time those samples span. ``slowest_per_min`` and ``fastest_per_min`` are the extremes of
    its interval rates, left out like the pilot's peak and slowest when shorter than half an
    interval, so the table's extremes are the pilot's. ``running`` counts the samples taken
    while the job ran, ``total`` is the bucket's last count, ``final`` that it holds the
    last count after the stop.
    """

    first_index: int
    last_index: int
    first_at: float
    last_at: float
    last_elapsed_s: float
    samples: int
    running: int
    total: int | None
    delta: int | None
    rate_per_min: float | None
    slowest_per_min: float | None
    fastest_per_min: float | None
    missing: int
    final: bool


@dataclass(frozen=True)
class Progress:
    """What measuring the next sample needs to know about the ones before it."""

    baseline: int
    last_total: int
    last_elapsed_s: float = 0.0
    # The table's statistics counters at the last sample that read them.
    changes: Changes | None = None


@dataclass(frozen=True)
class Outage:
    first_at: float
    last_at: float
    samples: int
    error: str


@dataclass(frozen=True)
class Gap:
    """A stretch the monitor did not observe: it was not running (killed, then taken up
    again), or the Docker Engine did not answer about the job. ``last_at`` None: to the end."""

    kind: Literal["monitor", "engine"]
    first_at: float
    last_at: float | None


@dataclass(frozen=True)
class TableSize:
    """The table's size on disk (with indexes and TOAST) at the last sample that read it."""

    table_bytes: int
    rows: int
    at: float


@dataclass(frozen=True)
class PilotSummary:
    """The whole pilot. ``rows`` holds every interval when there are at most ``TABLE_ROWS``
    samples; otherwise it is empty and ``buckets`` holds them, ``bucket_size`` to a row.

    ``regular_intervals`` counts the intervals with a count (the last one after the stop
    aside), ``idle_intervals`` and ``shrinking_intervals`` those of them that added no rows
    and that lost rows. ``rates`` sets the warm-up apart (``monitor.core.rates``);
    ``table_size`` is None when no sample read it.
    """

    start: PilotStarted
    end: PilotEnded | None
    samples: int
    rows: tuple[Interval, ...]
    buckets: tuple[Bucket, ...]
    bucket_size: int
    events: tuple[Event, ...]
    final_total: int | None
    added: int | None
    duration_s: float
    average_per_min: float | None
    peak: Interval | None
    slowest: Interval | None
    missing: int
    outages: tuple[Outage, ...]
    gaps: tuple[Gap, ...]
    regular_intervals: int
    idle_intervals: int
    shrinking_intervals: int
    not_started: bool
    verdict: Verdict
    rates: Rates
    table_size: TableSize | None
    activity: ActivitySummary
    tables: tuple[TableFigures, ...]  # PILOT_TABLES beside the pilot's own

    @property
    def summarised(self) -> bool:
        return bool(self.buckets)


def start_progress(baseline: int) -> Progress:
    return Progress(baseline=baseline, last_total=baseline)


def measure(progress: Progress, sample: Sample) -> tuple[Interval, Progress]:
    """One sample's interval row, and the progress the next sample is measured against."""
    span = sample.elapsed_s - progress.last_elapsed_s
    delta = added = None
    rate = average = None
    following = progress
    if sample.total is not None:
        delta = sample.total - progress.last_total
        added = sample.total - progress.baseline
        rate = _per_minute(delta, span)
        average = _per_minute(added, sample.elapsed_s)
        following = Progress(progress.baseline, sample.total, sample.elapsed_s, progress.changes)
    activity = None
    if sample.changes is not None or sample.sessions is not None:
        reading = Reading(sample.changes, sample.sessions, sample.blockers)
        activity = assess(delta, progress.changes, reading, span)
        if sample.changes is not None:
            following = replace(following, changes=sample.changes)
    row = Interval(
        index=sample.index,
        at=sample.at,
        elapsed_s=sample.elapsed_s,
        span_s=span,
        job_running=sample.job_running,
        total=sample.total,
        added=added,
        delta=delta,
        rate_per_min=rate,
        average_per_min=average,
        error=sample.error,
        final=sample.final,
        activity=activity,
        tables=sample.tables,
    )
    return row, following


def _per_minute(rows: int, seconds: float) -> float | None:
    return rows * 60.0 / seconds if seconds > 0 else None


def split_start(records: Iterable[Record]) -> tuple[PilotStarted, Iterator[Record]]:
    """The start record, which every journal begins with, and an iterator on the rest."""
    rest = iter(records)
    start = next(rest, None)
    if not isinstance(start, PilotStarted):
        raise ValueError("the journal has no start record (it must be the first record)")
    return start, rest


def summarise(records: Iterable[Record]) -> PilotSummary:
    """The whole pilot from its journal, in one pass; tolerates a journal cut short by a crash.

    Memory is bounded whatever the number of samples (see ``_Table``); a later start record
    (a journal appended to) is ignored, the last end record wins.
    """
    start, rest = split_start(records)
    summariser = Summariser(start)
    for _ in summariser.feed(rest):
        pass
    return summariser.result()


class Summariser:
    """``summarise`` in steps, for a shell that does something more with each measured sample
    in the same pass over the journal (writing the CSV of every sample): ``feed`` it the
    records after the start, then take the ``result``. No I/O; running figures only."""

    def __init__(self, start: PilotStarted) -> None:
        self.start = start
        self._end: PilotEnded | None = None
        self._events: list[Event] = []
        self._table = _Table(start.interval_s / 2)
        self._progress = start_progress(start.baseline_rows)
        self._samples = self._missing = 0
        self._regular = self._idle = self._shrinking = 0
        self._last_good: Interval | None = None
        self._peak: Interval | None = None
        self._slowest: Interval | None = None
        self._latest_s = 0.0
        self._outages: list[Outage] = []
        self._outage: Outage | None = None
        self._rates = RateTracker(start.interval_s / 2)
        self._size: TableSize | None = None
        self._activity = ActivityTracker()
        self._tables = TablesTracker(start)

    def feed(self, records: Iterable[Record]) -> Iterator[Interval]:
        """Takes the records in as they are consumed, yielding each sample's interval."""
        for record in records:
            if isinstance(record, Sample):
                yield self._sample(record)
            elif isinstance(record, Event):
                self._events.append(record)
            elif isinstance(record, PilotEnded):
                self._end = record

    def _sample(self, sample: Sample) -> Interval:
        row, self._progress = measure(self._progress, sample)
        self._samples += 1
        self._latest_s = max(self._latest_s, row.elapsed_s)
        full = self._table.add(row)
        self._rates.add(row)
        self._activity.add(row.activity, row.at, row.span_s, row.final)
        self._tables.add(sample.tables, sample.elapsed_s)
        if sample.table_bytes is not None and row.total is not None:
            self._size = TableSize(sample.table_bytes, row.total, row.at)
        outage = self._outage
        if row.delta is None:
            self._missing += 1
            if outage is None:
                self._outage = Outage(row.at, row.at, 1, row.error or "unknown error")
            else:
                self._outage = Outage(outage.first_at, row.at, outage.samples + 1, outage.error)
            return row
        if outage is not None:
            self._outages.append(outage)
            self._outage = None
        self._last_good = row
        if not row.final:
            self._regular += 1
            self._idle += row.delta == 0
            self._shrinking += row.delta < 0
        if full:
            rate = row.rate_per_min or 0.0
            if self._peak is None or rate > (self._peak.rate_per_min or 0.0):
                self._peak = row
            if self._slowest is None or rate < (self._slowest.rate_per_min or 0.0):
                self._slowest = row
        return row

    def result(self) -> PilotSummary:
        """The summary of the records fed so far."""
        end, last_good, events = self._end, self._last_good, tuple(self._events)
        outages = (*self._outages, self._outage) if self._outage else tuple(self._outages)
        rows, buckets, size = self._table.result()
        not_started = any(event.name == "job_not_started" for event in events)
        return PilotSummary(
            start=self.start,
            end=end,
            samples=self._samples,
            rows=rows,
            buckets=buckets,
            bucket_size=size,
            events=events,
            final_total=last_good.total if last_good else None,
            added=last_good.added if last_good else None,
            duration_s=end.elapsed_s if end else self._latest_s,
            average_per_min=last_good.average_per_min if last_good else None,
            peak=self._peak,
            slowest=self._slowest,
            missing=self._missing,
            outages=outages,
            gaps=gaps(events),
            regular_intervals=self._regular,
            idle_intervals=self._idle,
            shrinking_intervals=self._shrinking,
            not_started=not_started,
            verdict=judge(end, sampled=last_good is not None, not_started=not_started),
            rates=self._rates.result(),
            table_size=self._size,
            activity=self._activity.result(),
            tables=self._tables.result(),
        )


def gaps(events: Iterable[Event]) -> tuple[Gap, ...]:
    """The monitor's own absences and the Engine's silences, from the events that mark them."""
    found: list[Gap] = []
    engine_since: float | None = None
    for event in events:
        if event.name == "monitor_resumed":
            found.append(Gap("monitor", float(event.data.get("gap_from", event.at)), event.at))
        elif event.name == "engine_unreachable" and engine_since is None:
            engine_since = event.at
        elif event.name == "engine_reachable" and engine_since is not None:
            found.append(Gap("engine", engine_since, event.at))
            engine_since = None
    if engine_since is not None:
        found.append(Gap("engine", engine_since, None))
    return tuple(found)


class _Table:
    """The Samples table, built one interval at a time in bounded memory.

    At most ``TABLE_ROWS`` (200) rows: every interval of the default pilot (an hour at 60 s,
    61 rows) and of any pilot up to 3 h 19 min at that interval (199 samples and the count
    after the stop) is listed, which is what a person reads to find the warm-up, a stall or
    an outage. A table of thousands of rows is
    only scrolled past (and slows Markdown viewers down), so past 200 samples the rows become
    buckets of consecutive samples, still at most 200 rows, and the CSV beside the report
    keeps every sample.

    The bucket size is the smallest of 1, 2, 5, 10, 20, 50, ... samples that fits the table
    in 200 rows, so a bucket covers a round number of samples (500 for a day at 1 s). The
    number of samples is only known at the end, so the samples are first gathered in at
    most ``FINE_BUCKETS`` buckets of a power of ten (coarsened tenfold when full), which
    every candidate size is a multiple of, and merged into the chosen size at the end.
    """

    def __init__(self, half_interval_s: float) -> None:
        self._half = half_interval_s
        self._rows: list[Interval] = []
        self._fine: list[_Accumulator] | None = None
        self._fine_size = 1
        self._count = 0

    def add(self, row: Interval) -> bool:
        """Adds one interval; True if it spans enough time to count for the extreme rates."""
        full = self._full(row)
        position = self._count
        self._count += 1
        if self._fine is None:
            if len(self._rows) < TABLE_ROWS:
                self._rows.append(row)
                return full
            self._fine = [_Accumulator(kept, self._full(kept)) for kept in self._rows]
            self._rows = []
        if position % self._fine_size:
            self._fine[-1].add(row, full)
        else:
            self._fine.append(_Accumulator(row, full))
            if len(self._fine) > FINE_BUCKETS:
                self._fine = _regroup(self._fine, 10)
                self._fine_size *= 10
        return full

    def _full(self, row: Interval) -> bool:
        return row.rate_per_min is not None and row.span_s >= self._half

    def result(self) -> tuple[tuple[Interval, ...], tuple[Bucket, ...], int]:
        if self._fine is None:
            return tuple(self._rows), (), 1
        size = next(
            size
            for size in _round_sizes()
            if size % self._fine_size == 0 and -(-self._count // size) <= TABLE_ROWS
        )
        merged = _regroup(self._fine, size // self._fine_size)
        return (), tuple(bucket.freeze() for bucket in merged), size


def _round_sizes() -> Iterator[int]:
    power = 1
    while True:
        yield from (power, 2 * power, 5 * power)
        power *= 10


def _regroup(buckets: list["_Accumulator"], factor: int) -> list["_Accumulator"]:
    """Every ``factor`` consecutive buckets merged into one (the last group may be shorter)."""
    if factor == 1:
        return buckets
    merged = []
    for first in range(0, len(buckets), factor):
        group = buckets[first : first + factor]
        for other in group[1:]:
            group[0].merge(other)
        merged.append(group[0])
    return merged


class _Accumulator:
    """A bucket being filled: running figures that add up and merge without the samples."""

    __slots__ = (
        "delta",
        "fastest",
        "first",
        "good",
        "last",
        "missing",
        "running",
        "samples",
        "slowest",
        "span_s",
        "total",
    )

    def __init__(self, row: Interval, full: bool) -> None:
        self.first = row
        self.last = row
        self.samples = 1
        self.running = 1 if row.job_running else 0
        self.missing = 1 if row.delta is None else 0
        self.good = 1 - self.missing
        self.total = row.total
        self.delta = row.delta or 0
        self.span_s = row.span_s if row.delta is not None else 0.0
        self.slowest = self.fastest = row.rate_per_min if full else None

    def add(self, row: Interval, full: bool) -> None:
        """Appends the sample that follows this bucket's last one (``merge``, one sample)."""
        self.last = row
        self.samples += 1
        self.running += row.job_running
        if row.delta is None:
            self.missing += 1
        else:
            self.good += 1
            self.total = row.total
            self.delta += row.delta
            self.span_s += row.span_s
        if full and row.rate_per_min is not None:
            rate = row.rate_per_min
            self.slowest = rate if self.slowest is None else min(self.slowest, rate)
            self.fastest = rate if self.fastest is None else max(self.fastest, rate)

    def merge(self, later: "_Accumulator") -> None:
        """Appends the bucket that follows this one."""
        self.last = later.last
        self.samples += later.samples
        self.running += later.running
        self.missing += later.missing
        self.good += later.good
        if later.good:
            self.total = later.total
        self.delta += later.delta
        self.span_s += later.span_s
        if later.slowest is not None:
            self.slowest = (
                later.slowest if self.slowest is None else min(self.slowest, later.slowest)
            )
        if later.fastest is not None:
            self.fastest = (
                later.fastest if self.fastest is None else max(self.fastest, later.fastest)
            )

    def freeze(self) -> Bucket:
        return Bucket(
            first_index=self.first.index,
            last_index=self.last.index,
            first_at=self.first.at,
            last_at=self.last.at,
            last_elapsed_s=self.last.elapsed_s,
            samples=self.samples,
            running=self.running,
            total=self.total,
            delta=self.delta if self.good else None,
            rate_per_min=_per_minute(self.delta, self.span_s) if self.good else None,
            slowest_per_min=self.slowest,
            fastest_per_min=self.fastest,
            missing=self.missing,
            final=self.last.final,
        )
