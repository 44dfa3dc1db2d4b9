"""One pilot, wired together: preflight, baseline, start, watch, stop, report.

This is the imperative shell; it owns the real adapters and hands them to the watch loop.
"""

import shlex
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Literal, TypeVar

import psycopg2

from monitor.adapters.clock import SystemClock
from monitor.adapters.counter import CountError, StrategyError
from monitor.adapters.files import (
    create_new,
    read_json_files,
    read_log,
    start_log_section,
    write_new,
    write_new_from,
)
from monitor.adapters.job import ENGINE_ERRORS, ExecJob, JobError, LaunchRefusedError
from monitor.adapters.journal import Journal, iter_journal
from monitor.core import chart, report
from monitor.core.analysis import PilotSummary, Summariser, split_start, summarise
from monitor.core.comparison import Comparison, previous_pilot
from monitor.core.console import closing_lines
from monitor.core.duration import format_duration
from monitor.core.joblog import LogDigest, run_header
from monitor.core.language import Language
from monitor.core.records import EndReason, PilotEnded, PilotStarted, Record, TableStart
from monitor.core.samples_csv import csv_lines
from monitor.core.summary_json import dumps, summary_json
from monitor.core.verdict import EXIT_CONFIG, EXIT_FAILED
from monitor.outputs import Fanout, Output
from monitor.preflight import Stack, preflight
from monitor.settings import Settings, describe
from monitor.watch import Heartbeat, Plan, StopRequest, Watch

JOB_LOG_NAME = "backfill_pilot.log"
OUTPUT_DRAIN_S = 3.0
REPORT_STEM = "pilot_run_report_"
SAMPLES_STEM = "pilot_samples_"
CHART_STEM = "pilot_chart_"
SUMMARY_STEM = "pilot_summary_"
# The newest summaries read to find the previous pilot: a bound on the work at the end.
PREVIOUS_LOOKED_AT = 50
JOURNAL_STEM = "pilot_journal_"
T = TypeVar("T")


def run_pilot(
    settings: Settings,
    stop: StopRequest,
    emit: Callable[[str], None],
    *,
    heartbeat: Heartbeat | None = None,
    outputs: Sequence[Output] = (),
) -> int:
    """Runs one pilot to its end and returns the monitor's exit code."""
    checks, stack = preflight(settings)
    if stack is None:
        for check in checks:
            if check.ok is False:
                emit(check.detail)
        return EXIT_CONFIG
    try:
        return _pilot(settings, stack, stop, emit, heartbeat=heartbeat, outputs=outputs)
    finally:
        stack.close()


def _pilot(
    settings: Settings,
    stack: Stack,
    stop: StopRequest,
    emit: Callable[[str], None],
    *,
    heartbeat: Heartbeat | None,
    outputs: Sequence[Output],
) -> int:
    clock = SystemClock()
    try:
        baseline = stack.counter.take_baseline()
        others = tuple(
            TableStart(other.name, b.rows, b.describe(), b.to_dict())
            for other in stack.others
            for b in (other.take_baseline(),)
        )
    except psycopg2.Error as error:
        emit(f"PILOT_DATABASE_URL: the initial count failed, nothing was started: {error}".strip())
        return EXIT_CONFIG
    except StrategyError as error:
        emit(f"PILOT_COUNT_STRATEGY: {error}; nothing was started")
        return EXIT_CONFIG
    started_at = clock.now()
    stamp = datetime.fromtimestamp(started_at, tz=UTC).strftime("%Y%m%d_%H%M%S")
    journal_path = create_new(settings.logs_dir, f"{JOURNAL_STEM}{stamp}", ".jsonl")
    run_id = journal_path.stem.removeprefix(JOURNAL_STEM)
    container = stack.container.name
    command = shlex.join(settings.argv)
    job_log = (settings.logs_dir / JOB_LOG_NAME).resolve()
    log_offset = start_log_section(
        job_log,
        run_header(run_id, f"{report.timestamp(started_at)} | container {container} | {command}"),
    )
    job = ExecJob(
        stack.client.api,
        stack.container.id,
        settings.argv,
        run_id=run_id,
        log_path=job_log,
        workdir=settings.workdir,
        user=settings.user,
        environment=settings.job_env,
    )
    journal = Journal(journal_path)
    recorder = Fanout(journal, outputs)
    try:
        plan = Plan(
            duration_s=settings.duration,
            interval_s=settings.interval,
            stop_grace_s=settings.stop_grace,
            planned_samples=settings.planned_samples,
            started_monotonic=clock.monotonic(),
            stall_after_s=settings.stall_after,
            stall_fails=settings.stall_fails,
        )
        recorder.append(
            PilotStarted(
                run_id=run_id,
                at=started_at,
                duration_s=settings.duration,
                interval_s=settings.interval,
                table=settings.table,
                baseline_rows=baseline.rows,
                counting=baseline.describe(),
                container=container,
                command=tuple(settings.argv),
                job_log=str(job_log),
                job_log_offset=log_offset,
                settings=tuple(describe(settings)),
                container_id=stack.container.id,
                baseline=baseline.to_dict(),
                target_rows=settings.target_rows,
                min_rate=settings.min_rate,
                max_hours=settings.max_hours,
                tables=others,
            )
        )
        emit(
            f"[monitor] pilot {run_id}: {settings.table} has {baseline.rows} rows; a sample every"
            f" {format_duration(settings.interval)} for {format_duration(settings.duration)}"
        )
        if others:
            watched = ", ".join(f"{other.table} has {other.baseline_rows}" for other in others)
            emit(f"[monitor] also watched: {watched}")
        watch = Watch(
            plan,
            job=job,
            counter=stack.counter,
            journal=recorder,
            clock=clock,
            emit=emit,
            stop=stop,
            baseline_rows=baseline.rows,
            count_errors=(CountError,),
            engine_errors=ENGINE_ERRORS,
            heartbeat=heartbeat,
            others=stack.others,
        )
        end = _start_and_watch(job, watch, stop, f"`{command}` in {container}")
    finally:
        journal.close()
    if end.reason == "job_exit":
        job.wait_output(OUTPUT_DRAIN_S)
        digest = read_log(job_log, log_offset)
        if digest is not None:
            emit(f"[monitor] last {len(digest.tail)} lines of {job_log}:")
            for line in digest.tail:
                emit(f"    {line}")
    return conclude(
        journal_path, emit, journal.unwritten, recorder, language=settings.report_language
    )


