"""The SVG chart: well-formed XML, the series drawn, gaps left open, bounded for long pilots."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from monitor.core.analysis import TABLE_ROWS, summarise
from monitor.core.chart import HEIGHT, WIDTH, render_chart
from monitor.core.records import Record

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def tooltips(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{SVG}title")]


def total_line(root: ET.Element) -> list[str]:
    """The total's path as its pieces: one ``M x,y L x,y ...`` string per unbroken stretch."""
    (path,) = [node for node in root.iter(f"{SVG}path") if node.get("stroke-width") == "2.5"]
    return [piece.strip() for piece in re.split(r"(?=M)", path.get("d", "")) if piece.strip()]


def bars(root: ET.Element) -> list[ET.Element]:
    return [
        node
        for node in root.iter(f"{SVG}rect")
        if node.get("fill-opacity") == "0.55" and node.find(f"{SVG}title") is not None
    ]


def bands(root: ET.Element) -> list[str]:
    return [
        (node.findtext(f"{SVG}title") or "")
        for node in root.iter(f"{SVG}rect")
        if node.get("fill-opacity") == "0.14"
    ]


def test_a_small_pilot_has_every_sample_on_the_line_and_a_bar_per_rate(build) -> None:
    records = [
        build.start(baseline=100),
        *build.regular([130, 160, 190, 220, 250]),
        build.end(300.5),
        build.sample(6, 301.0, 251, final=True, running=False),
    ]
    svg = render_chart(summarise(records))
    root = parse(svg)
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    assert root.findtext(f"{SVG}title") == (
        "Rows in matches and rows added per minute, run 20231114_221320"
    )
    (line,) = total_line(root)  # the baseline, 5 samples and the count after the stop
    assert line.count("L") == 6
    assert len(bars(root)) == 6
    assert "sample 3: 30.0 rows/min" in tooltips(root)
    assert "sample 3: 190 rows" in tooltips(root)
    shown = texts(root)
    assert "Total rows (left axis)" in shown
    assert "Rows/min per interval (right axis)" in shown
    assert "Rows in matches" in shown
    assert "Time since the start (22:13:20 UTC)" in shown
    assert "stop: budget spent" in shown
    assert {"0", "1m", "2m", "5m"} <= set(shown)  # elapsed time on the x axis
    assert {"100", "250"} <= set(shown)  # the totals' axis spans baseline to last count


def test_missing_samples_and_a_monitoring_gap_leave_the_line_open(build) -> None:
    records: list[Record] = [
        build.start(baseline=0),
        *build.regular([10, 20, None, None, 50]),
        build.sample(6, 360.0, 60),
        # the monitor was away from 6 to 10 minutes: no sample was taken then
        build.event(
            600.0, "monitor_resumed", "the monitor is back", gap_from=build.T0 + 360.0, missed=3
        ),
        build.sample(10, 600.0, 100),
        build.sample(11, 660.0, 110),
        build.end(660.5),
    ]
    root = parse(render_chart(summarise(records)))
    first, second, third = total_line(root)
    assert first.count("L") == 2  # baseline, 10, 20
    assert second.count("L") == 1  # 50, 60
    assert third.count("L") == 1  # 100, 110
    found = bands(root)
    assert found[0].startswith("no count: 2 sample(s) missing from 22:16:20 to 22:17:20")
    assert found[1].startswith("monitor not running from 22:19:20 for 4m")
    assert "no count (database outage)" in texts(root)
    assert "monitor not running" in texts(root)
    assert "monitor back" in texts(root)


def test_events_that_matter_are_marked_and_the_others_are_not(build) -> None:
    records = [
        build.start(baseline=0, duration=1200.0),
        build.event(0.1, "job_started", "started the job"),
        *build.regular([10, 10, 10, 10, 10, 10, 20]),
        build.event(300.0, "stalled", "no new rows for 5m while the job runs (stalled?)"),
        build.event(420.0, "progressing", "rows are being added again"),
        build.event(450.0, "engine_unreachable", "cannot ask the Docker Engine"),
        build.event(480.0, "engine_reachable", "the Docker Engine answers again"),
        build.event(490.0, "job_exited", "the job exited with code 1", exit_code=1),
        build.end(490.5, "job_exit", exit_code=1, stopped_by=None),
    ]
    root = parse(render_chart(summarise(records)))
    shown = texts(root)
    for label in ("stalled", "progressing", "Engine lost", "Engine back", "end: job exited"):
        assert label in shown
    assert "started the job" not in " ".join(tooltips(root))
    assert "22:18:20 no new rows for 5m while the job runs (stalled?)" in tooltips(root)
    assert "22:21:30 the job exited with code 1" in tooltips(root)
    assert any(title.startswith("Docker Engine unreachable from 22:20:50") for title in bands(root))


def test_text_is_escaped_and_control_characters_dropped(build) -> None:
    records = [
        build.start(baseline=0, table='odd<&>"name'),
        build.sample(1, 60.0, None, error="bad \x00 byte <script>alert(1)</script>"),
        build.event(60.0, "count_failed", "the table cannot be counted: <b>&</b>\x1b[0m"),
        build.end(61.0),
    ]
    svg = render_chart(summarise(records))
    root = parse(svg)  # well-formed despite the text
    assert "<script" not in svg and "<b>" not in svg
    assert 'Rows in odd<&>"name' in texts(root)
    assert "22:14:20 the table cannot be counted: <b>&</b>\ufffd[0m" in tooltips(root)
    assert "No count of the table was taken" in texts(root)


def test_a_pilot_without_samples_still_has_axes(build) -> None:
    records = [
        build.start(),
        build.event(0.1, "job_not_started", "the job was not started: no such container"),
        build.end(0.2, "error", detail="no such container"),
    ]
    root = parse(render_chart(summarise(records)))
    assert "No count of the table was taken" in texts(root)
    assert "stop: monitor error" in texts(root)
    assert not bars(root)


def long_pilot(build, samples: int, flaps: int) -> Iterator[Record]:
    """A day-long pilot at 1 s: a stall that comes and goes ``flaps`` times, an outage."""
    yield build.start(baseline=0, interval=1.0, duration=float(samples))
    every = samples // flaps
    for index in range(1, samples + 1):
        missing = 5_000 <= index < 5_600
        yield build.sample(index, float(index), None if missing else index * 2)
        if index % every == 0:
            yield build.event(index, "stalled", "no new rows for 10s (stalled?)")
            yield build.event(index + 0.5, "progressing", "rows are being added again")
    yield build.end(samples + 0.5)


def test_a_long_pilot_is_drawn_from_its_buckets_in_bounded_size(build) -> None:
    summary = summarise(long_pilot(build, 20_000, flaps=4_000))
    assert summary.summarised
    svg = render_chart(summary)
    root = parse(svg)
    assert len(bars(root)) <= TABLE_ROWS
    before, after = total_line(root)  # open where the buckets of the outage have no count
    assert before.count("L") + after.count("L") < TABLE_ROWS
    marks = [node for node in root.iter(f"{SVG}g") if node.find(f"{SVG}line") is not None]
    assert len(marks) <= 1 + 800 // 4 + 5  # the end, a mark per 4 pixels, the legend
    # 8,000 events, about 40 to each 4-pixel column (100 s)
    assert {"stalled/progressing x40", "stalled/progressing x41"} <= set(texts(root))
    assert len(svg.encode()) < 150_000
    assert "slowest to fastest interval" in texts(root)
