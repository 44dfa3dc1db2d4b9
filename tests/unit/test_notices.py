"""The notices webhooks get, derived from journal records alone."""

import json

from monitor.core.analysis import summarise
from monitor.core.notices import Notices, finished

SECRET = "postgres-dev-password"


def notices_of(records: list) -> list:
    notices = Notices()
    return [notice for record in records if (notice := notices.feed(record)) is not None]


def test_a_pilot_that_passes_is_announced_then_concluded(build) -> None:
    start = build.start(
        baseline=100,
        settings=(("PILOT_DATABASE_URL", f"postgresql://postgres:{SECRET}@db/x"),),
    )
    records = [
        start,
        build.event(0.5, "job_started", "started", pid=42),
        build.sample(1, 60.0, 110),
        build.event(61.0, "count_failed", "the table cannot be counted"),
        build.sample(10, 600.0, 200, final=True),
        build.end(600.0),
    ]
    [started] = notices_of(records)
    assert started.kind == "started"
    assert started.text == (
        "Pilot 20231114_221320 on `matches` started: `python scripts/backfill_full_history.py`"
        " in stack-app-1, a 10m budget, a sample every 1m; the table had 100 rows"
    )
    payload = started.payload()
    assert payload["event"] == "started" and payload["at"] == "2023-11-14T22:13:20+00:00"
    assert started.slack() == {"text": f"▶️ {started.text}"}

    last = finished(summarise(records), "logs/pilot_run_report_x.md")
    assert last.kind == "finished"
    assert "PASSED" in last.text and "Rows added: 100 in 10m" in last.text
    assert last.payload()["outcome"] == "passed" and last.payload()["exit_code"] == 0
    assert last.payload()["report"] == "logs/pilot_run_report_x.md"
    # one interval with rows before the final count is too few to judge a rate
    assert "Decision: INCONCLUSIVE (Only 1 full interval(s) after the warm-up" in last.text
    assert last.payload()["decision"] == "INCONCLUSIVE"
    assert last.payload()["reasons"][0].startswith("Only 1 full interval(s)")
    every = json.dumps([n.payload() for n in [started, last]] + [started.slack(), last.slack()])
    assert SECRET not in every


def test_failures_stalls_and_interruptions_are_told_when_they_happen(build) -> None:
    records = [
        build.start(),
        build.event(0.5, "job_started", "started"),
        build.event(200.0, "stalled", "no new rows for 3m while the job runs (stalled?)"),
        build.event(300.0, "job_exited", "the job exited with code 0", exit_code=0),
        build.event(301.0, "job_exited", "the job exited with code 1", exit_code=1),
        build.event(302.0, "job_lost", "the job was lost: the app container restarted"),
        build.end(400.0, "signal", detail="the monitor received SIGTERM"),
    ]
    kinds = [(notice.kind, notice.text.split(": ", 1)[1]) for notice in notices_of(records)]
    assert kinds[1:] == [
        ("stalled", "no new rows for 3m while the job runs (stalled?)"),
        ("job_failed", "the job exited with code 1 after 5m 1s"),
        ("job_failed", "the job was lost: the app container restarted"),
        ("interrupted", "the monitor received SIGTERM; the job was stopped"),
    ]


def test_nothing_is_told_before_the_start_record(build) -> None:
    assert notices_of([build.event(0.5, "job_started", "started")]) == []
