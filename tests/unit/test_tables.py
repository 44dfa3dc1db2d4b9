"""PILOT_TABLES' figures from recorded samples, in the report, the JSON and the journal."""

from dataclasses import replace
from pathlib import Path

from monitor.adapters.journal import Journal, iter_journal
from monitor.core import report
from monitor.core.analysis import summarise
from monitor.core.records import Changes, Record, TableCount, TableStart
from monitor.core.summary_json import summary_json
from tests.unit.conftest import Build

TEAMS = TableStart("teams", 20, "count(*) each sample (exact)", {"rows": 20, "strategy": "full"})
ODDS = TableStart("stats.odds", 0, "initial count plus rows with id > 0", {})


def pilot(build: type[Build], counts: list[tuple[TableCount, ...]]) -> list[Record]:
    start = replace(build.start(), tables=(TEAMS, ODDS))
    samples = build.regular([110 + 10 * i for i in range(len(counts))])
    return [
        start,
        *[replace(sample, tables=tables) for sample, tables in zip(samples, counts, strict=True)],
        build.end(60.0 * len(counts)),
    ]


def test_each_tables_rows_rate_writes_and_missing_counts(build: type[Build]) -> None:
    counts = [
        (TableCount("teams", 20, Changes(20, 0, 0)), TableCount("stats.odds", 0, Changes(0, 0, 0))),
        (
            TableCount("teams", 22, Changes(22, 5, 0)),
            TableCount("stats.odds", None, error="timeout"),
        ),
        (
            TableCount("teams", 26, Changes(26, 9, 1)),
            TableCount("stats.odds", 30, Changes(30, 0, 0)),
        ),
    ]
    summary = summarise(pilot(build, counts))
    teams, odds = summary.tables
    assert (teams.baseline_rows, teams.final_total, teams.added) == (20, 26, 6)
    assert teams.average_per_min == 2.0  # 6 rows in the 180 s to its last count
    assert teams.written == Changes(6, 9, 1)
    assert (odds.final_total, odds.added, odds.missing, odds.first_error) == (30, 30, 1, "timeout")
    assert odds.written == Changes(30, 0, 0)  # across the missing count

    text = report.render(summary, None)
    assert "## Other tables" in text
    assert "### `teams`" in text and "### `stats.odds`" in text
    assert "| Rows written (statistics) | 6 inserted, 9 updated, 1 deleted |" in text
    assert "| Samples | 3, 1 missing (first: timeout) |" in text

    data = summary_json(summary, report="r.md")
    assert data["tables"][0] == {
        "table": "teams",
        "baseline_rows": 20,
        "final_rows": 26,
        "added_rows": 6,
        "average_rate_per_min": 2.0,
        "written": {"inserted": 6, "updated": 9, "deleted": 1},
        "samples": 3,
        "missing_samples": 0,
    }


def test_one_table_says_how_to_watch_more(build: type[Build]) -> None:
    summary = summarise([build.start(), *build.regular([110]), build.end(60.0)])
    assert summary.tables == ()
    assert "Only `matches` was watched (PILOT_TABLES adds more)." in report.render(summary, None)


def test_the_journal_keeps_the_tables_and_the_activity(build: type[Build], tmp_path: Path) -> None:
    counts = [
        (TableCount("teams", 21, Changes(21, 0, 0)), TableCount("stats.odds", None, error="x"))
    ]
    records = pilot(build, counts)
    journal = Journal(tmp_path / "pilot_journal_x.jsonl")
    for record in records:
        journal.append(record)
    journal.close()
    assert list(iter_journal(journal.path)) == records
