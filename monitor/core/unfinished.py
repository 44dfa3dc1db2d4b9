"""Where a pilot whose monitor died stands, read from its journal alone."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from monitor.core.analysis import Progress, measure, split_start, start_progress
from monitor.core.records import Event, PilotStarted, Record, Sample


@dataclass(frozen=True)
class Unfinished:
    """What a monitor taking the pilot up needs: its start, the job's launch as journaled
    (PID, pidfile, exec ID; None if the monitor died before journaling it), the last
    sample's index and progress, and when the monitor was last heard of."""

    start: PilotStarted
    launch: dict[str, Any] | None
    last_index: int
    progress: Progress
    last_at: float


def where_it_stands(records: Iterable[Record]) -> Unfinished:
    start, rest = split_start(records)
    launch: dict[str, Any] | None = None
    index, progress, last_at = 0, start_progress(start.baseline_rows), start.at
    for record in rest:
        last_at = max(last_at, record.at)
        if isinstance(record, Sample):
            index = record.index
            _, progress = measure(progress, record)
        elif isinstance(record, Event) and record.name == "job_started":
            launch = record.data
    return Unfinished(start, launch, index, progress, last_at)
