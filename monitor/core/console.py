"""The console lines `docker compose logs monitor` shows: one whole line per interval, no \\r."""

from monitor.core.analysis import Interval, PilotSummary
from monitor.core.decision import UNCHECKED, LogCheck, console_line, decide
from monitor.core.duration import format_duration
from monitor.core.records import Event


def sample_line(row: Interval, planned: int) -> str:
    """The original's line plus the average:

    `[  5/60] Status: ✅ Running | Total:  150 | Added: + 45 | Speed:  9.0/min | Avg:  8.2/min`
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
        f" | Speed: {_rate(row.rate_per_min)}/min | Avg: {_rate(row.average_per_min)}/min"
    )


def _signed(value: int) -> str:
    return f"{'+' if value >= 0 else '-'}{abs(value):>3}"


def _rate(value: float | None) -> str:
    return f"{value:4.1f}" if value is not None else "   ?"


def event_line(event: Event) -> str:
    return f"[monitor] {event.message}"


def closing_lines(
    summary: PilotSummary, report: str | None, log: LogCheck = UNCHECKED
) -> list[str]:
    """What an operator reading `docker compose logs` needs at the very end. The decision's
    line weighs the job's ``log`` when given; unchecked, a GO says it rests on the figures."""
    lines = [
        f"[monitor] {summary.verdict.headline}",
        console_line(decide(summary, log)),
        f"[monitor] rows added: {_count(summary.added)} in {format_duration(summary.duration_s)}"
        f" (average {_rate(summary.average_per_min).strip()}/min)",
    ]
    if summary.missing:
        lines.append(f"[monitor] samples missing: {summary.missing} of {summary.samples}")
    lines.append(f"[monitor] report: {report}" if report else "[monitor] report: NOT WRITTEN")
    return lines


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)
