"""Notices to webhooks: a generic JSON one and a Slack-compatible one (an Output)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from monitor.adapters.delivery import Delivery, Request
from monitor.core.analysis import PilotSummary
from monitor.core.decision import UNCHECKED, LogCheck
from monitor.core.notices import Notice, Notices, finished
from monitor.core.records import Record


@dataclass(frozen=True)
class Webhook:
    setting: str
    url: SecretStr
    style: Literal["json", "slack"]


class Notifier:
    def __init__(
        self, webhooks: list[Webhook], timeout_s: float, say: Callable[[str], None]
    ) -> None:
        self._notices = Notices()
        self._targets = [
            (Delivery(hook.setting, hook.url, timeout_s, say), hook.style) for hook in webhooks
        ]

    def record(self, record: Record) -> None:
        notice = self._notices.feed(record)
        if notice is not None:
            self._send(notice)

    def concluded(
        self, summary: PilotSummary, report: Path | None, log: LogCheck = UNCHECKED
    ) -> None:
        self._send(finished(summary, str(report) if report else None, log))

    def close(self, timeout_s: float) -> None:
        for delivery, _ in self._targets:
            delivery.close(timeout_s)

    def _send(self, notice: Notice) -> None:
        for delivery, style in self._targets:
            body = notice.slack() if style == "slack" else notice.payload()
            delivery.send(
                Request(
                    f"the {notice.kind!r} notice",
                    "",
                    json.dumps(body, ensure_ascii=False).encode("utf-8"),
                    "application/json",
                )
            )
