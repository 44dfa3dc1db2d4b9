"""The Prometheus metrics, from records in to sample values out (no HTTP server but one test)."""

import socket

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from monitor.adapters.metrics import OUTCOMES, STATES, Metrics
from monitor.core.analysis import summarise
from monitor.core.records import Record
from tests.unit.conftest import Build


def fed(*records: Record) -> Metrics:
    metrics = Metrics(None)
    for record in records:
        metrics.record(record)
    return metrics


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def state(metrics: Metrics) -> str:
    on = [s for s in STATES if value(metrics, "pilot_state", pilot_state=s) == 1.0]
    assert len(on) == 1, on
    return on[0]


def outcome(metrics: Metrics) -> str | None:
    on = [o for o in OUTCOMES if value(metrics, "pilot_outcome", pilot_outcome=o) == 1.0]
    assert len(on) <= 1, on
    return on[0] if on else None


def test_before_any_record_only_the_state_and_the_counters_show() -> None:
    metrics = Metrics(None)
    assert state(metrics) == "starting"
    assert value(metrics, "pilot_samples_total") == 0.0
    assert value(metrics, "pilot_samples_missing_total") == 0.0
    assert value(metrics, "pilot_job_running") == 0.0
    assert value(metrics, "pilot_engine_reachable") == 1.0
    assert value(metrics, "pilot_stalled") == 0.0
    for absent in (
        "pilot_rows",
        "pilot_rows_added",
        "pilot_rate_rows_per_minute",
        "pilot_budget_seconds",
        "pilot_last_sample_timestamp_seconds",
        "pilot_exit_code",
        "pilot_job_exit_code",
    ):
        assert value(metrics, absent) is None, absent
    assert outcome(metrics) is None


def test_the_start_names_the_pilot_and_its_budget(build: type[Build]) -> None:
    metrics = fed(build.start(baseline=100, duration=600.0, interval=60.0, container="fp-app-1"))
    assert (
        value(
            metrics, "pilot_info", run_id="20231114_221320", table="matches", container="fp-app-1"
        )
        == 1.0
    )
    assert state(metrics) == "starting"
    assert value(metrics, "pilot_budget_seconds") == 600.0
    assert value(metrics, "pilot_interval_seconds") == 60.0
    assert value(metrics, "pilot_elapsed_seconds") == 0.0
    assert value(metrics, "pilot_rows") == 100.0
    assert value(metrics, "pilot_rows_added") == 0.0
    assert value(metrics, "pilot_rate_rows_per_minute") is None
    assert value(metrics, "pilot_job_running") == 0.0

    metrics.record(build.event(0.5, "job_started", "started (pid 42 in the container)"))
    assert state(metrics) == "running"
    assert value(metrics, "pilot_job_running") == 1.0
    assert value(metrics, "pilot_elapsed_seconds") == 0.5


def test_samples_give_the_count_the_rows_added_and_the_last_interval_rate(
    build: type[Build],
) -> None:
    metrics = fed(
        build.start(baseline=100),
        build.event(0.5, "job_started", "started"),
        *build.regular([160, 190]),
    )
    assert state(metrics) == "running"
    assert value(metrics, "pilot_job_running") == 1.0
    assert value(metrics, "pilot_samples_total") == 2.0
    assert value(metrics, "pilot_rows") == 190.0
    assert value(metrics, "pilot_rows_added") == 90.0
    assert value(metrics, "pilot_rate_rows_per_minute") == 30.0  # 30 rows in the last 60 s
    assert value(metrics, "pilot_elapsed_seconds") == 120.0
    assert value(metrics, "pilot_last_sample_timestamp_seconds") == Build.T0 + 120.0


