import csv

from monitor.core.analysis import Summariser, split_start
from monitor.core.samples_csv import COLUMNS, csv_line, csv_lines, iso_time


def lines_of(records: list) -> list[str]:
    start, rest = split_start(records)
    return list(csv_lines(Summariser(start).feed(rest)))


def test_one_row_per_sample_with_a_header(build) -> None:
    records = [
        build.start(baseline=100),
        build.event(0.5, "job_started", "started"),
        build.sample(1, 60.0, 130),
        build.sample(2, 120.0, None, error='timeout, then "server closed"\nretrying'),
        build.sample(3, 180.0, 190),
        build.end(180.0),
        build.sample(4, 180.5, 191, final=True, running=False),
    ]
    lines = lines_of(records)
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert lines[0] == (
        "index,time,elapsed_s,job_running,total,added,delta,rate_per_min,error,final\n"
    )
    assert lines[1] == "1,2023-11-14T22:14:20.000Z,60.000,true,130,30,30,30.000,,false\n"
    assert lines[2] == (
        '2,2023-11-14T22:15:20.000Z,120.000,true,,,,,"timeout, then ""server closed"" retrying"'
        ",false\n"
    )
    assert lines[3] == "3,2023-11-14T22:16:20.000Z,180.000,true,190,90,60,30.000,,false\n"
    assert lines[4] == "4,2023-11-14T22:16:20.500Z,180.500,false,191,91,1,120.000,,true\n"
    rows = list(csv.DictReader(lines))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1]["error"] == 'timeout, then "server closed" retrying'
    assert [row["index"] for row in rows] == ["1", "2", "3", "4"]


def test_a_journal_without_samples_is_a_header(build) -> None:
    assert lines_of([build.start(), build.end(1.0)]) == [",".join(COLUMNS) + "\n"]


def test_a_rate_over_no_time_is_empty(build) -> None:
    start, rest = split_start([build.start(), build.sample(1, 0.0, 120)])
    (row,) = Summariser(start).feed(rest)
    assert csv_line(row) == "1,2023-11-14T22:13:20.000Z,0.000,true,120,20,20,,,false\n"


def test_iso_time_is_utc_to_the_millisecond() -> None:
    assert iso_time(0.0) == "1970-01-01T00:00:00.000Z"
    assert iso_time(1_700_000_000.1234) == "2023-11-14T22:13:20.123Z"
