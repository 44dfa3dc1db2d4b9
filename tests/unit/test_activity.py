"""The interval states from recorded activity, and their summary in the report."""

from dataclasses import replace

import pytest

from monitor.core import report
from monitor.core.activity import MAX_EPISODES, Reading, assess
from monitor.core.analysis import summarise
from monitor.core.records import Changes, Record, Session
from tests.unit.conftest import Build

IDLE_SESSION = Session(42, "backfill", "idle", None, 1.0)
HOLDER = Session(81, "psql", "idle in transaction", 200.0, 190.0)
WAITING = Session(42, "backfill", "active", 3.0, 3.0, "Lock:relation", (81,))


def reading(
    inserted: int = 0, updated: int = 0, *sessions: Session, blockers: tuple[Session, ...] = ()
) -> Reading:
    return Reading(Changes(inserted, updated, 0), sessions, blockers)


@pytest.mark.parametrize(
    ("delta", "after", "state", "detail"),
    [
        (5, reading(15, 0, IDLE_SESSION), "growing", "+5 rows"),
        (
            0,
            reading(10, 40, IDLE_SESSION),
            "updating",
            "no new rows; rows written: 40 updated",
        ),
        (
            0,
            reading(10, 0, WAITING, blockers=(HOLDER,)),
            "blocked",
            "session 42 waits on a lock (Lock:relation) held by pid 81 (psql, idle in"
            " transaction, transaction open 3m 20s)",
        ),
        (
            0,
            reading(10, 0, Session(42, "backfill", "active", 300.0, 2.0)),
            "in transaction",
            "session 42 (active) in a transaction open for 5m",
        ),
        (
            0,
            reading(10, 0, Session(42, "backfill", "idle in transaction", 300.0, 20.0)),
            "in transaction",
            "session 42 (idle in transaction) in a transaction open for 5m",
        ),
        (0, reading(10, 0, IDLE_SESSION), "idle", "no new rows, no writes, no statement running"),
        (
            0,
            reading(10, 0),
            "idle",
            "no new rows, no writes, no job session in the database",
        ),
        (
            None,
            reading(10, 0, IDLE_SESSION),
            "idle",
            "no new rows, no writes, no statement running",
        ),
    ],
)
def test_each_state_from_what_was_read(
    delta: int | None, after: Reading, state: str, detail: str
) -> None:
    activity = assess(delta, Changes(10, 0, 0), after, span_s=60.0)
    assert (activity.state, activity.detail) == (state, detail)
    assert activity.progress == (state not in ("blocked", "idle"))


def test_a_transaction_left_open_longer_than_the_interval_is_no_work() -> None:
    forgotten = Session(42, "backfill", "idle in transaction", 900.0, 600.0)
    assert assess(0, Changes(0, 0, 0), reading(0, 0, forgotten), span_s=60.0).state == "idle"


def test_writes_the_statistics_show_late_are_no_work_of_an_idle_interval() -> None:
    # the job went idle 40 s ago (a rate-limit pause); its last writes reach the counters now
    paused = Session(42, "backfill", "idle", None, 40.0)
    assert assess(0, Changes(0, 0, 0), reading(0, 7, paused), span_s=15.0).state == "idle"
    # a job that connects for each write has no session between them: the counters stand
    assert assess(0, Changes(0, 0, 0), reading(0, 7), span_s=15.0).state == "updating"


def test_new_rows_win_over_a_lock_wait_at_the_sample() -> None:
    activity = assess(3, Changes(0, 0, 0), reading(3, 0, WAITING), span_s=60.0)
    assert activity.state == "growing" and activity.progress


def test_a_statistics_reset_leaves_the_writes_unknown() -> None:
    activity = assess(0, Changes(500, 90, 0), reading(3, 0, IDLE_SESSION), span_s=60.0)
    assert activity.changes is None and activity.state == "idle"


def test_a_blocker_not_visible_is_named_by_its_pid() -> None:
    activity = assess(0, None, reading(0, 0, WAITING), span_s=60.0)
    assert activity.detail.endswith("held by pid 81 (no application name)")


def _with(sample: Record, after: Reading) -> Record:
    return replace(sample, changes=after.changes, sessions=after.sessions, blockers=after.blockers)  # type: ignore[type-var]


def _pilot(build: type[Build], readings: list[Reading], totals: list[int]) -> list[Record]:
    samples = build.regular(totals)
    return [
        build.start(),
        *[_with(s, r) for s, r in zip(samples, readings, strict=True)],
        build.end(60.0 * len(totals)),
    ]


def test_the_summary_times_each_state_and_lists_the_stretches_without_new_rows(
    build: type[Build],
) -> None:
    readings = [
        reading(10, 0, IDLE_SESSION),
        reading(10, 30, IDLE_SESSION),  # updating
        reading(10, 30, WAITING, blockers=(HOLDER,)),  # blocked
        reading(10, 30, WAITING, blockers=(HOLDER,)),  # blocked
        reading(20, 30, IDLE_SESSION),  # growing
    ]
    summary = summarise(_pilot(build, readings, [110, 110, 110, 110, 120]))
    found = summary.activity
    assert found.read
    assert dict(found.intervals) == {
        "growing": 2,
        "updating": 1,
        "in transaction": 0,
        "blocked": 2,
        "idle": 0,
    }
    assert dict(found.seconds)["blocked"] == 120.0
    assert [(e.state, e.first_at - build.T0, e.seconds) for e in found.episodes] == [
        ("updating", 60.0, 60.0),
        ("blocked", 120.0, 120.0),
    ]
    assert found.changes == Changes(10, 30, 0)  # the first sample has nothing before it

    text = report.render(summary, None)
    assert "## Database activity" in text
    assert "| blocked | 2 | 2m |" in text
    assert "10 inserted, 30 updated, 0 deleted" in text
    assert "| blocked | 22:15:20 | 22:17:20 | 2m | session 42 waits on a lock" in text
    assert "| 3 | 22:16:20 | 3m | running | 110 | 10 | 0 | 0.0 | 3.3 | blocked: session 42" in text


def test_episodes_are_bounded_and_the_rest_counted(build: type[Build]) -> None:
    count = 2 * MAX_EPISODES + 10  # updating and growing in turn: one episode every other
    readings = [reading(i, 10 * i, IDLE_SESSION) for i in range(count)]
    totals = [100 + (i + 1) // 2 * (i % 2) + i // 2 for i in range(count)]
    summary = summarise(_pilot(build, readings, totals))
    assert len(summary.activity.episodes) == MAX_EPISODES
    assert summary.activity.more == (count - 1) // 2 - MAX_EPISODES + (count % 2 == 0)
    assert f"{summary.activity.more} more not listed" in report.render(summary, None)


def test_a_journal_without_activity_says_it_was_not_recorded(build: type[Build]) -> None:
    summary = summarise([build.start(), *build.regular([110, 120]), build.end(120.0)])
    assert not summary.activity.read
    assert "Not recorded: the job's activity" in report.render(summary, None)
