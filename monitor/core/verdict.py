"""How a pilot went, and the monitor's exit code, decided from recorded facts alone."""

from dataclasses import dataclass
from typing import Literal

from monitor.core.records import PilotEnded

Outcome = Literal["passed", "completed", "failed", "interrupted", "unfinished"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 3


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    exit_code: int
    headline: str


def judge(end: PilotEnded | None, *, sampled: bool, not_started: bool) -> Verdict:
    """A job possibly left running outweighs everything; then how the pilot ended."""
    if end is None:
        return Verdict(
            "unfinished", EXIT_FAILED, "UNFINISHED: the journal stops before the pilot ended"
        )
    if not end.job_gone:
        return Verdict(
            "failed",
            EXIT_FAILED,
            "FAILED: the job could not be confirmed stopped; check the app container",
        )
    if end.reason == "signal":
        stopped = "the job was not started" if not_started else "the job was stopped"
        return Verdict(
            "interrupted",
            EXIT_INTERRUPTED,
            f"INTERRUPTED: {end.detail or 'the monitor was stopped'}; {stopped}",
        )
    if not_started:
        return Verdict("failed", EXIT_FAILED, f"FAILED: the job was not started: {end.detail}")
    if end.reason == "error":
        return Verdict("failed", EXIT_FAILED, f"FAILED: the monitor hit an error: {end.detail}")
    if end.reason == "job_lost":
        return Verdict("failed", EXIT_FAILED, f"FAILED: {end.detail}")
    if end.reason == "job_exit" and end.job_exit_code != 0:
        code = "unknown" if end.job_exit_code is None else str(end.job_exit_code)
        return Verdict("failed", EXIT_FAILED, f"FAILED: the job exited with code {code}")
    if not sampled:
        return Verdict("failed", EXIT_FAILED, "FAILED: no sample of the table could be taken")
    if end.reason == "job_exit":
        return Verdict(
            "completed", EXIT_OK, "COMPLETED: the job finished by itself with exit code 0"
        )
    return Verdict("passed", EXIT_OK, "PASSED: the time budget was spent with the job running")
