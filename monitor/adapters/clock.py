"""Time at the edge, so the watch loop can be driven by a fake clock in tests."""

import threading
import time


class SystemClock:
    def now(self) -> float:
        """Wall time, for records and reports."""
        return time.time()

    def monotonic(self) -> float:
        """Elapsed time, for schedules: immune to the wall clock being set."""
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Sleeps up to ``seconds``, waking early when ``event`` is set; returns whether it is."""
        return event.wait(max(0.0, seconds))
