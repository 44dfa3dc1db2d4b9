"""Journals recorded from real pilots on the demo stack (tests/unit/recorded/), read as the
report reads them: what a real backfill's warm-up, rate-limit pause, stall and lock look
like to the analysis, the decision and the report, with no hand-made figure in between.

- demo_pilot: the second `make demo` of 2026-12-04 (3m, a sample every 15s; the table kept
  the first run's rows); demo_pilot_again: the third;
- stalled_pilot: tests/e2e/test_stall_and_lock.py's frozen job (SIGSTOP after about 9s;
  PILOT_STALL_AFTER=9s, PILOT_STALL_FAILS=true);
- locked_pilot: the same file's lock (a SHARE lock on matches held for a few seconds by a
  psql session named lock-injector);

each with its run's part of the job's log.
"""

import json
from pathlib import Path

import pytest
from test_report import parse, section, tables

from monitor.core import report
from monitor.core.analysis import PilotSummary, summarise
from monitor.core.decision import decide
from monitor.core.joblog import LogDigest, digest
from monitor.core.records import from_dict
from monitor.core.troubles import place

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> PilotSummary:
    lines = (RECORDED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return summarise(from_dict(json.loads(line)) for line in lines)


def recorded_log(name: str) -> LogDigest:
    text = (RECORDED / f"{name}.log").read_text(encoding="utf-8")
    return digest(f"{name}.log", text.splitlines(keepends=True))


@pytest.fixture(scope="module")
def demo() -> PilotSummary:
    return recorded("demo_pilot")


def test_the_demo_warms_up_grows_and_pauses_for_a_rate_limit(demo: PilotSummary) -> None:
    states = [row.activity.state if row.activity else None for row in demo.rows]
    # the warm-up (no session yet), growth, the 429 pause across samples 7 and 8, growth;
    # the count after the stop is no state of the job's, but is read too
    assert states == ["idle"] + ["growing"] * 6 + ["idle"] + ["growing"] * 5
    first = demo.rows[0].activity
    assert (
        first is not None
        and first.detail == "no new rows, no writes, no job session in the database"
    )
    pause = demo.rows[7].activity
    assert pause is not None and pause.detail == "no new rows, no writes, no statement running"
    assert dict(demo.activity.intervals) == {
        "growing": 10, "updating": 0, "in transaction": 0, "blocked": 0, "idle": 2,
    }  # fmt: skip
    assert demo.activity.changes is not None and demo.activity.changes.inserted == 222


def test_the_demos_rates_set_the_warm_up_apart_and_keep_the_pause(demo: PilotSummary) -> None:
    rates = demo.rates
    assert (rates.warmup_samples, round(rates.warmup_s or 0)) == (1, 15)
    assert (rates.steady_rows, rates.intervals) == (222, 11)
    assert round(rates.steady_per_min or 0, 1) == 80.7
    assert round(rates.median_per_min or 0) == 96
    assert round(rates.p10_per_min or 0) == 4  # the pause's interval


def test_the_demo_is_a_go_and_its_rate_limit_is_lined_up_with_the_drop(
    demo: PilotSummary,
) -> None:
    log = recorded_log("demo_pilot")
    decision = decide(demo, log)
    assert (demo.verdict.outcome, decision.level) == ("passed", "GO")
    assert "No stall after the warm-up." in [reason.text for reason in decision.reasons]
    (found,) = place(log.troubles, demo)
    assert (found.trouble.kind, found.within.last_index) == ("rate limited (HTTP 429)", 7)
    assert found.drop is found.within
    _, (_, rows) = tables(section(parse(report.render(demo, log)), "Log analysis"))
    assert rows[0][4] == "4.0/min at sample 7: a drop (median 96.0/min)"


def test_a_rate_limit_logged_as_an_interval_ends_is_lined_up_with_the_drop_after_it() -> None:
    """The third `make demo`: the 429 line came at 09:22:08, in sample 6's last second;
    its 30 s pause is sample 7."""
    again, log = recorded("demo_pilot_again"), recorded_log("demo_pilot_again")
    (found,) = place(log.troubles, again)
    assert found.trouble.first_at == "2026-12-04 09:22:08"
    assert (found.within.last_index, found.within.drop) == (6, False)
    assert found.after is not None and found.drop is found.after
    assert (found.after.last_index, found.after.rate_per_min) == (7, 0.0)
    _, (_, rows) = tables(section(parse(report.render(again, log)), "Log analysis"))
    assert rows[0][4] == "92.0/min at sample 6, then 0.0/min at sample 7: a drop (median 96.0/min)"


def test_a_frozen_job_is_idle_then_a_stall_that_ends_the_pilot_as_no_go() -> None:
    stalled = recorded("stalled_pilot")
    states = [row.activity.state if row.activity else None for row in stalled.rows[:-1]]
    assert states == ["growing"] * 3 + ["idle"] * 3
    [episode] = stalled.activity.episodes
    assert (episode.state, episode.intervals) == ("idle", 3)
    assert episode.detail == "no new rows, no writes, no statement running"
    assert [event.name for event in stalled.events if event.name == "stalled"] == ["stalled"]
    end = stalled.end
    assert end is not None and (end.reason, end.job_stopped_by) == ("stall", "KILL")
    assert stalled.verdict.headline.startswith("FAILED: the job stalled")
    decision = decide(stalled, recorded_log("stalled_pilot"))
    assert decision.level == "NO-GO"
    assert decision.reasons[0].text.startswith("The job stalled, and PILOT_STALL_FAILS ended")


def test_a_lock_is_blocked_naming_its_holder_and_growth_comes_back() -> None:
    locked = recorded("locked_pilot")
    states = [row.activity.state if row.activity else None for row in locked.rows[:-1]]
    assert states == ["growing"] * 3 + ["blocked"] * 2 + ["growing"] * 5
    [episode] = locked.activity.episodes
    assert (episode.state, episode.intervals) == ("blocked", 2)
    assert "waits on a lock (Lock:relation) held by pid" in episode.detail
    assert "(lock-injector, active, transaction open" in episode.detail
    text = report.render(locked, recorded_log("locked_pilot"))
    _, (_, stretches) = tables(section(parse(text), "Database activity"))
    assert [row[0] for row in stretches] == ["blocked"]
    assert "lock-injector" in stretches[0][4]
    # a lock of a few seconds, far below PILOT_STALL_AFTER: no stall, and the pilot a GO
    assert decide(locked, recorded_log("locked_pilot")).level == "GO"
