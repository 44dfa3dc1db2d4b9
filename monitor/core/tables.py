"""The other watched tables (PILOT_TABLES): their figures over the pilot, in one pass.

A backfill of matches also fills teams, leagues, odds...: whether those grow with it, or not
at all, tells about the full run too. Rates, ETA and decision stay with PILOT_TABLE; each
other table gets its rows at the start and the end, its average rate, the rows written to it
(its statistics counters, summed over the intervals they were read in) and its missing counts.
"""

from dataclasses import dataclass

from monitor.core.activity import written_between
from monitor.core.records import Changes, PilotStarted, TableCount


@dataclass(frozen=True)
class TableFigures:
    table: str
    counting: str
    baseline_rows: int
    final_total: int | None  # the last good count
    added: int | None
    average_per_min: float | None  # rows added over the time to the last good count
    written: Changes | None  # None: the statistics were never read twice in a row
    samples: int
    missing: int
    first_error: str | None


class TablesTracker:
    """Running figures per other table; memory grows with the tables, not the samples."""

    def __init__(self, start: PilotStarted) -> None:
        self._start = start
        self._last: dict[str, TableCount] = {}
        self._last_good_s: dict[str, float] = {}
        self._written: dict[str, Changes] = {}
        self._samples: dict[str, int] = {}
        self._missing: dict[str, int] = {}
        self._errors: dict[str, str] = {}

    def add(self, counts: tuple[TableCount, ...], elapsed_s: float) -> None:
        for count in counts:
            name = count.table
            self._samples[name] = self._samples.get(name, 0) + 1
            if count.total is None:
                self._missing[name] = self._missing.get(name, 0) + 1
                self._errors.setdefault(name, count.error or "unknown error")
                continue
            before = self._last.get(name)
            if before is not None and before.changes is not None and count.changes is not None:
                step = written_between(before.changes, count.changes)
                if step is not None:
                    self._written[name] = self._written.get(name, Changes(0, 0, 0)) + step
            self._last[name] = count
            self._last_good_s[name] = elapsed_s

    def result(self) -> tuple[TableFigures, ...]:
        figures = []
        for table in self._start.tables:
            name = table.table
            last = self._last.get(name)
            final = last.total if last else None
            added = None if final is None else final - table.baseline_rows
            seconds = self._last_good_s.get(name, 0.0)
            figures.append(
                TableFigures(
                    table=name,
                    counting=table.counting,
                    baseline_rows=table.baseline_rows,
                    final_total=final,
                    added=added,
                    average_per_min=added * 60.0 / seconds
                    if added is not None and seconds
                    else None,
                    written=self._written.get(name),
                    samples=self._samples.get(name, 0),
                    missing=self._missing.get(name, 0),
                    first_error=self._errors.get(name),
                )
            )
        return tuple(figures)
