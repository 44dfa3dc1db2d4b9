"""The logs folder: reports written atomically and never over an older one, the job log read."""

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from monitor.core.joblog import LogDigest, digest

# A summary is a few KB to a few MB (events, outages); past this it is not one.
MAX_JSON_BYTES = 16 * 1024 * 1024


def write_new(directory: Path, stem: str, suffix: str, content: str) -> Path:
    """Writes ``stem + suffix`` (or ``stem_2 + suffix``, ...) without ever replacing a file.

    The content goes to a temporary file first and is hard-linked into place, so a reader sees
    either nothing or the whole report, and an existing name makes the link fail instead of
    overwriting it.
    """
    return write_new_from(directory, stem, suffix, (content,))


def write_new_from(directory: Path, stem: str, suffix: str, parts: Iterable[str]) -> Path:
    """``write_new`` of the parts' concatenation, streamed: the parts are never all in memory.

    An error while producing the parts leaves no file behind, not even the temporary one.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.writelines(parts)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        return _claim(directory, stem, suffix, lambda target: os.link(temporary, target))
    finally:
        os.unlink(temporary)


def create_new(directory: Path, stem: str, suffix: str) -> Path:
    """Creates an empty ``stem + suffix`` (or ``stem_2 + suffix``, ...) no earlier run used."""
    return _claim(directory, stem, suffix, lambda target: target.touch(exist_ok=False))


def _claim(directory: Path, stem: str, suffix: str, make: Callable[[Path], None]) -> Path:
    """The first free numbered name that ``make`` creates; it must fail if the name exists."""
    for attempt in range(1, 1000):
        target = directory / (f"{stem}{suffix}" if attempt == 1 else f"{stem}_{attempt}{suffix}")
        try:
            make(target)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"no free name for {stem}{suffix} in {directory}")


def check_writable(directory: Path) -> None:
    """Creates the folder if needed and proves a file can be written there; raises OSError."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(prefix=".pilot-write-check.", dir=directory)
    os.close(fd)
    os.unlink(probe)


def start_log_section(path: Path, header: str) -> int:
    """Appends a run's header line to the job log; returns the offset where its output starts."""
    with path.open("a", encoding="utf-8") as log:
        log.write(f"\n{header}\n")
        return log.tell()


def read_log(path: Path, offset: int) -> LogDigest | None:
    """Digest of one run's part of the job log, which starts at ``offset``; None if unreadable."""
    try:
        with path.open("rb") as file:
            file.seek(offset)
            return digest(str(path), (raw.decode("utf-8", errors="replace") for raw in file))
    except OSError:
        return None


def read_json_files(
    directory: Path, stem: str, *, below: str | None = None, newest: int = 50
) -> Iterator[object]:
    """The parsed content of the ``newest`` ``stem*.json`` files (by name, the last first),
    lazily; only names that sort before ``below`` when given.

    Names carry their run's start, so the name order is the runs' order even in a copied
    folder, whose files' times are the copy's. A file that cannot be read, is not JSON, or is
    over ``MAX_JSON_BYTES`` is passed over silently: a stray file must not cost the report.
    """
    try:
        names = sorted(
            (
                path.name
                for path in directory.glob(f"{stem}*.json")
                if below is None or path.name < below
            ),
            reverse=True,
        )
    except OSError:
        return
    for name in names[:newest]:
        try:
            with (directory / name).open("rb") as file:
                raw = file.read(MAX_JSON_BYTES + 1)
            if len(raw) > MAX_JSON_BYTES:
                continue
            yield json.loads(raw)
        except (OSError, ValueError, RecursionError):
            continue
