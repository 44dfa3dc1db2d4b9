"""The warm-up, the steady rate, the spread of the interval rates and the trend, on hand-made
journals (a sample a minute unless said otherwise)."""

import random

import pytest

from monitor.core.analysis import Interval, summarise
from monitor.core.rates import ENOUGH_INTERVALS, RateTracker, _Thinned, percentile, trend_text


def rates_of(build, totals: list[int | None], *, baseline: int = 100, interval: float = 60.0):
    duration = interval * len(totals)
    return summarise(
        [
            build.start(baseline=baseline, interval=interval, duration=duration),
            *build.regular(totals, interval=interval),
            build.end(duration),
            build.sample(len(totals) + 1, duration + 1.0, (totals[-1] or 0) + 50, final=True),
        ]
    ).rates


def cumulative(baseline: int, per_minute: list[int]) -> list[int | None]:
    """Totals a minute apart from the rows each minute adds."""
    totals: list[int | None] = []
    for rows in per_minute:
        baseline += rows
        totals.append(baseline)
    return totals


def test_the_warm_up_is_left_out_of_the_steady_rate(build) -> None:
    # three minutes without a row (logging in, fetching work lists), then 30 rows a minute
    rates = rates_of(build, cumulative(100, [0, 0, 0, 30, 30, 30, 30, 30, 30]))
    assert (rates.warmup_s, rates.warmup_samples) == (180.0, 3)
    assert (rates.steady_rows, rates.steady_s) == (180, 360.0)
    assert rates.steady_per_min == pytest.approx(30.0)
    assert rates.intervals == 6  # the count after the stop is left out
    assert (rates.median_per_min, rates.p10_per_min, rates.p90_per_min) == (30.0, 30.0, 30.0)
    assert rates.enough


def test_rows_in_the_first_interval_mean_no_warm_up(build) -> None:
    rates = rates_of(build, cumulative(100, [30, 30, 30]))
    assert (rates.warmup_s, rates.warmup_samples) == (0.0, 0)
    assert rates.steady_per_min == pytest.approx(30.0)
    assert (rates.intervals, rates.enough) == (3, False)


def test_no_row_at_all_means_the_warm_up_never_ended(build) -> None:
    rates = rates_of(build, [100, 100, 100, 100, 100, 100])
    assert (rates.warmup_s, rates.warmup_samples) == (None, 6)
    assert (rates.steady_rows, rates.steady_per_min, rates.steady_s) == (None, None, 0.0)
    assert rates.intervals == 0
    assert (rates.median_per_min, rates.p10_per_min, rates.p90_per_min) == (None, None, None)
    assert rates.change is None
    assert trend_text(rates) == "too short to tell: 0 full interval(s) after the warm-up, 5 needed"


def test_a_missing_sample_in_the_warm_up_belongs_to_it(build) -> None:
    # 1: no rows, 2: missing, 3: 60 rows since sample 1 (over two minutes), 4: 30 more
    rates = rates_of(build, [100, None, 160, 190])
    assert (rates.warmup_s, rates.warmup_samples) == (60.0, 2)
    assert (rates.steady_rows, rates.steady_s) == (90, 180.0)
    assert rates.steady_per_min == pytest.approx(30.0)
    assert rates.intervals == 2


def test_a_rate_limit_pause_costs_the_steady_rate_but_not_the_trend(build) -> None:
    # 30 a minute with a two-minute HTTP 429 cool-down in the middle of the first half
    rates = rates_of(build, cumulative(100, [30, 30, 30, 0, 0, 30, 30, 30, 30, 30]))
    assert rates.warmup_s == 0.0
    assert rates.steady_per_min == pytest.approx(24.0)  # 240 rows in 10 minutes
    assert rates.median_per_min == 30.0
    assert rates.p10_per_min == 0.0  # a fifth of the intervals added nothing
    assert rates.p90_per_min == 30.0
    # the medians of the halves agree; the halves' steady rates show what the pause cost
    assert (rates.first_half_median, rates.second_half_median) == (30.0, 30.0)
    assert rates.change == 0.0
    assert rates.first_half_per_min == pytest.approx(18.0)
    assert rates.second_half_per_min == pytest.approx(30.0)
    assert trend_text(rates) == (
        "steady: +0% from the first half to the second in the median interval rate"
        " (30.0/min, then 30.0/min); the halves' steady rates, pauses included: 18.0/min,"
        " then 30.0/min"
    )


def test_a_backfill_that_slows_down_as_the_table_grows(build) -> None:
    rates = rates_of(build, cumulative(100, [60, 60, 60, 60, 60, 48, 46, 46, 46, 44]))
    assert (rates.first_half_median, rates.second_half_median) == (60.0, 46.0)
    assert rates.change == pytest.approx(46 / 60 - 1)
    assert trend_text(rates).startswith(
        "slowing: -23% from the first half to the second in the median interval rate"
        " (60.0/min, then 46.0/min)"
    )
    assert rates.steady_per_min == pytest.approx(53.0)


