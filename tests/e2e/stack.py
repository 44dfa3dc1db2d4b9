"""The demo stack and the pilot's compose project, driven through the real `docker compose`."""

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PILOT_FILE = ROOT / "compose.pilot.yml"
DEMO_FILE = ROOT / "demo/compose.yml"
MONITOR_UID = 10001
DOCKER_SOCKET = Path("/var/run/docker.sock")


def image_choice() -> dict[str, str]:
    """BASE_IMAGE and POSTGRES_IMAGE as `make images` chose them (tests fetch nothing)."""
    choice = ROOT / ".images.env"
    assert choice.exists(), f"{choice} is missing: run `make images` (make test does)"
    return dict(pair.split("=", 1) for pair in choice.read_text().split())


def file_args(*files: Path) -> list[str]:
    """`-f FILE` for each compose file, in order (later files override earlier ones)."""
    return [arg for file in files for arg in ("-f", str(file))]


def compose(
    file: Path,
    project: str,
    env: dict[str, str],
    *args: str,
    check: bool = True,
    timeout=300,
    overrides: tuple[Path, ...] = (),
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["docker", "compose", *file_args(file, *overrides), "-p", project, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        command = " ".join(args)
        raise AssertionError(f"docker compose {command}: {result.returncode}\n{result.stderr}")
    return result


@dataclass
class DemoStack:
    """One demo stack of the test session's own (its project and network names are unique)."""

    project: str
    images: dict[str, str]

    @property
    def env(self) -> dict[str, str]:
        return {**self.images, "DEMO_NETWORK": self.project}

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return compose(DEMO_FILE, self.project, self.env, *args, check=check)

    def sql(self, query: str) -> str:
        """A query's output through psql in the `db` container (no port is published)."""
        result = self.compose(
            "exec", "-T", "db", "psql", "-U", "postgres", "-d", "football_prediction",
            "-v", "ON_ERROR_STOP=1", "-tAc", query,
        )  # fmt: skip
        return result.stdout.strip()

    def rows(self) -> int:
        return int(self.sql("SELECT count(*) FROM matches"))

    def app_processes(self) -> list[str]:
        """Command lines of the processes in `app` (but this probe)."""
        probe = (
            "import os\n"
            "for pid in os.listdir('/proc'):\n"
            "    if pid.isdigit() and pid != str(os.getpid()):\n"
            "        try:\n"
            "            print(open(f'/proc/{pid}/cmdline').read().replace('\\0', ' ').strip())\n"
            "        except OSError:\n"
            "            pass\n"
        )
        result = self.compose("exec", "-T", "app", "python", "-c", probe)
        return [line for line in result.stdout.splitlines() if line]

    def backfills(self) -> list[str]:
        return [line for line in self.app_processes() if "backfill_full_history" in line]


@dataclass
class PilotProject:
    """One `docker compose -f compose.pilot.yml` project with its own settings and logs."""

    project: str
    stack: DemoStack
    logs: Path
    env_file: Path
    extra: dict[str, str] = field(default_factory=dict)
    # Compose files merged over compose.pilot.yml, such as compose.proxy.yml.
    files: tuple[Path, ...] = ()

    @property
    def env(self) -> dict[str, str]:
        return {
            **self.stack.images,
            "MONITOR_ENV_FILE": str(self.env_file),
            "MONITOR_LOGS": str(self.logs),
            "MONITOR_NETWORK": self.stack.project,
            "MONITOR_UID": str(MONITOR_UID),
            "MONITOR_GID": str(MONITOR_UID),
            "DOCKER_SOCKET_GID": str(DOCKER_SOCKET.stat().st_gid),
            **self.extra,
        }

    def use_password_file(self, path: Path) -> None:
        self.extra["MONITOR_DATABASE_PASSWORD_FILE"] = str(path)

    def configure(self, **settings: str) -> None:
        """Writes the pilot's .env: PILOT_<NAME>=value for each setting given."""
        lines = [f"PILOT_COMPOSE_PROJECT={self.stack.project}"]
        lines += [f"PILOT_{name.upper()}={value}" for name, value in settings.items()]
        self.env_file.write_text("\n".join(lines) + "\n")

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return compose(PILOT_FILE, self.project, self.env, *args, check=check, overrides=self.files)

    def up(self) -> subprocess.CompletedProcess[str]:
        return self.compose("up", "--exit-code-from", "monitor", "--force-recreate", check=False)

    def start_up(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["docker", "compose", *file_args(PILOT_FILE, *self.files), "-p", self.project,
             "up", "--exit-code-from", "monitor", "--force-recreate"],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip

    def console(self) -> list[str]:
        """`docker compose logs monitor`, without compose's prefixes."""
        result = self.compose("logs", "--no-color", "--no-log-prefix", "monitor")
        return result.stdout.splitlines()

    def container(self) -> dict[str, object]:
        ids = self.compose("ps", "--all", "--quiet", "monitor").stdout.split()
        assert len(ids) == 1, ids
        inspected = subprocess.run(
            ["docker", "inspect", ids[0]], capture_output=True, text=True, check=True
        )
        return json.loads(inspected.stdout)[0]  # type: ignore[no-any-return]
