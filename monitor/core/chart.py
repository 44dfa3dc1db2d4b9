"""The pilot as a picture: the table's total and the rate per interval over time, as SVG.

Pure and without dependencies: the chart is a string. It is drawn from the Samples table's
rows or buckets (``PilotSummary.rows`` / ``buckets``, at most ``TABLE_ROWS``), which the one
pass over the journal keeps anyway: the chart shows the very figures of the table beside it,
needs neither a second pass nor a series of its own in the summariser, and stays small
however long the pilot. The buckets are the downsampling: a bucket's last total is exact for
the line, its rate is the bar, and its slowest and fastest interval rates are a whisker, so
a dip inside a bucket is not averaged away. Events, outages and gaps are kept whole in the
summary; those of a kind that fall within a few pixels become one mark, so they are bounded
too.
"""

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.core.analysis import PilotSummary
from monitor.core.duration import format_duration
from monitor.core.joblog import LogDigest
from monitor.core.language import Language, Words, words
from monitor.core.records import Event
from monitor.core.troubles import Placed, place

WIDTH, HEIGHT = 960, 400
LEFT, RIGHT, TOP, BOTTOM = 84, 84, 86, 46
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MARK_PX = 4  # events of one kind closer than this are one mark
LABEL_PX = 14  # a label closer than this to the one before is left to the tooltip
GRID_LINES = (5, 4, 6)  # the grid's steps: those that waste the least height, 5 on a tie

TOTAL_COLOUR = "#1f5fa8"
RATE_COLOUR = "#f28e2b"
WHISKER_COLOUR = "#a0522d"
COLOURS = {
    "end": "#111111",
    "job": "#444444",
    "stall": "#b8860b",
    "database": "#d62728",
    "engine": "#7b4fb3",
    "monitor": "#6b6b6b",
    "log": "#c2185b",
}
BAND_COLOURS = {"database": "#d62728", "monitor": "#6b6b6b", "engine": "#7b4fb3"}
BAND_NAMES = {
    "database": "no count (database outage)",
    "monitor": "monitor not running",
    "engine": "Docker Engine unreachable",
}
# The events worth a mark: their kind (a colour) and a label short enough to sit on the chart.
MARKS = {
    "job_exited": ("job", "job exited"),
    "job_lost": ("job", "job lost"),
    "job_not_stopped": ("job", "job NOT stopped"),
    "stalled": ("stall", "stalled"),
    "progressing": ("stall", "progressing"),
    "count_failed": ("database", "count failed"),
    "count_recovered": ("database", "count back"),
    "engine_unreachable": ("engine", "Engine lost"),
    "engine_reachable": ("engine", "Engine back"),
    "monitor_resumed": ("monitor", "monitor back"),
    "monitor_error": ("monitor", "monitor error"),
}
# The label of a mark that stands for events of one kind but different names.
KIND_LABELS = {
    "job": "job",
    "stall": "stalled/progressing",
    "database": "count failed/back",
    "engine": "Engine lost/back",
    "monitor": "monitor",
}
END_LABELS = {
    "budget": "stop: budget spent",
    "job_exit": "end: job exited",
    "job_lost": "end: job lost",
    "signal": "stop: monitor stopped",
    "error": "stop: monitor error",
    "stall": "stop: job stalled",
}
# The x axis's steps, 1 s to 10 days: at most 10 of them fit the pilot's time.
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800)
TIME_STEPS_LONG = (21600, 43200, 86400, 172800, 432000, 864000)
Scale = Callable[[float], float]  # seconds since the start to a pixel column
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Point:
    """One row or bucket of the Samples table: at ``t`` seconds after the start, ``total``
    rows; ``rate`` rows per minute since ``since``; ``low``/``high`` a bucket's extremes."""

    t: float
    since: float
    total: int | None
    rate: float | None
    low: float | None = None
    high: float | None = None
    label: str = ""


