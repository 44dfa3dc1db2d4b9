"""What the journal holds: one record per line, the source of truth for every report.

Records are facts as observed (a count, an exit code, a signal); judgements such as the
verdict are derived from them later, so a report can always be rebuilt from a journal.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# job_lost: the app container stopped or restarted under the job, and every exec with it.
EndReason = Literal["budget", "job_exit", "job_lost", "signal", "error"]


@dataclass(frozen=True)
class PilotStarted:
    run_id: str
    at: float
    duration_s: float
    interval_s: float
    table: str
    baseline_rows: int
    counting: str
    container: str
    command: tuple[str, ...]
    job_log: str
    job_log_offset: int
    settings: tuple[tuple[str, str], ...] = ()
    # What a restarted monitor needs to take the pilot up where it was: the container's ID
    # and the counter's baseline, as the counter wrote it (the core does not read it).
    container_id: str = ""
    baseline: dict[str, Any] = field(default_factory=dict)
    # What the decision in the report weighs the pilot against (PILOT_TARGET_ROWS,
    # PILOT_MIN_RATE in rows a minute, PILOT_MAX_HOURS); None: not set, or an older journal.
    target_rows: int | None = None
    min_rate: float | None = None
    max_hours: float | None = None
    kind: Literal["start"] = "start"


@dataclass(frozen=True)
class Sample:
    index: int
    at: float
    elapsed_s: float
    job_running: bool
    total: int | None
    error: str | None = None
    final: bool = False
    # The table's size on disk with its indexes and TOAST, read in the count's own statement;
    # None: not read (the estimate strategy, a failed count, an older journal).
    table_bytes: int | None = None
    kind: Literal["sample"] = "sample"


@dataclass(frozen=True)
class Event:
    at: float
    elapsed_s: float
    name: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["event"] = "event"


@dataclass(frozen=True)
class PilotEnded:
    at: float
    elapsed_s: float
    reason: EndReason
    job_exit_code: int | None
    job_stopped_by: str | None
    job_gone: bool
    detail: str = ""
    kind: Literal["end"] = "end"


Record = PilotStarted | Sample | Event | PilotEnded

_TYPES: dict[str, type[Any]] = {
    "start": PilotStarted,
    "sample": Sample,
    "event": Event,
    "end": PilotEnded,
}
_FIELDS = {kind: frozenset(cls.__dataclass_fields__) for kind, cls in _TYPES.items()}


def to_dict(record: Record) -> dict[str, Any]:
    return asdict(record)


def from_dict(data: dict[str, Any]) -> Record:
    """Inverse of to_dict; unknown fields from newer monitors are ignored."""
    kind = str(data.get("kind"))
    cls = _TYPES.get(kind)
    if cls is None:
        raise ValueError(f"unknown record kind {data.get('kind')!r}")
    fields = _FIELDS[kind]
    # Most records have only known fields: they are passed on as they are, without a copy.
    known = data if data.keys() <= fields else {n: v for n, v in data.items() if n in fields}
    if cls is PilotStarted:
        known = {
            **known,
            "command": tuple(known.get("command", ())),
            "settings": tuple(tuple(pair) for pair in known.get("settings", ())),
        }
    record: Record = cls(**known)
    return record
