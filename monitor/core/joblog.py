"""What the job's own log says: size, error lines, tracebacks, what kind of trouble, and its
last lines."""

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

TAIL_LINES = 20
RUN_HEADER = "===== pilot "
# "ERROR", "error:", "RuntimeError", "CRITICAL"... but not "errors=0" or "error_count".
_ERROR = re.compile(r"(?i)\b\w*?(error|exception|critical|fatal)\b")
_TRACEBACK = "Traceback (most recent call last)"
_WARNING = re.compile(r"(?i)\bwarn(ing)?\b")
# The kinds of trouble a backfill's log shows, tried in order on its error and warning lines.
_KINDS = (
    ("rate limited (HTTP 429)", re.compile(r"(?i)\b429\b|too many requests|rate.?limit")),
    ("timeouts", re.compile(r"(?i)time(d)?[ _-]?out")),
    (
        "connection trouble",
        re.compile(
            r"(?i)connection (refused|reset|closed|lost|aborted)|could not connect"
            r"|server closed the connection|operationalerror"
        ),
    ),
)
_STAMP = re.compile(r"^\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)")


@dataclass(frozen=True)
class Trouble:
    """Lines of one kind: how many, the first of them and its time (if the line has one)."""

    kind: str
    lines: int
    first: str
    first_at: str | None


@dataclass(frozen=True)
class LogDigest:
    path: str
    size_bytes: int
    lines: int
    error_lines: int
    tracebacks: int
    first_error: str | None
    tail: tuple[str, ...]
    warning_lines: int = 0
    troubles: tuple[Trouble, ...] = ()


def run_header(run_id: str, details: str) -> str:
    """The line that opens a run's part of the shared job log."""
    return f"{RUN_HEADER}{run_id} | {details} ====="


def digest(path: str, lines: Iterable[str]) -> LogDigest:
    """One run's part of the log: from its first line to the next run's header.

    Streams once over the lines, so a large log costs memory only for its tail.
    """
    count = errors = warnings = tracebacks = size = 0
    first_error: str | None = None
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    troubles: dict[str, Trouble] = {}
    for raw in lines:
        if raw.startswith(RUN_HEADER):
            break
        size += len(raw.encode("utf-8"))
        line = raw.rstrip("\r\n")
        count += 1
        tail.append(line)
        if _TRACEBACK in line:
            tracebacks += 1
            _note(troubles, "tracebacks", line)
        elif _is_error(line):
            errors += 1
            first_error = first_error or line
            _note(troubles, _kind(line) or "other errors", line)
        elif _is_warning(line):
            warnings += 1
            _note(troubles, _kind(line) or "other warnings", line)
    return LogDigest(
        path,
        size,
        count,
        errors,
        tracebacks,
        first_error,
        tuple(tail),
        warnings,
        tuple(troubles.values()),
    )


def _kind(line: str) -> str | None:
    return next((kind for kind, pattern in _KINDS if pattern.search(line)), None)


def _note(troubles: dict[str, Trouble], kind: str, line: str) -> None:
    known = troubles.get(kind)
    if known is None:
        stamp = _STAMP.match(line)
        troubles[kind] = Trouble(kind, 1, line, stamp.group(1) if stamp else None)
    else:
        troubles[kind] = Trouble(kind, known.lines + 1, known.first, known.first_at)


def _is_warning(line: str) -> bool:
    return "warn" in line.lower() and _WARNING.search(line) is not None


def _is_error(line: str) -> bool:
    """``_ERROR`` matches; the search is tried only on lines that hold one of its words.

    ``in`` on a lowered ASCII line is some 25 times faster than the search, and a day's log
    has hundreds of thousands of lines. Other lines go straight to the search: under
    IGNORECASE, a few non-ASCII letters (the dotless i, U+0131) match ASCII ones.
    """
    if line.isascii():
        lowered = line.lower()
        # The words of _ERROR, spelled out: four `in` cost less than any() over a generator.
        if not (
            "error" in lowered
            or "exception" in lowered
            or "critical" in lowered
            or "fatal" in lowered
        ):
            return False
    return _ERROR.search(line) is not None