def _start_and_watch(job: ExecJob, watch: Watch, stop: StopRequest, what: str) -> PilotEnded:
    """Starts the job once and watches it to the end; a failed start still ends the journal.

    Once the Engine was asked to run the command, the job may be running whatever went wrong
    afterwards, so from then on every path goes through the watch's stop.
    """
    try:
        if stop.event.is_set():
            raise JobError(f"{stop.reason} before the start")
        pid = job.start()
    except Exception as error:
        if job.launched and not isinstance(error, LaunchRefusedError):
            return watch.finish("error", f"the job's start could not be confirmed: {error}")
        watch.event("job_not_started", f"the job was not started: {error}")
        reason: EndReason = "signal" if stop.event.is_set() else "error"
        end = PilotEnded(watch.clock.now(), watch.elapsed(), reason, None, None, True, str(error))
        watch.record(end)
        return end
    try:
        watch.event(
            "job_started",
            f"started {what} (pid {pid} in the container)",
            pid=pid,
            pidfile=job.pidfile,
            exec_id=job.exec_id,
            container_started=job.container_started,
        )
    except Exception as error:  # the job runs: it must be stopped, not orphaned
        return watch.finish("error", f"the job's start could not be recorded: {error}")
    return watch.run()


def conclude(
    journal_path: Path,
    emit: Callable[[str], None],
    unwritten: Sequence[Record] = (),
    outputs: Fanout | None = None,
    *,
    language: Language = "en",
) -> int:
    """Writes the samples CSV and the report from the journal on disk; says how it went.

    The report matters more: when the CSV cannot be written (a full disk), the console and
    the report say so, and the report is written all the same. Records the disk refused
    (``unwritten``) are summarised after the journal's own. ``language`` is the report's
    (and its chart's and page's); the console stays English.
    """
    try:
        try:
            if unwritten:
                raise OSError(f"{len(unwritten)} record(s) are not on disk")
            summary, samples = summarise_into_csv(journal_path)
        except OSError as error:
            emit(f"[monitor] the samples CSV could NOT be written: {error}")
            summary, samples = summarise(chain(iter_journal(journal_path), unwritten)), None
    except (OSError, ValueError) as error:  # the journal itself cannot be read back
        emit(f"[monitor] the report could NOT be written: {error}")
        return EXIT_FAILED
    log = job_log(summary, journal_path.parent)
    previous = _previous(summary, journal_path.parent, log, emit)
    try:
        path: Path | None = write_report(
            summary, journal_path.parent, samples, emit, log, language=language, previous=previous
        )
    except OSError as error:
        emit(f"[monitor] the report could NOT be written: {error}")
        path = None
    for line in closing_lines(summary, str(path) if path else None, log, previous=previous):
        emit(line)
    if outputs is not None:
        outputs.concluded(summary, path, log)
    code = summary.verdict.exit_code
    return code if path else max(code, EXIT_FAILED)


def summarise_into_csv(journal_path: Path) -> tuple[PilotSummary, Path]:
    """The pilot's summary, and the CSV of every sample beside the journal, in one pass.

    The journal is streamed through both, so neither its records nor the CSV's lines are
    ever all in memory; the CSV never replaces a file (``write_new_from``).
    """
    with closing(iter_journal(journal_path)) as records:
        start, rest = split_start(records)
        summariser = Summariser(start)
        stem = f"{SAMPLES_STEM}{start.run_id}"
        path = write_new_from(journal_path.parent, stem, ".csv", csv_lines(summariser.feed(rest)))
    return summariser.result(), path


