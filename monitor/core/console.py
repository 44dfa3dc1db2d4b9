"""The console lines `docker compose logs monitor` shows: one whole line per interval, no \\r."""

from datetime import UTC, datetime

from monitor.core.analysis import Interval, PilotSummary
from monitor.core.comparison import Comparison, signed_percent
from monitor.core.decision import UNCHECKED, LogCheck, console_line, decide
from monitor.core.duration import format_duration
from monitor.core.records import Event


def sample_line(row: Interval, planned: int, interval_s: float) -> str:
    """The original's line plus the average:

    `[  5/60] Status: ✅ Running | Total:  150 | Added: + 45 | Speed:  9.0/min | Avg:  8.2/min`

    and, when the job's activity was read, what it did: `| growing`, or the state and why
    (`| updating: no new rows; rows written: 40 updated`). The count after the stop often
    comes a moment after the last sample: over less than half an interval its speed is `-`,
    as a few rows in a second would read wild (the report's peak leaves it out too).
    """
    width = len(str(planned))
    label = "end" if row.final else str(row.index)
    head = f"[{label:>{max(width, 3)}}/{planned}]"
    status = "✅ Running" if row.job_running else "⏹️ Stopped"
    if row.total is None:
        return (
            f"{head} Status: {status} | Total:    ? | Added:    ? | Speed:    ?/min"
            f" | Avg:    ?/min | ⚠️ no count: {row.error or 'unknown error'}"
        )
    return (
        f"{head} Status: {status} | Total: {row.total:>4} | Added: {_signed(row.added or 0)}"
        f" | Speed: {_speed(row, interval_s)}/min | Avg: {_rate(row.average_per_min)}/min"
        f"{_others(row)}{_activity(row)}"
    )


def _others(row: Interval) -> str:
    """PILOT_TABLES' totals: `| teams 120 | leagues ?`."""
    return "".join(f" | {count.table} {_count(count.total)}" for count in row.tables)


def _activity(row: Interval) -> str:
    activity = row.activity
    if activity is None or row.final:
        return ""
    if activity.state == "growing":
        return " | growing"
    return f" | {activity.state}: {activity.detail}"


def _signed(value: int) -> str:
    return f"{'+' if value >= 0 else '-'}{abs(value):>3}"


def _speed(row: Interval, interval_s: float) -> str:
    if row.final and row.rate_per_min is not None and row.span_s < interval_s / 2:
        return "   -"
    return _rate(row.rate_per_min)


def _rate(value: float | None) -> str:
    return f"{value:4.1f}" if value is not None else "   ?"


def event_line(event: Event) -> str:
    return f"[monitor] {event.message}"


def closing_lines(
    summary: PilotSummary,
    report: str | None,
    log: LogCheck = UNCHECKED,
    *,
    previous: Comparison | None = None,
) -> list[str]:
    """What an operator reading `docker compose logs` needs at the very end. The decision's
    line weighs the job's ``log`` when given; unchecked, a GO says it rests on the figures.
    ``previous``: the steady rate against the previous pilot's, when the two compare."""
    lines = [
        f"[monitor] {summary.verdict.headline}",
        console_line(decide(summary, log)),
        f"[monitor] rows added: {_count(summary.added)} in {format_duration(summary.duration_s)}"
        f" (average {_rate(summary.average_per_min).strip()}/min)",
    ]
    if summary.missing:
        lines.append(f"[monitor] samples missing: {summary.missing} of {summary.samples}")
    steady = previous.get("steady_per_min") if previous else None
    if previous and steady and previous.start_at is not None:
        when = datetime.fromtimestamp(previous.start_at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(
            f"[monitor] vs the run of {when}: steady rate {signed_percent(steady.relative)}"
        )
    lines.append(f"[monitor] report: {report}" if report else "[monitor] report: NOT WRITTEN")
    return lines


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)
