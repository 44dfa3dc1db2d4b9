"""The benchmark's one Markdown table: every figure beside its target and a verdict.

Sampling figures sit in one column per table size, so the cost of each way of counting can
be read across sizes and against the others in one glance; the end-to-end figures (crash
detection, footprint, report) follow in the first value column under a header row of
their own, in the same table.
"""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.crash import CrashDetection
from bench.footprint import Footprint
from bench.reportgen import ReportTiming
from bench.sampling import Cell

SAMPLING_CLAIM_RATIO = 0.01  # keyset <= 1% of a full count(*) at 10M rows
SAMPLING_CLAIM_SPREAD = 2.0  # keyset within 2x between 100k and 10M rows
CRASH_TARGET_S = 1.0
RSS_TARGET_MB = 80.0
CPU_TARGET_PERCENT = 1.0
REPORT_TARGET_S = 3.0

WAYS: tuple[tuple[str, str], ...] = (
    ("keyset", "keyset: rows past the start's max id (TableCounter)"),
    ("auto", "auto (TableCounter), resolved to {note}"),
    ("full", "full: count(*) (TableCounter)"),
    ("estimate", "estimate: pg_stat inserted minus deleted (TableCounter)"),
    ("naive", "naive: new connection + count(*) per sample"),
    ("psql", "original: a `psql -tAc` process per sample"),
)


@dataclass
class Results:
    """Everything one run measured; a part that was not run is None or empty."""

    sizes: Sequence[str]
    sampling: dict[str, dict[str, Cell]]  # size label -> way -> cell
    crash: CrashDetection | None
    footprint: Footprint | None
    report: ReportTiming | None


def _ms(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.2f}" if milliseconds < 10 else f"{milliseconds:.0f}"


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.2f} %" if ratio < 0.1 else f"{ratio * 100:.0f} %"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _sampling_rows(results: Results) -> list[str]:
    rows = []
    for way, label in WAYS:
        cells = [results.sampling[size].get(way) for size in results.sizes]
        present = [cell for cell in cells if cell is not None]
        if not present:
            continue
        values = [
            "n/a" if c is None else f"{_ms(c.median)} / {_ms(c.p95)} ms ({len(c.seconds)})"
            for c in cells
        ]
        rows.append(_row(label.format(note=present[0].note or "?"), *values, "", ""))
    return rows


def _estimate_row(results: Results) -> list[str]:
    cells = [results.sampling[size].get("estimate") for size in results.sizes]
    if not any(cells):
        return []
    values = [
        "n/a"
        if c is None or not c.errors
        else f"{sorted(c.errors)[len(c.errors) // 2]:+d} / {min(c.errors):+d}"
        for c in cells
    ]
    label = "estimate minus the exact count, rows: median / most negative"
    return [_row(label, *values, "labelled an estimate", "—")]


def _ratio_rows(results: Results) -> list[str]:
    """keyset against full count(*) at each size, and keyset across sizes: the claims."""
    rows = []
    ratios: list[float | None] = []
    for size in results.sizes:
        key, full = results.sampling[size].get("keyset"), results.sampling[size].get("full")
        ratios.append(None if key is None or full is None else key.median / full.median)
    if any(ratio is not None for ratio in ratios):
        at_10m = ratios[list(results.sizes).index("10M")] if "10M" in results.sizes else None
        verdict = "n/a" if at_10m is None else _verdict(at_10m <= SAMPLING_CLAIM_RATIO)
        values = ["n/a" if ratio is None else _percent(ratio) for ratio in ratios]
        rows.append(_row("keyset ÷ full count(*), medians", *values, "≤ 1 % at 10M", verdict))
    keyset = {size: results.sampling[size].get("keyset") for size in results.sizes}
    low, high = keyset.get("100k"), keyset.get("10M")
    if low is not None and high is not None:
        spread = high.median / low.median
        values = [""] * (len(results.sizes) - 1) + [f"{spread:.2f}x"]
        label = "keyset at 10M ÷ keyset at 100k, medians"
        rows.append(_row(label, *values, "≤ 2x", _verdict(spread <= SAMPLING_CLAIM_SPREAD)))
    return rows


