"""What the pilot tells people and systems elsewhere: notices derived from its records.

A notice is built from the journal's records alone (and, at the end, the summary), so what
a webhook hears is what the report says. Nothing secret goes in: no database URL, no job
environment, only what the report shows too.
"""

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from monitor.core.analysis import PilotSummary
from monitor.core.decision import UNCHECKED, Decision, LogCheck, decide
from monitor.core.duration import format_duration
from monitor.core.records import Event, PilotEnded, PilotStarted, Record

Kind = Literal["started", "job_failed", "stalled", "interrupted", "finished"]

_MARKS: dict[Kind, str] = {
    "started": "▶️",
    "job_failed": "❌",
    "stalled": "⚠️",
    "interrupted": "⏹️",
    "finished": "🏁",
}


@dataclass(frozen=True)
class Notice:
    kind: Kind
    run_id: str
    at: float
    text: str
    details: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The generic webhook's JSON body."""
        at = datetime.fromtimestamp(self.at, tz=UTC).isoformat(timespec="seconds")
        return {
            "source": "pilot-monitor",
            "event": self.kind,
            "run_id": self.run_id,
            "at": at,
            "text": self.text,
            **self.details,
        }

    def slack(self) -> dict[str, Any]:
        """A Slack-compatible incoming webhook's body (Mattermost and others take it too)."""
        return {"text": f"{_MARKS[self.kind]} {self.text}"}


class Notices:
    """Turns one pilot's records, fed in order, into the notices worth sending."""

    def __init__(self) -> None:
        self._start: PilotStarted | None = None

    def feed(self, record: Record) -> Notice | None:
        if isinstance(record, PilotStarted):
            self._start = record
            return None
        start = self._start
        if start is None:
            return None
        pilot = f"Pilot {start.run_id} on `{start.table}`"
        if isinstance(record, PilotEnded):
            if record.reason != "signal":
                return None
            stopped = "the job was stopped" if record.job_gone else "the job may STILL RUN"
            return Notice(
                "interrupted", start.run_id, record.at, f"{pilot} interrupted: {record.detail};"
                f" {stopped}", {"job_gone": record.job_gone},
            )  # fmt: skip
        if not isinstance(record, Event):
            return None
        return self._event(start, pilot, record)

    def _event(self, start: PilotStarted, pilot: str, event: Event) -> Notice | None:
        if event.name == "job_started":
            return Notice(
                "started",
                start.run_id,
                event.at,
                f"{pilot} started: `{shlex.join(start.command)}` in {start.container}, a"
                f" {format_duration(start.duration_s)} budget, a sample every"
                f" {format_duration(start.interval_s)}; the table had {start.baseline_rows} rows",
                {"table": start.table, "container": start.container},
            )
        if event.name == "job_exited" and event.data.get("exit_code") != 0:
            code = event.data.get("exit_code")
            return Notice(
                "job_failed",
                start.run_id,
                event.at,
                f"{pilot}: the job exited with code {'unknown' if code is None else code} after"
                f" {format_duration(event.elapsed_s)}",
                {"exit_code": code},
            )
        if event.name in ("job_lost", "job_not_started"):
            return Notice("job_failed", start.run_id, event.at, f"{pilot}: {event.message}")
        if event.name == "stalled":
            return Notice("stalled", start.run_id, event.at, f"{pilot}: {event.message}")
        return None


def finished(summary: PilotSummary, report: str | None, log: LogCheck = UNCHECKED) -> Notice:
    """The last notice: the verdict, the decision, the figures that back them, where the
    report is. The decision weighs the job's ``log`` as the report's does."""
    start = summary.start
    decision = decide(summary, log)
    average = summary.average_per_min
    rate = "?" if average is None else f"{average:.1f}"
    added = "?" if summary.added is None else str(summary.added)
    text = (
        f"Pilot {start.run_id} on `{start.table}` finished: {summary.verdict.headline}."
        f" Decision: {decision.level}{_first_reason(decision)}."
        f" Rows added: {added} in {format_duration(summary.duration_s)} (average {rate}/min)."
        f" Report: {report or 'NOT WRITTEN'}"
    )
    at = summary.end.at if summary.end else start.at + summary.duration_s
    return Notice(
        "finished",
        start.run_id,
        at,
        text,
        {
            "outcome": summary.verdict.outcome,
            "verdict": summary.verdict.headline,
            "exit_code": summary.verdict.exit_code,
            "decision": decision.level,
            "reasons": [reason.text for reason in decision.reasons],
            "rows_added": summary.added,
            "average_per_min": None if average is None else round(average, 2),
            "report": report,
        },
    )


def _first_reason(decision: Decision) -> str:
    return f" ({decision.reasons[0].text.rstrip('.')})" if decision.reasons else ""
