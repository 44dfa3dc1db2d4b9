"""A dead-man's switch: pings to a healthchecks.io-style URL (an Output).

`/start` when the job starts, the URL itself at most once a minute while the pilot samples
(a heartbeat), and at the end the URL (the pilot passed or completed) or `/fail` (anything
else), with the verdict as the body. If the monitor dies, the pings stop, and the service
that expects them tells someone: the one failure the monitor cannot report itself.
"""

from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from monitor.adapters.delivery import Delivery, Request
from monitor.core.analysis import PilotSummary
from monitor.core.decision import UNCHECKED, LogCheck
from monitor.core.records import Event, Record, Sample

HEARTBEAT_EVERY_S = 60.0


class Pings:
    def __init__(self, url: SecretStr, timeout_s: float, say: Callable[[str], None]) -> None:
        base = SecretStr(url.get_secret_value().rstrip("/"))
        self._delivery = Delivery("PILOT_PING_URL", base, timeout_s, say)
        self._last_beat: float | None = None

    def record(self, record: Record) -> None:
        if isinstance(record, Event) and record.name in ("job_started", "monitor_resumed"):
            self._ping("the start ping", "/start", record.message)
            self._last_beat = record.at
        elif isinstance(record, Sample) and not record.final and self._beat_due(record.at):
            self._ping("a heartbeat ping", "", f"sample {record.index}: {record.total}")
            self._last_beat = record.at

    def concluded(
        self, summary: PilotSummary, report: Path | None, log: LogCheck = UNCHECKED
    ) -> None:
        ok = summary.verdict.exit_code == 0
        body = f"{summary.verdict.headline}\nreport: {report or 'NOT WRITTEN'}"
        self._ping("the end ping", "" if ok else "/fail", body)

    def close(self, timeout_s: float) -> None:
        self._delivery.close(timeout_s)

    def _beat_due(self, at: float) -> bool:
        return self._last_beat is None or at - self._last_beat >= HEARTBEAT_EVERY_S

    def _ping(self, what: str, suffix: str, body: str) -> None:
        text = body.encode("utf-8")
        self._delivery.send(Request(what, suffix, text, "text/plain; charset=utf-8"))
