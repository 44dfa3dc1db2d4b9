"""The comparison with the previous pilot: which one is chosen, what is compared, what is
not comparable and why; then the summaries read from a logs folder (tmp_path), the report's
section, the JSON summary's ``previous`` and the console's line."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_pilot_report import journal_of
from test_report import paragraphs, parse, section, tables

from monitor.adapters.files import read_json_files
from monitor.core import report
from monitor.core.analysis import PilotSummary, summarise
from monitor.core.comparison import (
    Comparison,
    compare,
    comparison_json,
    pick_previous,
    previous_pilot,
    signed_percent,
)
from monitor.core.console import closing_lines
from monitor.core.samples_csv import iso_time
from monitor.core.summary_json import dumps, summary_json
from monitor.pilot import SUMMARY_STEM, find_previous, rebuild_report

DAY = 86_400.0
TITLE = "Compared with the previous pilot"


def pilot(build, per_minute: int, *, table: str = "matches") -> PilotSummary:
    """10 one-minute intervals at ``per_minute`` rows each, passed."""
    totals: list[int | None] = [100 + per_minute * (n + 1) for n in range(10)]
    return summarise(
        [
            build.start(baseline=100, duration=600.0, table=table),
            *build.regular(totals),
            build.end(600.0),
        ]
    )


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y%m%d_%H%M%S")


def as_json(summary: PilotSummary, *, days_before: float = 0.0) -> dict[str, Any]:
    """The summary's JSON, moved ``days_before`` earlier (its run id with it)."""
    data = summary_json(summary, report=None)
    if days_before:
        at = summary.start.at - days_before * DAY
        data.update(run_id=stamp(at), start=iso_time(at))
    return data


def earlier(build, per_minute: int, days: float = 1.0, **changes: object) -> dict[str, Any]:
    data = as_json(pilot(build, per_minute), days_before=days)
    data.update(changes)
    return data


# --- which previous pilot ---------------------------------------------------------------


def test_no_previous_pilot(build) -> None:
    now = as_json(pilot(build, 30))
    assert previous_pilot(now, []) is None
    assert previous_pilot(now, [now]) is None  # this run alone


def test_the_most_recent_earlier_one_of_the_same_table(build) -> None:
    now = as_json(pilot(build, 30))
    two_days, one_day = earlier(build, 20, 2.0), earlier(build, 40, 1.0)
    later = earlier(build, 50, -1.0)  # a later run: a report rebuilt afterwards
    other = as_json(pilot(build, 60, table="teams"), days_before=0.01)
    candidates = [two_days, later, "not a summary", None, other, one_day, {"table": "matches"}]
    assert pick_previous(now, candidates) is one_day
    comparison = previous_pilot(now, candidates)
    assert comparison is not None and comparison.comparable
    assert (comparison.run_id, comparison.start) == ("20231113_221320", "2023-11-13T22:13:20.000Z")
    assert comparison.start_at == build.T0 - DAY


def test_this_run_is_never_its_own_previous(build) -> None:
    now = as_json(pilot(build, 30))
    rebuilt = {**earlier(build, 40), "run_id": now["run_id"]}  # same run, whatever its start
    assert previous_pilot(now, [rebuilt]) is None
    assert compare(now, rebuilt).not_comparable == "it is this run's own summary"


def test_another_table_is_not_comparable(build) -> None:
    now = as_json(pilot(build, 30))
    teams = as_json(pilot(build, 30, table="teams"), days_before=1.0)
    assert previous_pilot(now, [teams]) is None
    found = compare(now, teams)
    assert not found.comparable and found.changes == ()
    assert found.not_comparable == "it is of another table (teams)"
    assert found.run_id == "20231113_221320"


# --- what is compared ---------------------------------------------------------------------


