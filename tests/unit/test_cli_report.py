"""`python -m monitor report JOURNAL`: the report again, in the language asked for (the flag,
else PILOT_REPORT_LANGUAGE), never the journal's choice."""

import json
import os
from pathlib import Path

import pytest
from test_pilot_report import journal_of, small

from monitor.cli import main


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("PILOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def rebuilt(capsys: pytest.CaptureFixture[str]) -> str:
    return Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8")


def test_a_report_is_rebuilt_in_english_by_default(
    build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(journal_of(tmp_path, small(build)))]) == 0
    assert rebuilt(capsys).startswith("# Pilot run report: `matches`")


def test_the_setting_chooses_and_the_flag_wins(
    build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = journal_of(tmp_path, small(build))
    monkeypatch.setenv("PILOT_REPORT_LANGUAGE", "zh")
    assert main(["report", str(journal)]) == 0
    assert rebuilt(capsys).startswith("# 试运行报告：`matches`")
    summary = json.loads((tmp_path / "pilot_summary_20231114_221320.json").read_text())
    assert summary["report_language"] == "zh"
    assert summary["verdict"].startswith("PASSED")  # the JSON's words stay English
    assert main(["report", str(journal), "--language", "EN"]) == 0
    assert rebuilt(capsys).startswith("# Pilot run report: `matches`")


def test_a_bad_language_setting_is_refused_by_name(
    build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = journal_of(tmp_path, small(build))
    monkeypatch.setenv("PILOT_REPORT_LANGUAGE", "fr")
    assert main(["report", str(journal)]) == 2
    assert capsys.readouterr().out == "PILOT_REPORT_LANGUAGE: Input should be 'en' or 'zh'\n"
    assert not list(tmp_path.glob("pilot_run_report_*"))
