"""The pilot's summary for automation: a JSON object a CI job or a dashboard can act on.

Pure: the same ``PilotSummary`` as the report, so a script and a person read the same
figures. Times are ISO 8601 in UTC to the millisecond (as in the samples CSV), durations
are seconds, a value that does not exist is null (never 0). ``schema`` changes only when a
field changes meaning or goes away; fields may be added. Nothing secret is in it: the
settings are those of the start record, already redacted, the events keep their name,
time and message only (not their data), and of the job's log only counts and times are in it
(not its lines, which the report shows).
"""

import json
from dataclasses import asdict
from typing import Any

from monitor.core.analysis import Interval, PilotSummary
from monitor.core.comparison import Comparison, comparison_json
from monitor.core.decision import UNCHECKED, LogCheck, decide
from monitor.core.forecast import forecast
from monitor.core.language import Language
from monitor.core.samples_csv import iso_time
from monitor.core.troubles import Placed, Stretch, place

SCHEMA = 1


def summary_json(
    summary: PilotSummary,
    log: LogCheck = UNCHECKED,
    *,
    report: str | None,
    samples: str | None = None,
    chart: str | None = None,
    html: str | None = None,
    report_language: Language = "en",
    previous: Comparison | None = None,
) -> dict[str, Any]:
    """The summary as JSON-able data; the file names are those beside it (None: not written).
    Its own words stay English whatever ``report_language`` (that of the report and page).
    ``previous`` is the comparison with the previous pilot (None: there is none)."""
    start, end, verdict = summary.start, summary.end, summary.verdict
    decision, rates, eta = decide(summary, log), summary.rates, forecast(summary).eta
    return {
        "schema": SCHEMA,
        "run_id": start.run_id,
        "table": start.table,
        "container": start.container,
        "start": iso_time(start.at),
        "end": iso_time(end.at) if end else None,
        "budget_s": start.duration_s,
        "duration_s": round(summary.duration_s, 3),
        "interval_s": start.interval_s,
        "outcome": verdict.outcome,
        "verdict": verdict.headline,
        "exit_code": verdict.exit_code,
        "end_reason": end.reason if end else None,
        "job_exit_code": end.job_exit_code if end else None,
        "job_stopped_by": end.job_stopped_by if end else None,
        "job_gone": end.job_gone if end else None,
        "job_started": not summary.not_started,
        "counting": start.counting,
        "baseline_rows": start.baseline_rows,
        "decision": {
            "level": decision.level,
            "reasons": [reason.text for reason in decision.reasons],
            "also": [reason.text for reason in decision.also],
            "log_checked": decision.log_checked,
        },
        "rates": {
            "warmup_s": rates.warmup_s,
            "steady_per_min": _rate(rates.steady_per_min),
            "median_per_min": _rate(rates.median_per_min),
            "p10_per_min": _rate(rates.p10_per_min),
            "p90_per_min": _rate(rates.p90_per_min),
            "trend_change": None if rates.change is None else round(rates.change, 4),
        },
        "eta_s": None
        if eta is None
        else {"likely": eta.likely_s, "shortest": eta.shortest_s, "longest": eta.longest_s},
        "final_rows": summary.final_total,
        "added_rows": summary.added,
        "average_rate_per_min": _rate(summary.average_per_min),
        "peak": _extreme(summary.peak),
        "slowest": _extreme(summary.slowest),
        "samples": summary.samples,
        "missing_samples": summary.missing,
        "intervals": {
            "with_a_count": summary.regular_intervals,
            "idle": summary.idle_intervals,
            "shrinking": summary.shrinking_intervals,
        },
        "activity": _activity(summary),
        "log": _log(summary, log),
        "tables": [
            {
                "table": table.table,
                "baseline_rows": table.baseline_rows,
                "final_rows": table.final_total,
                "added_rows": table.added,
                "average_rate_per_min": _rate(table.average_per_min),
                "written": None if table.written is None else asdict(table.written),
                "samples": table.samples,
                "missing_samples": table.missing,
            }
            for table in summary.tables
        ],
        "outages": [
            {
                "from": iso_time(outage.first_at),
                "to": iso_time(outage.last_at),
                "samples": outage.samples,
                "error": outage.error,
            }
            for outage in summary.outages
        ],
        "gaps": [
            {
                "kind": gap.kind,
                "from": iso_time(gap.first_at),
                "to": None if gap.last_at is None else iso_time(gap.last_at),
            }
            for gap in summary.gaps
        ],
        "events": [
            {
                "name": event.name,
                "at": iso_time(event.at),
                "elapsed_s": round(event.elapsed_s, 3),
                "message": event.message,
            }
            for event in summary.events
        ],
        "settings": dict(start.settings),
        "files": {"report": report, "samples": samples, "chart": chart, "html": html},
        "report_language": report_language,
        "previous": None if previous is None else comparison_json(previous),
    }


def dumps(data: dict[str, Any]) -> str:
    """Indented UTF-8 text ending with a newline; strict JSON (a NaN would be an error)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _activity(summary: PilotSummary) -> dict[str, Any] | None:
    """Seconds and intervals per state, the stretches without new rows; None: not read."""
    found = summary.activity
    if not found.read:
        return None
    return {
        "seconds": {state: round(seconds, 3) for state, seconds in found.seconds},
        "intervals": dict(found.intervals),
        "written": None if found.changes is None else asdict(found.changes),
        "stretches": [
            {
                "state": episode.state,
                "from": iso_time(episode.first_at),
                "to": iso_time(episode.last_at),
                "intervals": episode.intervals,
                "detail": episode.detail,
            }
            for episode in found.episodes
        ],
        "stretches_not_listed": found.more,
    }


def _log(summary: PilotSummary, log: LogCheck) -> dict[str, Any] | None:
    """The job log's counts and troubles, each placed against the rate (None: not read). Not
    its lines: the job may print what the monitor masks (PILOT_JOB_ENV's values)."""
    if log is None or log == UNCHECKED:
        return None
    placed = {found.trouble.kind: found for found in place(log.troubles, summary)}
    return {
        "lines": log.lines,
        "error_lines": log.error_lines,
        "warning_lines": log.warning_lines,
        "tracebacks": log.tracebacks,
        "troubles": [
            {
                "kind": trouble.kind,
                "lines": trouble.lines,
                "first_at": trouble.first_at,
                "interval": _placed(placed.get(trouble.kind)),
            }
            for trouble in log.troubles
        ],
    }


def _placed(found: Placed | None) -> dict[str, Any] | None:
    """The first line's interval, and the next (None: the line came in the last)."""
    if found is None:
        return None
    after = None if found.after is None else _stretch(found.after)
    return {**_stretch(found.within), "next": after}


def _stretch(stretch: Stretch) -> dict[str, Any]:
    return {
        "first_sample": stretch.first_index,
        "last_sample": stretch.last_index,
        "rate_per_min": _rate(stretch.rate_per_min),
        "drop": stretch.drop,
    }


def _extreme(row: Interval | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"sample": row.index, "at": iso_time(row.at), "rate_per_min": _rate(row.rate_per_min)}


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
