"""This pilot beside the previous one of the same table: is the backfill faster or slower
than last time? Pure: both sides are JSON summaries (``monitor.core.summary_json``), this
run's as made now and the previous one's as read back from the logs folder, so each figure
is compared like for like, whatever monitor wrote the older file.

The previous pilot is the one of the same table that started last before this one (never
this run itself, whose rebuilt summaries share its run id). A file of another table, of an
unknown schema, or without the fields that place it in time is not compared: the result
says why rather than raising. A figure is compared when both files have its field (an older
file may lack some); a value that is null (no steady rate, no ETA) shows as n/a, and so
does a relative change from zero.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

# The summary schemas this module knows how to read (``summary_json.SCHEMA``'s values).
READABLE_SCHEMAS = (1,)

# How a figure is shown and compared: rates, rows and seconds by their relative change,
# samples by their difference, levels (GO, passed...) as the same or not.
Kind = Literal["rate", "rows", "seconds", "samples", "level"]

# (key, kind, where it is in a summary), in the order a reader wants them.
FIGURES: tuple[tuple[str, Kind, tuple[str, ...]], ...] = (
    ("steady_per_min", "rate", ("rates", "steady_per_min")),
    ("median_per_min", "rate", ("rates", "median_per_min")),
    ("p10_per_min", "rate", ("rates", "p10_per_min")),
    ("p90_per_min", "rate", ("rates", "p90_per_min")),
    ("average_rate_per_min", "rate", ("average_rate_per_min",)),
    ("added_rows", "rows", ("added_rows",)),
    ("duration_s", "seconds", ("duration_s",)),
    ("eta_s", "seconds", ("eta_s", "likely")),
    ("decision", "level", ("decision", "level")),
    ("outcome", "level", ("outcome",)),
    ("missing_samples", "samples", ("missing_samples",)),
)

Value = float | str | None


@dataclass(frozen=True)
class Change:
    """One figure in both runs; ``before`` is the previous run's, None: no value there."""

    key: str
    kind: Kind
    before: Value
    now: Value

    @property
    def relative(self) -> float | None:
        """(now - before) / |before|; None for levels, a missing value, or a change from 0."""
        before, now = self.before, self.now
        if not isinstance(before, float) or not isinstance(now, float):
            return None
        if before == 0:
            return 0.0 if now == 0 else None
        return (now - before) / abs(before)

    @property
    def difference(self) -> float | None:
        before, now = self.before, self.now
        if not isinstance(before, float) or not isinstance(now, float):
            return None
        return now - before


@dataclass(frozen=True)
class Comparison:
    """The previous run and the changes since; ``not_comparable`` says why there are none."""

    run_id: str | None
    start: str | None  # ISO 8601, as in its summary
    changes: tuple[Change, ...] = ()
    not_comparable: str | None = None

    @property
    def comparable(self) -> bool:
        return self.not_comparable is None

    @property
    def start_at(self) -> float | None:
        """The previous run's start in seconds since the epoch (None: unreadable)."""
        return parse_time(self.start)

    def get(self, key: str) -> Change | None:
        return next((change for change in self.changes if change.key == key), None)


def pick_previous(current: Mapping[str, Any], candidates: Iterable[object]) -> object | None:
    """The summary of the same table that started last before ``current`` (None: there is
    none). Read lazily, one at a time: only the best so far is kept. A candidate whose table
    or start is missing cannot be placed, and is passed over."""
    run, table = current.get("run_id"), current.get("table")
    start = parse_time(current.get("start"))
    if start is None or not isinstance(table, str):
        return None
    best: object | None = None
    best_at = -math.inf
    for candidate in candidates:
        if not isinstance(candidate, Mapping) or candidate.get("table") != table:
            continue
        if candidate.get("run_id") == run:
            continue
        at = parse_time(candidate.get("start"))
        if at is not None and best_at < at < start:
            best, best_at = candidate, at
    return best


def compare(current: Mapping[str, Any], previous: object) -> Comparison:
    """This run's figures against ``previous`` (a parsed summary, any JSON value at all)."""
    if not isinstance(previous, Mapping):
        return Comparison(None, None, not_comparable="its summary is not a JSON object")
    run = previous.get("run_id")
    start = previous.get("start")

    def refused(why: str) -> Comparison:
        return Comparison(
            run if isinstance(run, str) else None,
            start if isinstance(start, str) else None,
            not_comparable=why,
        )

    schema = previous.get("schema")
    if schema not in READABLE_SCHEMAS or isinstance(schema, bool):
        known = ", ".join(str(number) for number in READABLE_SCHEMAS)
        if schema is None:
            return refused(f"its summary has no schema number (this monitor reads {known})")
        return refused(f"its summary has schema {schema!r}; this monitor reads {known}")
    if run is not None and run == current.get("run_id"):
        return refused("it is this run's own summary")
    table = previous.get("table")
    if not isinstance(table, str):
        return refused("its table is not recorded")
    if table != current.get("table"):
        return refused(f"it is of another table ({table})")
    at, now_at = parse_time(start), parse_time(current.get("start"))
    if at is None:
        return refused("its start time is missing or unreadable")
    if now_at is not None and at >= now_at:
        return refused("it did not start before this run")
    changes = []
    for key, kind, path in FIGURES:
        (had, before), (has, now) = _value(previous, path, kind), _value(current, path, kind)
        if had and has and (before, now) != (None, None):
            changes.append(Change(key, kind, before, now))
    if not changes:
        return refused("none of its figures can be read")
    return Comparison(run if isinstance(run, str) else None, str(start), tuple(changes))


def previous_pilot(current: Mapping[str, Any], candidates: Iterable[object]) -> Comparison | None:
    """``compare`` with the one ``pick_previous`` chose; None when there is no previous pilot."""
    previous = pick_previous(current, candidates)
    return None if previous is None else compare(current, previous)


def signed_percent(relative: float | None) -> str:
    """-0.234 -> '-23%', 0.05 -> '+5%', under half a percent -> '±0%', None -> 'n/a'."""
    if relative is None:
        return "n/a"
    percent = round(relative * 100)
    return "±0%" if percent == 0 else f"{percent:+d}%"


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON-able data: ``relative`` is a fraction (-0.23 for -23%)."""
    return {
        "run_id": comparison.run_id,
        "start": comparison.start,
        "comparable": comparison.comparable,
        "not_comparable": comparison.not_comparable,
        "changes": {
            change.key: {
                "before": change.before,
                "now": change.now,
                "relative": _rounded(change.relative),
                "difference": _rounded(change.difference),
            }
            for change in comparison.changes
        },
    }


def parse_time(value: object) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (UTC when it names no zone); None if not one."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _value(data: Mapping[str, Any], path: tuple[str, ...], kind: Kind) -> tuple[bool, Value]:
    """Whether the figure at ``path`` is there, and its value: a float, a text (levels), or
    None for a null on the way (an ETA of null has no likely time). A missing field or a
    value of the wrong type (an older or a damaged file) is not there."""
    found: object = data
    for name in path:
        if found is None:
            return True, None
        if not isinstance(found, Mapping) or name not in found:
            return False, None
        found = found[name]
    if found is None:
        return True, None
    if kind == "level":
        return (True, found) if isinstance(found, str) else (False, None)
    if isinstance(found, bool) or not isinstance(found, int | float):
        return False, None
    number = float(found)
    return (True, number) if math.isfinite(number) else (False, None)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
