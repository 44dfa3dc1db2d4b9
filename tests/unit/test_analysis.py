import pytest

from monitor.core.analysis import Outage, measure, start_progress, summarise
from monitor.core.verdict import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, judge


def test_measure_first_sample_against_baseline(build) -> None:
    row, progress = measure(start_progress(100), build.sample(1, 60.0, 130))
    assert row.total == 130
    assert row.added == 30
    assert row.delta == 30
    assert row.span_s == 60.0
    assert row.rate_per_min == pytest.approx(30.0)
    assert row.average_per_min == pytest.approx(30.0)
    assert (progress.baseline, progress.last_total, progress.last_elapsed_s) == (100, 130, 60.0)


def test_interval_rate_is_per_interval_not_cumulative(build) -> None:
    # 30 rows in the first minute, 90 in the second: the speed of the second minute is 90/min,
    # while the cumulative average is (30 + 90) / 2 = 60/min.
    progress = start_progress(100)
    first, progress = measure(progress, build.sample(1, 60.0, 130))
    second, progress = measure(progress, build.sample(2, 120.0, 220))
    assert second.delta == 90
    assert second.added == 120
    assert second.rate_per_min == pytest.approx(90.0)
    assert second.average_per_min == pytest.approx(60.0)
    assert first.rate_per_min == pytest.approx(30.0)


def test_rate_uses_the_actual_span_between_samples(build) -> None:
    progress = start_progress(0)
    _, progress = measure(progress, build.sample(1, 60.0, 10))
    row, _ = measure(progress, build.sample(2, 90.0, 25))  # 15 rows in 30 s
    assert row.span_s == 30.0
    assert row.rate_per_min == pytest.approx(30.0)
    assert row.average_per_min == pytest.approx(25 * 60 / 90)


def test_missing_sample_is_never_zero_and_the_next_rate_spans_the_gap(build) -> None:
    progress = start_progress(100)
    _, progress = measure(progress, build.sample(1, 60.0, 130))
    missing, after_missing = measure(progress, build.sample(2, 120.0, None, error="timeout"))
    assert after_missing == progress  # the missing sample teaches nothing
    assert missing.total is None
    assert missing.added is None
    assert missing.delta is None
    assert missing.rate_per_min is None
    assert missing.average_per_min is None
    assert missing.error == "timeout"
    assert missing.span_s == 60.0

    recovered, _ = measure(after_missing, build.sample(3, 180.0, 250))
    assert recovered.delta == 120  # since sample 1, not since a pretend 0
    assert recovered.span_s == 120.0
    assert recovered.rate_per_min == pytest.approx(60.0)
    assert recovered.added == 150
    assert recovered.average_per_min == pytest.approx(50.0)


def test_zero_span_gives_no_rate(build) -> None:
    progress = start_progress(10)
    _, progress = measure(progress, build.sample(1, 60.0, 20))
    row, _ = measure(progress, build.sample(2, 60.0, 25, final=True))
    assert row.rate_per_min is None
    assert row.delta == 5
    assert row.final is True


def test_negative_delta_when_rows_are_deleted(build) -> None:
    progress = start_progress(100)
    row, _ = measure(progress, build.sample(1, 60.0, 90))
    assert row.delta == -10
    assert row.added == -10
    assert row.rate_per_min == pytest.approx(-10.0)


def test_summarise_figures(build) -> None:
    records = [
        build.start(baseline=100, interval=60.0, duration=300.0),
        *build.regular([130, 130, 190, 250, 280]),
        build.end(300.0),
        build.sample(6, 302.0, 282, final=True, running=False),
    ]
    summary = summarise(records)
    assert [row.index for row in summary.intervals] == [1, 2, 3, 4, 5, 6]
    assert [row.delta for row in summary.intervals] == [30, 0, 60, 60, 30, 2]
    assert summary.final_total == 282
    assert summary.added == 182
    assert summary.duration_s == 300.0
    # average = rows added / minutes elapsed at the last good sample
    assert summary.average_per_min == pytest.approx(182 / (302.0 / 60))
    assert summary.missing == 0
    assert summary.outages == ()
    assert summary.peak is not None
    assert summary.slowest is not None
    assert summary.peak.index == 3  # 60/min first reached at sample 3
    assert summary.peak.rate_per_min == pytest.approx(60.0)
    assert summary.slowest.index == 2
    assert summary.slowest.rate_per_min == pytest.approx(0.0)
    assert summary.verdict.outcome == "passed"


