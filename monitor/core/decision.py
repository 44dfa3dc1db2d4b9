"""GO, NO-GO or INCONCLUSIVE for the full backfill, each reason tied to a figure the report
shows. Pure, and apart from the pilot's outcome (``verdict``): that one is how the pilot
ended and decides the monitor's exit code; this one is advice on the full run.

The rules, the worst one found deciding:

- NO-GO: the job could not be started, failed (a non-zero exit code), or was lost with its
  container; the table stood still up to the end of the pilot while the job ran (a stall
  that never recovered: a full run would hang there, or only updates rows, which a count
  cannot tell apart); the steady rate is below ``PILOT_MIN_RATE``; the ETA is beyond
  ``PILOT_MAX_HOURS``.
- INCONCLUSIVE: the pilot was interrupted (before the job started too), its journal stops
  early, the monitor hit an error, or the job's exit code or stop is unknown; fewer than
  ``ENOUGH_INTERVALS`` full intervals after the warm-up; stalls that recovered but took
  ``STALL_SHARE`` or more of the time after the warm-up (the steady rate holds them, so they
  are no NO-GO, but why the job stood still must be known first); error lines or tracebacks
  in the job's log, or a log that could not be read; a job that finished short of
  ``PILOT_TARGET_ROWS``; ``PILOT_MAX_HOURS`` without ``PILOT_TARGET_ROWS`` (no ETA to hold
  it against).
- GO: none of those.

A job that finished by itself with exit code 0 has done the full run: the rate rules do not
apply to it. Stalls that ended when the first rows came are the warm-up, not stalls.
"""

from dataclasses import dataclass
from typing import Literal

from monitor.core.analysis import PilotSummary
from monitor.core.duration import format_duration
from monitor.core.forecast import Forecast, forecast, format_eta
from monitor.core.joblog import LogDigest
from monitor.core.rates import ENOUGH_INTERVALS

Level = Literal["GO", "INCONCLUSIVE", "NO-GO"]
# The log as the decision sees it: its digest, None when it could not be read, or UNCHECKED
# when the caller has not read it (the figures alone decide, and a GO may not be the last word).
UNCHECKED: Literal["unchecked"] = "unchecked"
LogCheck = LogDigest | None | Literal["unchecked"]

# Recovered stalls taking this share of the time after the warm-up or more: INCONCLUSIVE.
STALL_SHARE = 0.25
_SEVERITY: dict[Level, int] = {"GO": 0, "INCONCLUSIVE": 1, "NO-GO": 2}


@dataclass(frozen=True)
class Reason:
    level: Level
    text: str


@dataclass(frozen=True)
class Decision:
    """``reasons`` are those at the decision's level; ``also`` the lesser ones that are not
    GO (an INCONCLUSIVE beside a NO-GO), to be fixed as well."""

    level: Level
    reasons: tuple[Reason, ...]
    also: tuple[Reason, ...]
    log_checked: bool = True


@dataclass(frozen=True)
class Stalls:
    """Stretches without new rows (the watch's "stalled" to "progressing" events) after the
    warm-up. ``ongoing_since_s``: the last rows came then, and none after to the end."""

    count: int
    total_s: float
    longest_s: float
    ongoing_since_s: float | None
    ongoing_s: float


def stalls(summary: PilotSummary) -> Stalls:
    warmup = summary.rates.warmup_s
    end_s = summary.end.elapsed_s if summary.end else summary.duration_s
    spans: list[float] = []
    since: float | None = None
    for event in summary.events:
        if event.name == "stalled" and since is None:
            since = float(event.data.get("since_s", event.elapsed_s))
        elif event.name == "progressing" and since is not None:
            if warmup is not None and since >= warmup:  # else it was the warm-up
                spans.append(event.elapsed_s - since)
            since = None
    ongoing = 0.0
    if since is not None:
        ongoing = max(0.0, end_s - since)
        spans.append(ongoing)
    return Stalls(len(spans), sum(spans), max(spans, default=0.0), since, ongoing)


