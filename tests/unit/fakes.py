"""What the watch loop's protocols return, as plain values for the fakes in the unit tests."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    running: bool
    exit_code: int | None


@dataclass(frozen=True)
class Stopped:
    signal: str | None
    exit_code: int | None
    gone: bool
