"""GO, NO-GO or INCONCLUSIVE for the full backfill, each reason tied to a figure the report
shows. Pure, and apart from the pilot's outcome (``verdict``): that one is how the pilot
ended and decides the monitor's exit code; this one is advice on the full run.

The rules, the worst one found deciding:

- NO-GO: the job could not be started, failed (a non-zero exit code), or was lost with its
  container; it stalled and PILOT_STALL_FAILS ended the pilot; it showed no progress of any
  kind (rows, writes, statements; ``monitor.core.activity``) up to the end of the pilot
  while it ran (a stall that never recovered: a full run would hang there); the steady rate
  is below ``PILOT_MIN_RATE``; the ETA is beyond ``PILOT_MAX_HOURS``.
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
from monitor.core.language import Language, Words, words
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
    """Stretches without progress of any kind (the watch's "stalled" to "progressing"
    events) after the warm-up. ``ongoing_since_s``: the last progress came then, and none
    after it to the end."""

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


def decide(summary: PilotSummary, log: LogCheck, language: Language = "en") -> Decision:
    """The decision and its reasons (see the module's docstring for the rules); the reasons
    are in ``language`` (the report's), the levels are tokens."""
    say = words(language)
    end = summary.end
    if summary.not_started:
        detail = end.detail if end and end.detail else say("no reason recorded")
        if end is not None and end.reason == "signal":  # stopped by hand, not a failed start
            found = [
                Reason(
                    "INCONCLUSIVE",
                    say(
                        "The pilot was interrupted before the job started ({detail}): nothing"
                        " was measured.",
                        detail=detail,
                    ),
                )
            ]
        else:
            found = [
                Reason(
                    "NO-GO",
                    say("The job was not started ({detail}): nothing was measured.", detail=detail),
                )
            ]
        return _decision(found, log)
    found = _ending(summary, say)
    completed = (
        end is not None and end.job_gone and end.reason == "job_exit" and end.job_exit_code == 0
    )
    ahead = forecast(summary)
    found += _stalls(summary, completed, say)
    if completed:
        found += _finished_short(ahead, say)
    else:
        found += _rates(summary, ahead, say)
    found += _log(log, say)
    return _decision(found, log)


def _decision(found: list[Reason], log: LogCheck) -> Decision:
    levels: list[Level] = [reason.level for reason in found]
    level: Level = max(levels, key=_SEVERITY.__getitem__) if levels else "GO"
    reasons = tuple(reason for reason in found if reason.level == level)
    also = tuple(reason for reason in found if reason.level not in (level, "GO"))
    return Decision(level, reasons, also, log_checked=log != UNCHECKED)


def _ending(summary: PilotSummary, say: Words) -> list[Reason]:
    start, end = summary.start, summary.end
    ran = format_duration(summary.duration_s)
    if end is None:
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "The journal stops after {ran}, before the pilot ended: the figures may be"
                    " incomplete.",
                    ran=ran,
                ),
            )
        ]
    if not end.job_gone:
        return [
            Reason(
                "INCONCLUSIVE",
                say("The job could not be confirmed stopped: check the app container first."),
            )
        ]
    if end.reason == "job_lost":
        detail = end.detail or say("no detail")
        return [
            Reason("NO-GO", say("The job was lost after {ran}: {detail}.", ran=ran, detail=detail))
        ]
    if end.reason == "stall":
        return [
            Reason(
                "NO-GO",
                say(
                    "The job stalled, and PILOT_STALL_FAILS ended the pilot after {ran}: {detail}.",
                    ran=ran,
                    detail=end.detail or say("no detail"),
                ),
            )
        ]
    if end.reason == "job_exit":
        if end.job_exit_code == 0:
            return [
                Reason(
                    "GO", say("The job finished by itself with exit code 0 after {ran}.", ran=ran)
                )
            ]
        if end.job_exit_code is None:
            return [
                Reason(
                    "INCONCLUSIVE",
                    say(
                        "The job ended after {ran} while no monitor watched: its exit code is"
                        " unknown.",
                        ran=ran,
                    ),
                )
            ]
        return [
            Reason(
                "NO-GO",
                say(
                    "The job failed with exit code {code} after {ran}.",
                    code=end.job_exit_code,
                    ran=ran,
                ),
            )
        ]
    if end.reason == "signal":
        share = 100.0 * summary.duration_s / start.duration_s if start.duration_s else 0.0
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "The pilot was interrupted after {ran} of {budget} ({share:.0f}%).",
                    ran=ran,
                    budget=format_duration(start.duration_s),
                    share=share,
                ),
            )
        ]
    if end.reason == "error":
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "The monitor hit an error after {ran} ({detail}): the figures may be"
                    " incomplete.",
                    ran=ran,
                    detail=end.detail or say("no detail"),
                ),
            )
        ]
    return [
        Reason(
            "GO",
            say(
                "The job ran the whole {budget} budget without failing.",
                budget=format_duration(start.duration_s),
            ),
        )
    ]