def decide(summary: PilotSummary, log: LogCheck) -> Decision:
    """The decision and its reasons (see the module's docstring for the rules)."""
    end = summary.end
    if summary.not_started:
        detail = end.detail if end and end.detail else "no reason recorded"
        if end is not None and end.reason == "signal":  # stopped by hand, not a failed start
            found = [
                Reason(
                    "INCONCLUSIVE",
                    f"The pilot was interrupted before the job started ({detail}): nothing was"
                    " measured.",
                )
            ]
        else:
            found = [Reason("NO-GO", f"The job was not started ({detail}): nothing was measured.")]
        return _decision(found, log)
    found = _ending(summary)
    completed = (
        end is not None and end.job_gone and end.reason == "job_exit" and end.job_exit_code == 0
    )
    ahead = forecast(summary)
    found += _stalls(summary, completed)
    if completed:
        found += _finished_short(ahead)
    else:
        found += _rates(summary, ahead)
    found += _log(log)
    return _decision(found, log)


def _decision(found: list[Reason], log: LogCheck) -> Decision:
    levels: list[Level] = [reason.level for reason in found]
    level: Level = max(levels, key=_SEVERITY.__getitem__) if levels else "GO"
    reasons = tuple(reason for reason in found if reason.level == level)
    also = tuple(reason for reason in found if reason.level not in (level, "GO"))
    return Decision(level, reasons, also, log_checked=log != UNCHECKED)


def _ending(summary: PilotSummary) -> list[Reason]:
    start, end = summary.start, summary.end
    ran = format_duration(summary.duration_s)
    if end is None:
        return [
            Reason(
                "INCONCLUSIVE",
                f"The journal stops after {ran}, before the pilot ended: the figures may be"
                " incomplete.",
            )
        ]
    if not end.job_gone:
        return [
            Reason(
                "INCONCLUSIVE",
                "The job could not be confirmed stopped: check the app container first.",
            )
        ]
    if end.reason == "job_lost":
        return [Reason("NO-GO", f"The job was lost after {ran}: {end.detail or 'no detail'}.")]
    if end.reason == "job_exit":
        if end.job_exit_code == 0:
            return [Reason("GO", f"The job finished by itself with exit code 0 after {ran}.")]
        if end.job_exit_code is None:
            return [
                Reason(
                    "INCONCLUSIVE",
                    f"The job ended after {ran} while no monitor watched: its exit code is"
                    " unknown.",
                )
            ]
        return [Reason("NO-GO", f"The job failed with exit code {end.job_exit_code} after {ran}.")]
    if end.reason == "signal":
        share = 100.0 * summary.duration_s / start.duration_s if start.duration_s else 0.0
        return [
            Reason(
                "INCONCLUSIVE",
                f"The pilot was interrupted after {ran} of {format_duration(start.duration_s)}"
                f" ({share:.0f}%).",
            )
        ]
    if end.reason == "error":
        return [
            Reason(
                "INCONCLUSIVE",
                f"The monitor hit an error after {ran} ({end.detail or 'no detail'}): the"
                " figures may be incomplete.",
            )
        ]
    return [
        Reason(
            "GO",
            f"The job ran the whole {format_duration(start.duration_s)} budget without failing.",
        )
    ]


def _stalls(summary: PilotSummary, completed: bool) -> list[Reason]:
    found = stalls(summary)
    after = summary.rates.steady_s
    if found.ongoing_since_s is not None and not completed:
        return [
            Reason(
                "NO-GO",
                f"No new rows for the last {format_duration(found.ongoing_s)} of the pilot"
                f" (since +{format_duration(found.ongoing_since_s)}), and no recovery: the job"
                " hung, or only updates rows (its log tells).",
            )
        ]
    if not found.count:
        return [Reason("GO", "No stall after the warm-up.")]
    share = found.total_s / after if after > 0 else 1.0
    text = (
        f"{found.count} stall(s) after the warm-up, {format_duration(found.total_s)} in all"
        f" ({share:.0%} of the {format_duration(after)} after it; the longest"
        f" {format_duration(found.longest_s)})"
    )
    if share >= STALL_SHARE:
        return [
            Reason(
                "INCONCLUSIVE",
                f"{text}: {STALL_SHARE:.0%} or more; find out why the job stood still before a"
                " full run.",
            )
        ]
    return [Reason("GO", f"{text}: under {STALL_SHARE:.0%}, and the steady rate includes them.")]