def test_a_slower_run(build) -> None:
    found = compare(as_json(pilot(build, 30)), earlier(build, 40))
    assert [change.key for change in found.changes] == [
        "steady_per_min", "median_per_min", "p10_per_min", "p90_per_min",
        "average_rate_per_min", "added_rows", "duration_s", "decision", "outcome",
        "missing_samples",
    ]  # fmt: skip
    steady = found.get("steady_per_min")
    assert steady is not None
    assert (steady.before, steady.now) == (40.0, 30.0)
    assert steady.relative == pytest.approx(-0.25)
    assert signed_percent(steady.relative) == "-25%"
    added = found.get("added_rows")
    assert added is not None and (added.before, added.now) == (400.0, 300.0)
    assert signed_percent(added.relative) == "-25%"
    assert found.get("eta_s") is None  # null in both: no PILOT_TARGET_ROWS
    decision = found.get("decision")
    assert decision is not None and (decision.before, decision.now) == ("GO", "GO")


def test_a_faster_run(build) -> None:
    found = compare(as_json(pilot(build, 45)), earlier(build, 30))
    steady = found.get("steady_per_min")
    assert steady is not None and signed_percent(steady.relative) == "+50%"
    missing = found.get("missing_samples")
    assert missing is not None and missing.difference == 0.0


def test_zero_and_missing_rates_are_no_percentage(build) -> None:
    previous = earlier(build, 30)
    previous["rates"] = {**previous["rates"], "steady_per_min": 0.0, "median_per_min": None}
    previous["added_rows"] = 0
    now = as_json(pilot(build, 30))
    now["rates"] = {**now["rates"], "p10_per_min": 0.0}
    previous["rates"]["p10_per_min"] = 0.0
    found = compare(now, previous)
    steady, median = found.get("steady_per_min"), found.get("median_per_min")
    assert steady is not None and steady.relative is None  # from 0
    assert signed_percent(steady.relative) == "n/a"
    assert median is not None and (median.before, median.relative) == (None, None)
    p10 = found.get("p10_per_min")
    assert p10 is not None and signed_percent(p10.relative) == "±0%"  # 0 to 0
    added = found.get("added_rows")
    assert added is not None and added.relative is None


def test_a_stalled_run_has_no_steady_rate_and_shows_it(build) -> None:
    flat = summarise([build.start(), *build.regular([100] * 10), build.end(600.0)])
    found = compare(as_json(flat), earlier(build, 30))
    steady = found.get("steady_per_min")
    assert steady is not None and (steady.before, steady.now, steady.relative) == (30.0, None, None)


def test_an_older_summary_is_compared_on_what_it_has(build) -> None:
    previous = earlier(build, 40)
    previous["rates"] = {"steady_per_min": 40.0}  # no spread
    for key in ("eta_s", "missing_samples", "decision"):
        del previous[key]
    previous["outcome"] = 7  # damaged: not a level
    found = compare(as_json(pilot(build, 30)), previous)
    assert found.comparable
    assert [change.key for change in found.changes] == [
        "steady_per_min", "average_rate_per_min", "added_rows", "duration_s",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"schema": 2}, "its summary has schema 2; this monitor reads 1"),
        ({"schema": None}, "its summary has no schema number (this monitor reads 1)"),
        ({"schema": True}, "its summary has schema True; this monitor reads 1"),
        ({"table": None}, "its table is not recorded"),
        ({"start": "yesterday"}, "its start time is missing or unreadable"),
        ({"start": "2023-11-15T00:00:00Z"}, "it did not start before this run"),
        (
            {"rates": [], "average_rate_per_min": "fast", "added_rows": "many", "eta_s": 5}
            | {"duration_s": "10m", "decision": [], "outcome": 1, "missing_samples": True},
            "none of its figures can be read",  # each of the wrong type
        ),
    ],
)
def test_what_cannot_be_compared_says_why(build, changes: dict[str, object], why: str) -> None:
    found = compare(as_json(pilot(build, 30)), earlier(build, 40, **changes))
    assert (found.comparable, found.not_comparable, found.changes) == (False, why, ())


