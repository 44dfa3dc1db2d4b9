"""Rates that mean something: the warm-up set apart, a steady rate, the spread of the
interval rates, and whether the backfill slows down as the table grows. Pure, one pass.

The warm-up is the run of leading intervals that added no row (a job logging in, fetching
its work lists). A full run pays it once, so it is left out: the steady rate is the rows
added after it over the time after it. That time starts where the first interval that added
rows started, so it may hold the warm-up's last seconds: the steady rate errs on the slow
side, and so does an ETA made from it. Rate-limit pauses and stalls after the warm-up stay
in: a full run will meet them too.

The spread (median, p10, p90) is over the intervals after the warm-up that span at least
half an interval, as the pilot's peak and slowest are; the count after the stop is left out
of everything here.

The trend answers "does it slow down as the table grows?" by comparing the median interval
rate of the first half of the time after the warm-up with that of the second half (by the
middle of each interval). Medians, because a rate-limit pause or two would otherwise decide
it (the demo's one 30 s pause makes a steady backfill look 20% slower); halves rather than a
fitted slope, because a change from one half to the other reads plainly. The steady rates
of the two halves are given beside it: what the pauses cost in each.
"""

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.core.language import Language, words

if TYPE_CHECKING:
    from monitor.core.analysis import Interval

# Fewer full intervals after the warm-up than this are too few to judge a rate or a trend by.
ENOUGH_INTERVALS = 5
# A change between the halves within this share is "steady".
STEADY_WITHIN = 0.10
# Values kept exactly; past that, every 2nd, 4th... (see _Thinned).
KEEP = 8192


@dataclass(frozen=True)
class Rates:
    """The rates of a pilot, the warm-up set apart (see the module's docstring).

    ``warmup_s`` is where the warm-up ended, in seconds since the start (None: no row was
    ever added, the warm-up never ended); ``warmup_samples`` the samples in it (missing
    ones too). ``intervals`` counts the full intervals after it, which the percentiles are
    taken over; ``thinned`` is 1 when every one of them was, else the step between those
    that were (beyond ``KEEP``). ``change`` is the second half's median interval rate over
    the first half's, minus 1 (None: too few intervals, or a median of 0 in the first half);
    ``first_half_per_min`` and ``second_half_per_min`` are the halves' steady rates.
    """

    warmup_s: float | None
    warmup_samples: int
    steady_rows: int | None
    steady_s: float
    steady_per_min: float | None
    intervals: int
    thinned: int
    median_per_min: float | None
    p10_per_min: float | None
    p90_per_min: float | None
    first_half_median: float | None
    second_half_median: float | None
    change: float | None
    first_half_per_min: float | None
    second_half_per_min: float | None

    @property
    def enough(self) -> bool:
        return self.intervals >= ENOUGH_INTERVALS


class RateTracker:
    """Takes the intervals in as they are measured; memory stays bounded (``_Thinned``)."""

    def __init__(self, half_interval_s: float) -> None:
        self._half = half_interval_s
        self._warmup_samples = 0
        self._origin: tuple[float, int] | None = None  # (elapsed, total) at the warm-up's end
        self._last: tuple[float, int] | None = None
        self._rates = _Thinned(KEEP, 2)  # (the interval's middle, its rate)
        self._points = _Thinned(KEEP, 2)  # (elapsed, total) after the warm-up, for the halves
        self._intervals = 0

    def add(self, row: "Interval") -> None:
        if row.final:
            return
        if self._origin is None:
            if row.delta is None or row.total is None or row.delta <= 0:
                self._warmup_samples += 1
                return
            self._origin = (row.elapsed_s - row.span_s, row.total - row.delta)
        if row.delta is None or row.total is None:
            return
        self._last = (row.elapsed_s, row.total)
        self._points.add(row.elapsed_s, float(row.total))
        if row.rate_per_min is not None and row.span_s >= self._half:
            self._intervals += 1
            self._rates.add(row.elapsed_s - row.span_s / 2, row.rate_per_min)

    def result(self) -> Rates:
        origin, last = self._origin, self._last
        steady_rows = steady_per_min = None
        steady_s = 0.0
        first = second = early = late = change = None
        rated = self._rates.values
        if origin is not None and last is not None:
            steady_rows = last[1] - origin[1]
            steady_s = last[0] - origin[0]
            steady_per_min = steady_rows * 60.0 / steady_s if steady_s > 0 else None
            first, second = _halves(origin, self._points.values, last)
            middle = (origin[0] + last[0]) / 2
            before = sorted(rated[n + 1] for n in range(0, len(rated), 2) if rated[n] <= middle)
            after = sorted(rated[n + 1] for n in range(0, len(rated), 2) if rated[n] > middle)
            early = percentile(before, 0.5) if before else None
            late = percentile(after, 0.5) if after else None
        if self._intervals >= ENOUGH_INTERVALS and early and early > 0 and late is not None:
            change = late / early - 1.0
        ordered = sorted(rated[1::2])
        return Rates(
            warmup_s=origin[0] if origin else None,
            warmup_samples=self._warmup_samples,
            steady_rows=steady_rows,
            steady_s=steady_s,
            steady_per_min=steady_per_min,
            intervals=self._intervals,
            thinned=self._rates.every,
            median_per_min=percentile(ordered, 0.5) if ordered else None,
            p10_per_min=percentile(ordered, 0.1) if ordered else None,
            p90_per_min=percentile(ordered, 0.9) if ordered else None,
            first_half_median=early,
            second_half_median=late,
            change=change,
            first_half_per_min=first,
            second_half_per_min=second,
        )


