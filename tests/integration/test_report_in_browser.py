"""The HTML report in a real browser: Debian's chromium, headless, from a hand-made journal.

The page must show its tables and the chart with nothing but itself (no network, no
scripts), and in Chinese its characters, not boxes. The screenshots are kept in
``logs/test-artefacts/`` to be looked at. Without chromium or a CJK font the tests fail:
``scripts/provision.sh tests`` installs them.
"""

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from monitor.adapters.journal import Journal
from monitor.core.html import STYLE
from monitor.core.records import Event, PilotEnded, PilotStarted, Record, Sample
from monitor.pilot import rebuild_report

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "logs" / "test-artefacts"
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
INTERVAL = 20.0
TOTAL_BLUE = (0x1F, 0x5F, 0xA8)  # the chart's total line


def pilot(log: Path) -> list[Record]:
    """Half an hour at 20 s: warm-up, growth, a stall, a database outage, a crash with code 1."""
    records: list[Record] = [
        PilotStarted(
            run_id="20231114_221320",
            at=T0,
            duration_s=3600.0,
            interval_s=INTERVAL,
            table="matches",
            baseline_rows=5_000,
            counting="count(*) each sample",
            container="football-prediction-app-1",
            command=("python", "scripts/backfill_full_history.py"),
            job_log=str(log),
            job_log_offset=0,
            settings=(("PILOT_DATABASE_URL", "postgresql://monitor:***@db:5432/fp"),),
        ),
        event(0.3, "job_started", "started the backfill (pid 42 in the container)"),
    ]
    total = 5_000
    for index in range(1, 91):
        elapsed = index * INTERVAL
        if 3 < index <= 40:
            total += 35 + (index * 7) % 20
        elif index > 55:
            total += 25 + (index * 5) % 15
        missing = 66 <= index <= 69
        records.append(
            Sample(
                index=index,
                at=T0 + elapsed,
                elapsed_s=elapsed,
                job_running=True,
                total=None if missing else total,
                error="connection refused" if missing else None,
            )
        )
        if index == 55:
            records.append(event(elapsed, "stalled", "no new rows for 5m while the job runs"))
        if index == 56:
            records.append(event(elapsed, "progressing", "rows are being added again"))
        if index == 66:
            records.append(event(elapsed, "count_failed", "the table cannot be counted: refused"))
        if index == 70:
            records.append(event(elapsed, "count_recovered", "the table can be counted again"))
    end = 90 * INTERVAL + 5.0
    records += [
        event(end - 0.5, "job_exited", "the job exited with code 1", exit_code=1),
        Sample(91, T0 + end - 0.2, end - 0.2, False, total, final=True),
        PilotEnded(T0 + end, end, "job_exit", 1, None, True, "the job exited"),
    ]
    return records


def event(elapsed: float, name: str, message: str, **data: object) -> Event:
    return Event(T0 + elapsed, elapsed, name, message, dict(data))


def write_journal(directory: Path) -> Path:
    log = directory / "backfill_pilot.log"
    log.write_text(
        "INFO fetching fixtures for 2019\n"
        "<script>document.title = 'owned'</script>\n"
        "WARNING HTTP 429 Too Many Requests, retrying in 30s\n"
        "ERROR upstream timed out\n"
        "Traceback (most recent call last):\n"
        "ValueError: unexpected payload\n",
        encoding="utf-8",
    )
    journal = Journal(directory / "pilot_journal_20231114_221320.jsonl")
    try:
        for record in pilot(log):
            journal.append(record)
    finally:
        journal.close()
    return journal.path


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run scripts/provision.sh tests (as root)"
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        stdin=subprocess.DEVNULL,
    )


class Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self._in_title = tag == "title" and self.tags["svg"] == 0

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def pixels(png: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, every pixel as RGB): an 8-bit RGB or RGBA PNG, unfiltered."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, width, height, channels = 8, b"", 0, 0, 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    raw = zlib.decompress(data)
    stride = width * channels
    previous = bytearray(stride)
    found: list[tuple[int, ...]] = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )
                line[i] = (line[i] + near[2]) & 0xFF
        found += [tuple(line[i : i + 3]) for i in range(0, stride, channels)]
        previous = line
    return width, height, found


def test_the_html_report_shows_its_tables_and_chart_in_chromium(tmp_path: Path) -> None:
    report = rebuild_report(write_journal(tmp_path), print)
    page = report.with_suffix(".html")
    markdown_tables = sum(
        token.type == "table_open"
        for token in MarkdownIt("commonmark").enable("table").parse(report.read_text())
    )

    dumped = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    dom = Dom()
    dom.feed(dumped)
    assert dom.title == "Pilot run report: matches"  # the log's script did not run
    assert dom.tags["table"] == markdown_tables >= 5
    assert dom.tags["svg"] == 1 and dom.tags["path"] >= 1 and dom.tags["rect"] > 80
    assert dom.tags["script"] == 0 and dom.tags["img"] == 0
    assert "&lt;script&gt;document.title = 'owned'&lt;/script&gt;" in dumped
    assert "Rows in matches and rows added per minute" in dumped

    colours = Counter(screenshot(page, "report_in_browser", tmp_path / "profile"))
    blue = sum(
        count
        for colour, count in colours.items()
        if all(abs(c - t) < 40 for c, t in zip(colour, TOTAL_BLUE, strict=True))
    )
    assert blue > 300  # the total's line (and the left axis) drawn in the chart's blue


def screenshot(page: Path, name: str, profile: Path) -> list[tuple[int, ...]]:
    """The page drawn at 1280x2000, kept in the artefacts; its pixels, checked not blank."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    chromium(f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri(), profile=profile)
    shutil.copy(page, ARTEFACTS / f"{name}.html")
    png = shot.read_bytes()
    assert len(png) > 10_000
    width, height, found = pixels(png)
    assert (width, height) == (1280, 2000)
    colours = Counter(found)
    assert len(colours) > 100  # text, tables and a chart: not a blank page
    assert colours.most_common(1)[0][1] < 0.95 * len(found)
    return found


def drawn(word: str, directory: Path) -> list[tuple[int, ...]]:
    """The pixels of one word in the report's own style and language, large."""
    page = directory / f"{word}.html"
    page.write_text(
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{STYLE}</style>'
        f"</head><body><main><h1>{word}</h1></main></body></html>",
        encoding="utf-8",
    )
    shot = directory / f"{page.stem}.png"
    chromium(
        f"--screenshot={shot}",
        "--window-size=800,300",
        page.as_uri(),
        profile=directory / "profile",
    )
    return pixels(shot.read_bytes())[2]


def test_the_chinese_report_reads_in_chinese_in_chromium(tmp_path: Path) -> None:
    report = rebuild_report(write_journal(tmp_path), print, language="zh")
    page = report.with_suffix(".html")
    dumped = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    dom = Dom()
    dom.feed(dumped)
    assert dom.title == "试运行报告：matches"
    assert '<html lang="zh-CN">' in dumped
    assert "<h2>执行摘要</h2>" in dumped and "<h2>结论与建议</h2>" in dumped
    assert "matches 的行数与每分钟新增行数" in dumped  # the chart's title
    assert dom.tags["svg"] == 1 and dom.tags["script"] == 0

    screenshot(page, "report_in_browser_zh", tmp_path / "profile")
    # Without a CJK font every character is the same box: two headings of four characters
    # each would look alike.
    glyphs = tmp_path / "glyphs"
    glyphs.mkdir()
    assert drawn("执行摘要", glyphs) != drawn("采集统计", glyphs), (
        "Chinese is drawn as boxes: no CJK font (scripts/provision.sh tests installs one)"
    )
