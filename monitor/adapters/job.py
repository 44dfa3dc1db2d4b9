"""The backfill as a Docker exec in the app container: start it, watch it, stop it for sure.

The Engine API cannot signal an exec'd process, and exec_inspect's Pid is a host PID. So
the job is started through a tiny `sh` wrapper that writes its in-container PID to a
pidfile and then `exec`s the command's argv unchanged (no shell string is ever built from
configuration). runc starts every exec in a new session, so that PID is also the job's
process group, which a second exec signals: TERM, a grace period, KILL, then confirmation
that no live process of the group is left. Only `sh` and `rm` are used in the app
container (slim images have no procps).
"""

import contextlib
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

PIDFILE_PATTERN = "/tmp/pilot-monitor-{run_id}-{token}.pid"
LAUNCH_LOCK = "/tmp/pilot-monitor.lock"
# A pidfile holds the PID and its start time (clock ticks since boot, /proc/PID/stat field
# 22), so a PID reused after a container restart is never taken for a job.
_STAT_FIELDS = 'read -r line < "/proc/$1/stat" && rest=${line##*") "} && set -- $rest'
_FUNCTIONS = (
    f'started() {{ {_STAT_FIELDS} && echo "${{20}}"; }};'
    # A job counts while its own leader lives: same PID, same start time, not a zombie.
    f" leader() {{ want=$2; {{ {_STAT_FIELDS}; }} 2>/dev/null"
    ' && [ "$1" != Z ] && [ "${20}" = "$want" ]; };'
    ' earlier() { for f in /tmp/pilot-monitor-*.pid; do [ "$f" = "$skip" ] && continue;'
    ' { read -r g t < "$f"; } 2>/dev/null || continue; leader "$g" "$t" && echo "$f $g"; done; };'
    " skip=;"
)
# The launch itself is the last line of defence against two backfills. It writes its own
# pidfile, then looks for any other live job, and execs only if there is none: of two
# launches racing, the later one always sees the earlier one's pidfile. A lock taken with
# `set -C` (noclobber: the write fails if the file exists, or is a planted symlink) keeps
# racing launches from refusing each other; a lock whose writer died is taken over.
_REFUSED = {
    96: "the launch could not write to /tmp in the container (as the job's user)",
    97: "a job of another pilot runs in the container",
    98: f"another pilot is starting its job in the container right now ({LAUNCH_LOCK})",
}
_WRAPPER = _FUNCTIONS + (
    f' me="$$ $(started $$)"; set -C; lock={LAUNCH_LOCK};'
    ' if ! { echo "$me" > "$lock"; } 2>/dev/null; then [ -w /tmp ] || exit 96;'
    ' { read -r g t < "$lock"; } 2>/dev/null && leader "$g" "$t" && exit 98;'
    ' rm -f "$lock"; { echo "$me" > "$lock"; } 2>/dev/null || exit 98; fi;'
    ' found=$(earlier); if [ -z "$found" ]; then { echo "$me" > "$1"; } 2>/dev/null'
    ' || { rm -f "$lock"; exit 96; }; skip=$1; found=$(earlier); fi;'
    ' rm -f "$lock"; if [ -n "$found" ]; then [ "$skip" ] && rm -f "$1";'
    ' echo "pilot-monitor: another job runs: $found" >&2; exit 97; fi; shift; exec "$@"'
)
_EARLIER_JOBS = _FUNCTIONS + " earlier; exit 0"
# A run's own job, found by its pidfile: "alive PIDFILE PID", "dead PIDFILE" or nothing.
_RUN_JOB = _FUNCTIONS + (
    ' for f in /tmp/pilot-monitor-"$1"-*.pid; do { read -r g t < "$f"; } 2>/dev/null || continue;'
    ' if leader "$g" "$t"; then echo "alive $f $g"; else echo "dead $f"; fi; done; exit 0'
)
_READ_PIDFILE = 'read -r pid started < "$1" && echo "$pid"'
_SIGNAL = 'kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2" 2>/dev/null'
# `alive` succeeds while a process of group $g lives. Zombies do not count: an app whose
# PID 1 does not reap them keeps killed children as zombies.
_GROUP_ALIVE = (
    'g=$1; for s in /proc/[0-9]*/stat; do { read -r line < "$s"; } 2>/dev/null || continue;'
    ' rest=${line##*") "}; set -- $rest; [ "$1" != Z ] && [ "$3" = "$g" ] && exit 0;'
    " done; exit 1"
)
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)
_PID_WAIT_S = 10.0
_KILL_WAIT_S = 3.0
_POLL_S = 0.2


