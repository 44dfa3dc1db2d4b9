"""GO / NO-GO / INCONCLUSIVE, rule by rule, on hand-made journals (a sample a minute)."""

from dataclasses import replace

import pytest

from monitor.core.analysis import PilotSummary, summarise
from monitor.core.decision import (
    STALL_SHARE,
    UNCHECKED,
    Decision,
    console_line,
    decide,
    stalls,
)
from monitor.core.joblog import LogDigest, digest
from monitor.core.records import Record

CLEAN = digest("logs/backfill_pilot.log", ["INFO saved 10 matches\n"] * 12)
NOISY = digest(
    "logs/backfill_pilot.log",
    ["INFO start\n", "ERROR HTTP 500 for match 17\n", "Traceback (most recent call last):\n"],
)
# 300 rows in 10 minutes: 30/min steady, interval rates from 15 to 45 a minute
SPREAD = [15, 45, 30, 30, 20, 40, 30, 30, 25, 35]


def cumulative(baseline: int, per_minute: list[int]) -> list[int | None]:
    totals: list[int | None] = []
    for rows in per_minute:
        baseline += rows
        totals.append(baseline)
    return totals


def pilot(
    build,
    per_minute: list[int],
    *,
    end: Record | str | None = "budget",
    events: tuple[Record, ...] = (),
    target: int | None = None,
    min_rate: float | None = None,
    max_hours: float | None = None,
    duration: float | None = None,
) -> PilotSummary:
    ran = 60.0 * len(per_minute)
    start = replace(
        build.start(baseline=100, duration=duration or ran),
        target_rows=target,
        min_rate=min_rate,
        max_hours=max_hours,
    )
    records: list[Record] = [start, *build.regular(cumulative(100, per_minute))]
    records = sorted([*records[1:], *events], key=lambda record: record.at)
    if end == "budget":
        end = build.end(ran)
    return summarise([start, *records, *([end] if end is not None else [])])


def texts(decision: Decision) -> list[str]:
    return [reason.text for reason in decision.reasons]


def test_go_with_every_limit_met(build) -> None:
    summary = pilot(build, SPREAD, target=4000, min_rate=20.0, max_hours=2.0)
    decision = decide(summary, CLEAN)
    assert decision.level == "GO"
    assert texts(decision) == [
        "The job ran the whole 10m budget without failing.",
        "No stall after the warm-up.",
        "The steady rate, 30.0/min over 10m after the warm-up, meets PILOT_MIN_RATE (20/min).",
        "The ETA, 2h, is within PILOT_MAX_HOURS (2h); the range's long end (3h 5m) is not.",
        "The job's log has no error lines in 12 lines.",
    ]
    assert decision.also == ()
    assert console_line(decision) == (
        "[monitor] decision: GO. The job ran the whole 10m budget without failing."
        " (4 more in the report)"
    )


def test_go_without_limits_says_what_was_not_held_against(build) -> None:
    decision = decide(pilot(build, SPREAD), CLEAN)
    assert decision.level == "GO"
    assert "The steady rate is 30.0/min over 10m after the warm-up (no PILOT_MIN_RATE set)." in (
        texts(decision)
    )


def test_a_failed_job_is_no_go(build) -> None:
    summary = pilot(
        build, SPREAD[:5], end=build.end(300.0, "job_exit", exit_code=1, stopped_by=None)
    )
    decision = decide(summary, NOISY)
    assert decision.level == "NO-GO"
    assert texts(decision) == ["The job failed with exit code 1 after 5m."]
    # what is to be looked at as well stays in the list
    assert [reason.text for reason in decision.also] == [
        "The job's log has 1 error line(s) and 1 traceback(s) in 3 lines: read them before a"
        " full run."
    ]
    assert console_line(decision) == (
        "[monitor] decision: NO-GO. The job failed with exit code 1 after 5m."
        " (1 more in the report)"
    )


def test_a_lost_job_is_no_go(build) -> None:
    end = build.end(180.0, "job_lost", stopped_by=None, detail="the app container restarted")
    decision = decide(pilot(build, SPREAD[:3], end=end), CLEAN)
    assert decision.level == "NO-GO"
    assert texts(decision) == ["The job was lost after 3m: the app container restarted."]


