"""The report in Chinese: every heading translated, every word it says found in the catalogue,
the figures and the recorded text as they are; and English by default, as before."""

from collections.abc import Callable, Mapping
from dataclasses import replace

import pytest
from test_activity import HOLDER, IDLE_SESSION, WAITING, reading
from test_activity import _pilot as with_activity
from test_comparison import as_json, earlier
from test_comparison import pilot as steady_pilot
from test_report import QUIET_LOG, gaps_and_a_stop, growing, headings, log_digest, parse
from test_report_forecast import cumulative, demo_like
from test_tables import pilot as with_tables
from test_unfinished import away

import monitor.core.language
from monitor.core import report
from monitor.core.analysis import PilotSummary, summarise
from monitor.core.chart import render_chart
from monitor.core.comparison import compare
from monitor.core.html import render_html
from monitor.core.joblog import LogDigest
from monitor.core.language import CHINESE, Words
from monitor.core.records import Changes, TableCount

TROUBLED_LOG = [
    "2023-11-14 22:14:00 WARNING HTTP 429 Too Many Requests, retrying\n",
    "ERROR upstream timed out\n",
    "ERROR connection refused\n",
    "Traceback (most recent call last):\n",
    "ERROR something else\n",
    "WARNING low disk\n",
]


class _Strict(dict[str, str]):
    """A catalogue that fails on a word it lacks, instead of saying it in English."""

    def get(self, key: str, default: object = None) -> str:  # type: ignore[override]
        return self[key]


@pytest.fixture
def strict_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    strict = Words("zh", CHINESE.html_lang, _Strict(CHINESE.catalogue))
    monkeypatch.setattr(monitor.core.language, "CHINESE", strict)


def _stalled(build) -> PilotSummary:
    records = [
        build.start(baseline=100, duration=3600.0),
        *build.regular(cumulative(100, [30] * 20 + [0] * 40)),
        build.end(3600.0, stopped_by="KILL"),
    ]
    records.insert(31, build.event(1800.5, "stalled", "no new rows for 10m", since_s=1200.0))
    return summarise(records)


def _away(build) -> PilotSummary:
    return summarise(away(build))


