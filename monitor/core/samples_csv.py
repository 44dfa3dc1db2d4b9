"""The samples CSV beside the report: one row per sample, for automation. Pure: text only.

The rows are the intervals the report is made of (``analysis.Summariser.feed``). Times are
ISO 8601 in UTC to the millisecond, empty fields are values that do not exist (a missing
count, a rate over no time), booleans are ``true``/``false``, and line breaks in an error
become spaces, so that each sample is one line of the file.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache

from monitor.core.analysis import Interval

COLUMNS = (
    "index",
    "time",
    "elapsed_s",
    "job_running",
    "total",
    "added",
    "delta",
    "rate_per_min",
    "error",
    "final",
)


def csv_lines(rows: Iterable[Interval]) -> Iterator[str]:
    """The header, then a line per interval, lazily; each line ends with "\\n"."""
    yield ",".join(COLUMNS) + "\n"
    for row in rows:
        yield csv_line(row)


def csv_line(row: Interval) -> str:
    """Only the error is text; every other field is a number, a time or a boolean."""
    return (
        f"{row.index},{iso_time(row.at)},{row.elapsed_s:.3f},{_boolean(row.job_running)}"
        f",{_integer(row.total)},{_integer(row.added)},{_integer(row.delta)}"
        f",{'' if row.rate_per_min is None else f'{row.rate_per_min:.3f}'}"
        f",{'' if row.error is None else _text(row.error)},{_boolean(row.final)}\n"
    )


def iso_time(at: float) -> str:
    """``2023-11-14T22:14:20.000Z``, to the nearest millisecond."""
    minute, milliseconds = divmod(round(at * 1000), 60_000)
    return f"{_minute(minute)}{milliseconds // 1000:02d}.{milliseconds % 1000:03d}Z"


@lru_cache(maxsize=16)
def _minute(minute: int) -> str:
    """``2023-11-14T22:14:``, worked out once for the samples of a minute: a datetime per
    sample took half the time of the whole CSV line."""
    return datetime.fromtimestamp(minute * 60, tz=UTC).strftime("%Y-%m-%dT%H:%M:")


def _text(text: str) -> str:
    """One line; quoted as RFC 4180 says when it holds a comma or a quote (quotes doubled)."""
    text = " ".join(text.splitlines())
    if "," in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _integer(value: int | None) -> str:
    return "" if value is None else str(value)
