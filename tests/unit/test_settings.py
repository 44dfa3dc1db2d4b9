import os
from pathlib import Path

import pytest

from monitor.settings import ConfigError, Settings, describe, load_report_language, load_settings

SECRET = "s3cr3t-Pa55"
OTHER_SECRET = "an0ther-S3cret"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PILOT_* variable from outside, no stray .env, no real secrets directory."""
    for name in list(os.environ):
        if name.upper().startswith("PILOT_"):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("PILOT_SECRETS_DIR", str(tmp_path / "no-such-secrets-dir"))
    return work


def config_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> ConfigError:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    return caught.value


def test_defaults() -> None:
    settings = load_settings()
    assert settings.duration == 3600.0
    assert settings.interval == 60.0
    assert settings.stop_grace == 10.0
    assert settings.command == "python scripts/backfill_full_history.py"
    assert settings.argv == ["python", "scripts/backfill_full_history.py"]
    assert settings.table == "matches"
    assert settings.table_name.schema is None
    assert settings.table_name.name == "matches"
    assert settings.planned_samples == 60
    assert settings.job_env == {}
    assert settings.logs_dir == Path("logs")
    assert settings.app_service == "app"
    assert settings.app_container is None
    database = settings.database
    assert (database.host, database.port, database.dbname, database.user) == (
        "db",
        5432,
        "football_prediction",
        "postgres",
    )
    assert database.password.get_secret_value() == "postgres-dev-password"


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_DURATION", "15m")
    monkeypatch.setenv("PILOT_INTERVAL", "90s")
    monkeypatch.setenv("PILOT_STOP_GRACE", "30")
    monkeypatch.setenv("PILOT_TABLE", "public.matches")
    monkeypatch.setenv("PILOT_COMMAND", "python -u 'scripts/my job.py' --fast")
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgres://bob:pw@pg.internal:6543/stats")
    settings = load_settings()
    assert settings.duration == 900.0
    assert settings.interval == 90.0
    assert settings.stop_grace == 30.0
    assert settings.planned_samples == 10
    assert settings.argv == ["python", "-u", "scripts/my job.py", "--fast"]
    assert str(settings.table_name) == "public.matches"
    database = settings.database
    assert (database.host, database.port, database.dbname, database.user) == (
        "pg.internal",
        6543,
        "stats",
        "bob",
    )
    assert database.password.get_secret_value() == "pw"


def test_blank_optional_values_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_APP_CONTAINER", "   ")
    monkeypatch.setenv("PILOT_WORKDIR", "")
    settings = load_settings()
    assert settings.app_container is None
    assert settings.workdir is None


def test_more_tables_leave_out_the_pilots_own_and_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PILOT_TABLES", " matches, teams ,stats.odds,,teams")
    settings = load_settings()
    assert [str(table) for table in settings.other_tables] == ["teams", "stats.odds"]
    assert ("PILOT_TABLES", "matches,teams,stats.odds,teams") in describe(settings)
    assert load_settings().stall_fails is False
    monkeypatch.setenv("PILOT_STALL_FAILS", "true")
    monkeypatch.setenv("PILOT_JOB_APPLICATION", "  ")
    settings = load_settings()
    assert settings.stall_fails is True and settings.job_application is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PILOT_DURATION", "0"),
        ("PILOT_DURATION", "0s"),
        ("PILOT_DURATION", "-5"),
        ("PILOT_DURATION", "-5m"),
        ("PILOT_DURATION", "abc"),
        ("PILOT_DURATION", "10x"),
        ("PILOT_DURATION", "inf"),
        ("PILOT_INTERVAL", "0"),
        ("PILOT_INTERVAL", "2h"),
        ("PILOT_INTERVAL", "soon"),
        ("PILOT_TABLE", "matches; DROP TABLE matches"),
        ("PILOT_TABLE", "'matches'"),
        ("PILOT_TABLE", "a.b.c"),
        ("PILOT_TABLES", "teams,odds;DROP TABLE x"),
        ("PILOT_TABLES", ",".join(f"t{n}" for n in range(11))),
        ("PILOT_STALL_FAILS", "maybe"),
        ("PILOT_DATABASE_URL", "mysql://u:pw@db:5432/x"),
        ("PILOT_DATABASE_URL", "db:5432/x"),
        ("PILOT_DATABASE_URL", "postgresql://u:pw@/x"),
        ("PILOT_DATABASE_URL", "postgresql://u:pw@db:port/x"),
        ("PILOT_DATABASE_URL", "postgresql://u:pw@db:99999/x"),
        ("PILOT_DATABASE_URL", "postgresql://u:pw@db:5432"),
        ("PILOT_DATABASE_URL", "postgresql://u:pw@db:5432/"),
        ("PILOT_DATABASE_URL", "postgresql://db:5432/x"),
        ("PILOT_COMMAND", "   "),
        ("PILOT_COMMAND", "python 'scripts/unbalanced.py"),
        ("PILOT_COMMAND", "''"),
        ("PILOT_COMMAND", '"" --fast'),
        ("PILOT_JOB_ENV", "LOG_LEVEL"),
        ("PILOT_JOB_ENV", "A=1 B"),
        ("PILOT_JOB_ENV", "1A=2"),
        ("PILOT_JOB_ENV", "=2"),
        ("PILOT_JOB_ENV", "A='unbalanced"),
        ("PILOT_STOP_GRACE", "0"),
        ("PILOT_STOP_GRACE", "-1s"),
        ("PILOT_STATEMENT_TIMEOUT", "0"),
        ("PILOT_CONNECT_TIMEOUT", "nope"),
    ],
)
def test_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    error = config_error(monkeypatch, **{variable: value})
    assert error.lines, "a ConfigError must say what is wrong"
    for line in error.lines:
        assert line.startswith(f"{variable}: "), line
        assert len(line) > len(variable) + 2
    assert str(error) == "\n".join(error.lines)


def test_a_command_whose_program_is_an_empty_word_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Not empty to the environment (so not the default), but no program to run either.
    error = config_error(monkeypatch, PILOT_COMMAND="'' scripts/backfill_full_history.py")
    assert error.lines == ["PILOT_COMMAND: names no program: its first word is empty"]


def test_interval_longer_than_duration_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    error = config_error(monkeypatch, PILOT_DURATION="5m", PILOT_INTERVAL="10m")
    assert error.lines == ["PILOT_INTERVAL: 10m is longer than PILOT_DURATION (5m)"]


def test_interval_equal_to_duration_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_DURATION", "5m")
    monkeypatch.setenv("PILOT_INTERVAL", "300")
    assert load_settings().planned_samples == 1


def test_several_bad_values_give_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    error = config_error(
        monkeypatch,
        PILOT_DURATION="garbage",
        PILOT_TABLE="x;y",
        PILOT_STOP_GRACE="0",
    )
    assert sorted(line.split(":")[0] for line in error.lines) == [
        "PILOT_DURATION",
        "PILOT_STOP_GRACE",
        "PILOT_TABLE",
    ]


def test_database_port_zero_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 0 is not a port a server listens on; it must not silently become 5432.
    error = config_error(monkeypatch, PILOT_DATABASE_URL="postgresql://u:pw@db:0/x")
    assert error.lines[0].startswith("PILOT_DATABASE_URL: ")


BAD_URLS_WITH_SECRET = [
    f"mysql://postgres:{SECRET}@db:5432/football_prediction",
    f"postgresql://postgres:{SECRET}@/football_prediction",
    f"postgresql://postgres:{SECRET}@db:port/football_prediction",
    f"postgresql://postgres:{SECRET}@db:99999/football_prediction",
    f"postgresql://postgres:{SECRET}@db:5432",
    f"postgresql://postgres:{SECRET}@db:5432/",
    f"postgresql://:{SECRET}@db:5432/football_prediction",
    f"postgresql://postgres:{SECRET}@[db/football_prediction",
    f"postgresql//postgres:{SECRET}@db:5432/football_prediction",
]


@pytest.mark.parametrize("url", BAD_URLS_WITH_SECRET)
def test_bad_url_never_echoes_its_password(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    error = config_error(monkeypatch, PILOT_DATABASE_URL=url)
    assert error.lines
    assert all(line.startswith("PILOT_DATABASE_URL: ") for line in error.lines)
    assert SECRET not in str(error)
    assert SECRET.lower() not in str(error).lower()
    assert all(SECRET not in line for line in error.lines)
    assert SECRET not in repr(error)


def test_other_errors_never_echo_the_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    error = config_error(
        monkeypatch,
        PILOT_DATABASE_URL=f"postgresql://postgres:{SECRET}@db:5432/football_prediction",
        PILOT_DATABASE_PASSWORD=OTHER_SECRET,
        PILOT_DURATION="nonsense",
        PILOT_TABLE="drop table",
    )
    text = str(error) + "\n".join(error.lines)
    assert len(error.lines) == 2
    assert SECRET not in text
    assert OTHER_SECRET not in text


def test_describe_redacts_the_url_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PILOT_DATABASE_URL", f"postgresql://postgres:{SECRET}@db:5432/football_prediction"
    )
    rows = dict(describe(load_settings()))
    assert rows["PILOT_DATABASE_URL"] == "postgresql://postgres:***@db:5432/football_prediction"
    assert rows["PILOT_DATABASE_PASSWORD"] == "(unset)"
    assert all(SECRET not in name + value for name, value in rows.items())


def test_describe_redacts_the_password_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgresql://postgres@db:5432/football_prediction")
    monkeypatch.setenv("PILOT_DATABASE_PASSWORD", SECRET)
    settings = load_settings()
    assert settings.database.password.get_secret_value() == SECRET
    rows = describe(settings)
    assert dict(rows)["PILOT_DATABASE_PASSWORD"] == "***"
    assert SECRET not in repr(rows)
    assert SECRET not in str(settings)
    assert SECRET not in repr(settings)


def test_describe_lists_every_setting_with_readable_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PILOT_DURATION", "1h30m")
    rows = describe(load_settings())
    names = [name for name, _ in rows]
    assert names == [f"PILOT_{field.upper()}" for field in Settings.model_fields]
    values = dict(rows)
    assert values["PILOT_DURATION"] == "1h 30m"
    assert values["PILOT_INTERVAL"] == "1m"
    assert values["PILOT_TABLE"] == "matches"
    assert values["PILOT_JOB_ENV"] == "(none)"
    assert values["PILOT_APP_CONTAINER"] == "(unset)"


def test_password_variable_overrides_the_url_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgresql://u:from-url@db/x")
    monkeypatch.setenv("PILOT_DATABASE_PASSWORD", "from-variable")
    assert load_settings().database.password.get_secret_value() == "from-variable"


def test_url_password_is_percent_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgresql://u%40corp:p%40ss%2Fw@db/my%20db")
    database = load_settings().database
    assert database.user == "u@corp"
    assert database.dbname == "my db"
    assert database.password.get_secret_value() == "p@ss/w"


def test_dotenv_in_working_directory_is_read(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "# shared with the rest of the stack\n"
        "POSTGRES_PASSWORD=not-ours\n"
        "PILOT_DURATION=15m\n"
        "PILOT_TABLE=public.matches\n"
        'PILOT_JOB_ENV="LOG_LEVEL=DEBUG BATCH=5"\n',
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.duration == 900.0
    assert str(settings.table_name) == "public.matches"
    assert settings.job_env == {"LOG_LEVEL": "DEBUG", "BATCH": "5"}


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    (clean_env / ".env").write_text("PILOT_DURATION=15m\n", encoding="utf-8")
    monkeypatch.setenv("PILOT_DURATION", "20m")
    assert load_settings().duration == 1200.0


def test_bad_value_in_dotenv_is_reported(clean_env: Path) -> None:
    (clean_env / ".env").write_text("PILOT_INTERVAL=often\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [line.split(":")[0] for line in caught.value.lines] == ["PILOT_INTERVAL"]


def test_dotenv_can_be_disabled(clean_env: Path) -> None:
    (clean_env / ".env").write_text("PILOT_DURATION=15m\n", encoding="utf-8")
    assert load_settings(env_file=None).duration == 3600.0


def test_secret_file_overrides_the_url_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    # pydantic-settings names a secret file env_prefix + field name; `echo` adds a newline.
    (secrets / "pilot_database_password").write_text(f"{SECRET}\n", encoding="utf-8")
    monkeypatch.setenv("PILOT_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgresql://postgres:from-url@db:5432/x")
    settings = load_settings()
    assert settings.database.password.get_secret_value() == SECRET
    assert settings.database.user == "postgres"
    assert SECRET not in repr(describe(settings))


def test_secret_file_without_prefix_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "database_password").write_text(SECRET, encoding="utf-8")
    monkeypatch.setenv("PILOT_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgresql://postgres:from-url@db:5432/x")
    assert load_settings().database.password.get_secret_value() == "from-url"


def test_job_env_parses_quoted_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_JOB_ENV", "A=1 'B=two words' C=")
    settings = load_settings()
    assert settings.job_env == {"A": "1", "B": "two words", "C": ""}
    assert dict(describe(settings))["PILOT_JOB_ENV"] == "A=*** B=*** C=***"


def test_job_env_values_are_not_described(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_JOB_ENV", f"API_TOKEN={SECRET}")
    rows = describe(load_settings())
    assert SECRET not in repr(rows)


def test_secrets_dir_named_in_dotenv_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env: Path
) -> None:
    secrets = tmp_path / "secrets-from-dotenv"
    secrets.mkdir()
    (secrets / "pilot_database_password").write_text(SECRET, encoding="utf-8")
    monkeypatch.delenv("PILOT_SECRETS_DIR")
    (clean_env / ".env").write_text(f"PILOT_SECRETS_DIR={secrets}\n", encoding="utf-8")
    assert load_settings().database.password.get_secret_value() == SECRET


def test_empty_password_variable_keeps_the_url_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_DATABASE_URL", "postgresql://u:from-url@db/x")
    monkeypatch.setenv("PILOT_DATABASE_PASSWORD", "")
    assert load_settings().database.password.get_secret_value() == "from-url"


ROOT = Path(__file__).resolve().parents[2]


def test_an_empty_value_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_COMMAND", "")
    monkeypatch.setenv("PILOT_DURATION", "")
    settings = load_settings()
    assert settings.command == "python scripts/backfill_full_history.py"
    assert settings.duration == 3600.0


def test_the_example_env_file_keeps_every_default_and_lets_a_secret_file_win(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path, tmp_path: Path
) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "pilot_database_password").write_text(SECRET, encoding="utf-8")
    (clean_env / ".env").write_text(
        example.replace("PILOT_SECRETS_DIR=/run/secrets", f"PILOT_SECRETS_DIR={secrets}"),
        encoding="utf-8",
    )
    monkeypatch.delenv("PILOT_SECRETS_DIR")
    from_example = load_settings()
    assert from_example.database.password.get_secret_value() == SECRET
    (clean_env / ".env").unlink()
    defaults = dict(describe(load_settings()))
    differing = [name for name, value in describe(from_example) if defaults[name] != value]
    assert differing == ["PILOT_DATABASE_PASSWORD"]  # from the secret file; all else default


def test_a_misspelt_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    error = config_error(monkeypatch, PILOT_DURATON="15m")
    assert error.lines == ["PILOT_DURATON: unknown setting (misspelt? see .env.example)"]


def test_a_misspelt_variable_in_dotenv_is_refused(clean_env: Path) -> None:
    (clean_env / ".env").write_text("PILOT_INTERVALL=5m\nOTHER_APP_SETTING=1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert [line.split(":")[0] for line in caught.value.lines] == ["PILOT_INTERVALL"]


def test_an_unknown_count_strategy_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = config_error(monkeypatch, PILOT_COUNT_STRATEGY="fast")
    assert error.lines == [
        "PILOT_COUNT_STRATEGY: Input should be 'auto', 'keyset', 'full' or 'estimate'"
    ]


@pytest.mark.parametrize("name", ["PILOT_WEBHOOK_URL", "PILOT_SLACK_WEBHOOK_URL", "PILOT_PING_URL"])
def test_an_output_url_must_be_http_and_is_never_echoed(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    error = config_error(monkeypatch, **{name: f"hooks.example/T0/{SECRET}"})
    assert error.lines == [f"{name}: must be an http:// or https:// URL (the value is not shown)"]


def test_output_urls_are_secrets_in_the_description(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_WEBHOOK_URL", f"https://hooks.example/{SECRET}")
    monkeypatch.setenv("PILOT_PING_URL", f"https://ping.example/{OTHER_SECRET}")
    shown = dict(describe(load_settings()))
    assert shown["PILOT_WEBHOOK_URL"] == shown["PILOT_PING_URL"] == "***"
    assert shown["PILOT_SLACK_WEBHOOK_URL"] == shown["PILOT_METRICS_PORT"] == "(unset)"
    assert shown["PILOT_STALL_AFTER"] == "10m" and shown["PILOT_NOTIFY_TIMEOUT"] == "5s"


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("0", "PILOT_METRICS_PORT: must be a TCP port (1-65535), got 0"),
        ("70000", "PILOT_METRICS_PORT: must be a TCP port (1-65535), got 70000"),
        (
            "http",
            "PILOT_METRICS_PORT: Input should be a valid integer, unable to parse string as"
            " an integer",
        ),
    ],
)
def test_a_metrics_port_must_be_a_port(
    monkeypatch: pytest.MonkeyPatch, value: str, line: str
) -> None:
    assert config_error(monkeypatch, PILOT_METRICS_PORT=value).lines == [line]


def test_the_decisions_limits_are_unset_by_default() -> None:
    settings = load_settings()
    assert (settings.target_rows, settings.min_rate, settings.max_hours) == (None, None, None)
    shown = dict(describe(settings))
    assert shown["PILOT_TARGET_ROWS"] == shown["PILOT_MIN_RATE"] == "(unset)"
    assert shown["PILOT_MAX_HOURS"] == "(unset)"


def test_the_decisions_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_TARGET_ROWS", "250000")
    monkeypatch.setenv("PILOT_MIN_RATE", "50")
    monkeypatch.setenv("PILOT_MAX_HOURS", "7.5")
    settings = load_settings()
    assert (settings.target_rows, settings.min_rate, settings.max_hours) == (250_000, 50.0, 7.5)
    shown = dict(describe(settings))
    assert (shown["PILOT_TARGET_ROWS"], shown["PILOT_MIN_RATE"], shown["PILOT_MAX_HOURS"]) == (
        "250000",
        "50",
        "7.5",
    )


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("PILOT_TARGET_ROWS", "0", "PILOT_TARGET_ROWS: must be positive, got 0"),
        (
            "PILOT_TARGET_ROWS",
            "many",
            "PILOT_TARGET_ROWS: Input should be a valid integer, unable to parse string as an"
            " integer",
        ),
        ("PILOT_MIN_RATE", "-5", "PILOT_MIN_RATE: must be positive, got -5"),
        (
            "PILOT_MIN_RATE",
            "fast",
            "PILOT_MIN_RATE: Input should be a valid number, unable to parse string as a number",
        ),
        ("PILOT_MAX_HOURS", "0", "PILOT_MAX_HOURS: must be positive, got 0"),
    ],
)
def test_the_decisions_limits_must_be_positive(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, line: str
) -> None:
    env = {name: value}
    if name == "PILOT_MAX_HOURS":
        env["PILOT_TARGET_ROWS"] = "1000"
    assert config_error(monkeypatch, **env).lines == [line]


def test_a_maximum_of_hours_needs_a_target(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_error(monkeypatch, PILOT_MAX_HOURS="12").lines == [
        "PILOT_MAX_HOURS: needs PILOT_TARGET_ROWS (the ETA it limits is the time for the rows left)"
    ]


def test_the_report_language_is_english_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().report_language == "en"
    assert dict(describe(load_settings()))["PILOT_REPORT_LANGUAGE"] == "en"
    monkeypatch.setenv("PILOT_REPORT_LANGUAGE", " ZH ")
    assert load_settings().report_language == "zh"


@pytest.mark.parametrize("value", ["fr", "zh-CN", "chinese", "1"])
def test_an_unknown_report_language_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    error = config_error(monkeypatch, PILOT_REPORT_LANGUAGE=value)
    assert error.lines == ["PILOT_REPORT_LANGUAGE: Input should be 'en' or 'zh'"]


def test_the_report_language_alone_is_read_despite_other_mistakes(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    # Rebuilding a report reads it alone: a bad PILOT_DURATION must not stand in the way.
    (clean_env / ".env").write_text("PILOT_REPORT_LANGUAGE=Zh\nPILOT_DURATION=soon\n")
    assert load_report_language() == "zh"
    assert load_report_language(env_file=None) == "en"
    monkeypatch.setenv("PILOT_REPORT_LANGUAGE", "en")
    assert load_report_language() == "en"  # the environment wins over .env
    monkeypatch.setenv("PILOT_REPORT_LANGUAGE", "klingon")
    with pytest.raises(ConfigError) as caught:
        load_report_language()
    assert caught.value.lines == ["PILOT_REPORT_LANGUAGE: Input should be 'en' or 'zh'"]
