"""What the job was doing in the database over an interval, beyond the row count.

The real backfill updates rows it has seen before, and a job may load in one long
transaction: either way the count stands still while the job works. The table's statistics
counters see committed inserts, updates and deletes; the job's sessions in pg_stat_activity
show an open transaction and a wait on a lock, with who holds it. From those, each interval
gets one state, the first of these that holds:

- growing: the table gained rows;
- updating: no new rows, but the statistics saw rows inserted, updated or deleted. They lag a
  second or so, and up to ten when the writer goes idle (PostgreSQL flushes a backend's
  counts at most once a second): writes a session made before it went idle show up later.
  So when the job's sessions were read and none ran a statement in the interval, what the
  statistics show is late news, not work in the interval;
- blocked: nothing written, and a job session waits on a lock (its holders are named);
- in transaction: a job session has an open transaction and ran a statement during the
  interval, or runs one now: work the table shows only at the commit;
- idle: none of these; long enough, that is a stall.

Only blocked and idle are no progress: a stall is measured in them.
"""

from dataclasses import dataclass
from typing import Literal

from monitor.core.duration import format_duration
from monitor.core.records import Changes, Session

State = Literal["growing", "updating", "in transaction", "blocked", "idle"]
STATES: tuple[State, ...] = ("growing", "updating", "in transaction", "blocked", "idle")


@dataclass(frozen=True)
class Reading:
    """What the counter read of the job's activity with a count."""

    changes: Changes | None = None
    sessions: tuple[Session, ...] | None = None
    blockers: tuple[Session, ...] = ()


@dataclass(frozen=True)
class Activity:
    """One interval's state; ``changes`` are the statistics' counts over the interval
    (None: unknown, or a statistics reset), ``detail`` says what the state rests on."""

    state: State
    changes: Changes | None
    detail: str

    @property
    def progress(self) -> bool:
        return self.state not in ("blocked", "idle")


def assess(
    delta: int | None,
    before: Changes | None,
    reading: Reading,
    span_s: float,
) -> Activity:
    """The interval's state from the row count's ``delta`` (None: no count), the statistics
    at the interval's start (``before``) and what was read at its end."""
    changes = written_between(before, reading.changes)
    sessions = reading.sessions or ()
    if delta is not None and delta > 0:
        return Activity("growing", changes, f"+{delta} rows")
    wrote = changes is not None and (changes.inserted or changes.updated or changes.deleted)
    if changes is not None and wrote and _fresh(reading.sessions, span_s):
        return Activity("updating", changes, _written(changes))
    waiting = [session for session in sessions if session.waiting]
    if waiting:
        return Activity("blocked", changes, _blocked(waiting[0], reading.blockers))
    working = [session for session in sessions if _working(session, span_s)]
    if working:
        oldest = max(working, key=lambda session: session.transaction_s or 0.0)
        age = format_duration(round(oldest.transaction_s or 0.0))
        return Activity(
            "in transaction",
            changes,
            f"session {oldest.pid} ({oldest.state}) in a transaction open for {age}",
        )
    return Activity("idle", changes, _idle(reading.sessions))


def written_between(before: Changes | None, after: Changes | None) -> Changes | None:
    """The rows written from one reading of the counters to the next; None: unknown."""
    if before is None or after is None:
        return None
    change = Changes(
        after.inserted - before.inserted,
        after.updated - before.updated,
        after.deleted - before.deleted,
    )
    # The counters only go down on a statistics reset: this interval's work is unknown.
    return None if min(change.inserted, change.updated, change.deleted) < 0 else change


def _fresh(sessions: tuple[Session, ...] | None, span_s: float) -> bool:
    """Whether writes the statistics show can be this interval's: the job's sessions were
    not read or not seen (a job that connects per write), or one ran a statement in it."""
    if not sessions:
        return True
    return any(_ran(session, span_s) for session in sessions)


def _ran(session: Session, span_s: float) -> bool:
    """Ran a statement in the last ``span_s``; a state not visible counts as having run."""
    if session.state in ("", "active") or session.state_s is None:
        return True
    return session.state_s < span_s


