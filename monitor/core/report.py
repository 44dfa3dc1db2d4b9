"""The Markdown report: a pure rendering of a pilot's summary and its job log digest."""

import shlex
from datetime import UTC, datetime

from monitor.core.analysis import Bucket, Interval, PilotSummary
from monitor.core.decision import decide, stalls
from monitor.core.duration import format_duration
from monitor.core.forecast import eta_text, forecast, size_text
from monitor.core.joblog import LogDigest
from monitor.core.rates import trend_text

SECTIONS = (
    "Executive summary",
    "Forecast and decision",
    "Collection statistics",
    "Samples",
    "Events",
    "Log analysis",
    "Conclusions and recommendations",
    "Settings",
)


def render(
    summary: PilotSummary,
    log: LogDigest | None,
    samples_csv: str | None = None,
    chart: str | None = None,
) -> str:
    """The report; ``samples_csv`` names the CSV of every sample beside it (None: not written),
    ``chart`` the SVG chart of rows and rate beside it (None: not written)."""
    start = summary.start
    parts = [
        f"# Pilot run report: `{start.table}`",
        "",
        f"Run `{start.run_id}`.",
        "",
        *_executive(summary),
        *([f"![Rows and rate over time]({chart})", ""] if chart else []),
        *_forecast_and_decision(summary, log),
        *_statistics(summary),
        *_samples(summary, samples_csv),
        *_events(summary),
        *_log(log),
        f"## {SECTIONS[6]}",
        "",
        *[f"- {line}" for line in conclusions(summary, log)],
        "",
        *_settings(summary),
    ]
    return "\n".join(parts).rstrip() + "\n"