@dataclass(frozen=True)
class Band:
    """A shaded stretch; ``more`` counts the stretches of its kind merged into it."""

    kind: str
    x0: float
    x1: float
    title: str
    more: int = 0


@dataclass(frozen=True)
class Mark:
    kind: str
    x: float
    label: str
    title: str


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    ticks: tuple[float, ...]

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return TOP + PLOT_H * (1.0 - share)


def render_chart(
    summary: PilotSummary, language: Language = "en", log: LogDigest | None = None
) -> str:
    """The whole SVG document (960x400); a pilot without a count gets its axes and a note. Its
    words are in ``language``. ``log``'s troubles get a mark at their first line's time."""
    start, say = summary.start, words(language)
    points = points_of(summary, say)
    troubles = place(log.troubles, summary) if log else ()
    span = max(
        [1.0 if summary.samples else start.interval_s, *(p.t for p in points)]
        + [event.at - start.at for event in summary.events]
        + ([summary.end.at - start.at] if summary.end else [])
    )

    def x(t: float) -> float:
        return LEFT + PLOT_W * min(max(t, 0.0), span) / span

    totals = [p.total for p in points if p.total is not None]
    totals_axis = min(
        (
            _axis(min(totals, default=0), max(totals, default=1), whole=True, lines=lines)
            for lines in GRID_LINES
        ),
        key=lambda axis: axis.high - axis.low,
    )
    rates_axis = _rate_axis(points, start.interval_s, len(totals_axis.ticks) - 1)
    bands = _bands(summary, x, span, say)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="pilot-chart-title"'
        ' font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="12">',
        f'<title id="pilot-chart-title">{_text(_title(summary, say))}</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        *_heading(summary, say),
        *_legend(summary, bands, bool(troubles), say),
        *_grid(totals_axis, rates_axis, start.table, say),
        *_time_axis(span, start.at, say),
        *(_band(band, say) for band in bands),
        *_bars(points, x, rates_axis, say),
        *_line(points, x, totals_axis, _breaks(summary), say),
        *_marks(summary, troubles, x, say),
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="none"'
        ' stroke="#999999"/>',
    ]
    if all(p.total is None for p in points[1:]):
        parts.append(
            f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{TOP + PLOT_H / 2:.1f}" text-anchor="middle"'
            f' fill="#666666" font-size="14">{_text(say("No count of the table was taken"))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def points_of(summary: PilotSummary, say: Words) -> list[Point]:
    """The baseline at 0, then a point per row of the Samples table (or per bucket)."""
    t0 = summary.start.at
    points = [Point(0.0, 0.0, summary.start.baseline_rows, None, label=say("start"))]
    if summary.buckets:
        since = 0.0
        for bucket in summary.buckets:
            t = bucket.last_at - t0
            last = say("end") if bucket.final else str(bucket.last_index)
            points.append(
                Point(
                    t,
                    since,
                    bucket.total,
                    bucket.rate_per_min,
                    bucket.slowest_per_min,
                    bucket.fastest_per_min,
                    say("samples {first}-{last}", first=bucket.first_index, last=last),
                )
            )
            since = t
        return points
    for row in summary.rows:
        t = row.at - t0
        label = (
            say("the count after the stop") if row.final else say("sample {index}", index=row.index)
        )
        points.append(Point(t, max(0.0, t - row.span_s), row.total, row.rate_per_min, label=label))
    return points


def _title(summary: PilotSummary, say: Words) -> str:
    return say(
        "Rows in {table} and rows added per minute, run {run}",
        table=summary.start.table,
        run=summary.start.run_id,
    )


def _heading(summary: PilotSummary, say: Words) -> list[str]:
    start = summary.start
    began = datetime.fromtimestamp(start.at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    shown = (
        say(
            "{points} points of {size} samples each",
            points=len(summary.buckets),
            size=summary.bucket_size,
        )
        if summary.buckets
        else say("every sample")
    )
    sub = say(
        "Run {run}, started {began}; samples: {samples} taken every {interval}, {missing}"
        " missing; {shown}",
        run=start.run_id,
        began=began,
        samples=summary.samples,
        interval=format_duration(start.interval_s),
        missing=summary.missing,
        shown=shown,
    )
    title = say("Rows in {table} and rows added per minute", table=start.table)
    return [
        f'<text x="{LEFT}" y="24" font-size="16" font-weight="bold" fill="#222222">'
        f"{_text(title)}</text>",
        f'<text x="{LEFT}" y="43" fill="#555555">{_text(sub)}</text>',
    ]


def _legend(summary: PilotSummary, bands: list[Band], troubles: bool, say: Words) -> list[str]:
    """A row of swatches under the title, wrapped when it does not fit the width."""
    items: list[tuple[str, str]] = [
        (
            f'<line x1="0" y1="-4" x2="18" y2="-4" stroke="{TOTAL_COLOUR}" stroke-width="2.5"/>',
            say("Total rows (left axis)"),
        ),
        (
            f'<rect x="0" y="-10" width="18" height="10" fill="{RATE_COLOUR}"'
            ' fill-opacity="0.55"/>',
            say("Rows/min per interval (right axis)"),
        ),
    ]
    if summary.buckets:
        items.append(
            (
                f'<line x1="9" y1="-11" x2="9" y2="1" stroke="{WHISKER_COLOUR}"'
                ' stroke-width="1.5"/>',
                say("slowest to fastest interval"),
            )
        )
    for kind, name in BAND_NAMES.items():
        if any(band.kind == kind for band in bands):
            items.append(
                (
                    f'<rect x="0" y="-10" width="18" height="10" fill="{BAND_COLOURS[kind]}"'
                    ' fill-opacity="0.18"/>',
                    say(name),
                )
            )
    items.append(
        (
            f'<line x1="9" y1="-11" x2="9" y2="1" stroke="{COLOURS["job"]}"'
            ' stroke-dasharray="3 2"/>',
            say("event (hover for details)"),
        )
    )
    if troubles:
        items.append(
            (
                f'<line x1="9" y1="-11" x2="9" y2="1" stroke="{COLOURS["log"]}"'
                ' stroke-dasharray="1 2" stroke-width="1.5"/>',
                say("first line of a kind of trouble in the job's log"),
            )
        )
    parts = []
    x, y = float(LEFT), 64.0
    for swatch, label in items:
        width = 24 + _width(label) + 20
        if x + width > WIDTH - 8 and x > LEFT:
            x, y = float(LEFT), y + 16
        parts.append(
            f'<g transform="translate({x:.1f},{y:.1f})">{swatch}'
            f'<text x="24" y="0" fill="#333333">{_text(label)}</text></g>'
        )
        x += width
    return parts


def _width(label: str) -> float:
    """The label's width in pixels at 12 px, guessed: a CJK character is about twice a Latin
    letter's 6.2 px."""
    return sum(12.0 if unicodedata.east_asian_width(char) in "WF" else 6.2 for char in label)


def _axis(low: float, high: float, *, whole: bool, lines: int) -> Axis:
    """Round ticks around ``low``..``high`` in ``lines`` steps (1, 2, 2.5 or 5 times 10^n)."""
    if high <= low:
        low, high = low - 1, high + 1
    step = _nice((high - low) / lines, whole)
    while True:
        first = math.floor(low / step) * step
        if first + lines * step >= high:
            break
        step = _nice(step * 1.01, whole)
    ticks = tuple(first + n * step for n in range(lines + 1))
    return Axis(ticks[0], ticks[-1], ticks)


def _nice(raw: float, whole: bool) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = factor * power
        if step >= raw and not (whole and step != int(step)):
            return step
    return 10.0 * power


def _rate_axis(points: list[Point], interval_s: float, lines: int) -> Axis:
    """From 0 (or below, for rows deleted) to the highest rate, with the left axis's grid.

    A rate over less than half an interval (the count right after the stop) can be wild: it
    is drawn, cut at the top, but does not set the scale, as it does not count as the peak.
    """
    rates = [
        value
        for p in points
        if p.rate is not None and (p.low is not None or p.t - p.since >= interval_s / 2)
        for value in (p.rate, p.low, p.high)
        if value is not None
    ]
    return _axis(min([0.0, *rates]), max([1e-9, *rates]), whole=False, lines=lines)


def _grid(totals: Axis, rates: Axis, table: str, say: Words) -> list[str]:
    parts = []
    for total, rate in zip(totals.ticks, rates.ticks, strict=True):
        y = totals.y(total)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + PLOT_W}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TOTAL_COLOUR}">'
            f"{int(total):,}</text>"
        )
        parts.append(
            f'<text x="{LEFT + PLOT_W + 6}" y="{y + 4:.1f}" fill="#b35f00">'
            f"{_rate_label(rate, rates)}</text>"
        )
    if rates.low < 0:
        zero = rates.y(0.0)
        parts.append(
            f'<line x1="{LEFT}" y1="{zero:.1f}" x2="{LEFT + PLOT_W}" y2="{zero:.1f}"'
            f' stroke="{RATE_COLOUR}" stroke-dasharray="2 2"/>'
        )
    middle = TOP + PLOT_H / 2
    parts.append(
        f'<text transform="translate(16,{middle:.1f}) rotate(-90)" text-anchor="middle"'
        f' fill="{TOTAL_COLOUR}">{_text(say("Rows in {table}", table=table))}</text>'
    )
    parts.append(
        f'<text transform="translate({WIDTH - 12},{middle:.1f}) rotate(90)"'
        f' text-anchor="middle" fill="#b35f00">{_text(say("Rows added per minute"))}</text>'
    )
    return parts


