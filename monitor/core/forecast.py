"""What the full backfill will take: the time for the rows left, and the table's size at the
end. Pure: projected from the summary alone, so a report rebuilt from the journal says the
same.

The rows left are ``PILOT_TARGET_ROWS`` (the full table's expected row count, recorded in
the start record) minus the last count. The most likely time is theirs at the steady rate
(``monitor.core.rates``); the range is theirs at the p90 interval rate (the short end) and
the p10 one (the long end). That range is wide on purpose: it is what a whole run at a
good or a bad interval's pace would take, and a p10 of zero (a tenth of the intervals or
more added nothing) leaves the long end open. The size at the end is the bytes a row takes
now (the table with its indexes and TOAST over its rows) times the target.
"""

from dataclasses import dataclass

from monitor.core.analysis import PilotSummary, TableSize
from monitor.core.duration import format_duration
from monitor.core.language import Language, words


@dataclass(frozen=True)
class Eta:
    """``likely_s`` is None when the table did not grow after the warm-up; ``longest_s`` is
    None when the long end is open (the p10 rate is not above zero)."""

    target_rows: int
    last_total: int
    remaining: int
    steady_per_min: float | None
    likely_s: float | None
    shortest_s: float | None
    longest_s: float | None


@dataclass(frozen=True)
class SizeForecast:
    table_bytes: int
    rows: int
    bytes_per_row: float | None
    at_target_bytes: float | None


@dataclass(frozen=True)
class Forecast:
    target_rows: int | None
    last_total: int | None
    eta: Eta | None
    size: SizeForecast | None


def forecast(summary: PilotSummary) -> Forecast:
    target, last = summary.start.target_rows, summary.final_total
    eta = None
    if target is not None and last is not None:
        eta = _eta(summary, target, last)
    size = _size(summary.table_size, target) if summary.table_size else None
    return Forecast(target, last, eta, size)


def _eta(summary: PilotSummary, target: int, last: int) -> Eta:
    rates = summary.rates
    remaining = target - last
    steady = rates.steady_per_min

    def seconds_at(rate: float | None) -> float | None:
        return remaining * 60.0 / rate if rate is not None and rate > 0 else None

    likely = seconds_at(steady)
    shortest, longest = seconds_at(rates.p90_per_min), seconds_at(rates.p10_per_min)
    if remaining <= 0:
        likely = shortest = longest = 0.0
    elif likely is not None:
        shortest = likely if shortest is None else min(shortest, likely)
        longest = None if longest is None else max(longest, likely)
    return Eta(target, last, remaining, steady, likely, shortest, longest)


def _size(size: TableSize, target: int | None) -> SizeForecast:
    per_row = size.table_bytes / size.rows if size.rows > 0 else None
    at_target = per_row * target if per_row is not None and target is not None else None
    return SizeForecast(size.table_bytes, size.rows, per_row, at_target)


def format_eta(seconds: float) -> str:
    """A projection is no more precise than its minute past an hour: '7h 30m', not '7h 29m 51s'."""
    return format_duration(round(seconds / 60) * 60 if seconds >= 3600 else seconds)


def eta_text(ahead: Forecast, language: Language = "en") -> str:
    """The ETA in plain words: "between 6h 10m and 9h 40m, most likely 7h 30m (...)"."""
    say = words(language)
    eta = ahead.eta
    if ahead.target_rows is None:
        if ahead.last_total is None:
            return say("none: set PILOT_TARGET_ROWS to the full backfill's expected row count")
        return say(
            "none: set PILOT_TARGET_ROWS to the full backfill's expected row count"
            " (the table has {rows} rows now)",
            rows=ahead.last_total,
        )
    if eta is None:
        return say("none: no count of the table was taken")
    if eta.remaining <= 0:
        return say(
            "nothing left: the table has {rows} rows, PILOT_TARGET_ROWS is {target}",
            rows=eta.last_total,
            target=eta.target_rows,
        )
    left = say(
        "{remaining} rows left to PILOT_TARGET_ROWS ({target})",
        remaining=eta.remaining,
        target=eta.target_rows,
    )
    if eta.likely_s is None or eta.shortest_s is None or eta.steady_per_min is None:
        return say("none: {left}, and the table did not grow after the warm-up", left=left)
    likely = format_eta(eta.likely_s)
    pace = say("at the steady {rate:.1f}/min; {left}", rate=eta.steady_per_min, left=left)
    if eta.longest_s is None:
        return say(
            "at least {shortest}, most likely {likely} ({pace}; no upper bound: a tenth of the"
            " intervals or more added no rows)",
            shortest=format_eta(eta.shortest_s),
            likely=likely,
            pace=pace,
        )
    return say(
        "between {shortest} and {longest}, most likely {likely} ({pace}; the range at the p90"
        " and p10 interval rates)",
        shortest=format_eta(eta.shortest_s),
        longest=format_eta(eta.longest_s),
        likely=likely,
        pace=pace,
    )


def size_text(ahead: Forecast, language: Language = "en") -> str:
    say = words(language)
    size = ahead.size
    if size is None:
        return say(
            "not recorded (the estimate strategy does not read it, no count succeeded, or an"
            " older monitor wrote the journal)"
        )
    now = say(
        "{size} now for {rows} rows",
        size=format_bytes(size.table_bytes, language),
        rows=size.rows,
    )
    if size.bytes_per_row is None:
        return say("{now}: no rows to divide it by", now=now)
    now = say(
        "{now} ({per_row:.0f} bytes a row, indexes and TOAST included)",
        now=now,
        per_row=size.bytes_per_row,
    )
    if size.at_target_bytes is None:
        return say("{now}; set PILOT_TARGET_ROWS for the size at the end", now=now)
    return say(
        "{now}; about {size} at {target} rows",
        now=now,
        size=format_bytes(size.at_target_bytes, language),
        target=ahead.target_rows,
    )


def format_bytes(value: float, language: Language = "en") -> str:
    """Binary units, as PostgreSQL's pg_size_pretty counts them: 1536 -> '1.5 KiB'."""
    if abs(value) < 1024:
        return words(language)("{count:.0f} bytes", count=value)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if abs(value) < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"
