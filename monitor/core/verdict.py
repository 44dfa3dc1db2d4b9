"""How a pilot went, and the monitor's exit code, decided from recorded facts alone."""

from dataclasses import dataclass
from typing import Literal

from monitor.core.language import Language, words
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


def judge(
    end: PilotEnded | None, *, sampled: bool, not_started: bool, language: Language = "en"
) -> Verdict:
    """A job possibly left running outweighs everything; then how the pilot ended. The
    headline is in ``language`` (the report's); the outcome and the exit code are not words."""
    say = words(language)
    if end is None:
        return Verdict(
            "unfinished", EXIT_FAILED, say("UNFINISHED: the journal stops before the pilot ended")
        )
    if not end.job_gone:
        return Verdict(
            "failed",
            EXIT_FAILED,
            say("FAILED: the job could not be confirmed stopped; check the app container"),
        )
    if end.reason == "signal":
        stopped = say("the job was not started") if not_started else say("the job was stopped")
        return Verdict(
            "interrupted",
            EXIT_INTERRUPTED,
            say(
                "INTERRUPTED: {detail}; {stopped}",
                detail=end.detail or say("the monitor was stopped"),
                stopped=stopped,
            ),
        )
    if not_started:
        return Verdict(
            "failed",
            EXIT_FAILED,
            say("FAILED: the job was not started: {detail}", detail=end.detail),
        )
    if end.reason == "error":
        return Verdict(
            "failed",
            EXIT_FAILED,
            say("FAILED: the monitor hit an error: {detail}", detail=end.detail),
        )
    if end.reason == "job_lost":
        return Verdict("failed", EXIT_FAILED, say("FAILED: {detail}", detail=end.detail))
    if end.reason == "stall":
        return Verdict(
            "failed", EXIT_FAILED, say("FAILED: the job stalled, {detail}", detail=end.detail)
        )
    if end.reason == "job_exit" and end.job_exit_code != 0:
        code = say("unknown") if end.job_exit_code is None else str(end.job_exit_code)
        return Verdict(
            "failed", EXIT_FAILED, say("FAILED: the job exited with code {code}", code=code)
        )
    if not sampled:
        return Verdict("failed", EXIT_FAILED, say("FAILED: no sample of the table could be taken"))
    if end.reason == "job_exit":
        return Verdict(
            "completed", EXIT_OK, say("COMPLETED: the job finished by itself with exit code 0")
        )
    return Verdict("passed", EXIT_OK, say("PASSED: the time budget was spent with the job running"))