def _rate_label(value: float, axis: Axis) -> str:
    step = axis.ticks[1] - axis.ticks[0]
    decimals = next((d for d in range(4) if abs(round(step, d) - step) < step * 1e-6), 4)
    return f"{value:,.{decimals}f}"


def _time_axis(span: float, t0: float, say: Words) -> list[str]:
    steps = (*TIME_STEPS, *TIME_STEPS_LONG)
    step = next((s for s in steps if span / s <= 10), math.ceil(span / 10 / 86400) * 86400)
    parts = []
    bottom = TOP + PLOT_H
    for n in range(int(span // step) + 1):
        x = LEFT + PLOT_W * n * step / span
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="#f0f0f0"/>'
            f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="#999999"/>'
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" fill="#333333">'
            f"{'0' if n == 0 else format_duration(n * step)}</text>"
        )
    began = datetime.fromtimestamp(t0, tz=UTC).strftime("%H:%M:%S UTC")
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle"'
        f' fill="#333333">{_text(say("Time since the start ({began})", began=began))}</text>'
    )
    return parts


def _bands(summary: PilotSummary, x: Scale, span: float, say: Words) -> list[Band]:
    """Stretches without a count or without the monitor or the Engine, merged per pixel."""
    t0, half = summary.start.at, summary.start.interval_s / 2
    found: list[Band] = []
    for outage in summary.outages:
        found.append(
            Band(
                "database",
                x(outage.first_at - t0 - half),
                x(outage.last_at - t0 + half),
                say(
                    "no count: {samples} sample(s) missing from {first} to {last} ({error})",
                    samples=outage.samples,
                    first=_clock(outage.first_at),
                    last=_clock(outage.last_at),
                    error=outage.error,
                ),
            )
        )
    for gap in summary.gaps:
        last = span if gap.last_at is None else gap.last_at - t0
        found.append(
            Band(
                gap.kind,
                x(gap.first_at - t0),
                x(last),
                say(
                    "{name} from {first} for {duration}",
                    name=say(BAND_NAMES[gap.kind]),
                    first=_clock(gap.first_at),
                    duration=format_duration(last - (gap.first_at - t0)),
                ),
            )
        )
    merged: list[Band] = []
    for band in sorted(found, key=lambda b: (b.kind, b.x0)):
        x0, x1 = band.x0, max(band.x1, band.x0 + 2)
        previous = merged[-1] if merged else None
        if previous and previous.kind == band.kind and x0 <= previous.x1 + 1:
            merged[-1] = Band(
                band.kind, previous.x0, max(previous.x1, x1), previous.title, previous.more + 1
            )
        else:
            merged.append(Band(band.kind, x0, x1, band.title))
    return merged


