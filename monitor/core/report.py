"""The Markdown report: a pure rendering of a pilot's summary and its job log digest."""

import shlex
from datetime import UTC, datetime

from monitor.core.activity import STATES
from monitor.core.analysis import Bucket, Interval, PilotSummary
from monitor.core.comparison import Change, Comparison, signed_percent
from monitor.core.decision import decide, stalls
from monitor.core.duration import format_duration
from monitor.core.forecast import eta_text, forecast, format_eta, size_text
from monitor.core.joblog import LogDigest, Trouble
from monitor.core.language import Language, Words, words
from monitor.core.rates import trend_text
from monitor.core.troubles import Placed, Stretch, place
from monitor.core.verdict import judge

EXECUTIVE = "Executive summary"
FORECAST = "Forecast and decision"
STATISTICS = "Collection statistics"
COMPARED = "Compared with the previous pilot"
ACTIVITY = "Database activity"
OTHER_TABLES = "Other tables"
SAMPLES = "Samples"
EVENTS = "Events"
LOG = "Log analysis"
CONCLUSIONS = "Conclusions and recommendations"
SETTINGS = "Settings"
# The report's sections, in order.
SECTIONS = (
    EXECUTIVE,
    FORECAST,
    STATISTICS,
    COMPARED,
    ACTIVITY,
    OTHER_TABLES,
    SAMPLES,
    EVENTS,
    LOG,
    CONCLUSIONS,
    SETTINGS,
)


def render(
    summary: PilotSummary,
    log: LogDigest | None,
    samples_csv: str | None = None,
    chart: str | None = None,
    language: Language = "en",
    *,
    previous: Comparison | None = None,
) -> str:
    """The report; ``samples_csv`` names the CSV of every sample beside it (None: not written),
    ``chart`` the SVG chart of rows and rate beside it (None: not written); its words are in
    ``language``. ``previous`` compares it with the previous pilot (None: there is none)."""
    start, say = summary.start, words(language)
    parts = [
        f"# {say('Pilot run report: {table}', table=f'`{start.table}`')}",
        "",
        say("Run {run}.", run=f"`{start.run_id}`"),
        "",
        *_executive(summary, say),
        *([f"![{say('Rows and rate over time')}]({chart})", ""] if chart else []),
        *_forecast_and_decision(summary, log, say),
        *_statistics(summary, say),
        *_compared(summary, previous, say),
        *_activity(summary, say),
        *_other_tables(summary, say),
        *_samples(summary, samples_csv, say),
        *_events(summary, say),
        *_log(log, summary, say),
        f"## {say(CONCLUSIONS)}",
        "",
        *[f"- {line}" for line in conclusions(summary, log, say)],
        "",
        *_settings(summary, say),
    ]
    return "\n".join(parts).rstrip() + "\n"