def _rates(summary: PilotSummary, ahead: Forecast) -> list[Reason]:
    start, rates = summary.start, summary.rates
    if summary.added is None:
        return [Reason("INCONCLUSIVE", "No count of the table could be taken: no rate to judge.")]
    if not rates.enough:
        warmup = (
            "no row was added at all"
            if rates.warmup_s is None
            else f"after a warm-up of {format_duration(rates.warmup_s)}"
        )
        return [
            Reason(
                "INCONCLUSIVE",
                f"Only {rates.intervals} full interval(s) after the warm-up ({warmup}):"
                f" {ENOUGH_INTERVALS} are needed to judge a rate. Run a longer pilot or a"
                " shorter PILOT_INTERVAL.",
            )
        ]
    found: list[Reason] = []
    steady = rates.steady_per_min
    shown = "n/a" if steady is None else f"{steady:.1f}/min"
    over = f"over {format_duration(rates.steady_s)} after the warm-up"
    if start.min_rate is None:
        found.append(Reason("GO", f"The steady rate is {shown} {over} (no PILOT_MIN_RATE set)."))
    elif steady is None or steady < start.min_rate:
        found.append(
            Reason(
                "NO-GO",
                f"The steady rate, {shown} {over}, is below PILOT_MIN_RATE"
                f" ({start.min_rate:g}/min).",
            )
        )
    else:
        found.append(
            Reason(
                "GO",
                f"The steady rate, {shown} {over}, meets PILOT_MIN_RATE ({start.min_rate:g}/min).",
            )
        )
    found += _limit(start.max_hours, ahead)
    return found


def _limit(max_hours: float | None, ahead: Forecast) -> list[Reason]:
    eta = ahead.eta
    if max_hours is None:
        return []
    limit = f"PILOT_MAX_HOURS ({max_hours:g}h)"
    if ahead.target_rows is None or eta is None:
        return [
            Reason(
                "INCONCLUSIVE",
                f"{limit} is set, but without PILOT_TARGET_ROWS there is no ETA to hold it"
                " against.",
            )
        ]
    if eta.likely_s is None:
        return [
            Reason(
                "NO-GO",
                f"No ETA for the {eta.remaining} rows left: the table did not grow after the"
                f" warm-up, so they will not be done within {limit}.",
            )
        ]
    likely = format_eta(eta.likely_s)
    if eta.likely_s > max_hours * 3600.0:
        return [Reason("NO-GO", f"The ETA, {likely}, is beyond {limit}.")]
    slow_end = ""
    if eta.longest_s is None or eta.longest_s > max_hours * 3600.0:
        longest = "open" if eta.longest_s is None else format_eta(eta.longest_s)
        slow_end = f"; the range's long end ({longest}) is not"
    return [Reason("GO", f"The ETA, {likely}, is within {limit}{slow_end}.")]


def _finished_short(ahead: Forecast) -> list[Reason]:
    target, last = ahead.target_rows, ahead.last_total
    if target is None or last is None or last >= target:
        return []
    return [
        Reason(
            "INCONCLUSIVE",
            f"The job finished with {last} rows in the table, {target - last} short of"
            f" PILOT_TARGET_ROWS ({target}): check the target, or what the job left out.",
        )
    ]


def _log(log: LogCheck) -> list[Reason]:
    if isinstance(log, str):  # UNCHECKED
        return []
    if log is None:
        return [Reason("INCONCLUSIVE", "The job's log could not be read: its errors are unknown.")]
    if log.error_lines or log.tracebacks:
        return [
            Reason(
                "INCONCLUSIVE",
                f"The job's log has {log.error_lines} error line(s) and {log.tracebacks}"
                f" traceback(s) in {log.lines} lines: read them before a full run.",
            )
        ]
    return [Reason("GO", f"The job's log has no error lines in {log.lines} lines.")]


def console_line(decision: Decision) -> str:
    """One closing line: the decision and its first reason."""
    if decision.level == "GO" and not decision.log_checked:
        return (
            "[monitor] decision: GO on the figures; the report's decision also weighs the job's log"
        )
    more = len(decision.reasons) + len(decision.also) - 1
    tail = f" ({more} more in the report)" if more > 0 else ""
    first = decision.reasons[0].text if decision.reasons else ""
    return f"[monitor] decision: {decision.level}. {first}{tail}"
