"""The backfill as a Docker exec in the app container: start it, watch it, stop it for sure.

The Engine API cannot signal an exec'd process, and exec_inspect's Pid is a host PID. So
the job is started through a tiny `sh` wrapper that writes its in-container PID to a
pidfile and then `exec`s the command's argv unchanged (no shell string is ever built from
configuration). runc starts every exec in a new session, so that PID is also the job's
process group, which a second exec signals: TERM, a grace period, KILL, then confirmation
that no live process of the group is left. Only `sh` and its builtins are needed in the
app container (slim images have no procps).
"""

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

_WRAPPER = 'echo "$$" > "$1" && shift && exec "$@"'
_SIGNAL = 'kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2" 2>/dev/null'
# Zombies do not count: an app whose PID 1 does not reap leaves killed children as zombies.
_GROUP_ALIVE = (
    'g=$1; for f in /proc/[0-9]*/stat; do { read -r line < "$f"; } 2>/dev/null || continue;'
    ' rest=${line##*") "}; set -- $rest; [ "$1" != Z ] && [ "$3" = "$g" ] && exit 0; done; exit 1'
)
_KILL_WAIT_S = 5.0


class JobError(Exception):
    """The job could not be started or controlled through the Engine."""


@dataclass(frozen=True)
class JobStatus:
    running: bool
    exit_code: int | None


@dataclass(frozen=True)
class StopResult:
    signal: str | None
    exit_code: int | None
    gone: bool


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
        self._user = user or ""
        self._environment = dict(environment or {})
        self._log_path = log_path
        self.pidfile = f"/tmp/pilot-monitor-{run_id}.pid"
        self._exec_id: str | None = None
        self.pid: int | None = None
        self.output_closed = threading.Event()

    def start(self) -> int:
        """Starts the command once, with output appended to the job log; returns its PID."""
        if self._exec_id is not None:
            raise JobError("the job was already started")
        created = self._api.exec_create(
            self._container,
            ["sh", "-c", _WRAPPER, "pilot-monitor", self.pidfile, *self._argv],
            stdout=True,
            stderr=True,
            user=self._user,
            workdir=self._workdir,
            environment=self._environment or None,
        )
        self._exec_id = str(created["Id"])
        stream = self._api.exec_start(self._exec_id, stream=True, demux=False)
        threading.Thread(target=self._copy_output, args=(stream,), daemon=True).start()
        self.pid = self._read_pid()
        return self.pid

    def _copy_output(self, stream: Any) -> None:
        # docker-py's attached stream can block forever; a daemon thread keeps that harmless,
        # and EOF only means "ask exec_inspect", never "the job ended".
        try:
            with self._log_path.open("ab") as log:
                for chunk in stream:
                    log.write(chunk)
                    log.flush()
        except Exception:  # the stream failing must not end the pilot
            pass
        finally:
            self.output_closed.set()

    def _read_pid(self) -> int:
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            code, output = self._run(["cat", self.pidfile])
            if code == 0 and output.strip().isdigit():
                return int(output.strip())
            if not self.status().running:
                break
            time.sleep(0.05)
        status = self.status()
        if not status.running:
            raise JobError(f"the job exited at once with code {status.exit_code}")
        raise JobError(f"the job's pidfile {self.pidfile} never appeared")

    def status(self) -> JobStatus:
        if self._exec_id is None:
            return JobStatus(running=False, exit_code=None)
        info = self._api.exec_inspect(self._exec_id)
        return JobStatus(running=bool(info["Running"]), exit_code=info.get("ExitCode"))

    def wait(self, timeout: float, poll: float = 0.1) -> JobStatus:
        """Until the job is no longer running or ``timeout`` passes; returns the last status."""
        deadline = time.monotonic() + timeout
        status = self.status()
        while status.running and time.monotonic() < deadline:
            time.sleep(poll)
            status = self.status()
        return status

    def group_alive(self) -> bool:
        if self.pid is None:
            return False
        code, _ = self._run(["sh", "-c", _GROUP_ALIVE, "pilot-monitor", str(self.pid)])
        return code == 0

    def stop(self, grace: float) -> StopResult:
        """TERM to the job's process group, ``grace`` seconds, KILL, then confirm it is gone."""
        status = self.status()
        if not status.running and not self.group_alive():
            return StopResult(signal=None, exit_code=status.exit_code, gone=True)
        used = "TERM"
        self._signal("TERM")
        status = self.wait(grace)
        if status.running or self.group_alive():
            used = "KILL"
            self._signal("KILL")
            status = self.wait(_KILL_WAIT_S)
        gone = not status.running and not self.group_alive()
        return StopResult(signal=used, exit_code=status.exit_code, gone=gone)

    def _signal(self, name: str) -> None:
        if self.pid is not None:
            self._run(["sh", "-c", _SIGNAL, "pilot-monitor", name, str(self.pid)])

    def _run(self, argv: list[str]) -> tuple[int | None, str]:
        """A short helper command in the container, as the job's user; (exit code, output)."""
        created = self._api.exec_create(self._container, argv, user=self._user)
        output = self._api.exec_start(created["Id"], stream=False, demux=False)
        code = self._api.exec_inspect(created["Id"]).get("ExitCode")
        text = output.decode("utf-8", errors="replace") if isinstance(output, bytes) else ""
        return code, text


def probe_command(
    api: docker.APIClient,
    container_id: str,
    argv: list[str],
    *,
    workdir: str | None,
    user: str | None,
) -> str | None:
    """Why the command cannot run in the container, or None if its program is found there."""
    script = 'command -v "$1" >/dev/null 2>&1 || { echo "$1: not found"; exit 1; }'
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and argv[1].endswith(".py"):
        script += '; [ -f "$2" ] || { echo "$2: no such file"; exit 1; }'
    try:
        created = api.exec_create(
            container_id,
            ["sh", "-c", script, "pilot-monitor", *argv[:2]],
            user=user or "",
            workdir=workdir,
        )
        output = api.exec_start(created["Id"], stream=False, demux=False)
        code = api.exec_inspect(created["Id"]).get("ExitCode")
    except docker.errors.APIError as error:
        return str(error.explanation or error)
    if code == 0:
        return None
    text = output.decode("utf-8", errors="replace").strip() if isinstance(output, bytes) else ""
    if code == 126:
        where = f"as user {user or '(default)'} in {workdir or '(default workdir)'}"
        return f"cannot start a process {where}: {text or 'unknown user or missing folder'}"
    return text or f"check exited with code {code}"
