"""Bad input, tried for real beside the demo stack: exit 2, one line naming the setting, no
secret, nothing started. And the demo's read-only database role, seen from the outside.

Every case is one `docker compose -f compose.pilot.yml run --rm -T monitor run` with a
settings file of its own (written in compose's env_file syntax, which is how users write
them) and a logs folder of its own. They run in parallel threads, once per module (about
half a minute for the table on two CPUs, where one after another takes over a minute); each case
is then its own test. "Nothing started" is read three ways: the logs folder is left empty
(the job log and the journal are created before the job starts), no backfill runs in `app`
after the batch, and `matches` gained no row.
"""

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from monitor.core.records import PilotStarted, Sample
from tests.e2e.stack import MONITOR_UID, ROOT, DemoStack, PilotProject
from tests.reading import journal

DEMO_PASSWORD = "postgres-dev-password"
ROLE = "pilot_monitor"
ROLE_PASSWORD = "pilot-monitor-demo-password"
FAST_DEMO = "DEMO_WARMUP=2 DEMO_RATE=600"
WORKERS = 16


def demo_pilot_settings() -> dict[str, str]:
    """demo/pilot.env as NAME=value pairs (PILOT_ prefix dropped, lower case)."""
    pairs = {}
    for line in (ROOT / "demo/pilot.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.removeprefix("PILOT_").lower()] = value
    return pairs


ROLE_URL = demo_pilot_settings()["database_url"]


@dataclass(frozen=True)
class Case:
    """One bad configuration: settings over the good base, the setting the line must name
    (it starts the line), words the line must hold, and the secrets it must not show."""

    id: str
    settings: dict[str, str]
    setting: str
    says: str
    secrets: tuple[str, ...] = ()
    logs_mode: int | None = None  # the logs folder stays root's, with this mode


# Values are written to the settings file as they stand, in compose's env_file syntax, as
# PILOT_<NAME> (or the name itself when it is in capitals); `{project}`, `{stopped}` and
# `{workerless}` are filled in with names made for the run.
CASES = [
    Case("duration in words", {"duration": "10 minutes"}, "PILOT_DURATION", "cannot parse"),
    Case("duration with an unknown unit", {"duration": "10y"}, "PILOT_DURATION", "'10y'"),
    Case("zero interval", {"interval": "0"}, "PILOT_INTERVAL", "must be positive, got 0s"),
    Case("negative interval", {"interval": "-5"}, "PILOT_INTERVAL", "must be positive, got -5s"),
    Case(
        "negative interval with a unit", {"interval": "-5s"}, "PILOT_INTERVAL", "cannot parse '-5s'"
    ),
    Case(
        "interval longer than the duration",
        {"duration": "1m", "interval": "2m"},
        "PILOT_INTERVAL",
        "2m is longer than PILOT_DURATION (1m)",
    ),
    Case("zero stop grace", {"stop_grace": "0s"}, "PILOT_STOP_GRACE", "must be positive"),
    Case(
        "zero statement timeout", {"statement_timeout": "0"}, "PILOT_STATEMENT_TIMEOUT", "positive"
    ),
    Case(
        "SQL in the table name",
        {"table": "matches; DROP TABLE matches"},
        "PILOT_TABLE",
        "is not a table name",
    ),
    Case("a schema that does not exist", {"table": "nope.matches"}, "PILOT_TABLE", "no table"),
    Case("a table that does not exist", {"table": "nope"}, "PILOT_TABLE", "no table 'nope'"),
    Case(
        "a wrong password",
        {"database_url": f"postgresql://{ROLE}:Wr0ng-pa55-xyz@db:5432/football_prediction"},
        "PILOT_DATABASE_URL",
        "password authentication failed",
        secrets=("Wr0ng-pa55-xyz",),
    ),
    Case(
        "an unknown host",
        {"database_url": f"postgresql://{ROLE}:{ROLE_PASSWORD}@nohost:5432/football_prediction"},
        "PILOT_DATABASE_URL",
        'could not translate host name "nohost"',
    ),
    Case(
        "a malformed database URL",
        {"database_url": "postgresql://pilot_monitor:Url-s3cret-77@db:port/football_prediction"},
        "PILOT_DATABASE_URL",
        "is not a URL like",
        secrets=("Url-s3cret-77",),
    ),
    Case(
        "a URL of another scheme",
        {"database_url": "mysql://pilot_monitor:My-s3cret-88@db:3306/football_prediction"},
        "PILOT_DATABASE_URL",
        "scheme must be postgresql://, got mysql",
        secrets=("My-s3cret-88",),
    ),
    Case(
        "a container that does not exist",
        {"app_container": "nope"},
        "PILOT_APP_CONTAINER",
        "no container named 'nope'",
    ),
    Case(
        "a compose project that does not exist",
        {"compose_project": "{project}-nope"},
        "PILOT_COMPOSE_PROJECT",
        "no compose project",
    ),
    Case(
        "a compose project with no app service",
        {"compose_project": "{workerless}"},
        "PILOT_APP_SERVICE",
        "no service 'app' in compose project",
    ),
    Case(
        "a blank service name",
        {"app_service": '"  "'},
        "PILOT_APP_SERVICE",
        "is empty and PILOT_APP_CONTAINER is unset",
    ),
    Case(
        "a stopped container",
        {"compose_project": "{stopped}"},
        "PILOT_APP_SERVICE",
        "is created, not running",
    ),
    Case(
        "a program that does not exist",
        {"command": "nosuchprogram --fast"},
        "PILOT_COMMAND",
        "nosuchprogram: not found",
    ),
    # `PILOT_COMMAND=` and `PILOT_COMMAND=''` are compose's empty string: the default command,
    # by design. A command that is there and empty takes quotes around blanks, or a word of
    # nothing (`''`) that shlex keeps as an empty program name.
    Case("a command of blanks", {"command": '"   "'}, "PILOT_COMMAND", "is empty"),
    Case("an empty program name", {"command": "\"''\""}, "PILOT_COMMAND", "names no program"),
    Case(
        "an unbalanced quote",
        {"command": "python 'scripts/backfill_full_history.py"},
        "PILOT_COMMAND",
        "cannot split into arguments (No closing quotation)",
    ),
    Case(
        "a script that does not exist",
        {"command": "python scripts/nope.py"},
        "PILOT_COMMAND",
        "scripts/nope.py: no such file",
    ),
    Case("a workdir that does not exist", {"workdir": "/nope"}, "PILOT_WORKDIR", "/nope"),
    Case("a user that does not exist", {"user": "nope"}, "PILOT_USER", "as user nope"),
    Case(
        "a misspelt setting",
        {"duraton": "5m"},
        "PILOT_DURATON",
        "unknown setting (misspelt? see .env.example)",
    ),
    Case(
        "a job variable that is not KEY=VALUE",
        {"job_env": "DEMO_RATE=600 API_TOKEN:tok-Sup3r-s3cret"},
        "PILOT_JOB_ENV",
        "word 2 is not KEY=VALUE",
        secrets=("tok-Sup3r-s3cret", "API_TOKEN"),
    ),
    Case(
        "a job variable whose name is not a name",
        {"job_env": "1API_TOKEN=tok-An0ther-s3cret"},
        "PILOT_JOB_ENV",
        "word 1 is not KEY=VALUE",
        secrets=("tok-An0ther-s3cret",),
    ),
    Case(
        "an unknown counting strategy",
        {"count_strategy": "fast"},
        "PILOT_COUNT_STRATEGY",
        "'auto', 'keyset', 'full' or 'estimate'",
    ),
    Case(
        "a Docker Engine that is not there",
        {"DOCKER_HOST": "unix:///run/no-engine.sock"},
        "DOCKER_HOST",
        "cannot reach unix:///run/no-engine.sock as uid 10001",
    ),
    Case(
        "a logs folder the monitor cannot write",
        {},
        "PILOT_LOGS_DIR",
        f"logs is not writable by uid {MONITOR_UID} (Permission denied)",
        logs_mode=0o555,
    ),
    Case(
        "a logs folder the monitor cannot enter",
        {},
        "PILOT_LOGS_DIR",
        f"logs is not writable by uid {MONITOR_UID} (Permission denied)",
        logs_mode=0o000,
    ),
    Case(
        "keyset on a table without an integer key",
        {"table": "fixtures", "count_strategy": "keyset"},
        "PILOT_COUNT_STRATEGY",
        "keyset needs a single integer primary key, and fixtures has none",
    ),
    Case(
        "a table the monitor's role may not read",
        {"table": "payouts", "count_strategy": "full"},
        "PILOT_TABLE",
        "user 'pilot_monitor' may not read 'payouts' (GRANT SELECT ON payouts TO pilot_monitor)",
    ),
]


@dataclass
class Batch:
    """What the cases left: each one's run, and the demo stack after all of them."""

    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    logs: dict[str, list[str]] = field(default_factory=dict)
    backfills: list[str] = field(default_factory=list)
    rows: tuple[int, int] = (0, 0)


def _docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL
    ).stdout.strip()