def test_a_missing_count_keeps_the_last_count_and_drops_the_rate_until_the_next(
    build: type[Build],
) -> None:
    metrics = fed(
        build.start(baseline=100),
        build.event(0.5, "job_started", "started"),
        *build.regular([160, None]),
    )
    assert value(metrics, "pilot_samples_total") == 2.0
    assert value(metrics, "pilot_samples_missing_total") == 1.0
    assert value(metrics, "pilot_rows") == 160.0
    assert value(metrics, "pilot_rows_added") == 60.0
    assert value(metrics, "pilot_rate_rows_per_minute") is None
    assert value(metrics, "pilot_last_sample_timestamp_seconds") == Build.T0 + 120.0

    metrics.record(build.sample(3, 180.0, 280))
    assert value(metrics, "pilot_samples_missing_total") == 1.0
    # The rate after the gap spans it, as the report's does: 120 rows over 120 s.
    assert value(metrics, "pilot_rate_rows_per_minute") == 60.0
    assert value(metrics, "pilot_rows_added") == 180.0


def test_a_sample_that_saw_the_job_stopped_says_so(build: type[Build]) -> None:
    metrics = fed(
        build.start(),
        build.event(0.5, "job_started", "started"),
        build.sample(1, 60.0, 150, running=False),
    )
    assert value(metrics, "pilot_job_running") == 0.0


@pytest.mark.parametrize(
    ("unwell", "well", "name"),
    [
        ("engine_unreachable", "engine_reachable", "pilot_engine_reachable"),
        ("stalled", "progressing", "pilot_stalled"),
    ],
)
def test_edge_events_switch_their_gauge_and_back(
    build: type[Build], unwell: str, well: str, name: str
) -> None:
    metrics = fed(build.start(), build.event(0.5, "job_started", "started"))
    before = value(metrics, name)
    metrics.record(build.event(10.0, unwell, "..."))
    during = value(metrics, name)
    metrics.record(build.event(20.0, well, "..."))
    assert (before, during, value(metrics, name)) == (
        (1.0, 0.0, 1.0) if name == "pilot_engine_reachable" else (0.0, 1.0, 0.0)
    )
    assert value(metrics, "pilot_elapsed_seconds") == 20.0


def test_a_budget_spent_goes_stopping_then_ended_passed(build: type[Build]) -> None:
    records = [
        build.start(baseline=100),
        build.event(0.5, "job_started", "started"),
        *build.regular([160, 220]),
        build.event(120.1, "stopping", "stopping the job"),
    ]
    metrics = fed(*records)
    assert state(metrics) == "stopping"
    assert value(metrics, "pilot_job_running") == 1.0  # still, until it is gone
    assert outcome(metrics) is None
    assert value(metrics, "pilot_exit_code") is None

    tail = [
        build.event(121.0, "job_stopped", "gone after SIGTERM", signal="TERM", gone=True),
        build.sample(3, 121.5, 225, final=True, running=False),
        build.end(122.0, exit_code=143),
    ]
    for record in tail:
        metrics.record(record)
    assert state(metrics) == "ended"
    assert value(metrics, "pilot_job_running") == 0.0
    assert outcome(metrics) == "passed"
    assert value(metrics, "pilot_exit_code") == 0.0
    assert value(metrics, "pilot_job_exit_code") == 143.0
    assert value(metrics, "pilot_samples_total") == 3.0
    assert value(metrics, "pilot_rows") == 225.0
    assert value(metrics, "pilot_elapsed_seconds") == 122.0

    # The summary agrees; a report that could not be written makes the run a failure.
    summary = summarise([*records, *tail])
    metrics.concluded(summary, None)
    assert outcome(metrics) == "passed"
    assert value(metrics, "pilot_exit_code") == 1.0


@pytest.mark.parametrize(
    ("tail", "expected_outcome", "code", "job_code"),
    [
        (["job_exited:1", "end:job_exit:1"], "failed", 1.0, 1.0),
        (["job_exited:0", "end:job_exit:0"], "completed", 0.0, 0.0),
        (["job_lost:137", "end:job_lost:137"], "failed", 1.0, 137.0),
        (["stopping", "end:signal:143"], "interrupted", 3.0, 143.0),
    ],
)
def test_each_way_to_end_shows_its_outcome_and_codes(
    build: type[Build],
    tail: list[str],
    expected_outcome: str,
    code: float,
    job_code: float,
) -> None:
    metrics = fed(
        build.start(),
        build.event(0.5, "job_started", "started"),
        *build.regular([160]),
    )
    for step in tail:
        name, *rest = step.split(":")
        if name == "end":
            reason, exit_code = rest
            metrics.record(build.end(70.0, reason, exit_code=int(exit_code), stopped_by=None))
        else:
            data = {"exit_code": int(rest[0])} if rest else {}
            metrics.record(build.event(65.0, name, "...", **data))
            assert state(metrics) == "stopping"
            if name != "stopping":
                assert value(metrics, "pilot_job_running") == 0.0
    assert state(metrics) == "ended"
    assert outcome(metrics) == expected_outcome
    assert value(metrics, "pilot_exit_code") == code
    assert value(metrics, "pilot_job_exit_code") == job_code


