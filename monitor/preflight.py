"""Everything that must hold before a pilot may start; a failure names the setting to fix."""

import os
from dataclasses import dataclass

import docker
import docker.errors
import psycopg2

from monitor.adapters import engine
from monitor.adapters.container import (
    AppContainer,
    LocateError,
    find_app_container,
    own_stop_timeout,
)
from monitor.adapters.counter import StrategyError, TableCounter
from monitor.adapters.files import check_writable
from monitor.adapters.job import earlier_jobs, probe_command
from monitor.core.duration import format_duration
from monitor.settings import Settings

DOCKER_TIMEOUT_S = 10
# The monitor's own stop beyond the job's grace: the SIGKILL wait, a last count, the report.
STOP_MARGIN_S = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None
    detail: str

    def line(self) -> str:
        mark = {True: "✅", False: "❌", None: "⏭️"}[self.ok]
        return f"{mark} {self.name:<15} {self.detail}"


@dataclass
class Stack:
    """The live parts a pilot needs, opened by a successful preflight."""

    client: docker.DockerClient
    container: AppContainer
    counter: TableCounter
    others: tuple[TableCounter, ...] = ()  # PILOT_TABLES beside PILOT_TABLE

    def close(self) -> None:
        for counter in (self.counter, *self.others):
            counter.close()
        self.client.close()


def preflight(settings: Settings) -> tuple[list[Check], Stack | None]:
    """Runs every check it can; the stack is returned only when all of them passed."""
    checks: list[Check] = []
    try:
        check_writable(settings.logs_dir)
        checks.append(Check("logs folder", True, f"{settings.logs_dir} is writable"))
    except OSError as error:
        reason = error.strerror or str(error)
        checks.append(
            Check(
                "logs folder",
                False,
                f"PILOT_LOGS_DIR: {settings.logs_dir} is not writable by uid {os.getuid()}"
                f" ({reason})",
            )
        )

    client, container = _docker_checks(settings, checks)
    counter = _database_checks(settings, checks)
    others = _other_tables_checks(settings, checks) if counter else ()

    if client and container and counter and all(check.ok for check in checks):
        return checks, Stack(client, container, counter, others)
    for opened in (counter, *others):
        if opened:
            opened.close()
    return checks, None


def _docker_checks(
    settings: Settings, checks: list[Check]
) -> tuple[docker.DockerClient | None, AppContainer | None]:
    try:
        client = engine.connect(DOCKER_TIMEOUT_S)
        version = client.version()
    except docker.errors.DockerException as error:
        setting, reason = engine.failure(error)
        checks.append(Check("docker engine", False, f"{setting}: {reason}"))
        checks.append(Check("app container", None, "skipped: needs the Docker Engine"))
        checks.append(Check("command", None, "skipped: needs the app container"))
        checks.append(Check("earlier job", None, "skipped: needs the app container"))
        return None, None
    checks.append(
        Check(
            "docker engine",
            True,
            f"{engine.where()}: Engine {version.get('Version')} (API {version.get('ApiVersion')})",
        )
    )
    _stop_grace_check(settings, client, checks)
    try:
        container = find_app_container(
            client,
            name=settings.app_container,
            project=settings.compose_project,
            service=settings.app_service,
        )
    except LocateError as error:
        checks.append(Check("app container", False, str(error)))
        checks.append(Check("command", None, "skipped: needs the app container"))
        checks.append(Check("earlier job", None, "skipped: needs the app container"))
        return client, None
    checks.append(Check("app container", True, f"{container.name} is running"))
    problem = probe_command(
        client.api, container.id, settings.argv, workdir=settings.workdir, user=settings.user
    )
    if problem:
        setting, reason = problem
        checks.append(
            Check("command", False, f"{setting}: cannot run in {container.name}: {reason}")
        )
        checks.append(Check("earlier job", None, "skipped: needs a command that can run"))
        return client, container
    checks.append(Check("command", True, f"{settings.argv[0]} found in {container.name}"))
    running = earlier_jobs(client.api, container.id, settings.user)
    if running is None:
        checks.append(
            Check(
                "earlier job",
                False,
                f"PILOT_USER: cannot look for earlier jobs in {container.name}",
            )
        )
    elif running:
        checks.append(
            Check(
                "earlier job",
                False,
                f"PILOT_COMMAND: a job of an earlier pilot still runs in {container.name}"
                f" ({', '.join(running)}); stop it or let it finish first",
            )
        )
    else:
        checks.append(Check("earlier job", True, "no job of an earlier pilot is running"))
    return client, container


