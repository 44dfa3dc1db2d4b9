"""`python -m monitor.health`: the image's HEALTHCHECK (exit 0 alive, 1 not).

Kept apart from the CLI so that each check starts in milliseconds: it imports neither
Docker nor PostgreSQL nor pydantic.
"""

import os
import sys
import time
from pathlib import Path

from monitor.adapters.heartbeat import alive

HEARTBEAT_VARIABLE = "PILOT_HEARTBEAT_FILE"


def main() -> int:
    setting = os.environ.get(HEARTBEAT_VARIABLE, "")
    if not setting:
        print(f"{HEARTBEAT_VARIABLE} is not set: no heartbeat to check")
        return 1
    ok, why = alive(Path(setting), time.time())
    print(why)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