def _band(band: Band, say: Words) -> str:
    title = (
        say("{title} (and {count} more)", title=band.title, count=band.more)
        if band.more
        else band.title
    )
    return (
        f'<rect x="{band.x0:.1f}" y="{TOP}" width="{band.x1 - band.x0:.1f}" height="{PLOT_H}"'
        f' fill="{BAND_COLOURS[band.kind]}" fill-opacity="0.14">'
        f"<title>{_text(title)}</title></rect>"
    )


def _bars(points: list[Point], x: Scale, rates: Axis, say: Words) -> Iterator[str]:
    zero = rates.y(0.0)
    for p in points:
        if p.rate is None:
            continue
        left, right = x(p.since), x(p.t)
        if right - left > 3:
            left, right = left + 0.5, right - 0.5
        top = min(max(rates.y(p.rate), TOP), TOP + PLOT_H)
        y, height = min(top, zero), abs(zero - top)
        tip = say("{label}: {rate:,.1f} rows/min", label=p.label, rate=p.rate)
        if p.low is not None and p.high is not None:
            tip += say(" (intervals {low:,.1f} to {high:,.1f})", low=p.low, high=p.high)
        yield (
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(right - left, 1.0):.1f}"'
            f' height="{max(height, 0.5):.1f}" fill="{RATE_COLOUR}" fill-opacity="0.55">'
            f"<title>{_text(tip)}</title></rect>"
        )
        if p.low is not None and p.high is not None:
            middle = (left + right) / 2
            yield (
                f'<line x1="{middle:.1f}" y1="{rates.y(p.low):.1f}" x2="{middle:.1f}"'
                f' y2="{max(rates.y(p.high), TOP):.1f}" stroke="{WHISKER_COLOUR}"'
                ' stroke-opacity="0.7"/>'
            )


