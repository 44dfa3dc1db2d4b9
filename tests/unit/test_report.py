from markdown_it import MarkdownIt
from markdown_it.token import Token

from monitor.core import report
from monitor.core.analysis import PilotSummary, summarise
from monitor.core.joblog import LogDigest, digest
from monitor.settings import describe, load_settings

SECRET = "s3cr3t-Pa55"


def parse(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def plain(token: Token) -> str:
    """The visible text of an inline token (code spans included, markup dropped)."""
    return "".join(
        child.content for child in token.children or [] if child.type in ("text", "code_inline")
    )


def headings(tokens: list[Token], tag: str = "h2") -> list[str]:
    return [
        plain(tokens[number + 1])
        for number, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == tag
    ]


def section(tokens: list[Token], title: str) -> list[Token]:
    """The tokens under one h2 heading (the heading itself left out), up to the next h2."""
    starts = [
        number
        for number, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == "h2"
    ]
    for position, number in enumerate(starts):
        if plain(tokens[number + 1]) == title:
            end = starts[position + 1] if position + 1 < len(starts) else len(tokens)
            return tokens[number + 3 : end]
    raise AssertionError(f"no section {title!r}")


def tables(tokens: list[Token]) -> list[tuple[list[str], list[list[str]]]]:
    """Every table as (header cells, body rows of cells), cells as plain text."""
    result: list[tuple[list[str], list[list[str]]]] = []
    header: list[str] = []
    body: list[list[str]] = []
    row: list[str] = []
    part = ""
    for number, token in enumerate(tokens):
        if token.type == "table_open":
            header, body = [], []
        elif token.type in ("thead_open", "tbody_open"):
            part = token.type
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(plain(tokens[number + 1]))
        elif token.type == "tr_close":
            if part == "thead_open":
                header = row
            else:
                body.append(row)
        elif token.type == "table_close":
            result.append((header, body))
    return result


def bullet_items(tokens: list[Token]) -> list[str]:
    return [
        plain(tokens[number + 2])
        for number, token in enumerate(tokens)
        if token.type == "list_item_open"
    ]


def samples_table(text: str) -> tuple[list[str], list[list[str]]]:
    found = tables(section(parse(text), "Samples"))
    assert len(found) == 1
    return found[0]


def statistics(text: str) -> dict[str, str]:
    ((_, rows),) = tables(section(parse(text), "Collection statistics"))
    return {row[0]: row[1] for row in rows}


def executive(text: str) -> dict[str, str]:
    ((_, rows),) = tables(section(parse(text), "Executive summary"))
    return {row[0]: row[1] for row in rows}


def findings(text: str) -> list[str]:
    return bullet_items(section(parse(text), "Conclusions and recommendations"))


def log_digest(lines: list[str], path: str = "logs/backfill_pilot.log") -> LogDigest:
    return digest(path, lines)


def growing(build, **start_changes: object) -> PilotSummary:
    """10 minutes, 30 rows a minute except an idle fourth minute, passed."""
    return summarise(
        [
            build.start(baseline=100, duration=600.0, **start_changes),
            build.event(0.5, "job_started", "started the job (pid 42 in the container)"),
            *build.regular([130, 160, 190, 190, 220, 250, 280, 310, 340, 370]),
            build.event(600.0, "stopping", "stopping the job (budget)"),
            build.end(600.0),
            build.sample(11, 601.0, 370, final=True, running=False),
        ]
    )


QUIET_LOG = ["INFO fetched 10 matches\n", "INFO saved 10 matches\n"]


def test_sections_in_order_without_settings(build) -> None:
    text = report.render(growing(build), log_digest(QUIET_LOG))
    tokens = parse(text)
    assert headings(tokens, "h1") == ["Pilot run report: matches"]
    assert headings(tokens) == list(report.SECTIONS[:-1])
    assert "Settings" not in headings(tokens)


def test_sections_in_order_with_settings(build) -> None:
    settings = (("PILOT_DURATION", "10m"), ("PILOT_TABLE", "matches"))
    text = report.render(growing(build, settings=settings), None)
    assert headings(parse(text)) == list(report.SECTIONS)
    header, rows = tables(section(parse(text), "Settings"))[0]
    assert header == ["Setting", "Value"]
    assert rows == [["PILOT_DURATION", "10m"], ["PILOT_TABLE", "matches"]]


def test_samples_table_has_one_row_per_interval(build) -> None:
    summary = growing(build)
    header, rows = samples_table(report.render(summary, None))
    assert header[0] == "#"
    assert header[4] == "Total"
    assert len(rows) == len(summary.rows) == 11
    assert all(len(row) == 10 for row in rows)
    assert [row[0] for row in rows] == [*[str(n) for n in range(1, 11)], "end"]
    assert [row[4] for row in rows] == [
        "130", "160", "190", "190", "220", "250", "280", "310", "340", "370", "370",
    ]  # fmt: skip
    assert [row[6] for row in rows][:4] == ["30", "30", "30", "0"]
    assert rows[0][7] == "30.0"  # rate per minute
    assert rows[0][1] == "22:14:20"  # T0 + 60 s, UTC
    assert rows[0][2] == "1m"
    assert rows[0][3] == "running"
    assert rows[-1][3] == "stopped"


def test_missing_sample_row_and_pipe_in_a_cell(build) -> None:
    summary = summarise(
        [
            build.start(baseline=100),
            build.sample(1, 60.0, 130),
            build.sample(2, 120.0, None, error="server closed | retrying"),
            build.sample(3, 180.0, 190),
            build.end(180.0, "signal", detail="SIGTERM | from docker"),
        ]
    )
    text = report.render(summary, None)
    _, rows = samples_table(text)
    assert len(rows) == 3
    assert all(len(row) == 10 for row in rows)
    assert rows[1][4] == "n/a"
    assert rows[1][4] != "0"
    assert rows[1][9] == "missing: server closed | retrying"
    assert rows[2][6] == "60"  # since sample 1, across the gap
    assert rows[2][7] == "30.0"
    assert "SIGTERM | from docker" in executive(text)["Verdict"]


def test_pipe_in_command_and_settings_does_not_break_tables(build) -> None:
    summary = growing(
        build,
        command=("sh", "-c", "python job.py | tee out.txt"),
        settings=(("PILOT_COMMAND", "sh -c 'python job.py | tee out.txt'"),),
    )
    text = report.render(summary, None)
    rows = executive(text)
    assert rows["Command"] == "sh -c 'python job.py | tee out.txt'"  # shell-quoted argv
    assert rows["Container"] == "stack-app-1"
    _, settings = tables(section(parse(text), "Settings"))[0]
    assert settings == [["PILOT_COMMAND", "sh -c 'python job.py | tee out.txt'"]]


def test_backtick_in_command_stays_one_code_span(build) -> None:
    command = ("sh", "-c", "echo `date` >> log")
    text = report.render(growing(build, command=command), None)
    assert executive(text)["Command"] == "sh -c 'echo `date` >> log'"


def test_backtick_in_first_error_stays_one_code_span(build) -> None:
    log = log_digest(["INFO start\n", "ERROR: `psql` not found\n"])
    found = findings(report.render(growing(build), log))
    assert (
        "The job logged 1 error line(s) and 0 traceback(s) in 2 lines."
        " The first: ERROR: `psql` not found." in found
    )


def test_statistics_come_from_the_numbers(build) -> None:
    stats = statistics(report.render(growing(build), None))
    assert stats["Initial rows"] == "100"
    assert stats["Final rows"] == "370"
    assert stats["Rows added"] == "270"
    # 270 rows over the 601 s to the last good sample
    assert stats["Average rate"] == f"{270 * 60 / 601:.1f}/min ({270 * 3600 / 601:.0f}/hour)"
    assert stats["Peak interval rate"].startswith("30.0/min (1800/hour) (sample 1,")
    assert stats["Slowest interval rate"].startswith("0.0/min (0/hour) (sample 4,")
    assert stats["Samples"] == "11 taken every 1m, 0 missing"


def test_log_tail_with_backtick_fence_is_fenced_safely(build) -> None:
    tail = ["INFO before", "```", "````python", "print('x')", "```", "INFO after"]
    log = log_digest([f"{line}\n" for line in tail])
    text = report.render(growing(build), log)
    tokens = parse(text)
    fences = [token for token in section(tokens, "Log analysis") if token.type == "fence"]
    assert len(fences) == 1
    assert fences[0].content.splitlines() == tail
    assert len(fences[0].markup) > 4
    assert fences[0].info == "text"
    assert headings(tokens) == list(report.SECTIONS[:-1])  # nothing after was swallowed


def test_log_analysis_table(build) -> None:
    log = log_digest(["INFO a\n", "ERROR b\n", "Traceback (most recent call last):\n"])
    text = report.render(growing(build), log)
    (_, rows), _ = tables(section(parse(text), "Log analysis"))
    values = {row[0]: row[1] for row in rows}
    assert values["File"] == "logs/backfill_pilot.log"
    assert values["Lines (this run)"] == "3"
    assert values["Error lines"] == "1"
    assert values["Warning lines"] == "0"
    assert values["Tracebacks"] == "1"


def test_log_troubles_are_grouped_by_kind_with_the_first_and_its_time(build) -> None:
    log = log_digest(
        [
            "2026-12-03 20:08:54 INFO Processed 10 matches\n",
            "2026-12-03 20:10:04 WARNING HTTP 429 Too Many Requests, cooling down 30s\n",
            "2026-12-03 20:11:04 WARNING HTTP 429 Too Many Requests, cooling down 30s\n",
            "2026-12-03 20:12:00 ERROR read timed out after 10s\n",
            "2026-12-03 20:12:30 WARNING disk almost full\n",
            "2026-12-03 20:13:00 ERROR psycopg2.OperationalError: server closed the connection\n",
            "Traceback (most recent call last):\n",
            "ValueError: bad row\n",
        ]
    )
    assert (log.error_lines, log.warning_lines, log.tracebacks) == (3, 3, 1)
    text = report.render(growing(build), log)
    _, (header, rows) = tables(section(parse(text), "Log analysis"))
    assert header == ["trouble", "lines", "first at", "first line", "rate then"]
    assert [row[:3] for row in rows] == [
        ["rate limited (HTTP 429)", "2", "2026-12-03 20:10:04"],
        ["timeouts", "1", "2026-12-03 20:12:00"],
        ["other warnings", "1", "2026-12-03 20:12:30"],
        ["connection trouble", "1", "2026-12-03 20:13:00"],
        ["tracebacks", "1", "?"],
        ["other errors", "1", "?"],
    ]
    assert rows[0][3] == "2026-12-03 20:10:04 WARNING HTTP 429 Too Many Requests, cooling down 30s"
    # The pilot ran in 2023: no line of this log came while it ran; unstamped ones are "?".
    assert [row[4] for row in rows] == ["outside the pilot"] * 4 + ["?", "?"]


def test_log_troubles_are_lined_up_against_the_rate_of_their_interval(build) -> None:
    """The pilot starts at 22:13:20 and samples every minute; its fourth minute adds nothing."""
    log = log_digest(
        [
            "2023-11-14 22:14:50 ERROR read timed out after 10s\n",
            "2023-11-14 22:16:30 WARNING HTTP 429 Too Many Requests, cooling down 30s\n",
            "2023-11-14 22:17:00 WARNING HTTP 429 Too Many Requests, cooling down 30s\n",
        ]
    )
    tokens = section(parse(report.render(growing(build), log)), "Log analysis")
    _, (_, rows) = tables(tokens)
    assert {row[0]: row[4] for row in rows} == {
        "timeouts": "30.0/min at sample 2",
        "rate limited (HTTP 429)": "0.0/min at sample 4: a drop (median 30.0/min)",
    }
    assert any(
        "a drop is below half the median interval rate" in line for line in paragraphs(tokens)
    )


def test_unreadable_log(build) -> None:
    text = report.render(growing(build), None)
    paragraphs = [
        token.content for token in section(parse(text), "Log analysis") if token.type == "inline"
    ]
    assert paragraphs == ["The job's log could not be read."]


def test_conclusions_for_growth(build) -> None:
    found = findings(report.render(growing(build), log_digest(QUIET_LOG)))
    rate = 270 * 60 / 601
    assert "The job ran for the whole budget of 10m without failing." in found
    assert (
        f"matches grew by 270 rows at an average of {rate:.1f}/min ({rate * 60:.0f}/hour);"
        f" at that rate a day of backfill adds about {rate * 1440:.0f} rows."
    ) in found
    assert any(line.startswith("1 of 10 intervals added no rows") for line in found)
    assert "Interval rates ranged from 0.0/min (sample 4) to 30.0/min (sample 1)." in found
    assert "The job's log has no error lines in 2 lines." in found
    assert not any("No rows were added" in line for line in found)
    assert not any("killed" in line for line in found)
    assert not any("missing" in line for line in found)


def test_conclusions_for_no_growth(build) -> None:
    summary = summarise(
        [build.start(baseline=500), *build.regular([500, 500, 500]), build.end(180.0)]
    )
    found = findings(report.render(summary, log_digest([])))
    assert any(line.startswith("No rows were added to matches in 3m.") for line in found)
    assert not any("grew by" in line for line in found)
    assert "The job wrote nothing to its log during the pilot." in found


def test_conclusions_when_no_count_was_taken(build) -> None:
    summary = summarise([build.start(), *build.regular([None, None]), build.end(120.0)])
    found = findings(report.render(summary, None))
    assert any("No count of the table could be taken" in line for line in found)
    assert (
        "2 of 2 samples are missing (1 database outage(s)): the rates around them span the gap."
        in found
    )


def test_conclusions_when_kill_was_needed(build) -> None:
    summary = summarise(
        [build.start(), *build.regular([110, 120]), build.end(120.0, stopped_by="KILL")]
    )
    text = report.render(summary, None)
    assert any("had to be killed" in line for line in findings(text))
    assert executive(text)["Job"] == "stopped by the monitor with KILL, confirmed gone"

    term = summarise([build.start(), *build.regular([110, 120]), build.end(120.0)])
    assert not any("killed" in line for line in findings(report.render(term, None)))


def test_conclusions_count_missing_samples_and_outages(build) -> None:
    summary = summarise(
        [
            build.start(),
            *build.regular([110, None, None, 140, None, 160]),
            build.end(360.0),
        ]
    )
    text = report.render(summary, None)
    assert (
        "3 of 6 samples are missing (2 database outage(s)): the rates around them span the gap."
        in findings(text)
    )
    events = bullet_items(section(parse(text), "Events"))
    outages = [line for line in events if line.startswith("Database outage")]
    assert outages == [
        "Database outage: 2 sample(s) missing from 22:15:20 to 22:16:20 (connection refused)",
        "Database outage: 1 sample(s) missing from 22:18:20 to 22:18:20 (connection refused)",
    ]


def test_conclusions_report_error_lines_in_the_log(build) -> None:
    log = log_digest(
        [
            "INFO start\n",
            "ERROR HTTP 429 for match 17\n",
            "Traceback (most recent call last):\n",
            "ERROR giving up\n",
        ]
    )
    found = findings(report.render(growing(build), log))
    assert (
        "The job logged 2 error line(s) and 1 traceback(s) in 4 lines."
        " The first: ERROR HTTP 429 for match 17." in found
    )


def test_conclusions_for_failed_and_completed_jobs(build) -> None:
    failed = summarise(
        [
            build.start(),
            *build.regular([110]),
            build.end(90.0, "job_exit", exit_code=1, stopped_by=None),
        ]
    )
    found = findings(report.render(failed, None))
    assert found[0].startswith("The job failed with exit code 1 after 1m 30s;")
    assert executive(report.render(failed, None))["Job exit code"] == "1"

    completed = summarise(
        [
            build.start(),
            *build.regular([110]),
            build.end(90.0, "job_exit", exit_code=0, stopped_by=None),
        ]
    )
    found = findings(report.render(completed, None))
    assert found[0] == "The backfill finished by itself after 1m 30s: there is nothing left to run."


def test_conclusions_for_interruption_give_the_share(build) -> None:
    summary = summarise(
        [build.start(duration=600.0), *build.regular([110, 120, 130]), build.end(150.0, "signal")]
    )
    found = findings(report.render(summary, None))
    assert found[0].startswith("The pilot was interrupted after 2m 30s of 10m (25%)")


def test_job_not_gone_comes_first(build) -> None:
    summary = summarise(
        [build.start(), *build.regular([110]), build.end(60.0, gone=False, stopped_by="KILL")]
    )
    text = report.render(summary, None)
    assert findings(text)[0].startswith("The job may still be running in stack-app-1")
    assert executive(text)["Verdict"].startswith("FAILED")


def test_unfinished_journal_renders(build) -> None:
    summary = summarise([build.start(), *build.regular([110, 120])])
    text = report.render(summary, None)
    rows = executive(text)
    assert rows["End"] == "(not recorded)"
    assert rows["Job exit code"] == "n/a"
    assert rows["Verdict"].startswith("UNFINISHED")


def test_no_samples_at_all(build) -> None:
    summary = summarise([build.start(), build.end(5.0, "signal")])
    _, rows = samples_table(report.render(summary, None))
    assert len(rows) == 1
    assert rows[0][-1] == "no samples were taken"


def test_render_adds_no_secret(build, monkeypatch, tmp_path) -> None:
    for name in ("PILOT_DATABASE_URL", "PILOT_DATABASE_PASSWORD", "PILOT_JOB_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PILOT_SECRETS_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("PILOT_DATABASE_URL", f"postgresql://postgres:{SECRET}@db:5432/fp")
    monkeypatch.setenv("PILOT_DATABASE_PASSWORD", SECRET + "-2")
    monkeypatch.setenv("PILOT_JOB_ENV", f"TOKEN={SECRET}-3")
    settings = tuple(describe(load_settings(env_file=None)))
    summary = growing(build, settings=settings)
    text = report.render(summary, log_digest(QUIET_LOG))
    assert SECRET not in text
    assert "postgresql://postgres:***@db:5432/fp" in text


def test_report_ends_with_exactly_one_newline(build) -> None:
    text = report.render(growing(build), log_digest(QUIET_LOG))
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


def test_conclusions_when_the_job_was_never_started(build) -> None:
    records = [
        build.start(),
        build.event(0.1, "job_not_started", "the job was not started: no such container"),
        build.end(0.2, "error", detail="no such container"),
    ]
    found = findings(report.render(summarise(records), None))
    assert found == [
        "The job was not started (no such container): nothing about the backfill was measured."
        " Fix the cause and run the pilot again."
    ]


def gaps_and_a_stop(build) -> PilotSummary:
    """202 samples a minute apart (outages at 7-8 and 11), summarised in pairs."""
    totals: list[int | None] = [110, 120, 130, 140, 150, 160, None, None, 220, 230, None]
    totals += [130 + 10 * index for index in range(12, 202)]
    return summarise(
        [
            build.start(baseline=100, duration=12_060.0),
            *build.regular(totals),
            build.end(12_060.0),
            build.sample(202, 12_061.0, 2141, final=True, running=False),
        ]
    )


def paragraphs(tokens: list[Token]) -> list[str]:
    return [
        plain(tokens[number + 1])
        for number, token in enumerate(tokens)
        if token.type == "paragraph_open"
    ]


def test_a_summarised_samples_table_says_so_and_names_the_csv(build) -> None:
    summary = gaps_and_a_stop(build)
    text = report.render(summary, None, "pilot_samples_20231114_221320.csv")
    assert paragraphs(section(parse(text), "Samples")) == [
        "The 202 samples are summarised in 101 rows of 2 consecutive samples;"
        " pilot_samples_20231114_221320.csv beside this report has every sample."
    ]
    header, rows = samples_table(text)
    assert header == [
        "Samples", "Time", "Elapsed", "Job", "Total", "Delta",
        "Rate (/min)", "Min rate (/min)", "Max rate (/min)", "Missing",
    ]  # fmt: skip
    assert len(rows) == 101
    assert rows[0][:6] == ["1-2", "22:14:20-22:15:20", "2m", "running", "120", "20"]
    assert rows[0][6:] == ["10.0", "10.0", "10.0", "0"]
    assert rows[3] == ["7-8", "22:20:20-22:21:20", "8m", "running", "n/a", "n/a", "", "", "", "2"]
    assert rows[4][4:] == ["230", "70", "17.5", "10.0", "20.0", "0"]
    assert rows[5][4:] == ["250", "20", "10.0", "10.0", "10.0", "1"]
    assert rows[-1] == [
        "201-end", "01:34:20-01:34:21", "3h 21m 1s", "running (1), stopped (1)",
        "2141", "11", f"{11 * 60 / 61:.1f}", "10.0", "10.0", "0",
    ]  # fmt: skip
    assert statistics(text)["Samples"] == "202 taken every 1m, 3 missing"
    assert (
        "3 of 202 samples are missing (2 database outage(s)): the rates around them span the gap."
        in findings(text)
    )


def test_a_summarised_table_without_its_csv_points_to_the_journal(build) -> None:
    text = report.render(gaps_and_a_stop(build), None, None)
    assert paragraphs(section(parse(text), "Samples")) == [
        "The 202 samples are summarised in 101 rows of 2 consecutive samples;"
        " the journal has every sample (their CSV could not be written)."
    ]


def test_a_small_pilot_lists_every_interval_without_a_word_on_the_csv(build) -> None:
    with_csv = report.render(growing(build), None, "pilot_samples_x.csv")
    assert with_csv == report.render(growing(build), None)
    assert paragraphs(section(parse(with_csv), "Samples")) == []


def test_a_lone_last_bucket_is_labelled_like_its_sample(build) -> None:
    summary = summarise(
        [
            build.start(baseline=0, duration=12_060.0),
            *build.regular([10 * (i + 1) for i in range(201)]),
            build.end(12_060.0),
        ]
    )
    _, rows = samples_table(report.render(summary, None, "x.csv"))
    assert [row[0] for row in rows[-2:]] == ["199-200", "201"]