def _active(build) -> PilotSummary:
    """Every state of the job's activity, and more stretches without new rows than listed."""
    waits = reading(10, 30, WAITING, blockers=(HOLDER,))
    readings = [reading(10, 0, IDLE_SESSION), reading(10, 30, IDLE_SESSION), waits, waits]
    readings += [reading(i, 10 * i, IDLE_SESSION) for i in range(20, 80)]
    totals = [110, 110, 110, 110] + [110 + i // 2 for i in range(60)]
    return summarise(with_activity(build, readings, totals))


def _more_tables(build) -> PilotSummary:
    teams, odds = "teams", "stats.odds"
    counts = [
        (TableCount(teams, 20, Changes(20, 0, 0)), TableCount(odds, 0, Changes(0, 0, 0))),
        (TableCount(teams, 22, Changes(22, 5, 0)), TableCount(odds, None, error="timeout")),
        (TableCount(teams, 26), TableCount(odds, 30, Changes(30, 0, 0))),
    ]
    return summarise(with_tables(build, counts))


def _ended(build, *records: object) -> PilotSummary:
    return summarise([build.start(baseline=100), *build.regular([130, None, 190]), *records])


# Pilots that between them take every path of the report, its chart and its decision.
PILOTS: dict[str, Callable[..., PilotSummary]] = {
    "passed": growing,
    "forecast": demo_like,
    "failed, short of the target": lambda build: demo_like(
        build, end=build.end(180.0, "job_exit", exit_code=1, stopped_by=None)
    ),
    "completed short of the target": lambda build: demo_like(
        build, end=build.end(180.0, "job_exit", exit_code=0, stopped_by=None)
    ),
    "over the limits": lambda build: summarise(
        [
            replace(build.start(baseline=100), target_rows=10**9, min_rate=1e6, max_hours=1.0),
            *build.regular([130, 160, 190, 220, 250, 280, 310]),
            build.end(420.0),
        ]
    ),
    "summarised, with outages": gaps_and_a_stop,
    "stalled, killed": _stalled,
    "monitor and Engine away": _away,
    "database activity": _active,
    "more tables": _more_tables,
    "interrupted": lambda build: _ended(build, build.end(200.0, "signal", detail="SIGTERM")),
    "lost": lambda build: _ended(build, build.end(200.0, "job_lost", detail="restarted")),
    "monitor error": lambda build: _ended(build, build.end(200.0, "error", detail="boom")),
    "not confirmed stopped": lambda build: _ended(build, build.end(200.0, gone=False)),
    "unfinished": _ended,
    "never counted": lambda build: summarise(
        [build.start(), *build.regular([None, None]), build.end(120.0)]
    ),
    "not started": lambda build: summarise(
        [
            build.start(),
            build.event(0.1, "job_not_started", "the job was not started: no such file"),
            build.end(0.2, "error", stopped_by=None, detail="no such file"),
        ]
    ),
}
LOGS: Mapping[str, LogDigest | None] = {
    "quiet": log_digest(QUIET_LOG),
    "troubled": log_digest(TROUBLED_LOG),
    "empty": log_digest([]),
    "unreadable": None,
}


@pytest.mark.usefixtures("strict_chinese")
@pytest.mark.parametrize("log", LOGS)
@pytest.mark.parametrize("pilot", PILOTS)
def test_every_word_of_a_chinese_report_is_in_the_catalogue(build, pilot: str, log: str) -> None:
    summary = PILOTS[pilot](build)
    text = report.render(summary, LOGS[log], "pilot_samples_x.csv", "chart.svg", language="zh")
    svg = render_chart(summary, "zh")
    page = render_html(text, "chart.svg", svg, "zh")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert f"<title>试运行报告：{summary.start.table}</title>" in page


@pytest.mark.parametrize("pilot", PILOTS)
def test_a_chinese_report_has_chinese_headings_only(build, pilot: str) -> None:
    summary = PILOTS[pilot](build)
    text = report.render(summary, log_digest(TROUBLED_LOG), language="zh")
    found = headings(parse(text))
    assert found and not set(found) & set(report.SECTIONS)
    assert headings(parse(text), "h1") == [f"试运行报告：{summary.start.table}"]
    assert set(found) <= {CHINESE.catalogue[title] for title in report.SECTIONS}


def test_the_chinese_report_keeps_figures_tokens_and_recorded_text(build) -> None:
    summary = demo_like(build, end=build.end(180.0, "job_exit", exit_code=1, stopped_by=None))
    text = report.render(summary, log_digest(TROUBLED_LOG), language="zh")
    assert "## 执行摘要" in text and "## 预测与决策" in text and "## 结论与建议" in text
    assert "决策：**NO-GO**" in text
    assert "- 任务在 3m 后失败，退出码 1。" in text
    assert "| 开始 | 2023-11-14 22:13:20 UTC |" in text
    assert "| 限流 (HTTP 429) | 1 | 2023-11-14 22:14:00 |" in text
    assert "ERROR upstream timed out" in text  # the job's own lines, as they are
    assert "| 稳定速率 | 77.1 行/分钟 (4625 行/小时)" in text


def test_english_is_the_default_and_the_same_as_asked_for(build) -> None:
    summary = demo_like(build)
    log = log_digest(TROUBLED_LOG)
    assert report.render(summary, log, "x.csv", "c.svg") == report.render(
        summary, log, "x.csv", "c.svg", language="en"
    )
    assert render_chart(summary) == render_chart(summary, "en")
    assert '<html lang="en">' in render_html(report.render(summary, None))


def test_the_chinese_chart_names_its_series_and_axes_in_chinese(build) -> None:
    svg = render_chart(gaps_and_a_stop(build), "zh")
    assert "matches 的行数与每分钟新增行数" in svg
    assert "总行数 (左轴)" in svg and "自开始起的时间 (22:13:20 UTC)" in svg
    assert "无计数 (数据库中断)" in svg
    assert "Rows" not in svg


@pytest.mark.usefixtures("strict_chinese")
def test_the_chinese_comparison_says_its_words_in_chinese(build) -> None:
    summary = steady_pilot(build, 30)
    found = compare(as_json(summary), earlier(build, 40))
    text = report.render(summary, None, language="zh", previous=found)
    assert "## 与上一次试运行的比较" in text
    assert "此日志目录中 `matches` 的上一次试运行：运行编号 `20231113_221320`" in text
    assert "| 稳定速率 | 40.0 行/分钟 | 30.0 行/分钟 | -25% |" in text
    assert "| 决策 | GO | GO | 相同 |" in text
    refused = compare(as_json(summary), earlier(build, 40, schema=3))
    text = report.render(summary, None, language="zh", previous=refused)
    assert "无法比较：its summary has schema 3; this monitor reads 1。" in text
