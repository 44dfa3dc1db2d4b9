"""The ETA of the rows left and the table's size at the end, on hand-made journals."""

from dataclasses import replace

import pytest

from monitor.core.analysis import PilotSummary, summarise
from monitor.core.forecast import eta_text, forecast, format_bytes, format_eta, size_text
from monitor.core.records import from_dict, to_dict


def cumulative(baseline: int, per_minute: list[int]) -> list[int | None]:
    totals: list[int | None] = []
    for rows in per_minute:
        baseline += rows
        totals.append(baseline)
    return totals


# 300 rows in 10 minutes (30/min steady), interval rates from 15 to 45 a minute
SPREAD = [15, 45, 30, 30, 20, 40, 30, 30, 25, 35]


def pilot(
    build,
    per_minute: list[int],
    *,
    target: int | None = None,
    bytes_per_row: int | None = None,
) -> PilotSummary:
    samples = build.regular(cumulative(100, per_minute))
    if bytes_per_row is not None:
        samples = [replace(s, table_bytes=(s.total or 0) * bytes_per_row) for s in samples]
    duration = 60.0 * len(per_minute)
    start = replace(build.start(baseline=100, duration=duration), target_rows=target)
    return summarise([start, *samples, build.end(duration)])


def test_the_eta_is_the_rows_left_at_the_steady_rate_with_a_range(build) -> None:
    ahead = forecast(pilot(build, SPREAD, target=4000))
    eta = ahead.eta
    assert eta is not None
    assert (eta.target_rows, eta.last_total, eta.remaining) == (4000, 400, 3600)
    assert eta.steady_per_min == pytest.approx(30.0)
    assert eta.likely_s == pytest.approx(7200.0)  # 3600 rows at 30 a minute
    assert eta.shortest_s == pytest.approx(3600 * 60 / 40.5)  # at the p90 rate
    assert eta.longest_s == pytest.approx(3600 * 60 / 19.5)  # at the p10 rate
    assert eta_text(ahead) == (
        "between 1h 29m and 3h 5m, most likely 2h (at the steady 30.0/min; 3600 rows left to"
        " PILOT_TARGET_ROWS (4000); the range at the p90 and p10 interval rates)"
    )


def test_pauses_leave_the_long_end_open(build) -> None:
    # a fifth of the intervals added nothing (HTTP 429 cool-downs): the p10 rate is 0
    ahead = forecast(pilot(build, [30, 30, 30, 0, 0, 30, 30, 30, 30, 30], target=2740))
    eta = ahead.eta
    assert eta is not None
    assert eta.remaining == 2400
    assert eta.likely_s == pytest.approx(2400 * 60 / 24.0)
    assert eta.shortest_s == pytest.approx(2400 * 60 / 30.0)
    assert eta.longest_s is None
    assert eta_text(ahead) == (
        "at least 1h 20m, most likely 1h 40m (at the steady 24.0/min; 2400 rows left to"
        " PILOT_TARGET_ROWS (2740); no upper bound: a tenth of the intervals or more added no"
        " rows)"
    )


def test_without_a_target_the_report_says_what_is_needed(build) -> None:
    ahead = forecast(pilot(build, SPREAD))
    assert (ahead.target_rows, ahead.eta) == (None, None)
    assert eta_text(ahead) == (
        "none: set PILOT_TARGET_ROWS to the full backfill's expected row count"
        " (the table has 400 rows now)"
    )


def test_a_target_already_reached(build) -> None:
    ahead = forecast(pilot(build, SPREAD, target=350))
    assert ahead.eta is not None
    assert (ahead.eta.remaining, ahead.eta.likely_s) == (-50, 0.0)
    assert eta_text(ahead) == "nothing left: the table has 400 rows, PILOT_TARGET_ROWS is 350"


def test_no_growth_after_the_warm_up_gives_no_eta(build) -> None:
    ahead = forecast(pilot(build, [0, 0, 0], target=1000))
    assert ahead.eta is not None
    assert ahead.eta.likely_s is None
    assert eta_text(ahead) == (
        "none: 900 rows left to PILOT_TARGET_ROWS (1000), and the table did not grow after the"
        " warm-up"
    )