def _end_to_end_rows(results: Results, width: int) -> list[str]:
    def line(label: str, value: str, target: str = "", verdict: str = "") -> str:
        return _row(label, value, *([""] * (width - 1)), target, verdict)

    rows = [line("**the monitor, end to end**", "**result**")]
    crash = results.crash
    if crash is not None:
        label = (
            f"crash detection: job's exit → `job_exited` record, median / max"
            f" ({len(crash.latencies_s)} runs, 60 s interval)"
        )
        value = f"{crash.median:.3f} / {crash.worst:.3f} s"
        rows.append(line(label, value, "< 1 s", _verdict(crash.worst < CRASH_TARGET_S)))
    foot = results.footprint
    if foot is not None:
        pilot = f"{foot.interval_s:g} s interval, {foot.duration_s:g} s pilot, 1M rows"
        rows.append(
            line(
                f"monitor memory: VmRSS while sampling / VmHWM peak ({pilot})",
                f"{foot.rss_mb:.1f} / {foot.peak_rss_mb:.1f} MB",
                "< 80 MB",
                _verdict(foot.peak_rss_mb < RSS_TARGET_MB),
            )
        )
        rows.append(
            line(
                f"monitor CPU while sampling, % of one core (over {foot.cpu_window_s:.0f} s)",
                f"{foot.cpu_percent:.2f} %",
                "< 1 %",
                _verdict(foot.cpu_percent < CPU_TARGET_PERCENT),
            )
        )
        if foot.health_cpu_s:
            rows.append(
                line(
                    "the image's HEALTHCHECK, a process every 15 s: CPU per run / % of one core"
                    f" ({len(foot.health_cpu_s)} runs)",
                    f"{statistics.median(foot.health_cpu_s) * 1000:.0f} ms"
                    f" / {foot.health_percent:.2f} %",
                    "(apart)",
                    "—",
                )
            )
        rows.append(
            line(
                "monitor CPU time: start-up to first sample / whole pilot",
                f"{foot.startup_cpu_s:.2f} / {foot.total_cpu_s:.2f} s",
            )
        )
        rows.append(
            line(
                "database: the monitor's connections while sampling / whole pilot"
                " (pg_stat_activity saw)",
                f"{foot.connections_sampling} / {foot.connections} ({foot.connections_seen_live})",
                "1 while sampling",
                _verdict(foot.connections_sampling == 1),
            )
        )
        rows.append(
            line(
                f"database: statements per sample ({foot.samples} samples) / whole pilot",
                f"{foot.statements_per_sample:.2f} / {foot.statements_total}",
                "1 per sample",
                _verdict(foot.statements_per_sample <= 1.0),
            )
        )
    report = results.report
    if report is not None:
        runs = ", ".join(f"{seconds:.2f}" for seconds in report.seconds)
        rows.append(
            line(
                f"report from 86,400 samples ({report.journal_mb:.0f} MB journal), this venv's"
                f" Python: rebuild, worst of {len(report.seconds)} ({runs} s) / whole process"
                " with start-up and imports, worst",
                f"{max(report.seconds):.2f} / {max(report.process_seconds):.2f} s",
                "",
                "—",
            )
        )
        if report.image_seconds:
            runs = ", ".join(f"{seconds:.2f}" for seconds in report.image_seconds)
            rows.append(
                line(
                    f"the same in the monitor's image (Python {report.image_python}, which makes"
                    f" a pilot's report): rebuild, worst of {len(report.image_seconds)} ({runs} s)"
                    " / whole `docker run`, worst",
                    f"{max(report.image_seconds):.2f} / {max(report.image_process_seconds):.2f} s",
                    "< 3 s",
                    _verdict(max(report.image_seconds) < REPORT_TARGET_S),
                )
            )
        rows.append(
            line(
                "report memory: peak RSS / its growth over the interpreter / Python heap peak",
                f"{report.peak_rss_mb:.0f} / +{report.rss_growth_mb:.1f} /"
                f" {report.python_peak_mb:.1f} MB",
                "bounded",
                "—",
            )
        )
    return rows


def render(results: Results) -> str:
    width = len(results.sizes)
    header = _row("measure", *(f"{size} rows" for size in results.sizes), "target", "verdict")
    rule = "|---|" + "--:|" * width + "---|---|"
    section = _row("**one sample: median / p95 (samples)**", *([""] * width), "", "")
    rows = [header, rule]
    if results.sampling:
        rows += [
            section,
            *_sampling_rows(results),
            *_ratio_rows(results),
            *_estimate_row(results),
        ]
    rows += _end_to_end_rows(results, width)
    return "\n".join(rows)
