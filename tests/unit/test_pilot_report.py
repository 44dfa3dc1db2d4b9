"""The report, the samples CSV, the chart, the HTML page and the JSON summary written from a
journal on disk (tmp_path), as the shell does."""

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import monitor.pilot
from monitor.adapters.journal import Journal
from monitor.core.records import Record
from monitor.pilot import conclude, rebuild_report


def journal_of(directory: Path, records: list[Record]) -> Path:
    path = directory / "pilot_journal_20231114_221320.jsonl"
    journal = Journal(path)
    try:
        for record in records:
            journal.append(record)
    finally:
        journal.close()
    return path


def small(build) -> list[Record]:
    return [
        build.start(baseline=100),
        *build.regular([130, None, 190]),
        build.end(180.0),
        build.sample(4, 181.0, 191, final=True, running=False),
    ]


def summarised(build) -> list[Record]:
    return [
        build.start(baseline=0, duration=12_060.0),
        *build.regular([10 * (i + 1) for i in range(201)]),
        build.end(12_060.0),
    ]


def test_rebuild_writes_the_report_and_a_csv_row_per_sample(build, tmp_path: Path) -> None:
    report = rebuild_report(journal_of(tmp_path, small(build)))
    assert report.name == "pilot_run_report_20231114_221320.md"
    samples = tmp_path / "pilot_samples_20231114_221320.csv"
    with samples.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["index"] for row in rows] == ["1", "2", "3", "4"]
    assert [row["total"] for row in rows] == ["130", "", "190", "191"]
    assert rows[1]["error"] == "connection refused"
    assert [row["final"] for row in rows] == ["false", "false", "false", "true"]
    assert "pilot_samples_" not in report.read_text("utf-8")  # every interval is listed


def test_a_summarised_report_names_its_own_csv(build, tmp_path: Path) -> None:
    journal = journal_of(tmp_path, summarised(build))
    first = rebuild_report(journal)
    second = rebuild_report(journal)  # never over the first: both get a name of their own
    assert second.name == "pilot_run_report_20231114_221320_2.md"
    assert "`pilot_samples_20231114_221320.csv` beside this report" in first.read_text()
    assert "`pilot_samples_20231114_221320_2.csv` beside this report" in second.read_text()
    lines = (tmp_path / "pilot_samples_20231114_221320_2.csv").read_text().splitlines()
    assert len(lines) == 1 + 201


def test_rebuild_writes_the_chart_the_page_and_the_json_beside_the_report(
    build, tmp_path: Path
) -> None:
    report = rebuild_report(journal_of(tmp_path, small(build)))
    chart = tmp_path / "pilot_chart_20231114_221320.svg"
    page = tmp_path / "pilot_run_report_20231114_221320.html"
    summary = tmp_path / "pilot_summary_20231114_221320.json"
    assert "![Rows and rate over time](pilot_chart_20231114_221320.svg)" in report.read_text()
    svg = chart.read_text(encoding="utf-8")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.strip() in page.read_text(encoding="utf-8")
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert (data["outcome"], data["added_rows"], data["missing_samples"]) == ("passed", 91, 1)
    assert data["files"] == {
        "report": report.name,
        "samples": "pilot_samples_20231114_221320.csv",
        "chart": chart.name,
        "html": page.name,
    }


def test_a_rebuild_links_the_files_of_its_own(build, tmp_path: Path) -> None:
    journal = journal_of(tmp_path, small(build))
    rebuild_report(journal)
    (tmp_path / "pilot_chart_20231114_221320_2.svg").write_text("someone else's")
    second = rebuild_report(journal)  # the chart's _2 name is taken: it gets _3
    assert "![Rows and rate over time](pilot_chart_20231114_221320_3.svg)" in second.read_text()
    data = json.loads((tmp_path / "pilot_summary_20231114_221320_2.json").read_text())
    assert data["files"]["report"] == "pilot_run_report_20231114_221320_2.md"
    assert data["files"]["chart"] == "pilot_chart_20231114_221320_3.svg"
    assert data["files"]["html"] == "pilot_run_report_20231114_221320_2.html"
    assert (tmp_path / "pilot_chart_20231114_221320_2.svg").read_text() == "someone else's"


def test_extras_that_cannot_be_written_leave_the_report(
    build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_new = monitor.pilot.write_new

    def only_markdown(directory: Path, stem: str, suffix: str, content: str) -> Path:
        if suffix != ".md":
            raise OSError(28, "No space left on device")
        return write_new(directory, stem, suffix, content)

    monkeypatch.setattr(monitor.pilot, "write_new", only_markdown)
    lines: list[str] = []
    assert conclude(journal_of(tmp_path, small(build)), lines.append) == 0
    assert lines[:3] == [
        "[monitor] the chart could NOT be written: [Errno 28] No space left on device",
        "[monitor] the HTML report could NOT be written: [Errno 28] No space left on device",
        "[monitor] the JSON summary could NOT be written: [Errno 28] No space left on device",
    ]
    assert lines[-1] == f"[monitor] report: {tmp_path / 'pilot_run_report_20231114_221320.md'}"
    text = (tmp_path / "pilot_run_report_20231114_221320.md").read_text()
    assert "pilot_chart_" not in text  # no link to a chart that is not there
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".csv", ".jsonl", ".md"]


def test_a_chart_that_fails_to_render_costs_only_the_chart(
    build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_summary: object, _language: object, _log: object) -> str:
        raise ValueError("a bug in the chart")

    monkeypatch.setattr(monitor.pilot.chart, "render_chart", broken)
    said: list[str] = []
    report = rebuild_report(journal_of(tmp_path, small(build)), said.append)
    assert said == ["[monitor] the chart could NOT be written: a bug in the chart"]
    assert "pilot_chart_" not in report.read_text()
    page = (tmp_path / "pilot_run_report_20231114_221320.html").read_text()
    assert "<svg" not in page and "<h2>Samples</h2>" in page
    data = json.loads((tmp_path / "pilot_summary_20231114_221320.json").read_text())
    assert data["files"]["chart"] is None


def test_a_csv_that_cannot_be_written_leaves_the_report(
    build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*_args: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(monitor.pilot, "write_new_from", full_disk)
    journal = journal_of(tmp_path, summarised(build))
    lines: list[str] = []
    assert conclude(journal, lines.append) == 0
    assert (
        lines[0]
        == "[monitor] the samples CSV could NOT be written: [Errno 28] No space left on device"
    )
    assert lines[-1] == f"[monitor] report: {tmp_path / 'pilot_run_report_20231114_221320.md'}"
    text = (tmp_path / "pilot_run_report_20231114_221320.md").read_text()
    assert "the journal has every sample (their CSV could not be written)" in text
    assert not list(tmp_path.glob("*.csv"))


def test_a_journal_that_cannot_be_read_back_fails_the_pilot_in_one_line(
    build, tmp_path: Path
) -> None:
    journal = journal_of(tmp_path, small(build))
    lines = journal.read_text(encoding="utf-8").splitlines()
    lines[2] = "not json"  # a record in the middle damaged, with records after it
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    said: list[str] = []
    assert conclude(journal, said.append) == 1
    assert said == [
        f"[monitor] the report could NOT be written: {journal}:3: not a journal record"
        " (Expecting value: line 1 column 1 (char 0))"
    ]
    assert not list(tmp_path.glob("*.md")) and not list(tmp_path.glob("*.csv"))
