from itertools import pairwise

import pytest

from monitor.core.analysis import (
    TABLE_ROWS,
    Outage,
    Summariser,
    measure,
    split_start,
    start_progress,
    summarise,
)
from monitor.core.records import Sample
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
    assert [row.index for row in summary.rows] == [1, 2, 3, 4, 5, 6]
    assert [row.delta for row in summary.rows] == [30, 0, 60, 60, 30, 2]
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
    assert summary.rows[3].delta == 30
    assert summary.rows[3].rate_per_min == pytest.approx(10.0)  # 30 rows over 3 min
    assert summary.rows[3].span_s == 180.0


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
    assert summary.rows == ()
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


# The Samples table stays within TABLE_ROWS rows: every interval, or buckets of samples.


def day_of_samples(build, count: int) -> list:
    """``count`` samples a minute apart, 10 rows a minute, and the records around them."""
    return [
        build.start(baseline=0, duration=60.0 * count),
        *build.regular([10 * (i + 1) for i in range(count)]),
        build.end(60.0 * count),
    ]


def test_every_interval_is_listed_up_to_the_bound(build) -> None:
    summary = summarise(day_of_samples(build, TABLE_ROWS))
    assert TABLE_ROWS == 200
    assert not summary.summarised
    assert [row.index for row in summary.rows] == list(range(1, 201))
    assert (summary.buckets, summary.bucket_size, summary.samples) == ((), 1, 200)


def test_one_sample_above_the_bound_is_summarised_in_pairs(build) -> None:
    summary = summarise(day_of_samples(build, TABLE_ROWS + 1))
    assert summary.summarised
    assert summary.rows == ()
    assert (summary.samples, summary.bucket_size, len(summary.buckets)) == (201, 2, 101)
    assert [(b.first_index, b.last_index) for b in summary.buckets[:2]] == [(1, 2), (3, 4)]
    assert (summary.buckets[-1].first_index, summary.buckets[-1].samples) == (201, 1)