def _stop_grace_check(settings: Settings, client: docker.DockerClient, checks: list[Check]) -> None:
    """In a container, Docker must give the monitor time to stop the job before it kills it."""
    allowed = own_stop_timeout(client)
    if allowed is None:
        return
    needed = settings.stop_grace + STOP_MARGIN_S
    if allowed < needed:
        checks.append(
            Check(
                "stop grace",
                False,
                f"PILOT_STOP_GRACE: {format_duration(settings.stop_grace)} needs the monitor's"
                f" container to get {format_duration(needed)} to stop, it gets"
                f" {format_duration(allowed)} (raise compose's stop_grace_period:"
                " MONITOR_STOP_GRACE_PERIOD)",
            )
        )
    else:
        checks.append(
            Check(
                "stop grace",
                True,
                f"the container gets {format_duration(allowed)} to stop; the monitor needs"
                f" at most {format_duration(needed)}",
            )
        )


def _database_checks(settings: Settings, checks: list[Check]) -> TableCounter | None:
    target = settings.database
    counter = TableCounter(
        target,
        settings.table_name,
        settings.connect_timeout,
        settings.statement_timeout,
        settings.count_strategy,
        job_application=settings.job_application,
    )
    try:
        exists = counter.table_exists()
    except psycopg2.Error as error:
        checks.append(
            Check(
                "database",
                False,
                f"PILOT_DATABASE_URL: cannot use {target.redacted()}: {_short(error)}",
            )
        )
        checks.append(Check("table", None, "skipped: needs the database"))
        counter.close()
        return None
    checks.append(Check("database", True, f"{target.redacted()} answers"))
    if not exists:
        checks.append(
            Check(
                "table",
                False,
                f"PILOT_TABLE: no table {settings.table!r} in database {target.dbname!r}",
            )
        )
        counter.close()
        return None
    try:
        readable = counter.readable()
        if readable:
            strategy = counter.check_strategy()
    except (StrategyError, psycopg2.Error) as error:
        checks.append(Check("table", False, f"PILOT_COUNT_STRATEGY: {_short(error)}"))
        counter.close()
        return None
    if not readable:
        checks.append(
            Check(
                "table",
                False,
                f"PILOT_TABLE: user {target.user!r} may not read {settings.table!r}"
                f" (GRANT SELECT ON {settings.table} TO {target.user})",
            )
        )
        counter.close()
        return None
    checks.append(Check("table", True, f"{settings.table} exists; counted by {strategy}"))
    return counter


def _other_tables_checks(settings: Settings, checks: list[Check]) -> tuple[TableCounter, ...]:
    """Each of PILOT_TABLES must exist and be readable; each is counted the auto way."""
    counters: list[TableCounter] = []
    problems: list[str] = []
    for table in settings.other_tables:
        counter = TableCounter(
            settings.database,
            table,
            settings.connect_timeout,
            settings.statement_timeout,
            sessions=False,
        )
        counters.append(counter)
        try:
            if not counter.table_exists():
                problems.append(f"no table {str(table)!r}")
            elif not counter.readable():
                problems.append(
                    f"user {settings.database.user!r} may not read {str(table)!r}"
                    f" (GRANT SELECT ON {table} TO {settings.database.user})"
                )
            else:
                counter.check_strategy()
        except (StrategyError, psycopg2.Error) as error:
            problems.append(f"{table}: {_short(error)}")
    if problems:
        checks.append(Check("other tables", False, f"PILOT_TABLES: {'; '.join(problems)}"))
    elif counters:
        names = ", ".join(counter.name for counter in counters)
        checks.append(Check("other tables", True, f"{names} can be counted"))
    return tuple(counters)


def _short(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
