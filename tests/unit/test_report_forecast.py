"""The report's "Forecast and decision" section, parsed with markdown-it-py."""

from dataclasses import replace

from test_report import (
    QUIET_LOG,
    bullet_items,
    growing,
    headings,
    log_digest,
    parse,
    section,
    tables,
)

from monitor.core import report
from monitor.core.analysis import PilotSummary, summarise
from monitor.core.records import Record

TITLE = "Forecast and decision"


def paragraphs(text: str) -> list[str]:
    tokens = section(parse(text), TITLE)
    return [
        tokens[number + 1].content
        for number, token in enumerate(tokens)
        if token.type == "paragraph_open" and token.level == 0  # not in the list
    ]


def figures(text: str) -> dict[str, str]:
    ((_, rows),) = tables(section(parse(text), TITLE))
    return {row[0]: row[1] for row in rows}


def reasons(text: str) -> list[str]:
    return bullet_items(section(parse(text), TITLE))


def cumulative(baseline: int, per_minute: list[int]) -> list[int | None]:
    totals: list[int | None] = []
    for rows in per_minute:
        baseline += rows
        totals.append(baseline)
    return totals


def demo_like(build, *, end: Record | None = None) -> PilotSummary:
    """The README's demo pilot: 15 s samples, a warm-up, a 30 s HTTP 429 cool-down; a target
    of 20,000 rows, a minimum of 50 a minute, at most 6 hours, and the table's size read."""
    start = replace(
        build.start(baseline=259, interval=15.0, duration=180.0),
        target_rows=20_000,
        min_rate=50.0,
        max_hours=6.0,
    )
    totals = [259, 279, 303, 326, 350, 376, 377, 377, 403, 427, 448, 471]
    samples = [
        replace(sample, table_bytes=(sample.total or 0) * 1843)
        for sample in build.regular(totals, interval=15.0)
    ]
    return summarise([start, *samples, end or build.end(180.0)])


def test_the_section_comes_right_after_the_executive_summary(build) -> None:
    text = report.render(growing(build), log_digest(QUIET_LOG))
    assert report.SECTIONS[:3] == ("Executive summary", TITLE, "Collection statistics")
    assert headings(parse(text))[:3] == list(report.SECTIONS[:3])


def test_a_go_with_its_reasons_and_figures(build) -> None:
    text = report.render(demo_like(build), log_digest(QUIET_LOG))
    assert paragraphs(text) == ["Decision: **GO**"]
    assert reasons(text) == [
        "The job ran the whole 3m budget without failing.",
        "No stall after the warm-up.",
        "The steady rate, 77.1/min over 2m 45s after the warm-up, meets PILOT_MIN_RATE (50/min).",
        "The ETA, 4h 13m, is within PILOT_MAX_HOURS (6h); the range's long end (81h 22m) is not.",
        "The job's log has no error lines in 2 lines.",
    ]
    assert figures(text) == {
        "Warm-up": "15s: 1 sample(s) before the first new rows, left out of the rates below",
        "Steady rate": "77.1/min (4625/hour): 212 rows in 2m 45s after it",
        "Interval rates after the warm-up": "median 92.0/min, p10 4.0/min, p90 104.0/min"
        " (11 full intervals)",
        "Trend": "steady: -2% from the first half to the second in the median interval rate"
        " (94.0/min, then 92.0/min); the halves' steady rates, pauses included: 85.5/min, then"
        " 68.7/min",
        "Stalls": "none after the warm-up",
        "ETA": "between 3h 8m and 81h 22m, most likely 4h 13m (at the steady 77.1/min; 19529"
        " rows left to PILOT_TARGET_ROWS (20000); the range at the p90 and p10 interval rates)",
        "Table size": "847.7 KiB now for 471 rows (1843 bytes a row, indexes and TOAST"
        " included); about 35.2 MiB at 20000 rows",
    }


def test_a_failed_job_is_no_go_and_the_log_errors_are_listed_too(build) -> None:
    end = build.end(180.0, "job_exit", exit_code=1, stopped_by=None)
    log = log_digest(["INFO start\n", "ERROR giving up\n"])
    text = report.render(demo_like(build, end=end), log)
    assert paragraphs(text) == ["Decision: **NO-GO**"]
    assert reasons(text) == [
        "The job failed with exit code 1 after 3m.",
        "Also: The job's log has 1 error line(s) and 0 traceback(s) in 2 lines: read them"
        " before a full run.",
    ]


def test_no_target_and_no_size_say_what_is_missing(build) -> None:
    text = report.render(growing(build), log_digest(QUIET_LOG))
    shown = figures(text)
    assert shown["ETA"] == (
        "none: set PILOT_TARGET_ROWS to the full backfill's expected row count"
        " (the table has 370 rows now)"
    )
    assert shown["Table size"].startswith("not recorded")
    assert shown["Warm-up"] == "none: rows came in the first interval"


def test_a_long_stall_is_shown_with_its_numbers(build) -> None:
    per_minute = [30] * 20 + [0] * 40
    records = [
        build.start(baseline=100, duration=3600.0),
        *build.regular(cumulative(100, per_minute)),
        build.end(3600.0),
    ]
    records.insert(
        31, build.event(1800.5, "stalled", "no new rows for 10m (stalled?)", since_s=1200.0)
    )
    text = report.render(summarise(records), log_digest(QUIET_LOG))
    assert paragraphs(text) == ["Decision: **NO-GO**"]
    assert (
        figures(text)["Stalls"]
        == "1, 40m in all (the longest 40m); no progress since +20m to the end"
    )
    assert reasons(text)[0].startswith("No progress for the last 40m of the pilot (since +20m)")


def test_an_unreadable_log_and_a_short_pilot_are_inconclusive(build) -> None:
    summary = summarise(
        [build.start(baseline=100), *build.regular([100, 130]), build.end(120.0, "signal")]
    )
    text = report.render(summary, None)
    assert paragraphs(text) == ["Decision: **INCONCLUSIVE**"]
    assert reasons(text) == [
        "The pilot was interrupted after 2m of 10m (20%).",
        "Only 1 full interval(s) after the warm-up (after a warm-up of 1m): 5 are needed to"
        " judge a rate. Run a longer pilot or a shorter PILOT_INTERVAL.",
        "The job's log could not be read: its errors are unknown.",
    ]
    assert figures(text)["Trend"] == (
        "too short to tell: 1 full interval(s) after the warm-up, 5 needed"
    )


def test_a_journal_without_samples_renders_the_section(build) -> None:
    text = report.render(summarise([build.start(), build.end(5.0, "signal")]), None)
    shown = figures(text)
    assert shown["Warm-up"] == "never ended: no row was added"
    assert shown["Steady rate"] == "n/a"
    assert shown["Interval rates after the warm-up"] == "n/a"
    assert paragraphs(text) == ["Decision: **INCONCLUSIVE**"]


def test_thinned_percentiles_say_so(build) -> None:
    count = 8_200  # past rates.KEEP: every 2nd interval's rate is kept
    summary = summarise(
        [
            build.start(baseline=0, duration=60.0 * count),
            *build.regular([10 * (i + 1) for i in range(count)]),
            build.end(60.0 * count),
        ]
    )
    assert figures(report.render(summary, None))["Interval rates after the warm-up"] == (
        "median 10.0/min, p10 10.0/min, p90 10.0/min (8200 full intervals, one in 2 of them taken)"
    )