def test_peak_and_slowest_ignore_intervals_shorter_than_half_the_interval(build) -> None:
    records = [
        build.start(baseline=0, interval=60.0),
        build.sample(1, 60.0, 60),  # 60/min over 60 s
        build.sample(2, 120.0, 180),  # 120/min over 60 s
        build.sample(3, 150.0, 190),  # 20/min over exactly half an interval: counts
        build.sample(4, 155.0, 290, final=True),  # 1200/min over 5 s: too short to count
        build.sample(5, 156.0, 290),  # 0/min over 1 s: too short to count
        build.end(156.0),
    ]
    summary = summarise(records)
    assert summary.peak is not None
    assert summary.slowest is not None
    assert summary.peak.index == 2
    assert summary.peak.rate_per_min == pytest.approx(120.0)
    assert summary.slowest.index == 3
    assert summary.slowest.rate_per_min == pytest.approx(20.0)


def test_no_full_interval_means_no_peak(build) -> None:
    records = [
        build.start(interval=60.0),
        build.sample(1, 10.0, 150, final=True),
        build.end(10.0, "job_exit", exit_code=0, stopped_by=None),
    ]
    summary = summarise(records)
    assert summary.peak is None
    assert summary.slowest is None
    assert summary.added == 50


def test_missing_samples_are_counted_and_grouped_into_outages(build) -> None:
    records = [
        build.start(baseline=100),
        build.sample(1, 60.0, 110),
        build.sample(2, 120.0, None, error="server closed the connection"),
        build.sample(3, 180.0, None, error="timeout expired"),
        build.sample(4, 240.0, 140),
        build.sample(5, 300.0, None, error="could not connect"),
        build.end(300.0),
    ]
    summary = summarise(records)
    assert summary.missing == 3
    assert summary.outages == (
        Outage(
            first_at=build.T0 + 120.0,
            last_at=build.T0 + 180.0,
            samples=2,
            error="server closed the connection",
        ),
        Outage(
            first_at=build.T0 + 300.0,
            last_at=build.T0 + 300.0,
            samples=1,
            error="could not connect",
        ),
    )
    # the last good sample decides the totals; a missing one never turns them into 0
    assert summary.final_total == 140
    assert summary.added == 40
    assert summary.average_per_min == pytest.approx(10.0)
    assert summary.intervals[3].delta == 30
    assert summary.intervals[3].rate_per_min == pytest.approx(10.0)  # 30 rows over 3 min
    assert summary.intervals[3].span_s == 180.0


def test_outage_without_error_text(build) -> None:
    sample = build.sample(1, 60.0, None)
    sample = type(sample)(**{**sample.__dict__, "error": None})
    summary = summarise([build.start(), sample, build.end(60.0)])
    assert summary.outages[0].error == "unknown error"


def test_summarise_needs_a_start_record(build) -> None:
    with pytest.raises(ValueError, match="no start record"):
        summarise([build.sample(1, 60.0, 10), build.end(60.0)])


def test_journal_cut_short_is_unfinished_with_duration_from_the_last_sample(build) -> None:
    summary = summarise([build.start(), *build.regular([120, 140, None])])
    assert summary.end is None
    assert summary.duration_s == 180.0
    assert summary.verdict.outcome == "unfinished"
    assert summary.verdict.exit_code == EXIT_FAILED


def test_start_only_journal(build) -> None:
    summary = summarise([build.start()])
    assert summary.intervals == ()
    assert summary.duration_s == 0.0
    assert summary.final_total is None
    assert summary.added is None
    assert summary.average_per_min is None
    assert summary.verdict.outcome == "unfinished"


