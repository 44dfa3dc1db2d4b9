import json
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.adapters.journal import Journal, JournalLockedError, iter_journal, unfinished
from monitor.core.records import Changes, Session, TableCount, TableStart, from_dict, to_dict


def every_kind(build) -> list:
    return [
        build.start(
            settings=(("PILOT_DURATION", "10m"), ("PILOT_TABLE", "matches")),
            command=("python", "-c", "print('ünïcode | ok')"),
        ),
        build.event(0.5, "job_started", "started `python` (pid 42)", pid=42, pidfile="/tmp/p"),
        build.sample(1, 60.0, 130),
        build.sample(2, 120.0, None, error="server closed the connection unexpectedly"),
        build.sample(3, 180.0, 150, final=True, running=False),
        build.end(181.0, "signal", exit_code=143, stopped_by="TERM", detail="SIGTERM received"),
    ]


def write(path: Path, records: list) -> None:
    journal = Journal(path)
    try:
        for record in records:
            journal.append(record)
    finally:
        journal.close()


def test_round_trip_of_every_record_kind(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    records = every_kind(build)
    write(path, records)
    assert list(iter_journal(path)) == records
    assert [json.loads(line)["kind"] for line in path.read_text("utf-8").splitlines()] == [
        "start",
        "event",
        "sample",
        "sample",
        "sample",
        "end",
    ]


def test_append_is_on_disk_before_close(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    try:
        journal.append(build.start())
        journal.append(build.sample(1, 60.0, 120))
        assert len(list(iter_journal(path))) == 2  # readable while still open
    finally:
        journal.close()


def test_journal_appends_to_an_existing_file(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    write(path, [build.start()])
    write(path, [build.sample(1, 60.0, 120)])
    assert [record.kind for record in list(iter_journal(path))] == ["start", "sample"]


def test_truncated_final_line_is_skipped(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    records = every_kind(build)[:3]
    write(path, records)
    whole = json.dumps(to_dict(build.sample(2, 120.0, 140)))
    with path.open("a", encoding="utf-8") as file:
        file.write(whole[: len(whole) // 2])  # the monitor died mid-write
    assert list(iter_journal(path)) == records


def test_blank_lines_are_ignored(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    lines = [json.dumps(to_dict(build.start())), "", "   ", json.dumps(to_dict(build.end(1.0)))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [record.kind for record in list(iter_journal(path))] == ["start", "end"]


@pytest.mark.parametrize(
    "corrupt",
    ['{"kind": "sample", "index": 2', "not json", '{"kind": "alien"}', '{"kind": "sample"}'],
)
def test_corrupt_middle_line_names_the_line(build, tmp_path: Path, corrupt: str) -> None:
    path = tmp_path / "journal.jsonl"
    lines = [
        json.dumps(to_dict(build.start())),
        corrupt,
        json.dumps(to_dict(build.sample(2, 120.0, 140))),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"journal\.jsonl:2: not a journal record"):
        list(iter_journal(path))


def test_unknown_fields_from_newer_monitors_are_ignored(build) -> None:
    data = to_dict(build.sample(1, 60.0, 120))
    data["added_in_v2"] = "whatever"
    assert from_dict(data) == build.sample(1, 60.0, 120)


def test_unknown_fields_inside_nested_records_are_ignored_too(build) -> None:
    start = replace(build.start(), tables=(TableStart("teams", 2, "count(*)"),))
    sample = replace(
        build.sample(1, 60.0, 120),
        changes=Changes(120, 3, 0),
        sessions=(Session(7, "backfill", "active", 1.0, 0.5),),
        tables=(TableCount("teams", 2, Changes(2, 0, 0)),),
    )
    start_data, sample_data = to_dict(start), to_dict(sample)
    start_data["tables"][0]["added_in_v2"] = 1
    sample_data["changes"]["truncated"] = 0
    sample_data["sessions"][0]["added_in_v2"] = "x"
    sample_data["tables"][0]["changes"]["truncated"] = 0
    assert (from_dict(start_data), from_dict(sample_data)) == (start, sample)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown record kind"):
        from_dict({"kind": "nope"})


def test_line_separators_inside_a_record_do_not_split_it(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    odd = "label\u2028two\u2029three\x85four\x1cfive\r six"
    records = [build.start(command=("python", odd)), build.event(1.0, "note", odd), build.end(2.0)]
    for record in records:
        journal.append(record)
    journal.close()
    assert list(iter_journal(path)) == records


def test_a_bad_last_line_followed_by_empty_lines_is_still_the_last(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    good = [json.dumps(to_dict(build.start())), json.dumps(to_dict(build.end(1.0)))]
    path.write_text("\n".join([*good, '{"kind": "sam']) + "\n\n\n", encoding="utf-8")
    assert [record.kind for record in iter_journal(path)] == ["start", "end"]


def test_a_bad_line_followed_by_a_blank_one_is_not_the_last(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    lines = [json.dumps(to_dict(build.start())), '{"kind": "sam', "   "]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"journal\.jsonl:2: not a journal record"):
        list(iter_journal(path))


def test_records_stream_before_a_bad_line_is_met(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    lines = [
        json.dumps(to_dict(build.start())),
        json.dumps(to_dict(build.sample(1, 60.0, 120))),
        "not json",
        json.dumps(to_dict(build.end(60.0))),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = iter_journal(path)
    assert next(records).kind == "start"  # read lazily: nothing past line 1 yet
    assert next(records).kind == "sample"
    with pytest.raises(ValueError, match=r"journal\.jsonl:3: not a journal record"):
        next(records)


def test_a_carriage_return_before_the_newline_is_part_of_the_record(build, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    records = [build.start(), build.end(1.0)]
    path.write_bytes(b"".join(json.dumps(to_dict(r)).encode() + b"\r\n" for r in records))
    assert list(iter_journal(path)) == records


def test_an_empty_journal_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("", encoding="utf-8")
    assert list(iter_journal(path)) == []


def test_a_journal_is_locked_while_a_monitor_writes_it(build, tmp_path: Path) -> None:
    path = tmp_path / "pilot_journal_x.jsonl"
    first = Journal(path)
    with pytest.raises(JournalLockedError):
        Journal(path)
    first.close()  # the lock goes with the writer (as when its process dies)
    Journal(path).close()


def test_unfinished_journals_are_those_without_an_end_record(build, tmp_path: Path) -> None:
    records = every_kind(build)
    for name, kept in (("a", records), ("b", records[:-1]), ("c", []), ("d", records[:3])):
        path = tmp_path / f"pilot_journal_{name}.jsonl"
        path.write_text("".join(json.dumps(to_dict(r)) + "\n" for r in kept))
    cut = tmp_path / "pilot_journal_e.jsonl"
    cut.write_text(json.dumps(to_dict(records[0])) + '\n{"kind": "sam')  # killed mid-write
    (tmp_path / "pilot_run_report_b.md").write_text("not a journal")

    assert [path.name for path in unfinished(tmp_path)] == [
        "pilot_journal_b.jsonl",
        "pilot_journal_d.jsonl",
        "pilot_journal_e.jsonl",
    ]


def test_records_the_disk_refused_are_kept_and_written_in_order(build, tmp_path: Path) -> None:
    records = every_kind(build)
    journal = Journal(tmp_path / "pilot_journal_x.jsonl")
    journal.append(records[0])
    refusing = journal._write  # the one place the journal touches the disk

    def full(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    journal._write = full  # type: ignore[method-assign]
    for record in records[1:3]:
        with pytest.raises(OSError):
            journal.append(record)
    assert journal.unwritten == tuple(records[1:3])
    journal._write = refusing  # type: ignore[method-assign]
    journal.append(records[3])
    journal.close()
    assert journal.unwritten == ()
    assert list(iter_journal(journal.path)) == records[:4]
