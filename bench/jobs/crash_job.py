"""A backfill that crashes: it records the time, then exits with code 1 at once.

Run inside the app container by the monitor. CRASH_AFTER (seconds) says when; the time
written to CRASH_STAMP is taken just before the exit, so the measured detection latency
includes the few microseconds of writing it (it errs on the slow side). The container shares
the host's kernel, hence its clock.
"""

import os
import time

print(f"backfill started: crashing in {os.environ['CRASH_AFTER']} s", flush=True)
time.sleep(float(os.environ["CRASH_AFTER"]))
stamp = time.time()
with open(os.environ["CRASH_STAMP"], "w") as file:
    file.write(repr(stamp))
os._exit(1)  # no interpreter shutdown: the exit follows the stamp immediately
