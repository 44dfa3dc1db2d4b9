"""The monitor's sign of life for the container's HEALTHCHECK.

The file holds the time (Unix seconds) until which the monitor counts as alive. The loop
that writes it knows how long its next step may take (a count, a stop), so the deadline is
set by the writer and the health check needs no settings of its own.
"""

import os
import time
from pathlib import Path

MIN_GAP_S = 1.0


class Heartbeat:
    """Writes the deadline about once a second, and at once when a step promises longer.

    A write that fails is left for the health check to notice.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._written_at: float | None = None
        self._valid_for_s = 0.0

    def beat(self, valid_for_s: float) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        recent = self._written_at is not None and now - self._written_at < MIN_GAP_S
        if recent and valid_for_s <= self._valid_for_s:
            return
        self._written_at, self._valid_for_s = now, valid_for_s
        deadline = time.time() + valid_for_s
        partial = self.path.with_name(f".{self.path.name}.partial")
        try:
            partial.write_text(f"{deadline:.3f}\n", encoding="ascii")
            os.replace(partial, self.path)
        except OSError:
            pass  # a heartbeat that cannot be written makes the container unhealthy: the point


def alive(path: Path, now: float) -> tuple[bool, str]:
    """Whether the deadline in ``path`` is still ahead of ``now``, and why (one line)."""
    try:
        deadline = float(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        return False, f"no heartbeat at {path} yet"
    except (OSError, ValueError) as error:
        return False, f"unreadable heartbeat at {path}: {error}"
    if now > deadline:
        return False, f"the monitor's loop is {now - deadline:.0f} s overdue"
    return True, f"the monitor's loop is alive ({deadline - now:.0f} s to spare)"