def test_not_a_json_object(build) -> None:
    found = compare(as_json(pilot(build, 30)), [1, 2])
    assert found == Comparison(None, None, not_comparable="its summary is not a JSON object")
    assert found.start_at is None


def test_signed_percent() -> None:
    assert [signed_percent(value) for value in (-0.234, 0.05, 0.004, -0.004, 2.0, None)] == [
        "-23%", "+5%", "±0%", "±0%", "+200%", "n/a",
    ]  # fmt: skip


# --- in the JSON summary, the report and on the console ------------------------------------


def test_the_json_summary_has_the_previous_run(build) -> None:
    summary = pilot(build, 30)
    found = compare(as_json(summary), earlier(build, 40))
    data = json.loads(dumps(summary_json(summary, report=None, previous=found)))
    previous = data["previous"]
    assert previous["run_id"] == "20231113_221320"
    assert previous["start"] == "2023-11-13T22:13:20.000Z"
    assert (previous["comparable"], previous["not_comparable"]) == (True, None)
    assert previous["changes"]["steady_per_min"] == {
        "before": 40.0,
        "now": 30.0,
        "relative": -0.25,
        "difference": -10.0,
    }
    assert previous["changes"]["outcome"] == {
        "before": "passed",
        "now": "passed",
        "relative": None,
        "difference": None,
    }
    assert summary_json(summary, report=None)["previous"] is None
    refused = comparison_json(compare(as_json(summary), earlier(build, 40, schema=2)))
    assert (refused["comparable"], refused["changes"]) == (False, {})


def compared_section(text: str) -> tuple[list[str], list[tuple[list[str], list[list[str]]]]]:
    tokens = section(parse(text), TITLE)
    return paragraphs(tokens), tables(tokens)


def test_the_report_section_without_a_previous_pilot(build) -> None:
    text = report.render(pilot(build, 30), None)
    assert report.SECTIONS[2:4] == ("Collection statistics", TITLE)
    assert compared_section(text) == (
        ["No earlier pilot of matches in this logs folder to compare with."],
        [],
    )


def test_the_report_section_with_a_slower_previous_pilot(build) -> None:
    summary = pilot(build, 30)
    previous = earlier(build, 40)
    previous["rates"]["p10_per_min"] = 0.0
    previous["missing_samples"] = 2
    found = compare(as_json(summary), previous)
    words, ((header, rows),) = compared_section(report.render(summary, None, previous=found))
    assert words == [
        "The previous pilot of matches in this logs folder: run 20231113_221320,"
        " started 2023-11-13 22:13:20 UTC."
    ]
    assert header == ["", "Previous", "This run", "Change"]
    assert {row[0]: row[1:] for row in rows} == {
        "Steady rate": ["40.0/min", "30.0/min", "-25%"],
        "Median interval rate": ["40.0/min", "30.0/min", "-25%"],
        "p10 interval rate": ["0.0/min", "30.0/min", "n/a"],
        "p90 interval rate": ["40.0/min", "30.0/min", "-25%"],
        "Average rate": ["40.0/min", "30.0/min", "-25%"],
        "Rows added": ["400", "300", "-25%"],
        "Duration": ["10m", "10m", "±0%"],
        "Decision": ["GO", "GO", "same"],
        "Outcome": ["passed", "passed", "same"],
        "Samples missing": ["2", "0", "-2"],
    }


def test_the_report_section_says_why_it_cannot_compare(build) -> None:
    summary = pilot(build, 30)
    found = compare(as_json(summary), earlier(build, 40, schema=3))
    words, found_tables = compared_section(report.render(summary, None, previous=found))
    assert words == [
        "The previous pilot, run 20231113_221320 of 2023-11-13 22:13:20 UTC, cannot be"
        " compared: its summary has schema 3; this monitor reads 1."
    ]
    assert found_tables == []