def test_no_count_at_all_gives_no_eta(build) -> None:
    start = replace(build.start(), target_rows=1000)
    summary = summarise([start, *build.regular([None, None]), build.end(120.0)])
    assert eta_text(forecast(summary)) == "none: no count of the table was taken"


def test_the_size_at_the_end_from_the_bytes_a_row_takes_now(build) -> None:
    ahead = forecast(pilot(build, SPREAD, target=4000, bytes_per_row=2048))
    size = ahead.size
    assert size is not None
    assert (size.table_bytes, size.rows) == (400 * 2048, 400)
    assert size.bytes_per_row == 2048.0
    assert size.at_target_bytes == 4000 * 2048.0
    assert size_text(ahead) == (
        "800.0 KiB now for 400 rows (2048 bytes a row, indexes and TOAST included);"
        " about 7.8 MiB at 4000 rows"
    )


def test_the_size_without_a_target(build) -> None:
    ahead = forecast(pilot(build, SPREAD, bytes_per_row=100))
    assert size_text(ahead) == (
        "39.1 KiB now for 400 rows (100 bytes a row, indexes and TOAST included); set"
        " PILOT_TARGET_ROWS for the size at the end"
    )


def test_an_empty_table_has_no_bytes_per_row(build) -> None:
    start = replace(build.start(baseline=0), target_rows=10)
    sample = replace(build.sample(1, 60.0, 0), table_bytes=8192)
    ahead = forecast(summarise([start, sample, build.end(60.0)]))
    assert ahead.size is not None
    assert ahead.size.bytes_per_row is None
    assert size_text(ahead) == "8.0 KiB now for 0 rows: no rows to divide it by"


def test_a_size_that_was_not_recorded(build) -> None:
    ahead = forecast(pilot(build, SPREAD, target=4000))
    assert ahead.size is None
    assert size_text(ahead).startswith("not recorded (the estimate strategy does not read it")


def test_the_last_sample_that_read_the_size_is_used(build) -> None:
    samples = build.regular([130, 160, None])
    samples[0] = replace(samples[0], table_bytes=1000)
    samples[1] = replace(samples[1], table_bytes=3200)
    summary = summarise([build.start(), *samples, build.end(180.0)])
    assert summary.table_size is not None
    assert (summary.table_size.table_bytes, summary.table_size.rows) == (3200, 160)
    assert summary.table_size.at == build.T0 + 120.0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1536, "1.5 KiB"),
        (5 * 1024**2, "5.0 MiB"),
        (2.5 * 1024**3, "2.5 GiB"),
        (5 * 1024**4, "5.0 TiB"),
        (3 * 1024**5, "3072.0 TiB"),
    ],
)
def test_bytes_in_binary_units(value: float, text: str) -> None:
    assert format_bytes(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(59.0, "59s"), (90.4, "1m 30s"), (3599.0, "59m 59s"), (5333.3, "1h 29m"), (3629.0, "1h")],
)
def test_an_eta_past_an_hour_is_to_the_minute(seconds: float, text: str) -> None:
    assert format_eta(seconds) == text


def test_an_older_journal_without_the_new_fields_still_loads(build) -> None:
    start = to_dict(build.start())
    for name in ("target_rows", "min_rate", "max_hours"):
        del start[name]
    sample = to_dict(build.sample(1, 60.0, 130))
    del sample["table_bytes"]
    loaded_start, loaded_sample = from_dict(start), from_dict(sample)
    assert loaded_start == build.start()
    assert (loaded_start.target_rows, loaded_start.min_rate, loaded_start.max_hours) == (
        None,
        None,
        None,
    )
    assert loaded_sample == build.sample(1, 60.0, 130)
    assert loaded_sample.table_bytes is None


def test_the_new_fields_round_trip(build) -> None:
    start = replace(build.start(), target_rows=10_000, min_rate=50.0, max_hours=12.0)
    sample = replace(build.sample(1, 60.0, 130), table_bytes=123_456)
    assert from_dict(to_dict(start)) == start
    assert from_dict(to_dict(sample)) == sample
