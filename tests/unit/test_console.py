from monitor.core.analysis import Interval, summarise
from monitor.core.console import closing_lines, event_line, sample_line
from monitor.core.joblog import digest
from monitor.core.records import Event


def interval(**changes: object) -> Interval:
    values: dict[str, object] = {
        "index": 5,
        "at": 1_700_000_300.0,
        "elapsed_s": 300.0,
        "span_s": 60.0,
        "job_running": True,
        "total": 150,
        "added": 45,
        "delta": 9,
        "rate_per_min": 9.0,
        "average_per_min": 8.2,
        "error": None,
        "final": False,
    }
    values.update(changes)
    return Interval(**values)  # type: ignore[arg-type]


def test_sample_line_exactly() -> None:
    assert sample_line(interval(), 60, 60.0) == (
        "[  5/60] Status: ✅ Running | Total:  150 | Added: + 45 | Speed:  9.0/min | Avg:  8.2/min"
    )


def test_sample_line_wide_numbers_and_stopped_job() -> None:
    line = sample_line(
        interval(
            index=12,
            job_running=False,
            total=123456,
            added=-7,
            rate_per_min=1234.56,
            average_per_min=0.04,
        ),
        1000,
        60.0,
    )
    assert line == (
        "[  12/1000] Status: ⏹️ Stopped | Total: 123456 | Added: -  7 | Speed: 1234.6/min"
        " | Avg:  0.0/min"
    )


def test_sample_line_without_rate() -> None:
    line = sample_line(interval(rate_per_min=None), 60, 60.0)
    assert "| Speed:    ?/min |" in line
    assert line.endswith("| Avg:  8.2/min")


def test_missing_sample_line_shows_question_marks_and_the_error() -> None:
    row = interval(
        total=None,
        added=None,
        delta=None,
        rate_per_min=None,
        average_per_min=None,
        error="could not connect to server: Connection refused",
    )
    line = sample_line(row, 60, 60.0)
    assert line.startswith("[  5/60] Status: ✅ Running | Total:    ? |")
    assert "?" in line
    assert "could not connect to server: Connection refused" in line
    assert "Total:    0" not in line
    assert "Added: +  0" not in line
    assert "\r" not in line
    assert "\n" not in line


def test_missing_sample_line_without_error_text() -> None:
    row = interval(total=None, added=None, delta=None, rate_per_min=None, error=None)
    assert sample_line(row, 60, 60.0).endswith("no count: unknown error")


def test_final_sample_label() -> None:
    line = sample_line(interval(index=61, final=True, job_running=False), 60, 60.0)
    assert line.startswith("[end/60] Status: ⏹️ Stopped | Total:  150 |")


def test_the_count_right_after_the_stop_has_no_speed_over_a_moment() -> None:
    moment = interval(index=13, final=True, job_running=False, span_s=0.4, rate_per_min=150.0)
    assert "| Speed:    -/min |" in sample_line(moment, 12, 15.0)
    later = interval(index=13, final=True, job_running=False, span_s=7.5, rate_per_min=8.0)
    assert "| Speed:  8.0/min |" in sample_line(later, 12, 15.0)
    # a regular sample's speed is always shown, however short its interval
    short = interval(span_s=0.4, rate_per_min=150.0)
    assert "| Speed: 150.0/min |" in sample_line(short, 12, 15.0)


def test_event_line() -> None:
    assert event_line(Event(0.0, 0.0, "x", "the job exited with code 0")) == (
        "[monitor] the job exited with code 0"
    )


def test_closing_lines_with_report_path(build) -> None:
    summary = summarise(
        [
            build.start(baseline=100, duration=600.0),
            *build.regular([130, 160, 190, 220, 250, 280, 310, 340, 370, 400]),
            build.end(600.0),
        ]
    )
    lines = closing_lines(summary, "logs/pilot_run_report_x.md")
    assert lines == [
        "[monitor] PASSED: the time budget was spent with the job running",
        "[monitor] decision: GO on the figures; the report's decision also weighs the job's log",
        "[monitor] rows added: 300 in 10m (average 30.0/min)",
        "[monitor] report: logs/pilot_run_report_x.md",
    ]
    quiet = digest("logs/backfill_pilot.log", ["INFO saved 10 matches\n"])
    assert closing_lines(summary, "r.md", quiet)[1] == (
        "[monitor] decision: GO. The job ran the whole 10m budget without failing."
        " (3 more in the report)"
    )
    noisy = digest("logs/backfill_pilot.log", ["ERROR HTTP 500\n"])
    assert closing_lines(summary, "r.md", noisy)[1] == (
        "[monitor] decision: INCONCLUSIVE. The job's log has 1 error line(s) and 0 traceback(s)"
        " in 1 lines: read them before a full run."
    )


def test_closing_lines_without_report_and_with_missing_samples(build) -> None:
    summary = summarise(
        [build.start(), *build.regular([None, 130, None]), build.end(180.0, "signal")]
    )
    lines = closing_lines(summary, None)
    assert lines[0].startswith("[monitor] INTERRUPTED")
    assert lines[1] == (
        "[monitor] decision: INCONCLUSIVE. The pilot was interrupted after 3m of 10m (30%)."
        " (1 more in the report)"
    )
    assert "[monitor] samples missing: 2 of 3" in lines
    assert lines[-1] == "[monitor] report: NOT WRITTEN"
    assert "rows added: 30 in 3m" in lines[2]


def test_closing_lines_when_nothing_was_counted(build) -> None:
    summary = summarise([build.start(), *build.regular([None]), build.end(60.0)])
    lines = closing_lines(summary, "r.md")
    assert lines[1] == (
        "[monitor] decision: INCONCLUSIVE. No count of the table could be taken: no rate to judge."
    )
    assert lines[2] == "[monitor] rows added: ? in 1m (average ?/min)"