class JobError(Exception):
    """The job could not be started or controlled through the Engine."""


class LaunchRefusedError(JobError):
    """The launch wrapper refused to start the job: nothing ran."""


@dataclass(frozen=True)
class JobStatus:
    running: bool
    exit_code: int | None


@dataclass(frozen=True)
class Found:
    """A run's job as its pidfile in the app container tells: alive (with its PID) or dead."""

    pidfile: str
    pid: int | None


@dataclass(frozen=True)
class StopResult:
    signal: str | None
    exit_code: int | None
    gone: bool


def run_in_container(
    api: docker.APIClient,
    container_id: str,
    argv: list[str],
    *,
    user: str | None = None,
    workdir: str | None = None,
) -> tuple[int | None, str]:
    """A short command in the container, run to its end: (exit code, output)."""
    created = api.exec_create(container_id, argv, user=user or "", workdir=workdir)
    output = api.exec_start(created["Id"], stream=False, demux=False)
    code = api.exec_inspect(created["Id"]).get("ExitCode")
    text = output.decode("utf-8", errors="replace") if isinstance(output, bytes) else ""
    return code, text


class ExecJob:
    """One run of the command in the container; never started twice."""

    def __init__(
        self,
        api: docker.APIClient,
        container_id: str,
        argv: list[str],
        *,
        run_id: str,
        log_path: Path,
        workdir: str | None = None,
        user: str | None = None,
        environment: dict[str, str] | None = None,
    ) -> None:
        self._api = api
        self._container = container_id
        self._argv = list(argv)
        self._workdir = workdir
        self._user = user
        self._environment = dict(environment or {})
        self._log_path = log_path
        self.pidfile = PIDFILE_PATTERN.format(run_id=run_id, token=secrets.token_hex(4))
        self._exec_id: str | None = None
        self._container_started: str | None = None
        self.pid: int | None = None
        self._output_closed = threading.Event()
        self._taken_up = False

    @property
    def exec_id(self) -> str | None:
        return self._exec_id

    @property
    def container_started(self) -> str | None:
        """When the container started, as the Engine said at the launch."""
        return self._container_started

    def reattach(self, found: Found, exec_id: str | None, container_started: str) -> None:
        """Takes up a job an earlier monitor of the same run started: it is never started again.

        Its attached output went with that monitor, so nothing of it is copied any more; and
        the Engine then records the exec's exit code as 126 (its attachment failed) whatever
        the job returned, so an exit code is no longer told.
        """
        self._taken_up = True
        self._exec_id = exec_id
        self._container_started = container_started
        self.pidfile = found.pidfile
        self.pid = found.pid
        self._output_closed.set()

    def lost(self) -> str | None:
        """Why every exec died, if the container stopped or restarted since the launch."""
        try:
            state = self._api.inspect_container(self._container)["State"]
        except docker.errors.NotFound:
            return "the app container was removed"
        if not state.get("Running"):
            return f"the app container is {state.get('Status')} (exit code {state.get('ExitCode')})"
        if str(state.get("StartedAt")) != self._container_started:
            return "the app container restarted"
        return None

    @property
    def launched(self) -> bool:
        """Whether the Engine was asked to run the command: from then on it may be running."""
        return self._exec_id is not None

    def start(self) -> int:
        """Starts the command once, its output appended to the job log; returns its PID.

        A failure after the launch leaves ``launched`` true: the caller must stop the job.
        """
        if self.launched:
            raise JobError("the job was already started")
        self._container_started = self._container_started_at()
        created = self._api.exec_create(
            self._container,
            ["sh", "-c", _WRAPPER, "pilot-monitor", self.pidfile, *self._argv],
            stdout=True,
            stderr=True,
            user=self._user or "",
            workdir=self._workdir,
            environment=self._environment or None,
        )
        self._exec_id = str(created["Id"])
        stream = self._api.exec_start(self._exec_id, stream=True, demux=False)
        threading.Thread(target=self._copy_output, args=(stream,), daemon=True).start()
        self.pid = self._read_pid(_PID_WAIT_S)
        if self.pid is None:
            status = self.status()
            if not status.running and status.exit_code in _REFUSED:
                raise LaunchRefusedError(_REFUSED[status.exit_code])
            if not status.running:
                raise JobError(f"the job exited at once with code {status.exit_code}")
            raise JobError(f"the job's pidfile {self.pidfile} could not be read")
        return self.pid

    def _copy_output(self, stream: Any) -> None:
        # docker-py's attached stream can block forever; a daemon thread keeps that harmless,
        # and EOF only means "ask exec_inspect", never "the job ended".
        try:
            with self._log_path.open("ab") as log:
                for chunk in stream:
                    log.write(chunk)
                    log.flush()
        except Exception as error:  # the stream failing must not end the pilot
            with self._log_path.open("a", encoding="utf-8") as log:
                log.write(f"\n[pilot-monitor] output copy stopped: {error}\n")
        finally:
            self._output_closed.set()

    def output_closed(self) -> bool:
        return self._output_closed.is_set()

    def wait_output(self, timeout: float) -> bool:
        """Waits for the output copy to finish, so a log read after an exit has the last lines."""
        return self._output_closed.wait(timeout)

    def _read_pid(self, timeout: float) -> int | None:
        """The PID from the pidfile, retried while the job may still be writing it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                code, output = self._run(["sh", "-c", _READ_PIDFILE, "pilot-monitor", self.pidfile])
                if code == 0 and output.strip().isdigit() and int(output.strip()) > 1:
                    return int(output.strip())
                if not self.status().running:
                    return None
            except ENGINE_ERRORS:
                pass
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def status(self) -> JobStatus:
        """What the Engine says of the exec; raises DockerException when it cannot be asked."""
        if self._exec_id is None:
            return JobStatus(running=self._leader_alive(), exit_code=None)
        try:
            info = self._api.exec_inspect(self._exec_id)
        except docker.errors.NotFound:
            # The Engine forgets an exec some minutes after it ended, or when it restarts;
            # the job's own PID still tells whether it runs, though no longer its exit code.
            self._exec_id = None
            return JobStatus(running=self._leader_alive(), exit_code=None)
        code = None if self._taken_up else info.get("ExitCode")
        return JobStatus(running=bool(info["Running"]), exit_code=code)

    def _leader_alive(self) -> bool:
        if self.pid is None or self._container_restarted():
            return False
        code, _ = self._run(["sh", "-c", _FUNCTIONS + ' read -r g t < "$1" && leader "$g" "$t"',
                             "pilot-monitor", self.pidfile])  # fmt: skip
        return code == 0

    def group_alive(self) -> bool:
        """Whether any live process of the job's group is left (children included)."""
        if self.pid is None:
            return False
        code, _ = self._run(["sh", "-c", _GROUP_ALIVE, "pilot-monitor", str(self.pid)])
        return code == 0

    def stop(self, grace: float) -> StopResult:
        """TERM to the job's process group, ``grace`` seconds, KILL, then confirm it is gone.

        The grace period is for the whole group: a child still cleaning up after the leader
        exited gets the rest of it too.
        """
        if self.pid is None and self.launched:
            self.pid = self._read_pid(2.0)
        status, gone = self._wait_gone(0.0)
        if gone:
            self._forget()
            return StopResult(signal=None, exit_code=status.exit_code, gone=True)
        if self.pid is None:
            return StopResult(signal=None, exit_code=status.exit_code, gone=False)
        used = "TERM"
        status, gone = self._signal_and_wait("TERM", grace)
        if not gone:
            used = "KILL"
            status, gone = self._signal_and_wait("KILL", _KILL_WAIT_S)
        if gone:
            self._forget()
        return StopResult(signal=used, exit_code=status.exit_code, gone=gone)

    def _signal_and_wait(self, name: str, seconds: float) -> tuple[JobStatus, bool]:
        """Sends the signal (again, while the Engine fails) and waits for the group to go."""
        deadline = time.monotonic() + seconds
        sent = False
        while True:
            if not sent:
                sent = self._signal(name)
            status, gone = self._wait_gone(0.0)
            if gone or time.monotonic() >= deadline:
                return status, gone
            time.sleep(_POLL_S)

    def _wait_gone(self, timeout: float) -> tuple[JobStatus, bool]:
        """Polls until nothing of the job lives; an Engine error counts as "not gone yet"."""
        deadline = time.monotonic() + timeout
        status = JobStatus(running=True, exit_code=None)
        while True:
            try:
                status = self.status()
                gone = not status.running and (
                    self._container_restarted() or not self.group_alive()
                )
            except ENGINE_ERRORS:
                gone = False
            if gone or time.monotonic() >= deadline:
                return status, gone
            time.sleep(_POLL_S)

    def _container_started_at(self) -> str | None:
        return str(self._api.inspect_container(self._container)["State"].get("StartedAt"))

    def _container_restarted(self) -> bool:
        """Every exec dies when its container stops or restarts; PIDs after that are others'."""
        try:
            state = self._api.inspect_container(self._container)["State"]
        except docker.errors.NotFound:
            return True  # removed, and every process with it
        return not state.get("Running") or str(state.get("StartedAt")) != self._container_started

    def _signal(self, name: str) -> bool:
        """Whether the signal reached the container (not whether anything was left to get it)."""
        if self.pid is None:
            return True
        try:
            if not self._container_restarted():
                self._run(["sh", "-c", _SIGNAL, "pilot-monitor", name, str(self.pid)])
        except ENGINE_ERRORS:
            return False
        return True

    def _forget(self) -> None:
        """Removes the pidfile, so no later pilot mistakes a reused PID for this job."""
        if self.launched:
            with contextlib.suppress(*ENGINE_ERRORS):
                self._run(["rm", "-f", self.pidfile])

    def _run(self, argv: list[str]) -> tuple[int | None, str]:
        return run_in_container(self._api, self._container, argv, user=self._user)


