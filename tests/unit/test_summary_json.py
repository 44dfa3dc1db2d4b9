"""The JSON summary for automation: its fields, its strictness, and no secret in it."""

import json

import pytest
from test_report import growing, log_digest

from monitor.core.analysis import summarise
from monitor.core.summary_json import SCHEMA, dumps, summary_json
from monitor.settings import describe, load_settings

SECRET = "s3cr3t-Pa55"
FILES = {
    "report": "pilot_run_report_20231114_221320.md",
    "samples": "pilot_samples_20231114_221320.csv",
    "chart": "pilot_chart_20231114_221320.svg",
    "html": "pilot_run_report_20231114_221320.html",
}


def failed_pilot(build, **start_changes: object) -> list:
    return [
        build.start(baseline=100, **start_changes),
        build.event(0.5, "job_started", "started the job (pid 42 in the container)", pid=42),
        *build.regular([130, None, None, 190]),
        build.event(
            120.0, "count_failed", "the table cannot be counted: connection refused", error="x"
        ),
        build.event(240.0, "count_recovered", "the table can be counted again"),
        build.event(250.0, "job_exited", "the job exited with code 1", exit_code=1),
        build.end(250.5, "job_exit", exit_code=1, stopped_by=None),
        build.sample(5, 251.0, 195, final=True, running=False),
    ]


def test_the_fields_of_a_failed_pilot(build) -> None:
    data = json.loads(dumps(summary_json(summarise(failed_pilot(build)), **FILES)))
    assert data["schema"] == SCHEMA == 1
    assert data["run_id"] == "20231114_221320"
    assert (data["table"], data["container"]) == ("matches", "stack-app-1")
    assert (data["start"], data["end"]) == ("2023-11-14T22:13:20.000Z", "2023-11-14T22:17:30.500Z")
    assert (data["budget_s"], data["duration_s"], data["interval_s"]) == (600.0, 250.5, 60.0)
    assert data["outcome"] == "failed"
    assert data["verdict"] == "FAILED: the job exited with code 1"
    assert (data["exit_code"], data["job_exit_code"], data["end_reason"]) == (1, 1, "job_exit")
    assert (data["job_gone"], data["job_started"]) == (True, True)
    assert (data["baseline_rows"], data["final_rows"], data["added_rows"]) == (100, 195, 95)
    assert data["average_rate_per_min"] == pytest.approx(95 * 60 / 251.0, abs=0.001)
    assert data["peak"] == {"sample": 1, "at": "2023-11-14T22:14:20.000Z", "rate_per_min": 30.0}
    assert data["slowest"]["sample"] == 4
    assert (data["samples"], data["missing_samples"]) == (5, 2)
    assert data["outages"] == [
        {
            "from": "2023-11-14T22:15:20.000Z",
            "to": "2023-11-14T22:16:20.000Z",
            "samples": 2,
            "error": "connection refused",
        }
    ]
    assert data["gaps"] == []
    assert [event["name"] for event in data["events"]] == [
        "job_started",
        "count_failed",
        "count_recovered",
        "job_exited",
    ]
    assert data["events"][3] == {
        "name": "job_exited",
        "at": "2023-11-14T22:17:30.000Z",
        "elapsed_s": 250.0,
        "message": "the job exited with code 1",
    }
    assert data["files"] == FILES


def test_what_is_unknown_is_null_never_zero(build) -> None:
    records = [
        build.start(),
        build.sample(1, 60.0, None),
        build.event(
            90.0, "monitor_resumed", "the monitor is back", gap_from=build.T0 + 60.0, missed=0
        ),
    ]
    data = summary_json(summarise(records), report=None)
    assert (data["end"], data["end_reason"], data["job_exit_code"]) == (None, None, None)
    assert data["outcome"] == "unfinished"
    assert (data["final_rows"], data["added_rows"], data["average_rate_per_min"]) == (
        None,
        None,
        None,
    )
    assert (data["peak"], data["slowest"]) == (None, None)
    assert data["gaps"] == [
        {"kind": "monitor", "from": "2023-11-14T22:14:20.000Z", "to": "2023-11-14T22:14:50.000Z"}
    ]
    assert data["files"] == {"report": None, "samples": None, "chart": None, "html": None}
    assert dumps(data).endswith("}\n")


def test_no_secret_from_the_settings(build, monkeypatch, tmp_path) -> None:
    for name in ("PILOT_DATABASE_URL", "PILOT_DATABASE_PASSWORD", "PILOT_JOB_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PILOT_SECRETS_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("PILOT_DATABASE_URL", f"postgresql://postgres:{SECRET}@db:5432/fp")
    monkeypatch.setenv("PILOT_DATABASE_PASSWORD", SECRET + "-2")
    monkeypatch.setenv("PILOT_JOB_ENV", f"TOKEN={SECRET}-3")
    settings = tuple(describe(load_settings(env_file=None)))
    text = dumps(summary_json(summarise(failed_pilot(build, settings=settings)), **FILES))
    assert SECRET not in text
    assert json.loads(text)["settings"]["PILOT_DATABASE_URL"] == (
        "postgresql://postgres:***@db:5432/fp"
    )


def test_event_data_is_left_out(build) -> None:
    records = [
        build.start(),
        build.event(1.0, "job_started", "started", pid=42, exec_id="abc", token=SECRET),
        build.end(2.0),
    ]
    text = dumps(summary_json(summarise(records), report="r.md"))
    assert SECRET not in text and "exec_id" not in text


def test_the_decision_and_the_rates_are_in_it(build) -> None:
    data = json.loads(dumps(summary_json(summarise(failed_pilot(build)), None, **FILES)))
    assert data["decision"]["level"] == "NO-GO"
    assert data["decision"]["reasons"][0].startswith("The job failed with exit code 1")
    assert data["decision"]["log_checked"] is True
    assert set(data["rates"]) == {
        "warmup_s", "steady_per_min", "median_per_min", "p10_per_min", "p90_per_min",
        "trend_change",
    }  # fmt: skip
    assert data["eta_s"] is None  # no PILOT_TARGET_ROWS


def test_the_logs_troubles_are_in_it_placed_against_the_rate(build) -> None:
    log = log_digest(
        [
            "2023-11-14 22:16:30 WARNING HTTP 429 Too Many Requests\n",
            "Traceback (most recent call last):\n",
        ]
    )
    data = json.loads(dumps(summary_json(growing(build), log, report=None)))
    assert data["log"] == {
        "lines": 2,
        "error_lines": 0,
        "warning_lines": 1,
        "tracebacks": 1,
        "troubles": [
            {
                "kind": "rate limited (HTTP 429)",
                "lines": 1,
                "first_at": "2023-11-14 22:16:30",
                "interval": {
                    "first_sample": 4,
                    "last_sample": 4,
                    "rate_per_min": 0.0,
                    "drop": True,
                    "next": {
                        "first_sample": 5,
                        "last_sample": 5,
                        "rate_per_min": 30.0,
                        "drop": False,
                    },
                },
            },
            {
                "kind": "tracebacks",
                "lines": 1,
                "first_at": None,
                "interval": None,
            },
        ],
    }
    assert summary_json(growing(build), report=None)["log"] is None
    assert summary_json(growing(build), None, report=None)["log"] is None
