"""From recorded samples to rates and statistics: pure functions, no clock, no I/O.

Rates are per interval (rows since the previous good sample over the time between them),
never a cumulative average dressed up as speed. A missing count stays missing: it is never 0.
"""

from dataclasses import dataclass

from monitor.core.records import Event, PilotEnded, PilotStarted, Record, Sample
from monitor.core.verdict import Verdict, judge


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


@dataclass(frozen=True)
class Progress:
    """What measuring the next sample needs to know about the ones before it."""

    baseline: int
    last_total: int
    last_elapsed_s: float = 0.0


@dataclass(frozen=True)
class Outage:
    first_at: float
    last_at: float
    samples: int
    error: str


@dataclass(frozen=True)
class PilotSummary:
    start: PilotStarted
    end: PilotEnded | None
    intervals: tuple[Interval, ...]
    events: tuple[Event, ...]
    final_total: int | None
    added: int | None
    duration_s: float
    average_per_min: float | None
    peak: Interval | None
    slowest: Interval | None
    missing: int
    outages: tuple[Outage, ...]
    not_started: bool
    verdict: Verdict


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
        following = Progress(progress.baseline, sample.total, sample.elapsed_s)
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
    )
    return row, following


def _per_minute(rows: int, seconds: float) -> float | None:
    return rows * 60.0 / seconds if seconds > 0 else None


def summarise(records: list[Record]) -> PilotSummary:
    """The whole pilot from its journal; tolerates a journal cut short by a crash."""
    starts = [record for record in records if isinstance(record, PilotStarted)]
    if not starts:
        raise ValueError("the journal has no start record")
    start = starts[0]
    ends = [record for record in records if isinstance(record, PilotEnded)]
    end = ends[-1] if ends else None
    events = tuple(record for record in records if isinstance(record, Event))

    progress = start_progress(start.baseline_rows)
    rows = []
    for record in records:
        if isinstance(record, Sample):
            row, progress = measure(progress, record)
            rows.append(row)
    intervals = tuple(rows)

    good = [row for row in intervals if row.total is not None]
    last_good = good[-1] if good else None
    full = [
        row for row in good if row.rate_per_min is not None and row.span_s >= start.interval_s / 2
    ]
    duration = end.elapsed_s if end else max((row.elapsed_s for row in intervals), default=0.0)
    not_started = any(event.name == "job_not_started" for event in events)
    return PilotSummary(
        start=start,
        end=end,
        intervals=intervals,
        events=events,
        final_total=last_good.total if last_good else None,
        added=last_good.added if last_good else None,
        duration_s=duration,
        average_per_min=last_good.average_per_min if last_good else None,
        peak=max(full, key=lambda row: row.rate_per_min or 0.0) if full else None,
        slowest=min(full, key=lambda row: row.rate_per_min or 0.0) if full else None,
        missing=len(intervals) - len(good),
        outages=_outages(intervals),
        not_started=not_started,
        verdict=judge(end, sampled=bool(good), not_started=not_started),
    )


def _outages(intervals: tuple[Interval, ...]) -> tuple[Outage, ...]:
    outages: list[Outage] = []
    current: Outage | None = None
    for row in intervals:
        if row.total is None:
            if current is None:
                current = Outage(row.at, row.at, 1, row.error or "unknown error")
            else:
                current = Outage(current.first_at, row.at, current.samples + 1, current.error)
        elif current is not None:
            outages.append(current)
            current = None
    if current is not None:
        outages.append(current)
    return tuple(outages)