def find_run_job(
    api: docker.APIClient, container_id: str, run_id: str, user: str | None
) -> Found | None:
    """The job a run started in the container, from its pidfile; None if it left none.

    The pidfile is looked for by the run's ID, so a job is found even when its monitor died
    between the launch and journaling the PID.
    """
    code, output = run_in_container(
        api, container_id, ["sh", "-c", _RUN_JOB, "pilot-monitor", run_id], user=user
    )
    if code != 0:
        raise JobError(f"cannot look for the job's pidfile in the container (exit code {code})")
    found: Found | None = None
    for line in output.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "alive":
            return Found(words[1], int(words[2]))
        if len(words) == 2 and words[0] == "dead":
            found = Found(words[1], None)
    return found


def earlier_jobs(api: docker.APIClient, container_id: str, user: str | None) -> list[str] | None:
    """Pidfiles of earlier pilots' jobs whose leader still lives; None if it cannot be told."""
    code, output = run_in_container(api, container_id, ["sh", "-c", _EARLIER_JOBS], user=user)
    if code != 0:
        return None
    return [line.split()[0] for line in output.splitlines() if line.strip()]


def probe_command(
    api: docker.APIClient,
    container_id: str,
    argv: list[str],
    *,
    workdir: str | None,
    user: str | None,
) -> tuple[str, str] | None:
    """(setting to fix, why) when the command cannot run in the container; None if it can."""
    script = 'command -v "$1" >/dev/null 2>&1 || { echo "$1: not found"; exit 1; }'
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and argv[1].endswith(".py"):
        script += '; [ -f "$2" ] || { echo "$2: no such file"; exit 1; }'
    try:
        code, output = run_in_container(
            api,
            container_id,
            ["sh", "-c", script, "pilot-monitor", *argv[:2]],
            user=user,
            workdir=workdir,
        )
    except docker.errors.APIError as error:
        return "PILOT_COMMAND", str(error.explanation or error)
    reason = output.strip()
    if code == 0:
        return None
    if code != 126:  # 126: the Engine could not start a process at all
        return "PILOT_COMMAND", reason or f"check exited with code {code}"
    if "chdir" in reason or (workdir and not user):
        return "PILOT_WORKDIR", f"cannot start a process in {workdir}: {reason or 'no such folder'}"
    return "PILOT_USER", f"cannot start a process as user {user}: {reason or 'no such user'}"
