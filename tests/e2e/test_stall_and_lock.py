"""A stall and a lock injected into the demo stack while a pilot runs: the console and the
report tell what the job was doing (frozen; waiting on a lock, and who holds it)."""

import threading
import time

from monitor.core.records import Event, PilotEnded, Sample
from tests.e2e.stack import DEMO_FILE, DemoStack, PilotProject, compose
from tests.e2e.test_fault_injection import records, samples, start_and_wait
from tests.integration.harness import wait_for
from tests.reading import report_text

STEADY_DEMO = "DEMO_WARMUP=1 DEMO_RATE=300 DEMO_RATE_LIMIT_EVERY=0"
FREEZE = (
    "import os, signal, sys\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    try:\n"
    "        line = open(f'/proc/{pid}/cmdline').read()\n"
    "    except OSError:\n"
    "        continue\n"
    "    if 'backfill_full_history' in line and pid != str(os.getpid()):\n"
    "        os.kill(int(pid), getattr(signal, sys.argv[1]))\n"
)


def signal_backfill(stack: DemoStack, name: str) -> None:
    """SIGSTOP or SIGCONT to the demo backfill in `app`: a job that hangs, as seen from outside."""
    stack.compose("exec", "-T", "app", "python", "-c", FREEZE, name)


def test_a_frozen_job_is_a_stall_that_with_stall_fails_ends_the_pilot(
    pilot: PilotProject, stack: DemoStack
) -> None:
    pilot.configure(
        duration="60s", interval="3s", stall_after="9s", stall_fails="true",
        job_application="backfill_full_history", job_env=STEADY_DEMO, stop_grace="3s",
    )  # fmt: skip
    up = start_and_wait(pilot, 3)
    signal_backfill(stack, "SIGSTOP")
    frozen = time.monotonic()
    assert wait_for(lambda: isinstance(records(pilot)[-1], PilotEnded), timeout=60)
    noticed = time.monotonic() - frozen
    output = up.communicate(timeout=60)[0]
    print(f"job frozen to the end record: {noticed:.1f} s (PILOT_STALL_AFTER=9s)")

    assert up.returncode == 1, output
    found = records(pilot)
    end = found[-1]
    assert isinstance(end, PilotEnded) and (end.reason, end.job_gone) == ("stall", True)
    assert end.job_stopped_by == "KILL"  # a stopped process does not act on SIGTERM
    [stalled] = [r for r in found if isinstance(r, Event) and r.name == "stalled"]
    assert stalled.data["state"] == "idle"
    assert noticed < 9 + 3 + 3 + 10  # the stall, an interval, the grace, slack for the stop
    assert stack.backfills() == []

    report = report_text(pilot.logs)
    assert "FAILED: the job stalled, no progress for " in report
    assert "The job stalled, and PILOT_STALL_FAILS ended the pilot" in report
    assert "Decision: **NO-GO**" in report
    assert "| idle | " in report and "no new rows, no writes, no statement running" in report
    console = "\n".join(pilot.console())
    assert "| idle: no new rows, no writes" in console


def test_a_lock_that_blocks_the_job_is_named_in_the_console_and_the_report(
    pilot: PilotProject, stack: DemoStack
) -> None:
    pilot.configure(
        duration="30s", interval="3s", job_application="backfill_full_history",
        job_env=STEADY_DEMO,
    )  # fmt: skip
    up = start_and_wait(pilot, 2)
    hold = "BEGIN; LOCK TABLE matches IN SHARE MODE; SELECT pg_sleep(10); COMMIT;"
    locker = threading.Thread(
        target=compose,
        args=(DEMO_FILE, stack.project, stack.env, "exec", "-T", "-e", "PGAPPNAME=lock-injector",
              "db", "psql", "-U", "postgres", "-d", "football_prediction", "-qc", hold),
    )  # fmt: skip
    locker.start()
    locker.join(60)
    output = up.communicate(timeout=90)[0]

    assert up.returncode == 0, output
    blocked = [s for s in samples(pilot) if any(session.waiting for session in s.sessions or ())]
    assert len(blocked) >= 2, "the job was not seen waiting on the lock"
    assert all([b.application for b in s.blockers] == ["lock-injector"] for s in blocked), [
        s.blockers for s in blocked
    ]

    report = report_text(pilot.logs)
    assert "| blocked | " in report
    assert "waits on a lock (Lock:relation) held by pid " in report
    assert "(lock-injector, active, transaction open " in report
    console = "\n".join(pilot.console())
    assert "| blocked: session " in console and "lock-injector" in console
    # the lock's end is progress again: the job went on and the pilot ran to its budget
    last: Sample = samples(pilot)[-1]
    assert last.total is not None and blocked[-1].total is not None
    assert last.total > blocked[-1].total