def test_a_job_that_was_not_started_is_no_go_and_nothing_else(build) -> None:
    summary = summarise(
        [
            build.start(),
            build.event(0.1, "job_not_started", "the job was not started: no such container"),
            build.end(0.2, "error", detail="no such container"),
        ]
    )
    decision = decide(summary, None)
    assert (decision.level, decision.also) == ("NO-GO", ())
    assert texts(decision) == ["The job was not started (no such container): nothing was measured."]


def test_a_pilot_stopped_before_the_job_started_is_inconclusive(build) -> None:
    summary = summarise(
        [
            build.start(),
            build.event(
                0.1, "job_not_started", "the job was not started: SIGTERM before the start"
            ),
            build.end(0.2, "signal", detail="SIGTERM before the start"),
        ]
    )
    decision = decide(summary, None)
    assert (decision.level, decision.also) == ("INCONCLUSIVE", ())
    assert texts(decision) == [
        "The pilot was interrupted before the job started (SIGTERM before the start): nothing"
        " was measured."
    ]


@pytest.mark.parametrize(
    ("end", "text"),
    [
        (
            {"reason": "job_exit", "exit_code": None, "stopped_by": None},
            "The job ended after 10m while no monitor watched: its exit code is unknown.",
        ),
        (
            {"reason": "signal", "detail": "SIGTERM"},
            "The pilot was interrupted after 10m of 20m (50%).",
        ),
        (
            {"reason": "error", "detail": "RuntimeError: boom"},
            "The monitor hit an error after 10m (RuntimeError: boom): the figures may be"
            " incomplete.",
        ),
        (
            {"reason": "budget", "gone": False, "stopped_by": "KILL"},
            "The job could not be confirmed stopped: check the app container first.",
        ),
    ],
)
def test_endings_that_leave_it_open(build, end: dict[str, object], text: str) -> None:
    options = dict(end)
    reason = str(options.pop("reason"))
    summary = pilot(build, SPREAD, end=build.end(600.0, reason, **options), duration=1200.0)
    decision = decide(summary, CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == [text]


def test_a_journal_cut_short_is_inconclusive(build) -> None:
    decision = decide(pilot(build, SPREAD, end=None), CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == [
        "The journal stops after 10m, before the pilot ended: the figures may be incomplete."
    ]


def test_too_few_intervals_after_the_warm_up_is_inconclusive(build) -> None:
    decision = decide(pilot(build, [0, 0, 30, 30, 30], min_rate=1000.0), CLEAN)
    assert decision.level == "INCONCLUSIVE"  # not judged on the rate: too little to go by
    assert texts(decision) == [
        "Only 3 full interval(s) after the warm-up (after a warm-up of 2m): 5 are needed to"
        " judge a rate. Run a longer pilot or a shorter PILOT_INTERVAL."
    ]


def test_no_row_at_all_in_a_short_pilot_is_inconclusive(build) -> None:
    decision = decide(pilot(build, [0, 0, 0]), CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision)[0].startswith(
        "Only 0 full interval(s) after the warm-up (no row was added at all)"
    )


def test_no_count_at_all_is_inconclusive(build) -> None:
    summary = summarise([build.start(), *build.regular([None, None]), build.end(120.0)])
    decision = decide(summary, CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == ["No count of the table could be taken: no rate to judge."]


def test_a_steady_rate_below_the_minimum_is_no_go(build) -> None:
    decision = decide(pilot(build, SPREAD, min_rate=50.0), CLEAN)
    assert decision.level == "NO-GO"
    assert texts(decision) == [
        "The steady rate, 30.0/min over 10m after the warm-up, is below PILOT_MIN_RATE (50/min)."
    ]


def test_the_steady_rate_leaves_the_warm_up_out(build) -> None:
    # 75 rows in 8 minutes (9.4/min on average), 15 a minute after a 3-minute warm-up
    decision = decide(pilot(build, [0, 0, 0, 15, 15, 15, 15, 15], min_rate=14.0), CLEAN)
    assert decision.level == "GO"
    assert (
        "The steady rate, 15.0/min over 5m after the warm-up, meets PILOT_MIN_RATE (14/min)."
        in texts(decision)
    )
    # one interval fewer is too few to judge
    decision = decide(pilot(build, [0, 0, 0, 15, 15, 15, 15], min_rate=14.0), CLEAN)
    assert decision.level == "INCONCLUSIVE"


def test_an_eta_beyond_the_maximum_is_no_go(build) -> None:
    decision = decide(pilot(build, SPREAD, target=4000, max_hours=1.5), CLEAN)
    assert decision.level == "NO-GO"
    assert texts(decision) == ["The ETA, 2h, is beyond PILOT_MAX_HOURS (1.5h)."]


def test_an_eta_within_the_maximum_with_an_open_long_end(build) -> None:
    per_minute = [30, 30, 30, 0, 0, 30, 30, 30, 30, 30]  # 24/min steady, a 2-minute pause
    decision = decide(pilot(build, per_minute, target=2740, max_hours=2.0), CLEAN)
    assert decision.level == "GO"
    assert (
        "The ETA, 1h 40m, is within PILOT_MAX_HOURS (2h); the range's long end (open) is not."
        in texts(decision)
    )


def test_a_maximum_without_a_target_is_inconclusive(build) -> None:
    decision = decide(pilot(build, SPREAD, max_hours=2.0), CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == [
        "PILOT_MAX_HOURS (2h) is set, but without PILOT_TARGET_ROWS there is no ETA to hold it"
        " against."
    ]


def test_a_table_that_shrinks_after_the_warm_up_has_no_eta(build) -> None:
    per_minute = [10, 10, 10, -20, -20, -20]
    decision = decide(pilot(build, per_minute, target=1000, max_hours=5.0), CLEAN)
    assert decision.level == "NO-GO"
    assert texts(decision) == [
        "No ETA for the 930 rows left: the table did not grow after the warm-up, so they will"
        " not be done within PILOT_MAX_HOURS (5h)."
    ]


def stalled(build, at: float, since: float) -> Record:
    return build.event(at, "stalled", "no new rows for 10m while the job runs", since_s=since)


def test_a_stall_to_the_end_is_no_go(build) -> None:
    # 20 minutes at 30/min, then nothing for 40 minutes; the stall event came at 30m
    per_minute = [30] * 20 + [0] * 40
    summary = pilot(build, per_minute, events=(stalled(build, 1800.5, 1200.0),))
    found = stalls(summary)
    assert (found.count, found.total_s, found.ongoing_since_s, found.ongoing_s) == (
        1,
        2400.0,
        1200.0,
        2400.0,
    )
    decision = decide(summary, CLEAN)
    assert decision.level == "NO-GO"
    assert texts(decision) == [
        "No progress for the last 40m of the pilot (since +20m), and no recovery: the job hung"
        " or waits (the Database activity section tells on what)."
    ]


def test_long_stalls_that_recovered_are_inconclusive(build) -> None:
    # a stall from 20m to 41m: 21m of the 60m after the warm-up (35%)
    per_minute = [30] * 20 + [0] * 21 + [30] * 19
    events = (
        stalled(build, 1800.5, 1200.0),
        build.event(2460.5, "progressing", "rows are being added again"),
    )
    summary = pilot(build, per_minute, events=events)
    found = stalls(summary)
    assert (found.count, found.total_s, found.ongoing_since_s) == (1, 1260.5, None)
    decision = decide(summary, CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == [
        "1 stall(s) after the warm-up, 21m in all (35% of the 1h after it; the longest 21m):"
        f" {STALL_SHARE:.0%} or more; find out why the job stood still before a full run."
    ]


def test_short_stalls_that_recovered_are_noted_and_go(build) -> None:
    per_minute = [30] * 20 + [0] * 12 + [30] * 28
    events = (
        stalled(build, 1800.5, 1200.0),
        build.event(1980.5, "progressing", "rows are being added again"),
    )
    decision = decide(pilot(build, per_minute, events=events), CLEAN)
    assert decision.level == "GO"
    assert (
        "1 stall(s) after the warm-up, 13m in all (22% of the 1h after it; the longest 13m):"
        " under 25%, and the steady rate includes them." in texts(decision)
    )


def test_a_long_warm_up_is_not_a_stall(build) -> None:
    # no rows for 15 minutes (the watch called it a stall at 10m), then 30 a minute
    per_minute = [0] * 15 + [30] * 45
    events = (
        stalled(build, 600.5, 0.0),
        build.event(960.5, "progressing", "rows are being added again"),
    )
    summary = pilot(build, per_minute, events=events)
    assert summary.rates.warmup_s == 900.0
    assert stalls(summary).count == 0
    decision = decide(summary, CLEAN)
    assert decision.level == "GO"
    assert "No stall after the warm-up." in texts(decision)


def test_errors_in_the_log_are_inconclusive(build) -> None:
    decision = decide(pilot(build, SPREAD), NOISY)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == [
        "The job's log has 1 error line(s) and 1 traceback(s) in 3 lines: read them before a"
        " full run."
    ]


def test_a_log_that_could_not_be_read_is_inconclusive(build) -> None:
    decision = decide(pilot(build, SPREAD), None)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == ["The job's log could not be read: its errors are unknown."]


def test_an_unchecked_log_leaves_the_figures_to_decide(build) -> None:
    decision = decide(pilot(build, SPREAD), UNCHECKED)
    assert (decision.level, decision.log_checked) == ("GO", False)
    assert not any("log" in text for text in texts(decision))
    assert console_line(decision) == (
        "[monitor] decision: GO on the figures; the report's decision also weighs the job's log"
    )
    failed = pilot(build, SPREAD, end=build.end(600.0, "job_exit", exit_code=2, stopped_by=None))
    assert console_line(decide(failed, UNCHECKED)) == (
        "[monitor] decision: NO-GO. The job failed with exit code 2 after 10m."
    )


def test_a_finished_backfill_is_go_however_short(build) -> None:
    end = build.end(150.0, "job_exit", exit_code=0, stopped_by=None)
    decision = decide(pilot(build, [30, 30], end=end, min_rate=1000.0, max_hours=0.001), CLEAN)
    assert decision.level == "GO"
    assert texts(decision) == [
        "The job finished by itself with exit code 0 after 2m 30s.",
        "No stall after the warm-up.",
        "The job's log has no error lines in 12 lines.",
    ]


def test_a_finished_backfill_short_of_the_target_is_inconclusive(build) -> None:
    end = build.end(150.0, "job_exit", exit_code=0, stopped_by=None)
    decision = decide(pilot(build, [30, 30], end=end, target=1000), CLEAN)
    assert decision.level == "INCONCLUSIVE"
    assert texts(decision) == [
        "The job finished with 160 rows in the table, 840 short of PILOT_TARGET_ROWS (1000):"
        " check the target, or what the job left out."
    ]


def test_a_stall_at_the_end_of_a_finished_backfill_is_no_hang(build) -> None:
    # 20 minutes of rows, then 10 quiet minutes of clean-up, then exit 0
    per_minute = [30] * 20 + [0] * 10
    end = build.end(1800.0, "job_exit", exit_code=0, stopped_by=None)
    summary = pilot(build, per_minute, end=end, events=(stalled(build, 1800.0, 1200.0),))
    decision = decide(summary, CLEAN)
    assert decision.level == "INCONCLUSIVE"  # a third of the time stood still: why?
    assert texts(decision)[0].startswith("1 stall(s) after the warm-up, 10m in all (33%")


def test_every_reason_is_at_the_decisions_level_and_also_holds_the_rest(build) -> None:
    summary = pilot(build, SPREAD, end=build.end(600.0, "signal"), duration=1200.0, min_rate=50.0)
    decision = decide(summary, NOISY)
    assert decision.level == "NO-GO"
    assert [reason.level for reason in decision.reasons] == ["NO-GO"]
    assert [reason.level for reason in decision.also] == ["INCONCLUSIVE", "INCONCLUSIVE"]
    assert decision.also[0].text.startswith("The pilot was interrupted after 10m of 20m")


def digest_of(lines: list[str]) -> LogDigest:
    return digest("x.log", lines)


def test_an_empty_log_is_no_error(build) -> None:
    decision = decide(pilot(build, SPREAD), digest_of([]))
    assert "The job's log has no error lines in 0 lines." in texts(decision)