def _stalls(summary: PilotSummary, completed: bool, say: Words) -> list[Reason]:
    found = stalls(summary)
    after = summary.rates.steady_s
    if found.ongoing_since_s is not None and not completed:
        return [
            Reason(
                "NO-GO",
                say(
                    "No progress for the last {ongoing} of the pilot (since +{since}), and no"
                    " recovery: the job hung or waits (the Database activity section tells on"
                    " what).",
                    ongoing=format_duration(found.ongoing_s),
                    since=format_duration(found.ongoing_since_s),
                ),
            )
        ]
    if not found.count:
        return [Reason("GO", say("No stall after the warm-up."))]
    share = found.total_s / after if after > 0 else 1.0
    text = say(
        "{count} stall(s) after the warm-up, {total} in all ({share:.0%} of the {after} after"
        " it; the longest {longest})",
        count=found.count,
        total=format_duration(found.total_s),
        share=share,
        after=format_duration(after),
        longest=format_duration(found.longest_s),
    )
    if share >= STALL_SHARE:
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "{stalls}: {limit:.0%} or more; find out why the job stood still before a"
                    " full run.",
                    stalls=text,
                    limit=STALL_SHARE,
                ),
            )
        ]
    return [
        Reason(
            "GO",
            say(
                "{stalls}: under {limit:.0%}, and the steady rate includes them.",
                stalls=text,
                limit=STALL_SHARE,
            ),
        )
    ]


def _rates(summary: PilotSummary, ahead: Forecast, say: Words) -> list[Reason]:
    start, rates = summary.start, summary.rates
    if summary.added is None:
        return [
            Reason("INCONCLUSIVE", say("No count of the table could be taken: no rate to judge."))
        ]
    if not rates.enough:
        warmup = (
            say("no row was added at all")
            if rates.warmup_s is None
            else say("after a warm-up of {warmup}", warmup=format_duration(rates.warmup_s))
        )
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "Only {intervals} full interval(s) after the warm-up ({warmup}): {needed} are"
                    " needed to judge a rate. Run a longer pilot or a shorter PILOT_INTERVAL.",
                    intervals=rates.intervals,
                    warmup=warmup,
                    needed=ENOUGH_INTERVALS,
                ),
            )
        ]
    found: list[Reason] = []
    steady = rates.steady_per_min
    shown = say("n/a") if steady is None else say("{rate:.1f}/min", rate=steady)
    after = format_duration(rates.steady_s)
    if start.min_rate is None:
        found.append(
            Reason(
                "GO",
                say(
                    "The steady rate is {rate} over {time} after the warm-up (no PILOT_MIN_RATE"
                    " set).",
                    rate=shown,
                    time=after,
                ),
            )
        )
    elif steady is None or steady < start.min_rate:
        found.append(
            Reason(
                "NO-GO",
                say(
                    "The steady rate, {rate} over {time} after the warm-up, is below"
                    " PILOT_MIN_RATE ({minimum:g}/min).",
                    rate=shown,
                    time=after,
                    minimum=start.min_rate,
                ),
            )
        )
    else:
        found.append(
            Reason(
                "GO",
                say(
                    "The steady rate, {rate} over {time} after the warm-up, meets PILOT_MIN_RATE"
                    " ({minimum:g}/min).",
                    rate=shown,
                    time=after,
                    minimum=start.min_rate,
                ),
            )
        )
    found += _limit(start.max_hours, ahead, say)
    return found


def _limit(max_hours: float | None, ahead: Forecast, say: Words) -> list[Reason]:
    eta = ahead.eta
    if max_hours is None:
        return []
    limit = say("PILOT_MAX_HOURS ({hours:g}h)", hours=max_hours)
    if ahead.target_rows is None or eta is None:
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "{limit} is set, but without PILOT_TARGET_ROWS there is no ETA to hold it"
                    " against.",
                    limit=limit,
                ),
            )
        ]
    if eta.likely_s is None:
        return [
            Reason(
                "NO-GO",
                say(
                    "No ETA for the {remaining} rows left: the table did not grow after the"
                    " warm-up, so they will not be done within {limit}.",
                    remaining=eta.remaining,
                    limit=limit,
                ),
            )
        ]
    likely = format_eta(eta.likely_s)
    if eta.likely_s > max_hours * 3600.0:
        return [Reason("NO-GO", say("The ETA, {eta}, is beyond {limit}.", eta=likely, limit=limit))]
    if eta.longest_s is None or eta.longest_s > max_hours * 3600.0:
        longest = say("open") if eta.longest_s is None else format_eta(eta.longest_s)
        within = say(
            "The ETA, {eta}, is within {limit}; the range's long end ({longest}) is not.",
            eta=likely,
            limit=limit,
            longest=longest,
        )
    else:
        within = say("The ETA, {eta}, is within {limit}.", eta=likely, limit=limit)
    return [Reason("GO", within)]


def _finished_short(ahead: Forecast, say: Words) -> list[Reason]:
    target, last = ahead.target_rows, ahead.last_total
    if target is None or last is None or last >= target:
        return []
    return [
        Reason(
            "INCONCLUSIVE",
            say(
                "The job finished with {rows} rows in the table, {short} short of"
                " PILOT_TARGET_ROWS ({target}): check the target, or what the job left out.",
                rows=last,
                short=target - last,
                target=target,
            ),
        )
    ]


def _log(log: LogCheck, say: Words) -> list[Reason]:
    if isinstance(log, str):  # UNCHECKED
        return []
    if log is None:
        return [
            Reason("INCONCLUSIVE", say("The job's log could not be read: its errors are unknown."))
        ]
    if log.error_lines or log.tracebacks:
        return [
            Reason(
                "INCONCLUSIVE",
                say(
                    "The job's log has {errors} error line(s) and {tracebacks} traceback(s) in"
                    " {lines} lines: read them before a full run.",
                    errors=log.error_lines,
                    tracebacks=log.tracebacks,
                    lines=log.lines,
                ),
            )
        ]
    return [
        Reason("GO", say("The job's log has no error lines in {lines} lines.", lines=log.lines))
    ]


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