def test_a_backfill_that_speeds_up(build) -> None:
    rates = rates_of(build, cumulative(100, [0, 0, 40, 40, 40, 40, 50, 50, 50, 50]))
    assert rates.warmup_s == 120.0
    # after the warm-up: 8 minutes; the middle at 6m splits 4 intervals from 4
    assert (rates.first_half_median, rates.second_half_median) == (40.0, 50.0)
    assert trend_text(rates).startswith("speeding up: +25% from the first half")


def test_a_first_half_with_a_median_of_zero_has_no_trend(build) -> None:
    rates = rates_of(build, cumulative(100, [30, 0, 0, 0, 0, 30, 30, 30, 30, 30]))
    assert rates.first_half_median == 0.0
    assert rates.change is None
    assert trend_text(rates) == "none to tell: the median interval rate of the first half is 0"


def test_too_few_intervals_for_a_trend(build) -> None:
    rates = rates_of(build, cumulative(100, [0, 30, 20, 10, 5]))
    assert rates.intervals == ENOUGH_INTERVALS - 1
    assert rates.change is None
    assert trend_text(rates) == "too short to tell: 4 full interval(s) after the warm-up, 5 needed"


def test_short_intervals_count_for_the_steady_rate_but_not_the_spread(build) -> None:
    summary = summarise(
        [
            build.start(baseline=0, interval=60.0),
            build.sample(1, 60.0, 60),  # 60/min
            build.sample(2, 120.0, 120),  # 60/min
            build.sample(3, 125.0, 220),  # 1200/min over 5 s: too short for the spread
            build.sample(4, 185.0, 250),  # 30/min
            build.end(185.0),
        ]
    )
    rates = summary.rates
    assert rates.intervals == 3
    assert rates.p90_per_min == pytest.approx(60.0)
    assert rates.steady_rows == 250
    assert rates.steady_per_min == pytest.approx(250 * 60 / 185)


def test_percentiles_are_linear_between_ranks() -> None:
    ordered = [float(n) for n in range(1, 11)]
    assert percentile(ordered, 0.1) == pytest.approx(1.9)
    assert percentile(ordered, 0.5) == pytest.approx(5.5)
    assert percentile(ordered, 0.9) == pytest.approx(9.1)
    assert percentile([7.0], 0.1) == percentile([7.0], 0.9) == 7.0


def test_thinning_keeps_every_nth_item_evenly() -> None:
    kept = _Thinned(4, 1)
    for value in range(10):
        kept.add(float(value))
    assert (list(kept.values), kept.every) == ([0.0, 4.0, 8.0], 4)
    pairs = _Thinned(2, 2)
    for value in range(5):
        pairs.add(float(value), float(-value))
    assert (list(pairs.values), pairs.every) == ([0.0, 0.0, 4.0, -4.0], 4)


def interval(index: int, elapsed: float, span: float, total: int, delta: int) -> Interval:
    return Interval(
        index=index,
        at=1e9 + elapsed,
        elapsed_s=elapsed,
        span_s=span,
        job_running=True,
        total=total,
        added=total,
        delta=delta,
        rate_per_min=delta * 60.0 / span,
        average_per_min=None,
        error=None,
        final=False,
    )


def test_a_day_at_one_second_stays_in_bounded_memory() -> None:
    """86,400 intervals: the percentiles come from every 16th (5,400), evenly spread."""
    draw = random.Random(5)
    tracker = RateTracker(0.5)
    total, elapsed, every = 0, 0.0, []
    for index in range(1, 86_401):
        rows, span = draw.randint(1, 10), draw.uniform(0.9, 1.1)
        total, elapsed = total + rows, elapsed + span
        every.append(rows * 60.0 / span)
        tracker.add(interval(index, elapsed, span, total, rows))
    rates = tracker.result()
    assert (rates.intervals, rates.thinned) == (86_400, 16)
    assert len(tracker._rates.values) == 2 * 5_400
    every.sort()  # what a list of all of them would say
    assert rates.median_per_min == pytest.approx(percentile(every, 0.5), rel=0.03)
    assert rates.p10_per_min == pytest.approx(percentile(every, 0.1), rel=0.03)
    assert rates.p90_per_min == pytest.approx(percentile(every, 0.9), rel=0.03)
    assert rates.steady_rows == total  # the first interval started at 0 rows
    assert rates.steady_per_min == pytest.approx(330.0, rel=0.02)
    assert rates.change == pytest.approx(0.0, abs=0.05)
