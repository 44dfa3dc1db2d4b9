"""A Prometheus endpoint for the pilot (PILOT_METRICS_PORT): what it shows, from its records.

The metrics are folded from the journaled records alone, one at a time, into a frozen
``View`` (``fold``, ``concluded``: pure functions); a scrape renders the view it finds
(``families``), so a scrape never sees half a record, and the pilot's thread never waits for
a scrape. The registry is this object's own (never the client's global one, whose process
metrics a pilot does not need), served by prometheus-client's HTTP server from a daemon
thread that ends with the process.

A figure the monitor does not know is left out rather than shown as 0: the rate before the
first counted interval, the outcome and the exit codes before the end.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
    StateSetMetricFamily,
)

from monitor.core.analysis import PilotSummary, Progress, measure, start_progress
from monitor.core.decision import UNCHECKED, LogCheck
from monitor.core.records import Event, PilotEnded, PilotStarted, Record, Sample
from monitor.core.verdict import EXIT_FAILED, Outcome, judge

State = Literal["starting", "running", "stopping", "ended"]
STATES: tuple[State, ...] = get_args(State)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


@dataclass(frozen=True)
class View:
    """What the endpoint shows, as of the last record. ``progress`` is None until the start
    record (a monitor taking a pilot up may not have had it): rates and rows added need it."""

    info: Mapping[str, str] = field(default_factory=dict)
    state: State = "starting"
    budget_s: float | None = None
    interval_s: float | None = None
    elapsed_s: float | None = None
    progress: Progress | None = None
    rows: int | None = None
    rows_added: int | None = None
    rate_per_min: float | None = None
    samples: int = 0
    missing: int = 0
    counted: bool = False
    last_sample_at: float | None = None
    job_running: bool = False
    engine_reachable: bool = True
    stalled: bool = False
    not_started: bool = False
    outcome: Outcome | None = None
    exit_code: int | None = None
    job_exit_code: int | None = None


def fold(view: View, record: Record) -> View:
    """The view once ``record`` is added to it."""
    if isinstance(record, PilotStarted):
        return started(record)
    if isinstance(record, Sample):
        return sampled(view, record)
    if isinstance(record, Event):
        return evented(view, record)
    return ended(view, record)


def started(start: PilotStarted) -> View:
    """A pilot's start: a fresh view, with the table's count at the start as its rows."""
    return View(
        info={"run_id": start.run_id, "table": start.table, "container": start.container},
        budget_s=start.duration_s,
        interval_s=start.interval_s,
        elapsed_s=0.0,
        progress=start_progress(start.baseline_rows),
        rows=start.baseline_rows,
        rows_added=0,
    )


def sampled(view: View, sample: Sample) -> View:
    """A sample: the count, the rows added and the interval's rate when it has a count; a
    missing count leaves the last count shown and the rate unknown until the next one."""
    view = replace(
        view,
        samples=view.samples + 1,
        missing=view.missing + (sample.total is None),
        last_sample_at=sample.at,
        elapsed_s=sample.elapsed_s,
        job_running=sample.job_running,
    )
    if sample.total is None:
        return replace(view, rate_per_min=None)
    if view.progress is None:
        return replace(view, rows=sample.total, counted=True)
    row, progress = measure(view.progress, sample)
    return replace(
        view,
        progress=progress,
        rows=sample.total,
        rows_added=row.added,
        rate_per_min=row.rate_per_min,
        counted=True,
    )


def evented(view: View, event: Event) -> View:
    """The events that change what is shown; the others only move the elapsed time on."""
    view = replace(view, elapsed_s=event.elapsed_s)
    name = event.name
    if name in ("job_started", "monitor_resumed"):
        # A monitor taking a pilot up has re-attached to the job, or ends the pilot at once.
        return replace(view, state="running", job_running=True)
    if name == "job_not_started":
        return replace(view, state="stopping", job_running=False, not_started=True)
    if name in ("job_exited", "job_lost"):
        return replace(view, state="stopping", job_running=False)
    if name == "stopping":
        return replace(view, state="stopping")
    if name == "job_stopped" and event.data.get("gone", True):
        return replace(view, job_running=False)
    if name in ("engine_unreachable", "engine_reachable"):
        return replace(view, engine_reachable=name == "engine_reachable")
    if name in ("stalled", "progressing"):
        return replace(view, stalled=name == "stalled")
    return view


def ended(view: View, end: PilotEnded) -> View:
    """The end record: the verdict as the report will judge it, from the same facts."""
    verdict = judge(end, sampled=view.counted, not_started=view.not_started)
    return replace(
        view,
        state="ended",
        elapsed_s=end.elapsed_s,
        job_running=view.job_running and not end.job_gone,
        outcome=verdict.outcome,
        exit_code=verdict.exit_code,
        job_exit_code=end.job_exit_code,
    )


def concluded(view: View, summary: PilotSummary, report: Path | None) -> View:
    """The summary's verdict, which has the whole journal (a pilot taken up included), and
    the monitor's exit code as the run returns it: failed when the report is not written."""
    code = summary.verdict.exit_code
    return replace(
        view,
        state="ended",
        outcome=summary.verdict.outcome,
        exit_code=code if report is not None else max(code, EXIT_FAILED),
    )