def test_last_end_record_wins(build) -> None:
    records = [
        build.start(),
        build.sample(1, 60.0, 120),
        build.end(60.0, "error", detail="first"),
        build.end(61.0, "signal", detail="second"),
    ]
    summary = summarise(records)
    assert summary.end is not None
    assert summary.end.detail == "second"
    assert summary.verdict.outcome == "interrupted"


def test_events_are_kept_in_order(build) -> None:
    records = [
        build.start(),
        build.event(0.5, "job_started", "started", pid=7),
        build.sample(1, 60.0, 120),
        build.event(61.0, "stopping", "stopping"),
        build.end(62.0),
    ]
    summary = summarise(records)
    assert [event.name for event in summary.events] == ["job_started", "stopping"]
    assert summary.events[0].data == {"pid": 7}


@pytest.mark.parametrize(
    "case",
    [
        ({"reason": "budget"}, [120, 130], "passed", EXIT_OK, "PASSED"),
        ({"reason": "budget"}, [None, None], "failed", EXIT_FAILED, "no sample"),
        ({"reason": "budget"}, [], "failed", EXIT_FAILED, "no sample"),
        (
            {"reason": "job_exit", "exit_code": 0, "stopped_by": None},
            [120],
            "completed",
            EXIT_OK,
            "exit code 0",
        ),
        (
            {"reason": "job_exit", "exit_code": 1, "stopped_by": None},
            [120],
            "failed",
            EXIT_FAILED,
            "exited with code 1",
        ),
        (
            {"reason": "job_exit", "exit_code": None, "stopped_by": None},
            [120],
            "failed",
            EXIT_FAILED,
            "code unknown",
        ),
        (
            {"reason": "signal", "detail": "SIGTERM received"},
            [120],
            "interrupted",
            EXIT_INTERRUPTED,
            "SIGTERM received",
        ),
        ({"reason": "signal"}, [None], "interrupted", EXIT_INTERRUPTED, "INTERRUPTED"),
        ({"reason": "job_exit", "exit_code": 0}, [None], "failed", EXIT_FAILED, "no sample"),
        ({"reason": "job_exit", "exit_code": 2}, [None], "failed", EXIT_FAILED, "code 2"),
        ({"reason": "budget", "gone": False}, [120], "failed", EXIT_FAILED, "confirmed stopped"),
        ({"reason": "signal", "gone": False}, [120], "failed", EXIT_FAILED, "confirmed stopped"),
        (
            {"reason": "job_exit", "exit_code": 0, "gone": False},
            [120],
            "failed",
            EXIT_FAILED,
            "confirmed stopped",
        ),
        (
            {"reason": "error", "detail": "RuntimeError: boom"},
            [120],
            "failed",
            EXIT_FAILED,
            "RuntimeError: boom",
        ),
    ],
)
def test_verdicts(build, case) -> None:
    end_kwargs, totals, outcome, exit_code, headline = case
    kwargs = dict(end_kwargs)
    reason = kwargs.pop("reason")
    records = [build.start(), *build.regular(totals), build.end(600.0, reason, **kwargs)]
    verdict = summarise(records).verdict
    assert verdict.outcome == outcome
    assert verdict.exit_code == exit_code
    assert headline in verdict.headline


def test_a_job_that_was_never_started_is_said_so(build) -> None:
    records = [
        build.start(),
        build.event(0.1, "job_not_started", "the job was not started: boom"),
        build.end(0.2, "error", detail="boom"),
    ]
    verdict = summarise(records).verdict
    assert (verdict.outcome, verdict.exit_code) == ("failed", EXIT_FAILED)
    assert verdict.headline == "FAILED: the job was not started: boom"
    records[-1] = build.end(0.2, "signal", detail="the monitor received SIGTERM")
    assert summarise(records).verdict.headline.endswith("; the job was not started")


def test_unfinished_verdict(build) -> None:
    verdict = judge(None, sampled=False, not_started=False)
    assert (verdict.outcome, verdict.exit_code) == ("unfinished", EXIT_FAILED)
    assert verdict.headline.startswith("UNFINISHED")