def _working(session: Session, span_s: float) -> bool:
    """An open transaction that ran a statement in the interval or runs one now; one that
    has sat idle longer is a transaction left open, not work."""
    return session.transaction_s is not None and _ran(session, span_s)


def _written(changes: Changes) -> str:
    parts = [
        f"{count} {what}"
        for count, what in (
            (changes.updated, "updated"),
            (changes.inserted, "inserted"),
            (changes.deleted, "deleted"),
        )
        if count
    ]
    return f"no new rows; rows written: {', '.join(parts)}"


def _blocked(session: Session, blockers: tuple[Session, ...]) -> str:
    holders = [b for b in blockers if b.pid in session.blocked_by] or [
        Session(pid, "", "", None, None) for pid in session.blocked_by
    ]
    held = "; ".join(describe(holder) for holder in holders) or "a session not visible"
    return f"session {session.pid} waits on a lock ({session.waiting}) held by {held}"


def describe(session: Session) -> str:
    """``pid 81 (psql, idle in transaction, transaction open 2 min)``: who holds a lock."""
    facts = [session.application or "no application name"]
    if session.state:
        facts.append(session.state)
    if session.transaction_s is not None:
        facts.append(f"transaction open {format_duration(round(session.transaction_s))}")
    return f"pid {session.pid} ({', '.join(facts)})"


def _idle(sessions: tuple[Session, ...] | None) -> str:
    if sessions is None:
        return "no new rows; the job's sessions were not read"
    if not sessions:
        return "no new rows, no writes, no job session in the database"
    return "no new rows, no writes, no statement running"


@dataclass(frozen=True)
class Episode:
    """Consecutive intervals in one state other than growing: what the report lists."""

    state: State
    first_at: float  # the start of its first interval
    last_at: float  # the end of its last interval
    intervals: int
    detail: str  # its first interval's

    @property
    def seconds(self) -> float:
        return self.last_at - self.first_at


@dataclass(frozen=True)
class ActivitySummary:
    """Time and intervals per state, and the first ``MAX_EPISODES`` episodes (``more``: how
    many were left out). ``read`` is False for a journal without activity (older monitors)."""

    read: bool
    seconds: tuple[tuple[State, float], ...]
    intervals: tuple[tuple[State, int], ...]
    episodes: tuple[Episode, ...]
    more: int
    changes: Changes | None  # summed over the intervals where the statistics were read


MAX_EPISODES = 30


class ActivityTracker:
    """Running figures of the intervals' states, in memory bounded by ``MAX_EPISODES``."""

    def __init__(self) -> None:
        self._seconds: dict[State, float] = dict.fromkeys(STATES, 0.0)
        self._intervals: dict[State, int] = dict.fromkeys(STATES, 0)
        self._episodes: list[Episode] = []
        self._open: Episode | None = None
        self._more = 0
        self._changes: Changes | None = None
        self._read = False

    def add(self, activity: Activity | None, at: float, span_s: float, final: bool) -> None:
        """One interval ending at ``at``; the count after the stop is no state of the job's."""
        if activity is None or final:
            return
        self._read = True
        self._seconds[activity.state] += span_s
        self._intervals[activity.state] += 1
        if activity.changes is not None:
            self._changes = (self._changes or Changes(0, 0, 0)) + activity.changes
        current = self._open
        if current is not None and current.state == activity.state:
            self._open = Episode(
                current.state, current.first_at, at, current.intervals + 1, current.detail
            )
            return
        self._close()
        if activity.state != "growing":
            self._open = Episode(activity.state, at - span_s, at, 1, activity.detail)

    def _close(self) -> None:
        if self._open is not None:
            if len(self._episodes) < MAX_EPISODES:
                self._episodes.append(self._open)
            else:
                self._more += 1
        self._open = None

    def result(self) -> ActivitySummary:
        episodes, more = list(self._episodes), self._more
        if self._open is not None:
            if len(episodes) < MAX_EPISODES:
                episodes.append(self._open)
            else:
                more += 1
        return ActivitySummary(
            read=self._read,
            seconds=tuple(self._seconds.items()),
            intervals=tuple(self._intervals.items()),
            episodes=tuple(episodes),
            more=more,
            changes=self._changes,
        )