def families(view: View) -> Iterator[Metric]:
    """The metric families of a view, in the order of the README's list."""
    if view.info:
        yield InfoMetricFamily(
            "pilot",
            "The pilot this monitor runs: its run ID, the table it counts and the app"
            " container its job runs in.",
            value=dict(view.info),
        )
    yield StateSetMetricFamily(
        "pilot_state",
        "Where the pilot stands: starting (the job not started yet), running, stopping"
        " (stopping the job, the last count, the report) or ended.",
        value={state: state == view.state for state in STATES},
    )
    yield from _gauge("pilot_budget_seconds", "The pilot's time budget.", view.budget_s)
    yield from _gauge("pilot_interval_seconds", "Time between two samples.", view.interval_s)
    yield from _gauge(
        "pilot_elapsed_seconds",
        "Seconds since the pilot started, at its last record.",
        view.elapsed_s,
    )
    yield from _gauge(
        "pilot_rows",
        "Rows in the table at the last sample that counted them (at the start: the count then).",
        view.rows,
    )
    yield from _gauge(
        "pilot_rows_added",
        "Rows added to the table since the pilot started, at the last counted sample"
        " (negative if rows went away).",
        view.rows_added,
    )
    yield from _gauge(
        "pilot_rate_rows_per_minute",
        "Rows added per minute over the last interval (since the previous counted sample);"
        " absent while the last sample has no count.",
        view.rate_per_min,
    )
    yield CounterMetricFamily("pilot_samples", "Samples taken, counted or not.", value=view.samples)
    yield CounterMetricFamily(
        "pilot_samples_missing",
        "Samples whose count failed (the database did not answer in time, or refused).",
        value=view.missing,
    )
    yield from _gauge(
        "pilot_last_sample_timestamp_seconds",
        "When the last sample was taken, in seconds since the Unix epoch.",
        view.last_sample_at,
    )
    yield from _gauge(
        "pilot_job_running",
        "1 if the job ran at the last look (a sample or the job's own events), else 0.",
        view.job_running,
    )
    yield from _gauge(
        "pilot_engine_reachable",
        "1 if the Docker Engine answers about the job, 0 while it does not.",
        view.engine_reachable,
    )
    yield from _gauge(
        "pilot_stalled",
        "1 from a stalled event (no progress of any kind for PILOT_STALL_AFTER) until the"
        " job shows progress again, else 0.",
        view.stalled,
    )
    if view.outcome is not None:
        yield StateSetMetricFamily(
            "pilot_outcome",
            "The pilot's verdict, once it ended: passed, completed, failed, interrupted or"
            " unfinished.",
            value={outcome: outcome == view.outcome for outcome in OUTCOMES},
        )
    yield from _gauge(
        "pilot_exit_code",
        "The monitor's exit code, once the pilot ended: 0 passed or completed, 1 failed,"
        " 3 interrupted.",
        view.exit_code,
    )
    yield from _gauge(
        "pilot_job_exit_code",
        "The job's exit code, once the pilot ended and when it is known (137: killed).",
        view.job_exit_code,
    )


def _gauge(name: str, documentation: str, value: float | None) -> Iterator[Metric]:
    if value is not None:
        yield GaugeMetricFamily(name, documentation, value=float(value))


class Metrics:
    """The Output that serves the pilot's metrics on ``port`` (every interface by default);
    ``port`` None serves nothing, and ``registry`` alone shows them.

    Raises OSError when the port cannot be bound (taken, or privileged)."""

    def __init__(self, port: int | None, addr: str = "0.0.0.0") -> None:
        self.view = View()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)
        if port is not None:
            start_http_server(port, addr=addr, registry=self.registry)

    def collect(self) -> Iterator[Metric]:
        """The registry's view of this collector: one scrape renders one view."""
        return families(self.view)

    def record(self, record: Record) -> None:
        # One assignment: a scrape on the server's thread sees the view before or after.
        self.view = fold(self.view, record)

    def concluded(
        self, summary: PilotSummary, report: Path | None, log: LogCheck = UNCHECKED
    ) -> None:
        self.view = concluded(self.view, summary, report)

    def close(self, timeout_s: float) -> None:
        """Nothing to deliver: the server's daemon thread serves the last view until the
        process exits, and nothing here waits for it."""
