"""What the journal holds: one record per line, the source of truth for every report.

Records are facts as observed (a count, an exit code, a signal); judgements such as the
verdict are derived from them later, so a report can always be rebuilt from a journal.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# job_lost: the app container stopped or restarted under the job, and every exec with it;
# stall: no progress of any kind for PILOT_STALL_AFTER, with PILOT_STALL_FAILS set.
EndReason = Literal["budget", "job_exit", "job_lost", "stall", "signal", "error"]


@dataclass(frozen=True)
class TableStart:
    """One more watched table (PILOT_TABLES) at the start: its count and how it is counted;
    ``baseline`` as the counter wrote it, for a monitor taking the pilot up."""

    table: str
    baseline_rows: int
    counting: str
    baseline: dict[str, Any] = field(default_factory=dict)


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
    tables: tuple[TableStart, ...] = ()
    kind: Literal["start"] = "start"


@dataclass(frozen=True)
class Session:
    """A database session as pg_stat_activity showed it at a sample: one of the job's, or
    one that a job's session waits for."""

    pid: int
    application: str
    state: str  # active, idle, idle in transaction, ... ("" when not visible)
    transaction_s: float | None  # age of its open transaction; None: none open
    state_s: float | None  # time since its state last changed
    waiting: str | None = None  # what it waits on when that is a lock ("Lock:relation")
    blocked_by: tuple[int, ...] = ()  # the PIDs holding the lock it waits for


@dataclass(frozen=True)
class Changes:
    """The table's cumulative statistics counters (pg_stat_user_tables): they see updates
    and deletes, which a count cannot, and only grow, but on a statistics reset."""

    inserted: int
    updated: int
    deleted: int

    def __add__(self, other: "Changes") -> "Changes":
        return Changes(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.deleted + other.deleted,
        )


@dataclass(frozen=True)
class TableCount:
    """One more watched table's count and statistics at a sample; ``total`` None: missing."""

    table: str
    total: int | None
    changes: Changes | None = None
    error: str | None = None


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
    # What the job does in the database, read right after the count; None: not read (an
    # older journal, a failed read). ``sessions`` are the job's, ``blockers`` the sessions
    # they wait for.
    changes: Changes | None = None
    sessions: tuple[Session, ...] | None = None
    blockers: tuple[Session, ...] = ()
    tables: tuple[TableCount, ...] = ()  # PILOT_TABLES' counts, in their order
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
            "tables": tuple(
                TableStart(**_known(TableStart, table)) for table in known.get("tables", ())
            ),
        }
    elif cls is Sample:
        known = _sample_fields(known)
    record: Record = cls(**known)
    return record


def _sample_fields(known: dict[str, Any]) -> dict[str, Any]:
    """The activity's nested records, rebuilt from their JSON (lists for tuples)."""
    changes, sessions = known.get("changes"), known.get("sessions")
    blockers, tables = known.get("blockers") or (), known.get("tables") or ()
    if changes is None and sessions is None and not blockers and not tables:
        return {**known, "blockers": (), "tables": ()}
    return {
        **known,
        "changes": _changes(changes),
        "sessions": None if sessions is None else tuple(_session(s) for s in sessions),
        "blockers": tuple(_session(s) for s in blockers),
        "tables": tuple(_table_count(t) for t in tables),
    }


def _table_count(data: dict[str, Any]) -> TableCount:
    changes = data.get("changes")
    return TableCount(
        table=data["table"],
        total=data.get("total"),
        changes=_changes(changes),
        error=data.get("error"),
    )


def _session(data: dict[str, Any]) -> Session:
    known = _known(Session, data)
    return Session(**{**known, "blocked_by": tuple(known.get("blocked_by", ()))})


def _changes(data: dict[str, Any] | None) -> Changes | None:
    return None if data is None else Changes(**_known(Changes, data))


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the fields ``cls`` does not have: those of a newer monitor."""
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return {name: value for name, value in data.items() if name in fields}
