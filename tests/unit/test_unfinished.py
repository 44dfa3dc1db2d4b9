"""Where a pilot whose monitor died stands, and how its report shows the gaps."""

from monitor.core import report
from monitor.core.analysis import Progress, summarise
from monitor.core.records import Record
from monitor.core.unfinished import where_it_stands


def test_where_a_pilot_stands_after_its_monitor_died(build) -> None:
    launch = {"pid": 42, "pidfile": "/tmp/pilot-monitor-x-1.pid", "exec_id": "e1"}
    records = [
        build.start(baseline=100),
        build.event(0.5, "job_started", "started", **launch),
        build.sample(1, 60.0, 110),
        build.sample(2, 120.0, None, error="connection refused"),
        build.sample(3, 180.0, 130),
        build.event(181.0, "count_recovered", "the table can be counted again"),
    ]
    state = where_it_stands(records)
    assert state.launch == launch
    assert state.last_index == 3
    assert state.progress == Progress(baseline=100, last_total=130, last_elapsed_s=180.0)
    assert state.last_at == build.T0 + 181.0


def test_a_pilot_that_died_before_its_launch_was_journaled_has_none(build) -> None:
    state = where_it_stands([build.start(baseline=7)])
    assert (state.launch, state.last_index, state.progress.last_total) == (None, 0, 7)
    assert state.last_at == build.T0


def away(build) -> list[Record]:
    """A pilot whose monitor was away from 70 s to 250 s, and whose Engine did not answer from
    310 s to 400 s and from 500 s to the end."""
    return [
        build.start(baseline=100, duration=600.0),
        build.sample(1, 60.0, 110),
        build.event(250.0, "monitor_resumed", "back", gap_from=build.T0 + 70.0, missed=2),
        build.sample(5, 300.0, 150),
        build.event(310.0, "engine_unreachable", "cannot ask"),
        build.event(400.0, "engine_reachable", "answers"),
        build.event(500.0, "engine_unreachable", "cannot ask"),
        build.sample(10, 600.0, 200, final=True),
        build.end(600.0),
    ]


def test_the_report_shows_the_monitors_absence_and_the_engines_silence(build) -> None:
    summary = summarise(away(build))
    assert [(g.kind, g.first_at - build.T0, g.last_at) for g in summary.gaps] == [
        ("monitor", 70.0, build.T0 + 250.0),
        ("engine", 310.0, build.T0 + 400.0),
        ("engine", 500.0, None),
    ]
    text = report.render(summary, None)
    assert "- Monitoring gap: the monitor was not running from 22:14:30 to 22:17:30 (3m)" in text
    assert "- Docker Engine unreachable from 22:18:30 to 22:20:00 (1m 30s)" in text
    assert "- Docker Engine unreachable from 22:21:40 to 22:23:20 (1m 40s)" in text
    assert "took it up again without starting the job twice" in text
