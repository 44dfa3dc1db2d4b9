"""A stand-in backfill for the integration tests, run inside the target container.

Inserts rows into `matches` at a steady rate and is steered by environment variables:
JOB_DSN, JOB_RATE (rows/s), JOB_STOP_AFTER (rows, then exit 0), JOB_FAIL_AFTER (rows, then a
traceback and exit 1), JOB_IGNORE_TERM=1 (SIGTERM ignored), JOB_CHILD=1 (a child process in
the same process group, to prove the whole group is stopped), JOB_CHILD=cleanup (a child
that takes a second to exit after SIGTERM, to prove the grace period covers the group).
"""

import os
import signal
import subprocess
import sys
import threading
import time

import psycopg2

stop = threading.Event()

# A child that needs a second to clean up after SIGTERM, with its output not on the job's.
CLEANING_CHILD = """
import signal, sys, time
def finish(*_):
    time.sleep(1.0)
    open("/tmp/child-cleaned-up", "w").write("yes")
    sys.exit(0)
signal.signal(signal.SIGTERM, finish)
time.sleep(1000)
"""


def on_term(_signum, _frame):
    print("received SIGTERM, finishing the current row", flush=True)
    stop.set()


def connect():
    while True:
        try:
            connection = psycopg2.connect(os.environ["JOB_DSN"], connect_timeout=2)
            connection.autocommit = True
            return connection
        except psycopg2.OperationalError as error:
            print(f"WARNING database unavailable, retrying: {error}".strip(), flush=True)
            time.sleep(0.5)


def main():
    rate = float(os.environ.get("JOB_RATE", "5"))
    stop_after = int(os.environ.get("JOB_STOP_AFTER", "0"))
    fail_after = int(os.environ.get("JOB_FAIL_AFTER", "0"))
    if os.environ.get("JOB_IGNORE_TERM") == "1":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, on_term)
    if os.environ.get("JOB_CHILD") == "1":
        subprocess.Popen(["sleep", "1000"])
    if os.environ.get("JOB_CHILD") == "cleanup":
        quiet = subprocess.DEVNULL
        subprocess.Popen([sys.executable, "-c", CLEANING_CHILD], stdout=quiet, stderr=quiet)
    print(f"backfill started: pid {os.getpid()}, {rate} rows/s", flush=True)
    connection = connect()
    done = 0
    while not stop.is_set():
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO matches (fotmob_id, status, collection_time)"
                    " VALUES (%s, 'finished', now())",
                    (f"fm-{os.getpid()}-{done}",),
                )
            done += 1
        except psycopg2.OperationalError as error:
            print(f"WARNING insert failed, reconnecting: {error}".strip(), flush=True)
            connection = connect()
            continue
        if done % 5 == 0:
            print(f"progress: {done} rows", flush=True)
        if fail_after and done >= fail_after:
            raise RuntimeError(f"injected failure after {done} rows")
        if stop_after and done >= stop_after:
            print(f"backfill complete: {done} rows at {time.time():.3f}", flush=True)
            return 0
        time.sleep(1.0 / rate)
    print(f"backfill stopped after {done} rows", flush=True)
    return 143


if __name__ == "__main__":
    sys.exit(main())
