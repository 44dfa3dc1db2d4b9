from monitor.core.joblog import TAIL_LINES, digest

TRACEBACK = [
    "Traceback (most recent call last):\n",
    '  File "scripts/backfill_full_history.py", line 10, in <module>\n',
    "    main()\n",
    "psycopg2.OperationalError: connection to server failed\n",
]


def test_counts_lines_errors_and_tracebacks() -> None:
    lines = [
        "2024-01-01 INFO starting\n",
        "2024-01-01 WARNING slow\r\n",
        "2024-01-01 ERROR first failure\n",
        "2024-01-01 INFO fetched 20 matches\n",
        "2024-01-01 CRITICAL database gone\n",
        "Traceback (most recent call last):\n",
        "Traceback (most recent call last):\n",
        "FATAL: the end\n",
    ]
    result = digest("logs/job.log", lines)
    assert result.path == "logs/job.log"
    assert result.size_bytes == sum(len(line.encode()) for line in lines)
    assert result.lines == 8
    assert result.error_lines == 3
    assert result.tracebacks == 2
    assert result.first_error == "2024-01-01 ERROR first failure"
    assert result.tail[1] == "2024-01-01 WARNING slow"  # line endings removed


def test_no_errors() -> None:
    result = digest("job.log", ["INFO all good\n", "errors=0 warnings=0\n"])
    assert (result.lines, result.error_lines, result.tracebacks) == (2, 0, 0)
    assert result.first_error is None


def test_error_words_inside_other_words_do_not_count() -> None:
    lines = ["ERRORS_ALLOWED=3\n", "error_count=0\n", "errors=0 warnings=0\n", "terrorist\n"]
    result = digest("job.log", lines)
    assert result.error_lines == 0
    assert result.first_error is None


def test_lowercase_and_suffixed_error_words_count() -> None:
    lines = ["error: cannot fetch\n", "raise RuntimeError(x)\n", "Fatal: stop\n", "ok\n"]
    result = digest("job.log", lines)
    assert result.error_lines == 3
    assert result.first_error == "error: cannot fetch"


def test_keeps_only_the_last_lines() -> None:
    lines = (f"line {number}\n" for number in range(1, 51))  # a generator: streamed once
    result = digest("job.log", lines)
    assert TAIL_LINES == 20
    assert result.lines == 50
    assert result.tail == tuple(f"line {number}" for number in range(31, 51))


def test_short_log_tail_is_whole_log() -> None:
    result = digest("job.log", ["a\n", "b"])
    assert result.tail == ("a", "b")
    assert result.lines == 2


def test_empty_log() -> None:
    result = digest("job.log", [])
    assert (result.lines, result.error_lines, result.tracebacks, result.tail) == (0, 0, 0, ())
    assert result.first_error is None


def test_exception_line_of_a_traceback_is_an_error_line() -> None:
    # The last line of a Python traceback names the exception, e.g. "...HTTPError: 429";
    # it is the most useful error line in the log and should be the first error reported.
    result = digest("job.log", ["INFO start\n", *TRACEBACK])
    assert result.tracebacks == 1
    assert result.error_lines == 1
    assert result.first_error == "psycopg2.OperationalError: connection to server failed"


def test_error_words_are_found_in_non_ascii_lines_too() -> None:
    lines = ["ünïcode ERROR here\n", "CR\u0131TICAL: dotless i\n", "ünïcode errors=0\n", "ok ✅\n"]
    result = digest("job.log", lines)
    assert result.error_lines == 2  # IGNORECASE matches the dotless i to "i", as before
    assert result.first_error == "ünïcode ERROR here"
