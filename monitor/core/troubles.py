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
class Placed:
    """``trouble``'s first line at ``at`` (seconds since the epoch), in the interval that
    ends at sample ``last_index`` (a bucket of the Samples table: from ``first_index``);
    ``rate_per_min`` is its rate (None: it had no count), ``drop`` whether it was a drop."""

    trouble: Trouble
    at: float
    first_index: int
    last_index: int
    rate_per_min: float | None
    drop: bool


def place(troubles: Iterable[Trouble], summary: PilotSummary) -> tuple[Placed, ...]:
    """Each trouble whose first line has a stamp within the pilot, in the order of the log."""
    spans = _spans(summary)
    median = summary.rates.median_per_min
    placed = []
    for trouble in troubles:
        at = parse_time(trouble.first_at)
        if at is None:
            continue
        found = next((span for span in spans if span[0] < at <= span[1]), None)
        if found is None:
            continue
        _, _, first, last, rate = found
        drop = rate is not None and median is not None and rate < DROP_SHARE * median
        placed.append(Placed(trouble, at, first, last, rate, drop))
    return tuple(placed)


def _spans(summary: PilotSummary) -> list[tuple[float, float, int, int, float | None]]:
    """(from, to, first sample, last sample, rate) of each row or bucket of the Samples table:
    the first starts at the pilot's start, each of the others where the one before ended."""
    spans = []
    since = summary.start.at - 1.0  # stamps are whole seconds: the start's own one counts
    if summary.buckets:
        for bucket in summary.buckets:
            spans.append(
                (since, bucket.last_at, bucket.first_index, bucket.last_index, bucket.rate_per_min)
            )
            since = bucket.last_at
        return spans
    for row in summary.rows:
        spans.append((since, row.at, row.index, row.index, row.rate_per_min))
        since = row.at
    return spans
