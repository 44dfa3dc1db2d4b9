"""The journal on disk: JSON lines, each flushed and fsynced before anyone sees it."""

import json
import os
from collections.abc import Generator
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


def iter_journal(path: Path) -> Generator[Record, None, None]:
    """Every complete record, line by line; a last line cut short by a crash is skipped.

    Any other line that is not a record is an error naming ``path:line``. The file is read
    as it is consumed, so a journal of any length takes the memory of one line.
    """
    # Only "\n" ends a record: JSON escapes it inside strings, but not U+2028 and the like,
    # which str.splitlines() would also split on; newline="\n" splits on it alone and
    # translates nothing ("\r" stays part of its line, as JSON whitespace).
    with path.open(encoding="utf-8", newline="\n") as file:
        bad: ValueError | None = None
        for number, raw in enumerate(file, start=1):
            line = raw.removesuffix("\n")
            if bad is not None and line:
                raise bad  # a bad line followed by more is not a last line cut short
            if not line.strip():
                continue
            try:
                record = from_dict(json.loads(line))
            except (ValueError, TypeError) as error:
                bad = ValueError(f"{path}:{number}: not a journal record ({error})")
                continue
            yield record
