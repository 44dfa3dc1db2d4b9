"""Outputs beside the journal: who else hears of a pilot (webhooks, pings, metrics).

Like ofelia's middlewares, each output is a small object the pilot hands every journaled
record to, then the summary and the report's path at the end; adding one never touches the
job, the watch or the journal. An output must never block or fail the pilot: the fan-out
below swallows what an output raises, and an output that talks to the network does so from
a thread of its own.
"""

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from monitor.adapters.metrics import Metrics
from monitor.adapters.notify import Notifier, Webhook
from monitor.adapters.pings import Pings
from monitor.core.analysis import PilotSummary
from monitor.core.decision import UNCHECKED, LogCheck
from monitor.core.records import Record
from monitor.settings import Settings


class Output(Protocol):
    def record(self, record: Record) -> None:
        """Each record of the pilot, in the journal's order, once it was journaled (or the
        disk refused it)."""
        ...

    def concluded(
        self, summary: PilotSummary, report: Path | None, log: LogCheck = UNCHECKED
    ) -> None:
        """The pilot's summary, its report (None: it could not be written) and the job log's
        digest, which the decision weighs."""
        ...

    def close(self, timeout_s: float) -> None:
        """Delivers what is pending within ``timeout_s``, then lets go."""
        ...


class Journal(Protocol):
    def append(self, record: Record) -> None: ...


class Fanout:
    """The journal first (its OSError is the caller's to handle), then every output."""

    def __init__(self, journal: Journal, outputs: Sequence[Output] = ()) -> None:
        self.journal = journal
        self.outputs = tuple(outputs)

    def append(self, record: Record) -> None:
        try:
            self.journal.append(record)
        finally:
            self.replay(record)

    def replay(self, record: Record) -> None:
        """A record already in the journal, to the outputs alone (a pilot taken up)."""
        for output in self.outputs:
            with contextlib.suppress(Exception):
                output.record(record)

    def concluded(
        self, summary: PilotSummary, report: Path | None, log: LogCheck = UNCHECKED
    ) -> None:
        for output in self.outputs:
            with contextlib.suppress(Exception):
                output.concluded(summary, report, log)

    def close(self, timeout_s: float) -> None:
        for output in self.outputs:
            with contextlib.suppress(Exception):
                output.close(timeout_s)


def outputs_from(settings: Settings, say: Callable[[str], None]) -> list[Output]:
    """The outputs the settings switch on; ``say`` takes their one-line complaints.

    The metrics endpoint comes first: its port may be taken (OSError), and then nothing
    else has been started.
    """
    outputs: list[Output] = []
    if settings.metrics_port is not None:
        outputs.append(Metrics(settings.metrics_port))
    webhooks = []
    if settings.webhook_url is not None:
        webhooks.append(Webhook("PILOT_WEBHOOK_URL", settings.webhook_url, "json"))
    if settings.slack_webhook_url is not None:
        webhooks.append(Webhook("PILOT_SLACK_WEBHOOK_URL", settings.slack_webhook_url, "slack"))
    if webhooks:
        outputs.append(Notifier(webhooks, settings.notify_timeout, say))
    if settings.ping_url is not None:
        outputs.append(Pings(settings.ping_url, settings.notify_timeout, say))
    return outputs
