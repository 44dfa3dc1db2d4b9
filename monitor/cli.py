"""`python -m monitor run | check | report JOURNAL`: the shell around the pilot."""

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from monitor.adapters.heartbeat import Heartbeat
from monitor.adapters.journal import unfinished
from monitor.core.language import LANGUAGES, Language
from monitor.core.verdict import EXIT_CONFIG, EXIT_FAILED, EXIT_OK
from monitor.outputs import outputs_from
from monitor.pilot import rebuild_report, run_pilot
from monitor.preflight import preflight
from monitor.resume import take_up
from monitor.settings import (
    ConfigError,
    Settings,
    describe,
    load_report_language,
    load_settings,
)
from monitor.watch import StopRequest

PREFLIGHT_S = 60.0
# What the webhooks and pings get at the end to deliver what is pending (within the 10 s
# the monitor asks beyond the stop grace).
OUTPUTS_FLUSH_S = 3.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitor",
        description="Run a backfill pilot in a Docker Compose stack and report on it.",
    )
    parser.add_argument(
        "--env-file", help="a .env file with PILOT_* settings (default: .env, if there is one)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run one pilot: preflight, start, watch, stop, report")
    commands.add_parser("check", help="run the preflight checks only and print each result")
    rebuild = commands.add_parser("report", help="rebuild the Markdown report from a journal")
    rebuild.add_argument("journal", type=Path, help="a pilot_journal_*.jsonl file")
    rebuild.add_argument(
        "--language",
        type=str.lower,
        choices=LANGUAGES,
        help="the report's language (default: PILOT_REPORT_LANGUAGE, else en)",
    )
    args = parser.parse_args(argv)

    if args.env_file and not Path(args.env_file).is_file():
        _say(f"--env-file: {args.env_file} is not a file")
        return EXIT_CONFIG
    if args.command == "report":
        return _report(args.journal, args.language, args.env_file or ".env")
    try:
        settings = load_settings(args.env_file or ".env")
    except ConfigError as error:
        for line in error.lines:
            _say(line)
        return EXIT_CONFIG
    if args.command == "check":
        return _check(settings)
    return _run(settings)


def _say(line: str) -> None:
    try:
        print(line, flush=True)
    except OSError:
        # The console is gone (a closed terminal, a broken pipe); the pilot, its journal and
        # its report go on, and later lines go nowhere instead of failing the pilot.
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def _run(settings: Settings) -> int:
    stop = StopRequest()

    def on_signal(number: int, _frame: FrameType | None) -> None:
        # No printing here: the loop reports the stop as soon as it notices the request.
        stop.request(f"the monitor received {signal.Signals(number).name}")

    # SIGQUIT keeps its default as the operator's emergency exit (it leaves the job running);
    # a signal ignored on entry (nohup, a background job) stays ignored.
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, on_signal)
    heartbeat = Heartbeat(settings.heartbeat_file)
    # Preflight's slowest path: the Engine's timeout, a connection and a count.
    heartbeat.beat(PREFLIGHT_S + settings.connect_timeout + settings.statement_timeout)
    try:
        outputs = outputs_from(settings, _say)
    except OSError as error:  # the metrics port is taken
        _say(f"PILOT_METRICS_PORT: cannot listen on {settings.metrics_port}: {error.strerror}")
        return EXIT_CONFIG
    try:
        # A pilot whose monitor died is taken up (and ended) before any new one may start.
        journals = unfinished(settings.logs_dir) if settings.logs_dir.is_dir() else []
        if journals:
            return take_up(journals, settings, stop, _say, heartbeat=heartbeat, outputs=outputs)
        return run_pilot(settings, stop, _say, heartbeat=heartbeat, outputs=outputs)
    except OSError as error:  # the logs folder failed; the watch stopped the job before that
        _say(f"PILOT_LOGS_DIR: the pilot's records in {settings.logs_dir} failed: {error}")
        return EXIT_FAILED
    finally:
        for output in outputs:
            output.close(OUTPUTS_FLUSH_S)


def _check(settings: Settings) -> int:
    for name, value in describe(settings):
        _say(f"   {name}={value}")
    checks, stack = preflight(settings)
    for check in checks:
        _say(check.line())
    if stack is None:
        return EXIT_CONFIG
    stack.close()
    return EXIT_OK


def _report(journal: Path, language: Language | None, env_file: str) -> int:
    """The report again, in the language asked for, else PILOT_REPORT_LANGUAGE's: the language
    is how it is told, not a fact of the pilot, so the journal does not decide it."""
    if language is None:
        try:
            language = load_report_language(env_file)
        except ConfigError as error:
            for line in error.lines:
                _say(line)
            return EXIT_CONFIG
    try:
        path = rebuild_report(journal, language=language)
    except (OSError, ValueError) as error:
        _say(f"JOURNAL: cannot rebuild the report from {journal}: {error}")
        return EXIT_FAILED
    _say(str(path))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