@pytest.mark.parametrize(
    ("count", "size"),
    [(400, 2), (401, 5), (1000, 5), (1001, 10), (2001, 20), (10_001, 100)],
)
def test_buckets_are_the_smallest_round_size_that_fits(build, count: int, size: int) -> None:
    summary = summarise(day_of_samples(build, count))
    assert summary.bucket_size == size
    assert len(summary.buckets) == -(-count // size) <= TABLE_ROWS
    assert sum(bucket.samples for bucket in summary.buckets) == count


def test_buckets_cover_every_sample_once_after_coarsening(build) -> None:
    # 12,345 samples: gathered in buckets of 1, then 10, then 100 (over 1,000 buckets each
    # time), and shown in buckets of 100, the smallest round size that fits 200 rows.
    summary = summarise(day_of_samples(build, 12_345))
    buckets = summary.buckets
    assert (summary.bucket_size, len(buckets)) == (100, 124)
    assert [(b.first_index, b.last_index) for b in buckets[:2]] == [(1, 100), (101, 200)]
    assert (buckets[-1].first_index, buckets[-1].last_index, buckets[-1].samples) == (
        12_301,
        12_345,
        45,
    )
    assert all(a.last_index + 1 == b.first_index for a, b in pairwise(buckets))
    assert sum(bucket.delta or 0 for bucket in buckets) == summary.added == 123_450
    assert buckets[0].total == 1000
    assert buckets[0].rate_per_min == pytest.approx(10.0)
    assert buckets[0].first_at == build.T0 + 60.0
    assert buckets[0].last_at == build.T0 + 6000.0
    assert buckets[-1].last_elapsed_s == 60.0 * 12_345


def gaps_and_a_stop(build) -> list:
    """202 samples a minute apart: an outage at 7-8 and at 11, a burst at 9, the last count
    one second after the stop. In pairs: (7, 8) all missing, (9, 10), (11, 12), (201, end)."""
    totals: list[int | None] = [110, 120, 130, 140, 150, 160, None, None, 220, 230, None]
    totals += [130 + 10 * index for index in range(12, 202)]  # 250 at 12, 10 rows a minute
    return [
        build.start(baseline=100, duration=12_060.0),
        *build.regular(totals),
        build.end(12_060.0),
        build.sample(202, 12_061.0, 2141, final=True, running=False),
    ]


def test_bucket_figures_by_hand(build) -> None:
    summary = summarise(gaps_and_a_stop(build))
    assert (summary.bucket_size, len(summary.buckets)) == (2, 101)
    first, _, _, down, burst, after, *_, last = summary.buckets
    # samples 1-2: 10 rows each over a minute each
    assert (first.first_index, first.last_index, first.total, first.delta) == (1, 2, 120, 20)
    assert first.rate_per_min == pytest.approx(10.0)
    assert (first.slowest_per_min, first.fastest_per_min, first.missing) == (10.0, 10.0, 0)
    assert (first.first_at, first.last_at) == (build.T0 + 60.0, build.T0 + 120.0)
    # samples 7-8: nothing counted, nothing made up
    assert (down.first_index, down.samples, down.missing) == (7, 2, 2)
    assert (down.total, down.delta, down.rate_per_min) == (None, None, None)
    assert (down.slowest_per_min, down.fastest_per_min) == (None, None)
    # samples 9-10: 60 rows over the 3 minutes since sample 6 (20/min), then 10 in a minute
    assert (burst.total, burst.delta, burst.missing) == (230, 70, 0)
    assert burst.rate_per_min == pytest.approx(70 * 60 / 240)
    assert (burst.slowest_per_min, burst.fastest_per_min) == (10.0, 20.0)
    # samples 11-12: one missing, then 20 rows over the 2 minutes since sample 10
    assert (after.total, after.delta, after.missing) == (250, 20, 1)
    assert after.rate_per_min == pytest.approx(10.0)
    assert (after.slowest_per_min, after.fastest_per_min) == (10.0, 10.0)
    # 201 and the last count after the stop: 1 row in 1 s counts for the bucket's rate,
    # but is too short for its extremes (as for the pilot's peak)
    assert (last.first_index, last.last_index, last.final) == (201, 202, True)
    assert (last.samples, last.running, last.total, last.delta) == (2, 1, 2141, 11)
    assert last.rate_per_min == pytest.approx(11 * 60 / 61)
    assert (last.slowest_per_min, last.fastest_per_min) == (10.0, 10.0)
    assert last.last_elapsed_s == 12_061.0
    # outages and missing samples are counted whole, whatever the buckets
    assert summary.missing == 3 == sum(bucket.missing for bucket in summary.buckets)
    assert summary.outages == (
        Outage(build.T0 + 420.0, build.T0 + 480.0, 2, "connection refused"),
        Outage(build.T0 + 660.0, build.T0 + 660.0, 1, "connection refused"),
    )
    assert (summary.final_total, summary.added, summary.samples) == (2141, 2041, 202)


def reference(records: list) -> dict:
    """The figures as they were computed before summarising, from every interval in a list."""
    start = records[0]
    progress = start_progress(start.baseline_rows)
    rows = []
    for record in records:
        if isinstance(record, Sample):
            row, progress = measure(progress, record)
            rows.append(row)
    full = [r for r in rows if r.rate_per_min is not None and r.span_s >= start.interval_s / 2]
    regular = [r for r in rows if not r.final and r.delta is not None]
    return {
        "peak": max(full, key=lambda r: r.rate_per_min or 0.0) if full else None,
        "slowest": min(full, key=lambda r: r.rate_per_min or 0.0) if full else None,
        "missing": sum(r.total is None for r in rows),
        "regular": len(regular),
        "idle": sum(r.delta == 0 for r in regular),
        "shrinking": sum((r.delta or 0) < 0 for r in regular),
        "rows": tuple(rows),
    }


def figures(summary) -> dict:
    return {
        "peak": summary.peak,
        "slowest": summary.slowest,
        "missing": summary.missing,
        "regular": summary.regular_intervals,
        "idle": summary.idle_intervals,
        "shrinking": summary.shrinking_intervals,
    }


def test_running_figures_match_the_whole_list_for_a_small_journal(build) -> None:
    records = [
        build.start(baseline=100),
        *build.regular([130, 130, 190, None, 250, 240, 300, 300, None, None, 420]),
        build.end(660.0),
        build.sample(12, 661.0, 421, final=True, running=False),
    ]
    summary = summarise(records)
    expected = reference(records)
    assert summary.rows == expected.pop("rows")
    assert figures(summary) == expected
    assert summary.peak is not None and summary.peak.index == 3
    assert summary.slowest is not None and summary.slowest.index == 6  # -10/min: deleted


def test_summarised_figures_match_the_whole_list(build) -> None:
    records = gaps_and_a_stop(build)
    summary = summarise(records)
    expected = reference(records)
    expected.pop("rows")
    assert figures(summary) == expected
    assert summary.peak is not None and summary.slowest is not None
    assert (summary.peak.index, summary.slowest.index) == (9, 1)
    # the table's extremes are the pilot's
    assert min(b.slowest_per_min or 1e9 for b in summary.buckets) == summary.slowest.rate_per_min
    assert max(b.fastest_per_min or 0 for b in summary.buckets) == summary.peak.rate_per_min


def test_summarise_takes_any_iterable_once(build) -> None:
    records = gaps_and_a_stop(build)
    assert summarise(iter(records)) == summarise(records)


def test_a_record_before_the_start_is_refused(build) -> None:
    with pytest.raises(ValueError, match="no start record"):
        summarise([build.event(0.1, "x", "x"), build.start()])
    with pytest.raises(ValueError, match="no start record"):
        summarise([])


def test_summariser_yields_every_interval_as_it_goes(build) -> None:
    records = gaps_and_a_stop(build)
    start, rest = split_start(records)
    summariser = Summariser(start)
    rows = list(summariser.feed(rest))
    assert tuple(rows) == reference(records)["rows"]
    assert summariser.result() == summarise(records)