def _labelled_container(stack: DemoStack, project: str, service: str) -> str:
    """A created, never started container labelled as `service` of compose project `project`,
    from the demo app's image."""
    app = stack.compose("ps", "--quiet", "app").stdout.strip()
    image = _docker("inspect", "--format", "{{.Image}}", app)
    labels = {
        "com.docker.compose.project": project,
        "com.docker.compose.service": service,
        "com.docker.compose.container-number": "1",
        "com.docker.compose.oneoff": "False",
    }
    flags = [part for key, value in labels.items() for part in ("--label", f"{key}={value}")]
    return _docker("create", "--name", f"{project}-{service}-1", *flags, image)


def _variable(name: str) -> str:
    """`duration` is PILOT_DURATION; a name in capitals (DOCKER_HOST) is written as it is."""
    return name if name.isupper() else f"PILOT_{name.upper()}"


def _run_case(
    stack: DemoStack, case: Case, folder: Path, names: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    folder.mkdir()
    logs = folder / "logs"
    logs.mkdir()
    if case.logs_mode is None:
        os.chown(logs, MONITOR_UID, MONITOR_UID)
    else:
        logs.chmod(case.logs_mode)
    settings = {
        "compose_project": stack.project,
        "database_url": ROLE_URL,
        "job_env": FAST_DEMO,
        **{name: value.format(**names) for name, value in case.settings.items()},
    }
    env_file = folder / "pilot.env"
    env_file.write_text("".join(f"{_variable(k)}={v}\n" for k, v in settings.items()))
    pilot = PilotProject(f"{names['project']}-bad-{uuid.uuid4().hex[:6]}", stack, logs, env_file)
    result = pilot.compose("run", "--rm", "-T", "monitor", "run", check=False)
    return result, sorted(path.name for path in logs.iterdir())


@pytest.fixture(scope="module")
def batch(demo_stack: DemoStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    stack = demo_stack
    assert stack.backfills() == []
    # `fixtures` may be read by the monitor's role (keyset refuses it for its key);
    # `payouts` may not.
    stack.sql(
        "CREATE TABLE IF NOT EXISTS fixtures (code text PRIMARY KEY);"
        " GRANT SELECT ON fixtures TO pilot_monitor;"
        " CREATE TABLE IF NOT EXISTS payouts (id integer PRIMARY KEY)"
    )
    names = {
        "project": stack.project,
        "stopped": f"{stack.project}-stopped",
        "workerless": f"{stack.project}-workerless",
    }
    created = [
        _labelled_container(stack, names["stopped"], "app"),
        _labelled_container(stack, names["workerless"], "worker"),
    ]
    root = tmp_path_factory.mktemp("bad-input")
    found = Batch()
    try:
        before = stack.rows()
        started = time.monotonic()
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = {
                case.id: pool.submit(_run_case, stack, case, root / f"case{number}", names)
                for number, case in enumerate(CASES)
            }
            for case_id, future in futures.items():
                found.runs[case_id], found.logs[case_id] = future.result()
        print(f"{len(CASES)} bad configurations tried in {time.monotonic() - started:.1f} s")
        found.backfills = stack.backfills()
        found.rows = (before, stack.rows())
    finally:
        _docker("rm", "--force", *created)
        stack.sql("DROP TABLE IF EXISTS fixtures, payouts")
    yield found


def test_the_table_has_enough_cases() -> None:
    assert len(CASES) >= 22
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_line_naming_the_setting(batch: Batch, case: Case) -> None:
    result = batch.runs[case.id]
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip()]
    print(f"{case.id}: {lines}")

    assert result.returncode == 2, output
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{case.setting}: "), lines[0]
    assert case.says in lines[0], lines[0]
    for secret in (DEMO_PASSWORD, ROLE_PASSWORD, *case.secrets):
        assert secret not in output
    # Nothing started: no journal, no job log, no report; no backfill in `app`, no row.
    assert batch.logs[case.id] == []
    assert batch.backfills == []
    assert batch.rows[0] == batch.rows[1]


# --- the demo stack's read-only role -----------------------------------------------------


def _as_role(stack: DemoStack, *statements: str) -> subprocess.CompletedProcess[str]:
    """psql as the monitor's role over TCP with its password, as the monitor connects."""
    url = ROLE_URL.replace("@db:", "@127.0.0.1:")
    args = [part for statement in statements for part in ("-c", statement)]
    return stack.compose(
        "exec", "-T", "db", "psql", url, "-X", "-v", "ON_ERROR_STOP=1", "-tA", *args, check=False
    )


def test_the_demo_role_can_read_matches_and_write_nothing(stack: DemoStack) -> None:
    assert f"{ROLE}:{ROLE_PASSWORD}@" in ROLE_URL
    attributes = stack.sql(
        "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls"
        f" FROM pg_roles WHERE rolname = '{ROLE}'"
    )
    assert attributes == "t|f|f|f|f|f"
    grants = stack.sql(
        "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type)"
        f" FROM information_schema.role_table_grants WHERE grantee = '{ROLE}'"
    )
    assert grants == "SELECT"

    read = _as_role(stack, "SELECT count(*) FROM matches")
    assert (read.returncode, read.stdout.strip()) == (0, "0"), read.stderr
    insert = "INSERT INTO matches (fotmob_id) VALUES ('forbidden')"
    refused = _as_role(stack, insert)
    assert refused.returncode != 0
    assert "cannot execute INSERT in a read-only transaction" in refused.stderr
    # Its read-only default is a convenience; the grants are the wall.
    lifted = _as_role(stack, "SET default_transaction_read_only = off", insert)
    assert lifted.returncode != 0
    assert "permission denied for table matches" in lifted.stderr
    created = _as_role(stack, "SET default_transaction_read_only = off", "CREATE TABLE t (x int)")
    assert "permission denied for schema public" in created.stderr
    assert stack.rows() == 0


def test_a_pilot_with_the_demo_settings_counts_as_the_role(
    pilot: PilotProject, stack: DemoStack
) -> None:
    settings = demo_pilot_settings()
    settings.update(compose_project=stack.project, duration="6s", interval="3s", job_env=FAST_DEMO)
    pilot.env_file.write_text("".join(f"PILOT_{k.upper()}={v}\n" for k, v in settings.items()))
    result = pilot.up()

    assert result.returncode == 0, result.stdout + result.stderr
    records = journal(pilot.logs)
    start = records[0]
    assert isinstance(start, PilotStarted)
    assert dict(start.settings)["PILOT_DATABASE_URL"] == (
        f"postgresql://{ROLE}:***@db:5432/football_prediction"
    )
    samples = [record for record in records if isinstance(record, Sample)]
    assert samples[-1].final and samples[-1].total == stack.rows() > 0
    assert all(sample.error is None for sample in samples)
    assert ROLE_PASSWORD not in "\n".join(pilot.console())
