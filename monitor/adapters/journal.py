"""The journal on disk: JSON lines, each fsynced before anyone sees it.

A journal is locked (flock) by the monitor that writes it, so that a monitor started while
another one watches the same pilot can tell, and one whose monitor died is free to be taken
up by the next (the kernel drops the lock with the process).
"""

import contextlib
import fcntl
import json
import os
from collections.abc import Generator
from pathlib import Path

from monitor.core.records import PilotEnded, Record, from_dict, to_dict

JOURNAL_GLOB = "pilot_journal_*.jsonl"
_TAIL_BYTES = 64 * 1024


class JournalLockedError(Exception):
    """Another live monitor writes this journal."""


class Journal:
    """Append-only; a record that was appended survives the monitor being killed.

    When the disk refuses a record (full, gone read-only), ``append`` raises OSError but keeps
    the record: it is written, in order, before the next one, once the disk allows. A record
    cut short by the failure is cut off the file again, so the journal stays readable.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalLockedError(f"{path} is being written by another monitor") from None
        self._fd = fd
        self._pending: list[tuple[Record, bytes]] = []

    @property
    def unwritten(self) -> tuple[Record, ...]:
        """The records the disk has refused so far, oldest first."""
        return tuple(record for record, _ in self._pending)

    def append(self, record: Record) -> None:
        line = json.dumps(to_dict(record), ensure_ascii=False) + "\n"
        self._pending.append((record, line.encode("utf-8")))
        while self._pending:
            self._write(self._pending[0][1])
            self._pending.pop(0)

    def _write(self, data: bytes) -> None:
        size = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, size)
            raise

    def close(self) -> None:
        os.close(self._fd)


def unfinished(directory: Path) -> list[Path]:
    """Journals in ``directory`` whose pilot has no end record, oldest first.

    Only each journal's last line is read. An empty journal (its monitor died before the
    start record) has nothing to take up and is left out.
    """
    found = []
    for path in sorted(directory.glob(JOURNAL_GLOB), key=lambda p: (p.stat().st_mtime, p.name)):
        last = _last_line(path)
        if last is None:
            continue
        try:
            record = from_dict(json.loads(last))
        except (ValueError, TypeError):
            record = None  # a line cut short by a crash: the pilot did not end
        if not isinstance(record, PilotEnded):
            found.append(path)
    return found


def _last_line(path: Path) -> str | None:
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        file.seek(max(0, file.tell() - _TAIL_BYTES))
        lines = [line for line in file.read().split(b"\n") if line.strip()]
    return lines[-1].decode("utf-8", errors="replace") if lines else None


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
