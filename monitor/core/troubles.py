"""The job log's troubles on the pilot's time line: the interval in which the first line of
each kind came, and the table's rate in it, so that a rate drop and its likely cause are read
side by side (in the report's log analysis and as marks on the chart).

The log's stamps carry no zone. They are read as UTC, the zone of a container that sets none
(the demo's backfill logs so); a line without a stamp, or stamped outside the pilot, is not
placed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.core.analysis import PilotSummary
from monitor.core.comparison import parse_time
from monitor.core.joblog import Trouble

# An interval whose rate is below this share of the median interval rate is a drop.
DROP_SHARE = 0.5


@dataclass(frozen=True)
class Stretch:
    """One row or bucket of the Samples table: samples ``first_index`` to ``last_index``,
    from ``since`` to ``until`` (seconds since the epoch), at ``rate_per_min`` (None: no
    count); ``drop`` whether that rate is one."""

    since: float
    until: float
    first_index: int
    last_index: int
    rate_per_min: float | None
    drop: bool


@dataclass(frozen=True)
class Placed:
    """``trouble``'s first line at ``at`` (seconds since the epoch), in the stretch
    ``within``; ``after`` is the one that followed (None: the line came in the last), where
    what the trouble costs often shows: a rate-limit pause starts with its line."""

    trouble: Trouble
    at: float
    within: Stretch
    after: Stretch | None

    @property
    def drop(self) -> Stretch | None:
        """The stretch of the two with a drop, the line's own first; None: neither."""
        return next((s for s in (self.within, self.after) if s is not None and s.drop), None)


def place(troubles: Iterable[Trouble], summary: PilotSummary) -> tuple[Placed, ...]:
    """Each trouble whose first line has a stamp within the pilot, in the order of the log."""
    stretches = _stretches(summary)
    placed = []
    for trouble in troubles:
        at = parse_time(trouble.first_at)
        if at is None:
            continue
        found = next(
            (n for n, stretch in enumerate(stretches) if stretch.since < at <= stretch.until),
            None,
        )
        if found is None:
            continue
        after = stretches[found + 1] if found + 1 < len(stretches) else None
        placed.append(Placed(trouble, at, stretches[found], after))
    return tuple(placed)


def _stretches(summary: PilotSummary) -> list[Stretch]:
    """The Samples table's rows or buckets: the first starts at the pilot's start, each of the
    others where the one before ended. The count after the stop is never a drop: it often
    spans a moment only."""
    median = summary.rates.median_per_min
    threshold = None if median is None else DROP_SHARE * median
    rows = (
        [(b.last_at, b.first_index, b.last_index, b.rate_per_min, b.final) for b in summary.buckets]
        if summary.buckets
        else [(r.at, r.index, r.index, r.rate_per_min, r.final) for r in summary.rows]
    )
    stretches = []
    since = summary.start.at - 1.0  # stamps are whole seconds: the start's own one counts
    for until, first, last, rate, final in rows:
        drop = not final and rate is not None and threshold is not None and rate < threshold
        stretches.append(Stretch(since, until, first, last, rate, drop))
        since = until
    return stretches