def timestamp(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _executive(summary: PilotSummary, say: Words) -> list[str]:
    start, end = summary.start, summary.end
    ended = timestamp(end.at) if end else say("(not recorded)")
    ran = say(
        "{ran} of a {budget} budget",
        ran=format_duration(summary.duration_s),
        budget=format_duration(start.duration_s),
    )
    return [
        f"## {say(EXECUTIVE)}",
        "",
        "| | |",
        "|---|---|",
        f"| {say('Verdict')} | **{_cell(_headline(summary, say))}** |",
        f"| {say('Start')} | {timestamp(start.at)} |",
        f"| {say('End')} | {ended} |",
        f"| {say('Duration')} | {ran} |",
        f"| {say('Job')} | {_cell(job_state(summary, say))} |",
        f"| {say('Job exit code')} | {_value(end.job_exit_code if end else None, say)} |",
        f"| {say('Container')} | {_code(start.container)} |",
        f"| {say('Command')} | {_code(shlex.join(start.command))} |",
        "",
    ]


def _headline(summary: PilotSummary, say: Words) -> str:
    """The verdict's headline in the report's language, judged again from the same facts."""
    return judge(
        summary.end,
        sampled=summary.final_total is not None,
        not_started=summary.not_started,
        language=say.language,
    ).headline


def job_state(summary: PilotSummary, say: Words) -> str:
    end = summary.end
    if end is None:
        return say("unknown: the monitor stopped without recording the end")
    if not end.job_gone:
        return say("possibly still running: the stop could not be confirmed")
    if end.reason == "job_exit":
        return say("exited by itself")
    if end.reason == "job_lost":
        return say("lost: its container stopped or restarted under it")
    if end.job_stopped_by:
        return say(
            "stopped by the monitor with {signal}, confirmed gone", signal=end.job_stopped_by
        )
    return say("not running at the end")


def _forecast_and_decision(summary: PilotSummary, log: LogDigest | None, say: Words) -> list[str]:
    """The decision on the full run with its reasons, and the figures they rest on."""
    language = say.language
    decision = decide(summary, log, language)
    rates, ahead, stood = summary.rates, forecast(summary), stalls(summary)
    if rates.warmup_s is None:
        warmup = say("never ended: no row was added")
    elif rates.warmup_samples:
        warmup = say(
            "{time}: {samples} sample(s) before the first new rows, left out of the rates below",
            time=format_duration(rates.warmup_s),
            samples=rates.warmup_samples,
        )
    else:
        warmup = say("none: rows came in the first interval")
    steady = _rate(rates.steady_per_min, say)
    if rates.steady_rows is not None:
        steady = say(
            "{rate}: {rows} rows in {time} after it",
            rate=steady,
            rows=rates.steady_rows,
            time=format_duration(rates.steady_s),
        )
    spread = say("n/a")
    if rates.median_per_min is not None:
        percentiles = {
            "median": _number(rates.median_per_min),
            "p10": _number(rates.p10_per_min),
            "p90": _number(rates.p90_per_min),
            "intervals": rates.intervals,
        }
        spread = (
            say(
                "median {median}/min, p10 {p10}/min, p90 {p90}/min ({intervals} full intervals,"
                " one in {every} of them taken)",
                every=rates.thinned,
                **percentiles,
            )
            if rates.thinned > 1
            else say(
                "median {median}/min, p10 {p10}/min, p90 {p90}/min ({intervals} full intervals)",
                **percentiles,
            )
        )
    if not stood.count:
        stall = say("none after the warm-up")
    else:
        stall = say(
            "{count}, {total} in all (the longest {longest})",
            count=stood.count,
            total=format_duration(stood.total_s),
            longest=format_duration(stood.longest_s),
        )
        if stood.ongoing_since_s is not None:
            stall += say(
                "; no progress since +{since} to the end",
                since=format_duration(stood.ongoing_since_s),
            )
    reasons = [f"- {_cell(reason.text)}" for reason in decision.reasons]
    reasons += [f"- {_cell(say('Also: {reason}', reason=reason.text))}" for reason in decision.also]
    return [
        f"## {say(FORECAST)}",
        "",
        say("Decision: {level}", level=f"**{decision.level}**"),
        "",
        *reasons,
        "",
        "| | |",
        "|---|---|",
        f"| {say('Warm-up')} | {_cell(warmup)} |",
        f"| {say('Steady rate')} | {_cell(steady)} |",
        f"| {say('Interval rates after the warm-up')} | {_cell(spread)} |",
        f"| {say('Trend')} | {_cell(trend_text(rates, language))} |",
        f"| {say('Stalls')} | {_cell(stall)} |",
        f"| {say('ETA')} | {_cell(eta_text(ahead, language))} |",
        f"| {say('Table size')} | {_cell(size_text(ahead, language))} |",
        "",
    ]


def _statistics(summary: PilotSummary, say: Words) -> list[str]:
    taken = say(
        "{samples} taken every {interval}, {missing} missing",
        samples=summary.samples,
        interval=format_duration(summary.start.interval_s),
        missing=summary.missing,
    )
    return [
        f"## {say(STATISTICS)}",
        "",
        say("| Metric | Value |"),
        "|---|---|",
        f"| {say('Initial rows')} | {summary.start.baseline_rows} |",
        f"| {say('Final rows')} | {_value(summary.final_total, say)} |",
        f"| {say('Rows added')} | {_value(summary.added, say)} |",
        f"| {say('Average rate')} | {_rate(summary.average_per_min, say)} |",
        f"| {say('Peak interval rate')} | {_extreme(summary.peak, say)} |",
        f"| {say('Slowest interval rate')} | {_extreme(summary.slowest, say)} |",
        f"| {say('Samples')} | {taken} |",
        f"| {say('Counting')} | {_cell(summary.start.counting)} |",
        "",
    ]


# The comparison's figures, by their key in the JSON summary's ``previous``.
COMPARED_FIGURES = {
    "steady_per_min": "Steady rate",
    "median_per_min": "Median interval rate",
    "p10_per_min": "p10 interval rate",
    "p90_per_min": "p90 interval rate",
    "average_rate_per_min": "Average rate",
    "added_rows": "Rows added",
    "duration_s": "Duration",
    "eta_s": "ETA (most likely)",
    "decision": "Decision",
    "outcome": "Outcome",
    "missing_samples": "Samples missing",
}


def _compared(summary: PilotSummary, previous: Comparison | None, say: Words) -> list[str]:
    """This run's figures beside the previous pilot's of the same table, from
    ``monitor.core.comparison``: whether the backfill got faster or slower since. Why a run
    cannot be compared is the comparison's own words, as the JSON summary has them."""
    lines = [f"## {say(COMPARED)}", ""]
    table = _code(summary.start.table)
    if previous is None:
        return [
            *lines,
            say("No earlier pilot of {table} in this logs folder to compare with.", table=table),
            "",
        ]
    run = _code(previous.run_id) if previous.run_id else say("(no run id)")
    at = previous.start_at
    when = timestamp(at) if at is not None else say("an unknown time")
    if previous.not_comparable is not None:
        why = _cell(previous.not_comparable)
        said = say(
            "The previous pilot, run {run} of {when}, cannot be compared: {why}.",
            run=run,
            when=when,
            why=why,
        )
        return [*lines, said, ""]
    lines += [
        say(
            "The previous pilot of {table} in this logs folder: run {run}, started {when}.",
            table=table,
            run=run,
            when=when,
        ),
        "",
        say("| | Previous | This run | Change |"),
        "|---|---:|---:|---:|",
    ]
    for change in previous.changes:
        label = say(COMPARED_FIGURES.get(change.key, change.key))
        before, now = _figure(change, change.before, say), _figure(change, change.now, say)
        lines.append(f"| {label} | {before} | {now} | {_change(change, say)} |")
    return [*lines, ""]


def _figure(change: Change, value: float | str | None, say: Words) -> str:
    if value is None:
        return say("n/a")
    if isinstance(value, str):
        return _cell(value)
    if change.kind == "rate":
        return say("{rate:.1f}/min", rate=value)
    if change.kind == "seconds":
        return format_eta(value)
    return f"{value:.0f}"


def _change(change: Change, say: Words) -> str:
    if change.kind == "level":
        return say("same") if change.before == change.now else say("changed")
    if change.kind == "samples":
        difference = change.difference
        if difference is None:
            return say("n/a")
        return "±0" if round(difference) == 0 else f"{difference:+.0f}"
    return signed_percent(change.relative)


def _activity(summary: PilotSummary, say: Words) -> list[str]:
    """Time per state and the episodes without new rows (``monitor.core.activity``); the
    episodes' details are the activity's own words."""
    found = summary.activity
    lines = [f"## {say(ACTIVITY)}", ""]
    if not found.read:
        return [
            *lines,
            say(
                "Not recorded: the job's activity in the database was not read (a journal from"
                " an older monitor, or every read failed)."
            ),
            "",
        ]
    seconds, intervals = dict(found.seconds), dict(found.intervals)
    lines += [
        say(
            "Each interval gets the first state that holds: growing (new rows), updating (rows"
            " written, none new), in transaction (statements in an open transaction, which the"
            " table shows only at its commit), blocked (waiting on a lock), idle (none of these:"
            " no progress)."
        ),
        "",
        say("| State | Intervals | Time |"),
        "|---|---:|---:|",
        *[
            f"| {say(state)} | {intervals[state]} | {format_duration(round(seconds[state]))} |"
            for state in STATES
        ],
        "",
    ]
    if found.changes is not None:
        written = found.changes
        lines += [
            say(
                "Rows written to {table} in the table's statistics (every session, committed or"
                " not): {inserted} inserted, {updated} updated, {deleted} deleted.",
                table=f"`{summary.start.table}`",
                inserted=written.inserted,
                updated=written.updated,
                deleted=written.deleted,
            ),
            "",
        ]
    if not found.episodes:
        return [*lines, say("No stretch without new rows."), ""]
    lines += [
        say("Stretches without new rows:"),
        "",
        say("| State | From | To | Lasted | What |"),
        "|---|---|---|---:|---|",
    ]
    for episode in found.episodes:
        lines.append(
            f"| {say(episode.state)} | {timestamp(episode.first_at)[11:19]}"
            f" | {timestamp(episode.last_at)[11:19]} | {format_duration(round(episode.seconds))}"
            f" | {_cell(episode.detail)} |"
        )
    if found.more:
        lines.append(f"| | | | | {say('{count} more not listed', count=found.more)} |")
    return [*lines, ""]


def _samples(summary: PilotSummary, samples_csv: str | None, say: Words) -> list[str]:
    if summary.summarised:
        return _buckets(summary, samples_csv, say)
    lines = [
        f"## {say(SAMPLES)}",
        "",
        say(
            "| # | Time | Elapsed | Job | Total | Added | Delta | Rate (/min) | Avg (/min) | Note |"
        ),
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in summary.rows:
        label = say("end") if row.final else str(row.index)
        note = say("missing: {error}", error=row.error) if row.total is None else _state(row, say)
        lines.append(
            f"| {label} | {timestamp(row.at)[11:19]} | {format_duration(row.elapsed_s)}"
            f" | {say('running') if row.job_running else say('stopped')}"
            f" | {_value(row.total, say)} | {_value(row.added, say)} | {_value(row.delta, say)}"
            f" | {_number(row.rate_per_min)} | {_number(row.average_per_min)} | {_cell(note)} |"
        )
    if not summary.rows:
        lines.append(f"| | | | | | | | | | {say('no samples were taken')} |")
    return [*lines, ""]


def _other_tables(summary: PilotSummary, say: Words) -> list[str]:
    """A part per table of PILOT_TABLES; the pilot's own is the rest of the report."""
    lines = [f"## {say(OTHER_TABLES)}", ""]
    own = f"`{summary.start.table}`"
    if not summary.tables:
        return [*lines, say("Only {table} was watched (PILOT_TABLES adds more).", table=own), ""]
    lines += [
        say(
            "Counted after {table} at every sample; rates, ETA and decision are {table}'s.",
            table=own,
        ),
        "",
    ]
    for table in summary.tables:
        written = (
            say("not read")
            if table.written is None
            else say(
                "{inserted} inserted, {updated} updated, {deleted} deleted",
                inserted=table.written.inserted,
                updated=table.written.updated,
                deleted=table.written.deleted,
            )
        )
        samples = say("{samples}, {missing} missing", samples=table.samples, missing=table.missing)
        if table.first_error:
            samples = say("{samples} (first: {error})", samples=samples, error=table.first_error)
        lines += [
            f"### `{table.table}`",
            "",
            say("| Metric | Value |"),
            "|---|---|",
            f"| {say('Initial rows')} | {table.baseline_rows} |",
            f"| {say('Final rows')} | {_value(table.final_total, say)} |",
            f"| {say('Rows added')} | {_value(table.added, say)} |",
            f"| {say('Average rate')} | {_rate(table.average_per_min, say)} |",
            f"| {say('Rows written (statistics)')} | {written} |",
            f"| {say('Samples')} | {_cell(samples)} |",
            f"| {say('Counting')} | {_cell(table.counting)} |",
            "",
        ]
    return lines


def _state(row: Interval, say: Words) -> str:
    """The interval's activity state, and why when it is not growing (the activity's words)."""
    if row.activity is None or row.final:
        return ""
    if row.activity.state == "growing":
        return say("growing")
    return f"{say(row.activity.state)}: {row.activity.detail}"


def _buckets(summary: PilotSummary, samples_csv: str | None, say: Words) -> list[str]:
    where = (
        say("{csv} beside this report has every sample", csv=_code(samples_csv))
        if samples_csv
        else say("the journal has every sample (their CSV could not be written)")
    )
    lines = [
        f"## {say(SAMPLES)}",
        "",
        say(
            "The {samples} samples are summarised in {rows} rows of {size} consecutive samples;"
            " {where}.",
            samples=summary.samples,
            rows=len(summary.buckets),
            size=summary.bucket_size,
            where=where,
        ),
        "",
        say(
            "| Samples | Time | Elapsed | Job | Total | Delta | Rate (/min)"
            " | Min rate (/min) | Max rate (/min) | Missing |"
        ),
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for bucket in summary.buckets:
        lines.append(
            f"| {_range(bucket, say)} | {timestamp(bucket.first_at)[11:19]}-"
            f"{timestamp(bucket.last_at)[11:19]} | {format_duration(bucket.last_elapsed_s)}"
            f" | {_job_states(bucket, say)} | {_value(bucket.total, say)}"
            f" | {_value(bucket.delta, say)} | {_number(bucket.rate_per_min)}"
            f" | {_number(bucket.slowest_per_min)} | {_number(bucket.fastest_per_min)}"
            f" | {bucket.missing} |"
        )
    return [*lines, ""]


def _range(bucket: Bucket, say: Words) -> str:
    last = say("end") if bucket.final else str(bucket.last_index)
    return last if bucket.samples == 1 else f"{bucket.first_index}-{last}"


def _job_states(bucket: Bucket, say: Words) -> str:
    stopped = bucket.samples - bucket.running
    if not stopped:
        return say("running")
    if not bucket.running:
        return say("stopped")
    return say("running ({running}), stopped ({stopped})", running=bucket.running, stopped=stopped)


def _events(summary: PilotSummary, say: Words) -> list[str]:
    """The journal's events as it recorded them, then the outages and gaps found in it."""
    lines = [f"## {say(EVENTS)}", ""]
    for event in summary.events:
        lines.append(
            f"- {timestamp(event.at)[11:19]} (+{format_duration(event.elapsed_s)}) {event.message}"
        )
    for outage in summary.outages:
        outage_line = say(
            "Database outage: {samples} sample(s) missing from {first} to {last} ({error})",
            samples=outage.samples,
            first=timestamp(outage.first_at)[11:19],
            last=timestamp(outage.last_at)[11:19],
            error=outage.error,
        )
        lines.append(f"- {outage_line}")
    end_at = summary.end.at if summary.end else None
    for gap in summary.gaps:
        last = gap.last_at if gap.last_at is not None else end_at
        first = timestamp(gap.first_at)[11:19]
        if last is None:
            span = say("from {first}", first=first)
        else:
            span = say(
                "from {first} to {last} ({duration})",
                first=first,
                last=timestamp(last)[11:19],
                duration=format_duration(last - gap.first_at),
            )
        if gap.kind == "monitor":
            gap_line = say(
                "Monitoring gap: the monitor was not running {span}; no sample was taken then,"
                " and the first rate after it spans the gap",
                span=span,
            )
        else:
            gap_line = say(
                "Docker Engine unreachable {span}: the job's state was not observed (samples"
                " show the last state known)",
                span=span,
            )
        lines.append(f"- {gap_line}")
    return [*lines, ""]


def _log(log: LogDigest | None, summary: PilotSummary, say: Words) -> list[str]:
    lines = [f"## {say(LOG)}", ""]
    if log is None:
        return [*lines, say("The job's log could not be read."), ""]
    lines += [
        "| | |",
        "|---|---|",
        f"| {say('File')} | {_code(log.path)} |",
        f"| {say('Size (this run)')} | {say('{count:.0f} bytes', count=log.size_bytes)} |",
        f"| {say('Lines (this run)')} | {log.lines} |",
        f"| {say('Error lines')} | {log.error_lines} |",
        f"| {say('Warning lines')} | {log.warning_lines} |",
        f"| {say('Tracebacks')} | {log.tracebacks} |",
        "",
        *_troubles(log, summary, say),
        say("Last {count} lines:", count=len(log.tail)),
        "",
    ]
    fence = "`" * max(3, _longest_backtick_run(log.tail) + 1)
    return [*lines, f"{fence}text", *log.tail, fence, ""]


def _troubles(log: LogDigest, summary: PilotSummary, say: Words) -> list[str]:
    """The error and warning lines by kind, each with the first of them, when it came, and
    the table's rate in that interval (``monitor.core.troubles``): a drop beside its cause."""
    if not log.troubles:
        return []
    placed = {found.trouble.kind: found for found in place(log.troubles, summary)}
    rows = [
        f"| {say(trouble.kind)} | {trouble.lines} | {trouble.first_at or '?'}"
        f" | {_code(trouble.first)}"
        f" | {_rate_then(placed.get(trouble.kind), trouble, summary, say)} |"
        for trouble in log.troubles
    ]
    return [
        say("| trouble | lines | first at | first line | rate then |"),
        "|---|---|---|---|---|",
        *rows,
        "",
        say(
            "The rate then is the table's in the interval of the first line (the log's times"
            " read as UTC), and in the next when that one drops; a drop is below half the"
            " median interval rate. The chart marks each first line."
        ),
        "",
    ]


def _rate_then(found: Placed | None, trouble: Trouble, summary: PilotSummary, say: Words) -> str:
    """The rate of the line's interval; and of the next when that one, not the line's own,
    drops: a trouble's cost often starts with its line, at the end of an interval."""
    if found is None:
        return "?" if trouble.first_at is None else say("outside the pilot")
    within, after = found.within, found.after
    median = say("{rate:.1f}/min", rate=summary.rates.median_per_min or 0.0)
    if within.rate_per_min is None:
        said = say("no count ({where})", where=_where(within, say))
    elif within.drop:
        return say(
            "**{rate}** at {where}: a drop (median {median})",
            rate=say("{rate:.1f}/min", rate=within.rate_per_min),
            where=_where(within, say),
            median=median,
        )
    else:
        said = say(
            "{rate} at {where}",
            rate=say("{rate:.1f}/min", rate=within.rate_per_min),
            where=_where(within, say),
        )
    if after is None or not after.drop or after.rate_per_min is None:
        return said
    return say(
        "{before}, then **{rate}** at {where}: a drop (median {median})",
        before=said,
        rate=say("{rate:.1f}/min", rate=after.rate_per_min),
        where=_where(after, say),
        median=median,
    )


def _where(stretch: Stretch, say: Words) -> str:
    if stretch.first_index == stretch.last_index:
        return say("sample {index}", index=stretch.last_index)
    return say("samples {first}-{last}", first=stretch.first_index, last=stretch.last_index)


def conclusions(summary: PilotSummary, log: LogDigest | None, say: Words) -> list[str]:
    """Findings derived from the numbers; every sentence depends on the recorded data."""
    start, end = summary.start, summary.end
    ran = format_duration(summary.duration_s)
    budget = format_duration(start.duration_s)
    found: list[str] = []
    outcome = summary.verdict.outcome
    if end is not None and not end.job_gone:
        found.append(
            say(
                "The job may still be running in {container}: check it before anything else,"
                " and stop it by hand if needed.",
                container=_code(start.container),
            )
        )
    if summary.not_started:
        reason = end.detail if end else say("no reason recorded")
        return [
            *found,
            say(
                "The job was not started ({reason}): nothing about the backfill was measured."
                " Fix the cause and run the pilot again.",
                reason=reason,
            ),
        ]
    if outcome == "passed":
        found.append(
            say("The job ran for the whole budget of {budget} without failing.", budget=budget)
        )
    elif outcome == "completed":
        found.append(
            say(
                "The backfill finished by itself after {ran}: there is nothing left to run.",
                ran=ran,
            )
        )
    elif outcome == "failed" and end is not None and end.reason == "job_exit":
        found.append(
            say(
                "The job failed with exit code {code} after {ran}; the last log lines above show"
                " why. Fix this before a full run.",
                code=_value(end.job_exit_code, say),
                ran=ran,
            )
        )
    elif outcome == "interrupted":
        found.append(
            say(
                "The pilot was interrupted after {ran} of {budget} ({share:.0f}%): the figures"
                " cover only that part. Rerun it before deciding.",
                ran=ran,
                budget=budget,
                share=100.0 * summary.duration_s / start.duration_s,
            )
        )
    if end is not None and end.job_stopped_by == "KILL":
        found.append(
            say(
                "The job ignored SIGTERM for the whole grace period and had to be killed: check"
                " its signal handling, or raise PILOT_STOP_GRACE, before a long run."
            )
        )
    found += _growth(summary, say)
    away = [gap for gap in summary.gaps if gap.kind == "monitor"]
    if away:
        found.append(
            say(
                "The monitor itself was not running {count} time(s) during the pilot and took it"
                " up again without starting the job twice; the Events list each gap.",
                count=len(away),
            )
        )
    if summary.missing:
        found.append(
            say(
                "{missing} of {samples} samples are missing ({outages} database outage(s)): the"
                " rates around them span the gap.",
                missing=summary.missing,
                samples=summary.samples,
                outages=len(summary.outages),
            )
        )
    if log is not None:
        if log.error_lines or log.tracebacks:
            counts = {"errors": log.error_lines, "tracebacks": log.tracebacks, "lines": log.lines}
            found.append(
                say(
                    "The job logged {errors} error line(s) and {tracebacks} traceback(s) in"
                    " {lines} lines. The first: {first}.",
                    first=_code(log.first_error),
                    **counts,
                )
                if log.first_error
                else say(
                    "The job logged {errors} error line(s) and {tracebacks} traceback(s) in"
                    " {lines} lines.",
                    **counts,
                )
            )
        elif log.lines == 0:
            found.append(say("The job wrote nothing to its log during the pilot."))
        else:
            found.append(say("The job's log has no error lines in {lines} lines.", lines=log.lines))
    return found


def _growth(summary: PilotSummary, say: Words) -> list[str]:
    table = f"`{summary.start.table}`"
    if summary.added is None:
        return [
            say("No count of the table could be taken: check PILOT_DATABASE_URL and the database.")
        ]
    ran = format_duration(summary.duration_s)
    if summary.added == 0:
        return [
            say(
                "No rows were added to {table} in {ran}. A backfill that is still fetching its"
                " work lists, or that updates rows it already has, looks the same to a row"
                " count: read the job's log to tell them apart from a stall.",
                table=table,
                ran=ran,
            )
        ]
    found = []
    rate = summary.average_per_min or 0.0
    found.append(
        say(
            "{table} grew by {rows} rows at an average of {rate:.1f}/min ({hourly:.0f}/hour); at"
            " that rate a day of backfill adds about {daily:.0f} rows.",
            table=table,
            rows=summary.added,
            rate=rate,
            hourly=rate * 60,
            daily=rate * 1440,
        )
    )
    if summary.idle_intervals:
        found.append(
            say(
                "{idle} of {intervals} intervals added no rows (warm-up, rate limiting, updates"
                " of existing rows, or a stall).",
                idle=summary.idle_intervals,
                intervals=summary.regular_intervals,
            )
        )
    if summary.shrinking_intervals:
        found.append(
            say(
                "The row count fell in {count} interval(s): rows were deleted.",
                count=summary.shrinking_intervals,
            )
        )
    if summary.peak and summary.slowest and summary.peak is not summary.slowest:
        found.append(
            say(
                "Interval rates ranged from {slowest}/min (sample {slowest_sample}) to"
                " {peak}/min (sample {peak_sample}).",
                slowest=_number(summary.slowest.rate_per_min),
                slowest_sample=summary.slowest.index,
                peak=_number(summary.peak.rate_per_min),
                peak_sample=summary.peak.index,
            )
        )
    return found


def _settings(summary: PilotSummary, say: Words) -> list[str]:
    if not summary.start.settings:
        return []
    lines = [f"## {say(SETTINGS)}", "", say("| Setting | Value |"), "|---|---|"]
    lines += [f"| {_code(name)} | {_code(value)} |" for name, value in summary.start.settings]
    return [*lines, ""]


def _extreme(row: Interval | None, say: Words) -> str:
    if row is None:
        return say("n/a")
    return say(
        "{rate} (sample {sample}, at {time})",
        rate=_rate(row.rate_per_min, say),
        sample=row.index,
        time=timestamp(row.at)[11:19],
    )


def _rate(value: float | None, say: Words) -> str:
    if value is None:
        return say("n/a")
    return say("{rate:.1f}/min ({hourly:.0f}/hour)", rate=value, hourly=value * 60)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _value(value: int | None, say: Words) -> str:
    return say("n/a") if value is None else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """A code span that survives backticks and pipes in the text, even inside a table."""
    ticks = "`" * (_longest_backtick_run((text,)) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or ticks != "`" else text
    return f"{ticks}{_cell(padded)}{ticks}"


def _longest_backtick_run(lines: tuple[str, ...]) -> int:
    longest = 0
    for line in lines:
        run = 0
        for char in line:
            run = run + 1 if char == "`" else 0
            longest = max(longest, run)
    return longest