def percentile(ordered: Sequence[float], share: float) -> float:
    """Linear between the closest ranks of sorted values (numpy's default, type 7)."""
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _halves(
    origin: tuple[float, int], points: Sequence[float], last: tuple[float, int]
) -> tuple[float | None, float | None]:
    """The steady rates of the first and second half of the time after the warm-up; the
    count at the middle is interpolated between the samples around it."""
    start, end = origin[0], last[0]
    if end <= start:
        return None, None
    middle = (start + end) / 2
    times = [start, *points[0::2]]
    totals = [float(origin[1]), *points[1::2]]
    if times[-1] != end:  # thinned away: the last sample is always known
        times.append(end)
        totals.append(float(last[1]))
    after = bisect_left(times, middle)
    before_s, before_n = times[after - 1], totals[after - 1]
    after_s, after_n = times[after], totals[after]
    share = (middle - before_s) / (after_s - before_s) if after_s > before_s else 1.0
    at_middle = before_n + (after_n - before_n) * share
    half_min = (middle - start) / 60.0
    return (at_middle - origin[1]) / half_min, (last[1] - at_middle) / half_min


def trend_text(rates: Rates, language: Language = "en") -> str:
    """The trend in plain words: "slowing: -23% from the first half to the second (...)"."""
    say = words(language)
    if not rates.enough:
        return say(
            "too short to tell: {intervals} full interval(s) after the warm-up, {needed} needed",
            intervals=rates.intervals,
            needed=ENOUGH_INTERVALS,
        )
    early, late, change = rates.first_half_median, rates.second_half_median, rates.change
    if early is None or late is None or change is None:
        return say("none to tell: the median interval rate of the first half is 0")
    if change <= -STEADY_WITHIN:
        word = say("slowing")
    elif change >= STEADY_WITHIN:
        word = say("speeding up")
    else:
        word = say("steady")
    text = say(
        "{trend}: {change:+.0%} from the first half to the second in the median interval rate"
        " ({early:.1f}/min, then {late:.1f}/min)",
        trend=word,
        change=change,
        early=early,
        late=late,
    )
    first, second = rates.first_half_per_min, rates.second_half_per_min
    if first is not None and second is not None:
        text += say(
            "; the halves' steady rates, pauses included: {first:.1f}/min, then {second:.1f}/min",
            first=first,
            second=second,
        )
    return text


class _Thinned:
    """Every item while at most ``keep`` came, then every 2nd, then every 4th... so that
    what is kept stays spread evenly over the pilot: at most ``keep`` items of ``width``
    floats (128 KB for 8,192 rates with their times). An hour at 1 s (3,600 intervals) or a
    day at 15 s (5,760) is kept whole; a day at 1 s (86,400) is every 16th interval, 5,400."""

    def __init__(self, keep: int, width: int) -> None:
        self.values = array("d")
        self.every = 1
        self._keep = keep
        self._width = width
        self._seen = 0

    def add(self, *item: float) -> None:
        if self._seen % self.every == 0:
            self.values.extend(item)
            if len(self.values) > self._keep * self._width:
                width = self._width
                self.values = array(
                    "d", (v for n, v in enumerate(self.values) if (n // width) % 2 == 0)
                )
                self.every *= 2
        self._seen += 1
