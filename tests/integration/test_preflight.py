"""Bad settings and broken surroundings: one line naming the setting, exit 2, nothing started."""

from pathlib import Path

import pytest

from tests.integration.harness import SUPERUSER_PASSWORD, App, Database, monitor_env, run_monitor

SECRET = SUPERUSER_PASSWORD


def _assert_refused(result, setting: str, app: App, logs: Path) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines and all(
        line.startswith("PILOT_") or line.startswith("DOCKER_HOST") for line in lines
    ), lines
    assert any(line.startswith(f"{setting}:") for line in lines), lines
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not list(logs.glob("pilot_journal_*")), "nothing may be started"
    assert app.job_processes() == []


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"table": "no_such_table"}, "PILOT_TABLE"),
        ({"table": "no_schema.matches"}, "PILOT_TABLE"),
        ({"app_container": "no-such-container"}, "PILOT_APP_CONTAINER"),
        ({"compose_project": "no-such-project"}, "PILOT_COMPOSE_PROJECT"),
        ({"app_service": "worker"}, "PILOT_APP_SERVICE"),
        ({"command": "no-such-program --flag"}, "PILOT_COMMAND"),
        ({"command": "python /job/missing.py"}, "PILOT_COMMAND"),
        ({"user": "no-such-user"}, "PILOT_USER"),
        ({"workdir": "/no/such/folder"}, "PILOT_WORKDIR"),
    ],
)
def test_refused_before_anything_starts(
    database: Database, app: App, tmp_path: Path, settings: dict[str, str], setting: str
) -> None:
    logs = tmp_path / "logs"
    result = run_monitor(monitor_env(database, app, logs, **settings), tmp_path, "run")
    _assert_refused(result, setting, app, logs)


def test_wrong_password_is_refused_without_showing_either_password(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    wrong = database.server.url(database.name, password="Wr0ng-pa55-xyz")
    env = monitor_env(database, app, logs, database_url=wrong)
    result = run_monitor(env, tmp_path, "run")
    _assert_refused(result, "PILOT_DATABASE_URL", app, logs)
    assert "Wr0ng-pa55-xyz" not in result.stdout + result.stderr
    assert "password authentication failed" in result.stdout


def test_a_password_from_the_secrets_dir_replaces_the_urls(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "pilot_database_password").write_text(SECRET)
    url = database.server.url(database.name, password="not-the-password")
    env = monitor_env(database, app, logs, database_url=url, secrets_dir=str(secrets))
    result = run_monitor(env, tmp_path, "check")
    assert result.returncode == 0, result.stdout
    assert SECRET not in result.stdout and "not-the-password" not in result.stdout


def test_closed_port_is_refused(database: Database, app: App, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    closed = f"postgresql://postgres:{SECRET}@127.0.0.1:1/{database.name}"
    result = run_monitor(monitor_env(database, app, logs, database_url=closed), tmp_path, "run")
    _assert_refused(result, "PILOT_DATABASE_URL", app, logs)


def test_unreachable_docker_engine_is_refused(database: Database, app: App, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs)
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-docker.sock"
    result = run_monitor(env, tmp_path, "run")
    _assert_refused(result, "DOCKER_HOST", app, logs)


def test_stopped_container_is_refused(database: Database, app: App, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs)
    app.container.stop(timeout=0)
    result = run_monitor(env, tmp_path, "run")
    assert result.returncode == 2, result.stdout
    assert "is exited, not running" in result.stdout
    assert result.stdout.startswith("PILOT_APP_SERVICE:")


def test_unwritable_logs_folder_is_refused(database: Database, app: App, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    logs = blocker / "logs"
    result = run_monitor(monitor_env(database, app, logs), tmp_path, "run")
    assert result.returncode == 2, result.stdout
    assert result.stdout.startswith("PILOT_LOGS_DIR:")
    assert app.job_processes() == []


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"duration": "0s"}, "PILOT_DURATION"),
        ({"duration": "ten minutes"}, "PILOT_DURATION"),
        ({"interval": "-5"}, "PILOT_INTERVAL"),
        ({"interval": "2m", "duration": "1m"}, "PILOT_INTERVAL"),
        ({"table": "matches; DROP TABLE matches"}, "PILOT_TABLE"),
        (
            {"database_url": f"postgresql://postgres:{SECRET}@127.0.0.1:notaport/x"},
            "PILOT_DATABASE_URL",
        ),
        ({"command": "  "}, "PILOT_COMMAND"),
        ({"command": "'' --fast"}, "PILOT_COMMAND"),
        ({"stop_grace": "soon"}, "PILOT_STOP_GRACE"),
    ],
)
def test_bad_values_are_refused_by_name(
    database: Database, app: App, tmp_path: Path, settings: dict[str, str], setting: str
) -> None:
    logs = tmp_path / "logs"
    result = run_monitor(monitor_env(database, app, logs, **settings), tmp_path, "run")
    _assert_refused(result, setting, app, logs)
    assert database.scalar("SELECT count(*) FROM matches") == 0


def test_check_prints_every_check(database: Database, app: App, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    result = run_monitor(monitor_env(database, app, logs), tmp_path, "check")
    assert result.returncode == 0, result.stdout
    checks = [line for line in result.stdout.splitlines() if line.startswith("✅")]
    names = [line.split(maxsplit=1)[1][:15].strip() for line in checks]
    assert names == [
        "logs folder",
        "docker engine",
        "app container",
        "command",
        "earlier job",
        "database",
        "table",
    ]
    assert "PILOT_DATABASE_URL=postgresql://postgres:***@" in result.stdout
    assert SECRET not in result.stdout
    assert app.job_processes() == []


def test_a_stale_pidfile_with_a_reused_pid_is_not_an_earlier_job(
    database: Database, app: App, tmp_path: Path
) -> None:
    # PID 1 lives, but it is not the process that wrote this pidfile: its start time differs.
    stale = app.container.exec_run(["sh", "-c", "echo '1 999' > /tmp/pilot-monitor-old.pid"])
    assert stale.exit_code == 0
    result = run_monitor(monitor_env(database, app, tmp_path / "logs"), tmp_path, "check")
    assert result.returncode == 0, result.stdout
    assert "✅ earlier job" in result.stdout


def test_keyset_counting_of_a_table_without_an_integer_key_is_refused(
    database: Database, app: App, tmp_path: Path
) -> None:
    database.execute("CREATE TABLE fixtures (code text PRIMARY KEY)")
    logs = tmp_path / "logs"
    env = monitor_env(database, app, logs, table="fixtures", count_strategy="keyset")
    result = run_monitor(env, tmp_path, "run")
    _assert_refused(result, "PILOT_COUNT_STRATEGY", app, logs)
    assert "keyset needs a single integer primary key, and fixtures has none" in result.stdout