def _say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def job_log(summary: PilotSummary, directory: Path) -> LogDigest | None:
    """The digest of this run's part of the job log, looked for where it was, then beside
    the journal (a logs folder copied elsewhere); None if it cannot be read."""
    path = Path(summary.start.job_log)
    if not path.exists():
        path = directory / path.name
    return read_log(path, summary.start.job_log_offset)


def write_report(
    summary: PilotSummary,
    directory: Path,
    samples: Path | None,
    emit: Callable[[str], None] = _say_on_stderr,
    log: LogDigest | Literal["unread"] | None = "unread",
    *,
    language: Language = "en",
    previous: Comparison | Literal["unread"] | None = "unread",
) -> Path:
    """The report beside the journal, with its chart (SVG), its HTML page and a JSON summary;
    ``log`` is the job log's digest (read here when not given). The report, the chart and
    the page are in ``language``; the JSON summary stays English and records it.
    ``previous`` compares with the previous pilot (found here, before this run's summary is
    written, when not given; None: there is none).

    ``samples`` is the CSV of every sample beside it (None: it could not be written). The
    Markdown report is what counts: the chart goes first, so that the report links to the
    name it got, and an extra that cannot be made or written (a full disk) is said on the
    console (``emit``) and left out, never at the report's expense.
    """
    if log == "unread":
        log = job_log(summary, directory)
    if previous == "unread":
        previous = _previous(summary, directory, log, emit)
    run = summary.start.run_id
    drawn = _extra(emit, "chart", lambda: _write_chart(summary, directory, language, log))
    chart_name, svg = (drawn[0].name, drawn[1]) if drawn else (None, None)
    text = report.render(
        summary,
        log,
        samples.name if samples else None,
        chart_name,
        language=language,
        previous=previous,
    )
    path = write_new(directory, f"{REPORT_STEM}{run}", ".md", text)
    page = _extra(
        emit,
        "HTML report",
        lambda: write_new(
            directory,
            f"{REPORT_STEM}{run}",
            ".html",
            _page(text, chart_name, svg, language),
        ),
    )
    files = {
        "report": path.name,
        "samples": samples.name if samples else None,
        "chart": chart_name,
        "html": page.name if page else None,
    }
    _extra(
        emit,
        "JSON summary",
        lambda: write_new(
            directory,
            f"{SUMMARY_STEM}{run}",
            ".json",
            dumps(summary_json(summary, log, **files, report_language=language, previous=previous)),
        ),
    )
    return path


def find_previous(
    summary: PilotSummary, directory: Path, log: LogDigest | None
) -> Comparison | None:
    """The comparison with the previous pilot of the same table whose JSON summary is in
    ``directory`` (None: there is none); see ``monitor.core.comparison``.

    Only the ``PREVIOUS_LOOKED_AT`` newest summaries named before this run's are read (names
    carry the start, so a report rebuilt later still finds the pilot before its own), and
    an unreadable or invalid one is passed over: this run's own is never taken, written or not.
    """
    current = summary_json(summary, log, report=None)
    candidates = read_json_files(
        directory,
        SUMMARY_STEM,
        below=f"{SUMMARY_STEM}{summary.start.run_id}",
        newest=PREVIOUS_LOOKED_AT,
    )
    return previous_pilot(current, candidates)


def _previous(
    summary: PilotSummary, directory: Path, log: LogDigest | None, emit: Callable[[str], None]
) -> Comparison | None:
    """``find_previous``, or None once the console was told why: never at the report's expense."""
    return _extra(
        emit, "comparison with the previous pilot", lambda: find_previous(summary, directory, log)
    )


def _page(markdown: str, chart_name: str | None, svg: str | None, language: Language) -> str:
    """The HTML page; markdown-it is loaded here, at the end only, so that the monitor does not
    carry it while it samples (about 1 MB and 80 ms measured)."""
    from monitor.core.html import render_html  # noqa: PLC0415

    return render_html(markdown, chart_name, svg, language)


def _write_chart(
    summary: PilotSummary, directory: Path, language: Language, log: LogDigest | None
) -> tuple[Path, str]:
    svg = chart.render_chart(summary, language, log)
    return write_new(directory, f"{CHART_STEM}{summary.start.run_id}", ".svg", svg), svg


def _extra(emit: Callable[[str], None], what: str, make: Callable[[], T]) -> T | None:
    """``make()``, or None once the console was told why the report goes without it."""
    try:
        return make()
    except Exception as error:  # a bug in an extra must not cost the report either
        emit(f"[monitor] the {what} could NOT be written: {error}")
        return None


def rebuild_report(
    journal_path: Path,
    emit: Callable[[str], None] = _say_on_stderr,
    *,
    language: Language = "en",
) -> Path:
    """The CSV and the report (with its extras) again, from the journal alone: it is the
    source of truth. The language is not in it: a report may be rebuilt in either."""
    summary, samples = summarise_into_csv(journal_path)
    return write_report(summary, journal_path.parent, samples, emit, language=language)
