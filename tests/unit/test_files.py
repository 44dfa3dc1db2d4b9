from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.adapters.files import check_writable, read_log, write_new, write_new_from


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    first = write_new(tmp_path, "report_x", ".md", "first\n")
    second = write_new(tmp_path, "report_x", ".md", "second\n")
    third = write_new(tmp_path, "report_x", ".md", "third\n")
    assert first == tmp_path / "report_x.md"
    assert second == tmp_path / "report_x_2.md"
    assert third == tmp_path / "report_x_3.md"
    assert first.read_text("utf-8") == "first\n"
    assert second.read_text("utf-8") == "second\n"
    assert third.read_text("utf-8") == "third\n"


def test_write_new_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_new(tmp_path, "report", ".md", "a")
    write_new(tmp_path, "report", ".md", "b")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.md", "report_2.md"]


def test_write_new_keeps_an_existing_unrelated_file(tmp_path: Path) -> None:
    (tmp_path / "report.md").write_text("older pilot", encoding="utf-8")
    path = write_new(tmp_path, "report", ".md", "ünïcode ✅")
    assert path.name == "report_2.md"
    assert (tmp_path / "report.md").read_text("utf-8") == "older pilot"
    assert path.read_text("utf-8") == "ünïcode ✅"
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_new_into_a_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_new(tmp_path / "missing", "report", ".md", "x")


def test_check_writable_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "logs" / "nested"
    check_writable(target)
    assert target.is_dir()
    assert list(target.iterdir()) == []  # the probe is gone


def test_check_writable_raises_when_the_folder_cannot_exist(tmp_path: Path) -> None:
    # Root ignores permission bits, so make the path impossible instead: a file in the way.
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(OSError):
        check_writable(tmp_path / "file" / "sub")


def test_read_log_digests_only_this_run(tmp_path: Path) -> None:
    path = tmp_path / "backfill_pilot.log"
    path.write_text("===== pilot 1 | old =====\nold ERROR\n===== pilot 2 | now =====\n")
    offset = path.stat().st_size
    this_run = "INFO fetched\nERROR HTTP 429\nINFO done\n"
    with path.open("a", encoding="utf-8") as file:
        file.write(this_run + "===== pilot 3 | later =====\nERROR from a later pilot\n")
    result = read_log(path, offset)
    assert result is not None
    assert result.path == str(path)
    assert result.lines == 3
    assert result.error_lines == 1
    assert result.first_error == "ERROR HTTP 429"
    assert result.tail == ("INFO fetched", "ERROR HTTP 429", "INFO done")
    assert result.size_bytes == len(this_run.encode())


def test_read_log_at_the_end_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "job.log"
    path.write_text("a\nb\n", encoding="utf-8")
    result = read_log(path, path.stat().st_size)
    assert result is not None
    assert (result.lines, result.tail) == (0, ())


def test_read_log_survives_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "job.log"
    path.write_bytes(b"ok\n\xff\xfe broken \xc3\n")
    result = read_log(path, 0)
    assert result is not None
    assert result.lines == 2
    assert result.tail[1].endswith("broken \ufffd")


def test_read_log_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert read_log(tmp_path / "nope.log", 0) is None


def test_write_new_from_streams_the_parts_and_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "samples.csv").write_text("older pilot", encoding="utf-8")
    parts = (f"{number}\n" for number in range(3))  # a generator: consumed once, as written
    path = write_new_from(tmp_path, "samples", ".csv", parts)
    assert path.name == "samples_2.csv"
    assert path.read_text("utf-8") == "0\n1\n2\n"
    assert (tmp_path / "samples.csv").read_text("utf-8") == "older pilot"
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_new_from_leaves_nothing_when_the_parts_fail(tmp_path: Path) -> None:
    def parts() -> Iterator[str]:
        yield "index\n"
        raise ValueError("journal.jsonl:3: not a journal record")

    with pytest.raises(ValueError, match="not a journal record"):
        write_new_from(tmp_path, "samples", ".csv", parts())
    assert list(tmp_path.iterdir()) == []
