"""The journal on disk: JSON lines, each flushed and fsynced before anyone sees it."""

import json
import os
from pathlib import Path
from typing import IO

from monitor.core.records import Record, from_dict, to_dict


class Journal:
    """Append-only; a record that was appended survives the monitor being killed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def append(self, record: Record) -> None:
        self._file.write(json.dumps(to_dict(record), ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def read_journal(path: Path) -> list[Record]:
    """Every complete record; a last line cut short by a crash is skipped, not fatal."""
    records = []
    with path.open(encoding="utf-8", newline="") as file:
        # Only "\n" ends a record: JSON escapes it inside strings, but not U+2028 and the like,
        # which str.splitlines() would also split on.
        lines = file.read().split("\n")
    while lines and not lines[-1]:
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(from_dict(json.loads(line)))
        except (ValueError, TypeError) as error:
            if number == len(lines):
                break
            raise ValueError(f"{path}:{number}: not a journal record ({error})") from None
    return records