def test_a_job_not_started_fails_the_pilot(build: type[Build]) -> None:
    metrics = fed(
        build.start(),
        build.event(0.2, "job_not_started", "the job was not started: no such file"),
        build.end(0.3, "error", stopped_by=None, detail="no such file"),
    )
    assert outcome(metrics) == "failed"
    assert value(metrics, "pilot_job_running") == 0.0
    assert value(metrics, "pilot_samples_total") == 0.0
    assert value(metrics, "pilot_job_exit_code") is None


def test_a_job_not_confirmed_gone_is_still_shown_running(build: type[Build]) -> None:
    metrics = fed(
        build.start(),
        build.event(0.5, "job_started", "started"),
        *build.regular([160]),
        build.event(60.1, "stopping", "stopping"),
        build.event(75.0, "job_not_stopped", "could NOT be confirmed gone", gone=False),
        build.end(76.0, gone=False),
    )
    assert value(metrics, "pilot_job_running") == 1.0
    assert outcome(metrics) == "failed"


def test_a_pilot_taken_up_shows_what_it_can_without_its_start(build: type[Build]) -> None:
    """A monitor taking a pilot up hands its outputs the records from the gap on only."""
    metrics = fed(
        build.event(300.0, "monitor_resumed", "back", gap_from=Build.T0 + 120.0, missed=2),
        build.sample(6, 360.0, 500),
    )
    assert state(metrics) == "running"
    assert value(metrics, "pilot_job_running") == 1.0
    assert value(metrics, "pilot_rows") == 500.0
    assert value(metrics, "pilot_rows_added") is None  # the baseline is in the start record
    assert value(metrics, "pilot_rate_rows_per_minute") is None
    assert value(metrics, "pilot_samples_total") == 1.0


def test_a_new_start_record_starts_afresh(build: type[Build]) -> None:
    metrics = fed(build.start(), *build.regular([160]), build.end(70.0), build.start(baseline=7))
    assert state(metrics) == "starting"
    assert value(metrics, "pilot_samples_total") == 0.0
    assert value(metrics, "pilot_rows") == 7.0
    assert outcome(metrics) is None


def test_the_exposition_parses_with_help_and_the_right_types(build: type[Build]) -> None:
    metrics = fed(
        build.start(),
        build.event(0.5, "job_started", "started"),
        *build.regular([160, 190]),
        build.end(121.0, "job_exit", exit_code=0, stopped_by=None),
    )
    text = generate_latest(metrics.registry).decode()
    found = {family.name: family for family in text_string_to_metric_families(text)}
    assert set(found) == {
        "pilot_info",
        "pilot_state",
        "pilot_budget_seconds",
        "pilot_interval_seconds",
        "pilot_elapsed_seconds",
        "pilot_rows",
        "pilot_rows_added",
        "pilot_rate_rows_per_minute",
        "pilot_samples",
        "pilot_samples_missing",
        "pilot_last_sample_timestamp_seconds",
        "pilot_job_running",
        "pilot_engine_reachable",
        "pilot_stalled",
        "pilot_outcome",
        "pilot_exit_code",
        "pilot_job_exit_code",
    }
    assert all(family.documentation for family in found.values())
    assert found["pilot_samples"].type == "counter"
    assert found["pilot_rows"].type == "gauge"
    assert {s.name for s in found["pilot_samples"].samples} == {"pilot_samples_total"}


def test_a_port_already_taken_raises_oserror() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        with pytest.raises(OSError):
            Metrics(port, addr="127.0.0.1")


def test_close_returns_at_once() -> None:
    metrics = Metrics(None)
    metrics.close(0.0)
    assert state(metrics) == "starting"