def test_the_console_says_the_steady_rate_against_the_previous_run(build) -> None:
    summary = pilot(build, 30)
    found = compare(as_json(summary), earlier(build, 40))
    lines = closing_lines(summary, "r.md", previous=found)
    assert lines[-2:] == [
        "[monitor] vs the run of 2023-11-13 22:13 UTC: steady rate -25%",
        "[monitor] report: r.md",
    ]
    refused = compare(as_json(summary), earlier(build, 40, schema=3))
    assert closing_lines(summary, "r.md", previous=refused) == closing_lines(summary, "r.md")


# --- on disk --------------------------------------------------------------------------------


def put(directory: Path, name: str, content: str | bytes) -> None:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def summary_file(data: dict[str, Any]) -> str:
    return f"{SUMMARY_STEM}{data['run_id']}.json"


def test_the_previous_pilot_is_found_on_disk_past_bad_files(build, tmp_path: Path) -> None:
    summary = pilot(build, 30)
    one_day, two_days = earlier(build, 40, 1.0), earlier(build, 20, 2.0)
    later = earlier(build, 50, -1.0)
    put(tmp_path, summary_file(two_days), dumps(two_days))
    put(tmp_path, summary_file(one_day), dumps(one_day))
    put(tmp_path, summary_file(later), dumps(later))
    put(tmp_path, f"{SUMMARY_STEM}20231114_000000.json", "{not json")  # newer, invalid
    put(tmp_path, f"{SUMMARY_STEM}20231114_000001.json", b"\xff\xfe\x00garbage")
    put(tmp_path, f"{SUMMARY_STEM}20231114_000002.json", "[]")
    (tmp_path / f"{SUMMARY_STEM}20231114_000003.json").mkdir()  # not even a file
    put(tmp_path, f"{SUMMARY_STEM}20231114_221320.json", dumps(as_json(summary)))  # its own
    found = find_previous(summary, tmp_path, None)
    assert found is not None and found.comparable
    assert found.run_id == one_day["run_id"]
    steady = found.get("steady_per_min")
    assert steady is not None and signed_percent(steady.relative) == "-25%"


def test_an_empty_or_missing_folder_has_no_previous_pilot(build, tmp_path: Path) -> None:
    assert find_previous(pilot(build, 30), tmp_path, None) is None
    assert find_previous(pilot(build, 30), tmp_path / "missing", None) is None


def test_only_the_newest_files_named_before_are_read(tmp_path: Path) -> None:
    for n in range(5):
        put(tmp_path, f"s_{n}.json", json.dumps(n))
    put(tmp_path, "s_9.txt", "9")
    assert list(read_json_files(tmp_path, "s_", newest=2)) == [4, 3]
    assert list(read_json_files(tmp_path, "s_", below="s_3", newest=50)) == [2, 1, 0]


def test_a_rebuilt_report_compares_with_the_pilot_before(build, tmp_path: Path) -> None:
    previous = earlier(build, 40)
    put(tmp_path, summary_file(previous), dumps(previous))
    records = [
        build.start(baseline=100, duration=600.0),
        *build.regular([100 + 30 * (n + 1) for n in range(10)]),
        build.end(600.0),
    ]
    journal = journal_of(tmp_path, records)
    path = rebuild_report(journal, lambda line: None)
    words, ((_, rows),) = compared_section(path.read_text(encoding="utf-8"))
    assert words[0].startswith("The previous pilot of matches in this logs folder: run 20231113")
    assert rows[0] == ["Steady rate", "40.0/min", "30.0/min", "-25%"]
    data = json.loads((tmp_path / f"{SUMMARY_STEM}20231114_221320.json").read_text())
    assert data["previous"]["run_id"] == previous["run_id"]
    again = rebuild_report(journal, lambda line: None)  # its own summary is there now
    (_, ((_, rows),)) = compared_section(again.read_text(encoding="utf-8"))
    assert rows[0] == ["Steady rate", "40.0/min", "30.0/min", "-25%"]