def timestamp(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _executive(summary: PilotSummary) -> list[str]:
    start, end = summary.start, summary.end
    ended = timestamp(end.at) if end else "(not recorded)"
    return [
        f"## {SECTIONS[0]}",
        "",
        "| | |",
        "|---|---|",
        f"| Verdict | **{_cell(summary.verdict.headline)}** |",
        f"| Start | {timestamp(start.at)} |",
        f"| End | {ended} |",
        f"| Duration | {format_duration(summary.duration_s)}"
        f" of a {format_duration(start.duration_s)} budget |",
        f"| Job | {_cell(job_state(summary))} |",
        f"| Job exit code | {_value(end.job_exit_code if end else None)} |",
        f"| Container | {_code(start.container)} |",
        f"| Command | {_code(shlex.join(start.command))} |",
        "",
    ]


def job_state(summary: PilotSummary) -> str:
    end = summary.end
    if end is None:
        return "unknown: the monitor stopped without recording the end"
    if not end.job_gone:
        return "possibly still running: the stop could not be confirmed"
    if end.reason == "job_exit":
        return "exited by itself"
    if end.reason == "job_lost":
        return "lost: its container stopped or restarted under it"
    if end.job_stopped_by:
        return f"stopped by the monitor with {end.job_stopped_by}, confirmed gone"
    return "not running at the end"


def _forecast_and_decision(summary: PilotSummary, log: LogDigest | None) -> list[str]:
    """The decision on the full run with its reasons, and the figures they rest on."""
    decision = decide(summary, log)
    rates, ahead, stood = summary.rates, forecast(summary), stalls(summary)
    if rates.warmup_s is None:
        warmup = "never ended: no row was added"
    elif rates.warmup_samples:
        warmup = (
            f"{format_duration(rates.warmup_s)}: {rates.warmup_samples} sample(s) before the"
            " first new rows, left out of the rates below"
        )
    else:
        warmup = "none: rows came in the first interval"
    steady = _rate(rates.steady_per_min)
    if rates.steady_rows is not None:
        steady += f": {rates.steady_rows} rows in {format_duration(rates.steady_s)} after it"
    spread = "n/a"
    if rates.median_per_min is not None:
        thinned = f", one in {rates.thinned} of them taken" if rates.thinned > 1 else ""
        spread = (
            f"median {_number(rates.median_per_min)}/min, p10 {_number(rates.p10_per_min)}/min,"
            f" p90 {_number(rates.p90_per_min)}/min ({rates.intervals} full intervals{thinned})"
        )
    if not stood.count:
        stall = "none after the warm-up"
    else:
        stall = (
            f"{stood.count}, {format_duration(stood.total_s)} in all (the longest"
            f" {format_duration(stood.longest_s)})"
        )
        if stood.ongoing_since_s is not None:
            stall += f"; no new rows since +{format_duration(stood.ongoing_since_s)} to the end"
    reasons = [f"- {_cell(reason.text)}" for reason in decision.reasons]
    reasons += [f"- Also: {_cell(reason.text)}" for reason in decision.also]
    return [
        f"## {SECTIONS[1]}",
        "",
        f"Decision: **{decision.level}**",
        "",
        *reasons,
        "",
        "| | |",
        "|---|---|",
        f"| Warm-up | {_cell(warmup)} |",
        f"| Steady rate | {_cell(steady)} |",
        f"| Interval rates after the warm-up | {_cell(spread)} |",
        f"| Trend | {_cell(trend_text(rates))} |",
        f"| Stalls | {_cell(stall)} |",
        f"| ETA | {_cell(eta_text(ahead))} |",
        f"| Table size | {_cell(size_text(ahead))} |",
        "",
    ]


def _statistics(summary: PilotSummary) -> list[str]:
    interval = summary.start.interval_s
    return [
        f"## {SECTIONS[2]}",
        "",
        "| Metric | Value |",
        "|---|---|",
        f"| Initial rows | {summary.start.baseline_rows} |",
        f"| Final rows | {_value(summary.final_total)} |",
        f"| Rows added | {_value(summary.added)} |",
        f"| Average rate | {_rate(summary.average_per_min)} |",
        f"| Peak interval rate | {_extreme(summary.peak)} |",
        f"| Slowest interval rate | {_extreme(summary.slowest)} |",
        f"| Samples | {summary.samples} taken every {format_duration(interval)},"
        f" {summary.missing} missing |",
        f"| Counting | {_cell(summary.start.counting)} |",
        "",
    ]


def _samples(summary: PilotSummary, samples_csv: str | None) -> list[str]:
    if summary.summarised:
        return _buckets(summary, samples_csv)
    lines = [
        f"## {SECTIONS[3]}",
        "",
        "| # | Time | Elapsed | Job | Total | Added | Delta | Rate (/min) | Avg (/min) | Note |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in summary.rows:
        label = "end" if row.final else str(row.index)
        note = f"missing: {row.error}" if row.total is None else ""
        lines.append(
            f"| {label} | {timestamp(row.at)[11:19]} | {format_duration(row.elapsed_s)}"
            f" | {'running' if row.job_running else 'stopped'} | {_value(row.total)}"
            f" | {_value(row.added)} | {_value(row.delta)} | {_number(row.rate_per_min)}"
            f" | {_number(row.average_per_min)} | {_cell(note)} |"
        )
    if not summary.rows:
        lines.append("| | | | | | | | | | no samples were taken |")
    return [*lines, ""]


def _buckets(summary: PilotSummary, samples_csv: str | None) -> list[str]:
    where = (
        f"{_code(samples_csv)} beside this report has every sample"
        if samples_csv
        else "the journal has every sample (their CSV could not be written)"
    )
    lines = [
        f"## {SECTIONS[3]}",
        "",
        f"The {summary.samples} samples are summarised in {len(summary.buckets)} rows of"
        f" {summary.bucket_size} consecutive samples; {where}.",
        "",
        "| Samples | Time | Elapsed | Job | Total | Delta | Rate (/min)"
        " | Min rate (/min) | Max rate (/min) | Missing |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for bucket in summary.buckets:
        lines.append(
            f"| {_range(bucket)} | {timestamp(bucket.first_at)[11:19]}-"
            f"{timestamp(bucket.last_at)[11:19]} | {format_duration(bucket.last_elapsed_s)}"
            f" | {_job_states(bucket)} | {_value(bucket.total)} | {_value(bucket.delta)}"
            f" | {_number(bucket.rate_per_min)} | {_number(bucket.slowest_per_min)}"
            f" | {_number(bucket.fastest_per_min)} | {bucket.missing} |"
        )
    return [*lines, ""]


def _range(bucket: Bucket) -> str:
    last = "end" if bucket.final else str(bucket.last_index)
    return last if bucket.samples == 1 else f"{bucket.first_index}-{last}"


def _job_states(bucket: Bucket) -> str:
    stopped = bucket.samples - bucket.running
    if not stopped:
        return "running"
    if not bucket.running:
        return "stopped"
    return f"running ({bucket.running}), stopped ({stopped})"


def _events(summary: PilotSummary) -> list[str]:
    lines = [f"## {SECTIONS[4]}", ""]
    for event in summary.events:
        lines.append(
            f"- {timestamp(event.at)[11:19]} (+{format_duration(event.elapsed_s)}) {event.message}"
        )
    for outage in summary.outages:
        lines.append(
            f"- Database outage: {outage.samples} sample(s) missing from"
            f" {timestamp(outage.first_at)[11:19]} to {timestamp(outage.last_at)[11:19]}"
            f" ({outage.error})"
        )
    end_at = summary.end.at if summary.end else None
    for gap in summary.gaps:
        last = gap.last_at if gap.last_at is not None else end_at
        span = ""
        if last is not None:
            span = f" to {timestamp(last)[11:19]} ({format_duration(last - gap.first_at)})"
        if gap.kind == "monitor":
            lines.append(
                f"- Monitoring gap: the monitor was not running from"
                f" {timestamp(gap.first_at)[11:19]}{span}; no sample was taken then, and the"
                " first rate after it spans the gap"
            )
        else:
            lines.append(
                f"- Docker Engine unreachable from {timestamp(gap.first_at)[11:19]}{span}: the"
                " job's state was not observed (samples show the last state known)"
            )
    return [*lines, ""]


def _log(log: LogDigest | None) -> list[str]:
    lines = [f"## {SECTIONS[5]}", ""]
    if log is None:
        return [*lines, "The job's log could not be read.", ""]
    lines += [
        "| | |",
        "|---|---|",
        f"| File | {_code(log.path)} |",
        f"| Size (this run) | {log.size_bytes} bytes |",
        f"| Lines (this run) | {log.lines} |",
        f"| Error lines | {log.error_lines} |",
        f"| Warning lines | {log.warning_lines} |",
        f"| Tracebacks | {log.tracebacks} |",
        "",
        *_troubles(log),
        f"Last {len(log.tail)} lines:",
        "",
    ]
    fence = "`" * max(3, _longest_backtick_run(log.tail) + 1)
    return [*lines, f"{fence}text", *log.tail, fence, ""]


def _troubles(log: LogDigest) -> list[str]:
    """The error and warning lines by kind, each with the first of them and when it came."""
    if not log.troubles:
        return []
    rows = [
        f"| {trouble.kind} | {trouble.lines} | {trouble.first_at or '?'} | {_code(trouble.first)} |"
        for trouble in log.troubles
    ]
    return ["| trouble | lines | first at | first line |", "|---|---|---|---|", *rows, ""]


def conclusions(summary: PilotSummary, log: LogDigest | None) -> list[str]:
    """Findings derived from the numbers; every sentence depends on the recorded data."""
    start, end = summary.start, summary.end
    ran = format_duration(summary.duration_s)
    found: list[str] = []
    outcome = summary.verdict.outcome
    if end is not None and not end.job_gone:
        found.append(
            f"The job may still be running in {_code(start.container)}: check it before anything"
            " else, and stop it by hand if needed."
        )
    if summary.not_started:
        reason = end.detail if end else "no reason recorded"
        return [
            *found,
            f"The job was not started ({reason}): nothing about the backfill was measured."
            " Fix the cause and run the pilot again.",
        ]
    if outcome == "passed":
        found.append(
            f"The job ran for the whole budget of {format_duration(start.duration_s)}"
            " without failing."
        )
    elif outcome == "completed":
        found.append(f"The backfill finished by itself after {ran}: there is nothing left to run.")
    elif outcome == "failed" and end is not None and end.reason == "job_exit":
        found.append(
            f"The job failed with exit code {_value(end.job_exit_code)} after {ran}; the last log"
            " lines above show why. Fix this before a full run."
        )
    elif outcome == "interrupted":
        share = 100.0 * summary.duration_s / start.duration_s
        found.append(
            f"The pilot was interrupted after {ran} of {format_duration(start.duration_s)}"
            f" ({share:.0f}%): the figures cover only that part. Rerun it before deciding."
        )
    if end is not None and end.job_stopped_by == "KILL":
        found.append(
            "The job ignored SIGTERM for the whole grace period and had to be killed: check"
            " its signal handling, or raise PILOT_STOP_GRACE, before a long run."
        )
    found += _growth(summary)
    away = [gap for gap in summary.gaps if gap.kind == "monitor"]
    if away:
        found.append(
            f"The monitor itself was not running {len(away)} time(s) during the pilot and took"
            " it up again without starting the job twice; the Events list each gap."
        )
    if summary.missing:
        found.append(
            f"{summary.missing} of {summary.samples} samples are missing"
            f" ({len(summary.outages)} database outage(s)): the rates around them span the gap."
        )
    if log is not None:
        if log.error_lines or log.tracebacks:
            first = f" The first: {_code(log.first_error)}." if log.first_error else ""
            found.append(
                f"The job logged {log.error_lines} error line(s) and {log.tracebacks}"
                f" traceback(s) in {log.lines} lines.{first}"
            )
        elif log.lines == 0:
            found.append("The job wrote nothing to its log during the pilot.")
        else:
            found.append(f"The job's log has no error lines in {log.lines} lines.")
    return found


def _growth(summary: PilotSummary) -> list[str]:
    table = f"`{summary.start.table}`"
    if summary.added is None:
        return ["No count of the table could be taken: check PILOT_DATABASE_URL and the database."]
    ran = format_duration(summary.duration_s)
    if summary.added == 0:
        return [
            f"No rows were added to {table} in {ran}. A backfill that is still fetching its"
            " work lists, or that updates rows it already has, looks the same to a row count:"
            " read the job's log to tell them apart from a stall."
        ]
    found = []
    rate = summary.average_per_min or 0.0
    found.append(
        f"{table} grew by {summary.added} rows at an average of {rate:.1f}/min"
        f" ({rate * 60:.0f}/hour); at that rate a day of backfill adds about {rate * 1440:.0f}"
        " rows."
    )
    if summary.idle_intervals:
        found.append(
            f"{summary.idle_intervals} of {summary.regular_intervals} intervals added no rows"
            " (warm-up, rate limiting, updates of existing rows, or a stall)."
        )
    if summary.shrinking_intervals:
        found.append(
            f"The row count fell in {summary.shrinking_intervals} interval(s): rows were deleted."
        )
    if summary.peak and summary.slowest and summary.peak is not summary.slowest:
        found.append(
            f"Interval rates ranged from {_number(summary.slowest.rate_per_min)}/min"
            f" (sample {summary.slowest.index}) to {_number(summary.peak.rate_per_min)}/min"
            f" (sample {summary.peak.index})."
        )
    return found


def _settings(summary: PilotSummary) -> list[str]:
    if not summary.start.settings:
        return []
    lines = [f"## {SECTIONS[7]}", "", "| Setting | Value |", "|---|---|"]
    lines += [f"| {_code(name)} | {_code(value)} |" for name, value in summary.start.settings]
    return [*lines, ""]


def _extreme(row: Interval | None) -> str:
    if row is None:
        return "n/a"
    return f"{_rate(row.rate_per_min)} (sample {row.index}, at {timestamp(row.at)[11:19]})"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}/min ({value * 60:.0f}/hour)"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _value(value: int | None) -> str:
    return "n/a" if value is None else str(value)


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