def _breaks(summary: PilotSummary) -> list[float]:
    """Where the monitor was away: the line does not pretend to know the total then."""
    t0 = summary.start.at
    return [gap.first_at - t0 for gap in summary.gaps if gap.kind == "monitor"]


def _line(
    points: list[Point], x: Scale, totals: Axis, breaks: list[float], say: Words
) -> list[str]:
    """The total as a path that stops at a missing count or a monitoring gap."""
    commands: list[str] = []
    dots: list[str] = []
    previous: Point | None = None
    for p in points:
        if p.total is None:
            previous = None
            continue
        cut = previous is not None and any(previous.t <= b < p.t for b in breaks)
        move = previous is None or cut
        commands.append(f"{'M' if move else 'L'}{x(p.t):.1f},{totals.y(p.total):.1f}")
        if len(points) <= 100:
            dots.append(
                f'<circle cx="{x(p.t):.1f}" cy="{totals.y(p.total):.1f}" r="2.5"'
                f' fill="{TOTAL_COLOUR}">'
                f"<title>{_text(say('{label}: {total:,} rows', label=p.label, total=p.total))}"
                "</title></circle>"
            )
        previous = p
    if not commands:
        return []
    path = (
        f'<path d="{" ".join(commands)}" fill="none" stroke="{TOTAL_COLOUR}" stroke-width="2.5"'
        ' stroke-linejoin="round" stroke-linecap="round"/>'
    )
    return [path, *dots]


