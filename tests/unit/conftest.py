"""Shared builders for hand-made journal records (no I/O, no clock)."""

import pytest

from monitor.core.records import Event, PilotEnded, PilotStarted, Sample

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


class Build:
    """Records with sensible defaults; times are given as seconds since the pilot started."""

    T0 = T0

    @staticmethod
    def start(
        *,
        baseline: int = 100,
        interval: float = 60.0,
        duration: float = 600.0,
        table: str = "matches",
        container: str = "stack-app-1",
        command: tuple[str, ...] = ("python", "scripts/backfill_full_history.py"),
        settings: tuple[tuple[str, str], ...] = (),
        counting: str = "count(*) each sample",
        job_log: str = "logs/backfill_pilot.log",
    ) -> PilotStarted:
        return PilotStarted(
            run_id="20231114_221320",
            at=T0,
            duration_s=duration,
            interval_s=interval,
            table=table,
            baseline_rows=baseline,
            counting=counting,
            container=container,
            command=command,
            job_log=job_log,
            job_log_offset=0,
            settings=settings,
        )

    @staticmethod
    def sample(
        index: int,
        elapsed: float,
        total: int | None,
        *,
        error: str | None = None,
        final: bool = False,
        running: bool = True,
    ) -> Sample:
        if total is None and error is None:
            error = "connection refused"
        return Sample(
            index=index,
            at=T0 + elapsed,
            elapsed_s=elapsed,
            job_running=running,
            total=total,
            error=error,
            final=final,
        )

    @staticmethod
    def event(elapsed: float, name: str, message: str, **data: object) -> Event:
        return Event(at=T0 + elapsed, elapsed_s=elapsed, name=name, message=message, data=data)

    @staticmethod
    def end(
        elapsed: float,
        reason: str = "budget",
        *,
        exit_code: int | None = None,
        stopped_by: str | None = "TERM",
        gone: bool = True,
        detail: str = "",
    ) -> PilotEnded:
        return PilotEnded(
            at=T0 + elapsed,
            elapsed_s=elapsed,
            reason=reason,  # type: ignore[arg-type]
            job_exit_code=exit_code,
            job_stopped_by=stopped_by,
            job_gone=gone,
            detail=detail,
        )

    @classmethod
    def regular(cls, totals: list[int | None], *, interval: float = 60.0) -> list[Sample]:
        """One sample per interval: totals[i] taken at (i + 1) * interval."""
        return [cls.sample(i + 1, (i + 1) * interval, total) for i, total in enumerate(totals)]


@pytest.fixture
def build() -> type[Build]:
    return Build
