"""The job log's troubles placed on the pilot's time line: the interval of each kind's first
line, its rate, a drop; in the Samples table's rows and in its buckets; and as chart marks."""

from test_chart import parse as parse_svg
from test_chart import texts, tooltips
from test_report import growing, log_digest, section, tables
from test_report import parse as parse_markdown

from monitor.core import report
from monitor.core.analysis import summarise
from monitor.core.chart import render_chart
from monitor.core.troubles import place

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC, the builder's start


def test_a_stamp_is_read_as_utc_and_one_that_is_not_a_time_is_not_placed(build) -> None:
    log = log_digest(
        [
            "2023-11-14T22:14:10 ERROR timed out\n",
            "2023-13-40 99:00:00 WARNING HTTP 429 Too Many Requests\n",
        ]
    )
    (found,) = place(log.troubles, growing(build))
    assert (found.trouble.kind, found.at) == ("timeouts", T0 + 50)


def test_each_first_line_falls_in_the_interval_that_ends_after_it(build) -> None:
    """Samples at 1, 2, 3... minutes; the fourth minute adds nothing (median 30/min)."""
    log = log_digest(
        [
            "2023-11-14 22:13:20 ERROR timed out at the start's own second\n",
            "2023-11-14 22:16:21 WARNING HTTP 429 Too Many Requests\n",
            "2023-11-14 22:17:20 ERROR connection refused\n",
            "2023-11-14 22:13:19 WARNING low disk (before the pilot)\n",
            "2023-11-14 23:13:21 ERROR something (after it)\n",
            "Traceback (most recent call last):\n",
        ]
    )
    placed = place(log.troubles, growing(build))
    assert [
        (p.trouble.kind, p.within.last_index, p.within.rate_per_min, p.within.drop) for p in placed
    ] == [
        ("timeouts", 1, 30.0, False),
        ("rate limited (HTTP 429)", 4, 0.0, True),
        ("connection trouble", 4, 0.0, True),
    ]
    assert placed[1].at == T0 + 181
    assert [p.drop for p in placed] == [None, placed[1].within, placed[2].within]


def test_a_line_at_the_end_of_an_interval_is_lined_up_with_the_drop_after_it(build) -> None:
    """A rate-limit pause starts with its line: here in the third minute's last second."""
    log = log_digest(["2023-11-14 22:16:20 WARNING HTTP 429 Too Many Requests\n"])
    (found,) = place(log.troubles, growing(build))
    assert (found.within.last_index, found.within.drop) == (3, False)
    assert found.after is not None and (found.after.last_index, found.after.drop) == (4, True)
    assert found.drop is found.after
    tokens = section(parse_markdown(report.render(growing(build), log)), "Log analysis")
    _, (_, rows) = tables(tokens)
    assert rows[0][4] == "30.0/min at sample 3, then 0.0/min at sample 4: a drop (median 30.0/min)"
    svg = render_chart(growing(build), log=log)
    assert "; a drop to 0.0/min in the next interval" in " ".join(tooltips(parse_svg(svg)))


def test_the_count_after_the_stop_is_never_a_drop(build) -> None:
    """Its interval is often a moment long: no rows in it say nothing about the job."""
    log = log_digest(["2023-11-14 22:23:20 WARNING HTTP 429 Too Many Requests\n"])
    (found,) = place(log.troubles, growing(build))
    assert found.within.last_index == 10 and found.after is not None
    assert (found.after.last_index, found.after.rate_per_min) == (11, 0.0)
    assert found.drop is None


def test_in_a_summarised_pilot_a_line_falls_in_a_bucket(build) -> None:
    records = [
        build.start(baseline=0, duration=12_060.0),
        *build.regular([10 * (i + 1) for i in range(201)]),
        build.end(12_060.0),
    ]
    summary = summarise(records)
    assert summary.buckets
    log = log_digest(["2023-11-14 22:20:00 WARNING HTTP 429 Too Many Requests\n"])
    (found,) = place(log.troubles, summary)
    assert (found.within.first_index, found.within.last_index) == (7, 8)
    assert (found.within.rate_per_min, found.drop) == (10.0, None)
    assert found.after is not None and found.after.first_index == 9


def test_without_a_median_no_interval_is_a_drop(build) -> None:
    summary = summarise([build.start(baseline=0, duration=120.0), *build.regular([0, 0])])
    log = log_digest(["2023-11-14 22:14:00 ERROR timed out\n"])
    (found,) = place(log.troubles, summary)
    assert (found.within.rate_per_min, found.drop) == (0.0, None)


def test_the_chart_marks_each_first_line_and_says_a_drop(build) -> None:
    log = log_digest(
        [
            "2023-11-14 22:14:50 ERROR read timed out after 10s\n",
            "2023-11-14 22:16:30 WARNING HTTP 429 Too Many Requests, cooling down 30s\n",
        ]
    )
    root = parse_svg(render_chart(growing(build), log=log))
    assert {"timeouts", "rate limited (HTTP 429)"} <= set(texts(root))
    assert "first line of a kind of trouble in the job's log" in texts(root)
    assert (
        "22:16:30 the first line of rate limited (HTTP 429) in the job's log: 2023-11-14"
        " 22:16:30 WARNING HTTP 429 Too Many Requests, cooling down 30s; a drop to 0.0/min in"
        " that interval"
    ) in tooltips(root)
    assert any(title.startswith("22:14:50 the first line of timeouts") for title in tooltips(root))
    plain = parse_svg(render_chart(growing(build)))
    assert "first line of a kind of trouble in the job's log" not in texts(plain)