def _marks(summary: PilotSummary, troubles: Iterable[Placed], x: Scale, say: Words) -> list[str]:
    """A dashed line per event that matters and a solid one at the end, a dotted one per kind
    of trouble in the log, labelled when there is room; events of one kind within ``MARK_PX``
    pixels share a mark."""
    t0 = summary.start.at
    marks: list[Mark] = []
    end = summary.end
    if end is not None:
        ended = (
            say(
                "{time} the pilot ended ({reason}: {detail})",
                time=_clock(end.at),
                reason=end.reason,
                detail=end.detail,
            )
            if end.detail
            else say("{time} the pilot ended ({reason})", time=_clock(end.at), reason=end.reason)
        )
        marks.append(Mark("end", x(end.at - t0), say(END_LABELS.get(end.reason, "end")), ended))
    marks += _grouped(summary.events, x, t0, say)
    marks += [_trouble_mark(found, x(found.at - t0), say) for found in troubles]
    parts = []
    labelled: list[float] = []
    for mark in marks:
        colour = COLOURS[mark.kind]
        dash = {"end": "", "log": ' stroke-dasharray="1 2"'}.get(
            mark.kind, ' stroke-dasharray="4 3"'
        )
        parts.append(
            f'<g><line x1="{mark.x:.1f}" y1="{TOP}" x2="{mark.x:.1f}" y2="{TOP + PLOT_H}"'
            f' stroke="{colour}" stroke-width="1.5"{dash}/>'
            f'<path d="M{mark.x - 4:.1f},{TOP - 1} l8,0 l-4,6 z" fill="{colour}"/>'
            f"<title>{_text(mark.title)}</title></g>"
        )
        if all(abs(mark.x - other) >= LABEL_PX for other in labelled):
            labelled.append(mark.x)
            parts.append(
                f'<text transform="translate({mark.x - 4:.1f},{TOP + 8}) rotate(-90)"'
                f' text-anchor="end" font-size="11" fill="{colour}" stroke="#ffffff"'
                f' stroke-width="3" paint-order="stroke">{_text(mark.label)}</text>'
            )
    return parts


def _grouped(events: Iterable[Event], x: Scale, t0: float, say: Words) -> list[Mark]:
    groups: dict[tuple[str, int], list[Event]] = {}
    for event in events:
        if event.name in MARKS:
            column = int(x(event.at - t0) // MARK_PX)
            groups.setdefault((MARKS[event.name][0], column), []).append(event)
    marks = []
    for (kind, _), group in groups.items():
        first = group[0]
        label = say(MARKS[first.name][1])
        if first.name in ("job_exited", "job_lost") and first.data.get("exit_code") is not None:
            label += say(", code {code}", code=first.data["exit_code"])
        title = f"{_clock(first.at)} {first.message}"
        if len(group) > 1:
            if any(event.name != first.name for event in group):
                label = say(KIND_LABELS[kind])
            label += f" x{len(group)}"
            title = say("{title} (and {count} more)", title=title, count=len(group) - 1)
        marks.append(Mark(kind, x(first.at - t0), label, title))
    return marks


def _trouble_mark(found: Placed, x: float, say: Words) -> Mark:
    kind = say(found.trouble.kind)
    title = say(
        "{time} the first line of {kind} in the job's log: {line}",
        time=_clock(found.at),
        kind=kind,
        line=found.trouble.first[:200],
    )
    drop = found.drop
    if drop is not None and drop.rate_per_min is not None:
        title += (
            say("; a drop to {rate:.1f}/min in that interval", rate=drop.rate_per_min)
            if drop is found.within
            else say("; a drop to {rate:.1f}/min in the next interval", rate=drop.rate_per_min)
        )
    return Mark("log", x, kind, title)


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%H:%M:%S")


def _text(text: str) -> str:
    """Text for XML: escaped, and without the control characters XML 1.0 cannot hold."""
    cleaned = _NOT_XML.sub("\ufffd", text)
    return (
        cleaned.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
