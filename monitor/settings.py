"""Configuration from PILOT_* variables, a .env file and a secrets directory.

Every problem becomes one line naming the variable, and no secret is ever echoed back.
"""

import os
import shlex
from pathlib import Path
from typing import Annotated, Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from monitor.core.counting import Strategy
from monitor.core.database import DatabaseTarget, parse_database_url
from monitor.core.duration import format_duration, parse_duration
from monitor.core.language import Language
from monitor.core.table import TableName, parse_table_name

ENV_PREFIX = "PILOT_"
DEFAULT_DATABASE_URL = "postgresql://postgres:postgres-dev-password@db:5432/football_prediction"
DEFAULT_SECRETS_DIR = "/run/secrets"


def _seconds(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


def _environment(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    pairs = {}
    for number, word in enumerate(shlex.split(value), start=1):
        key, sep, item = word.partition("=")
        if not sep or not key.isidentifier():
            # The word itself is not echoed: job variables often carry tokens.
            raise ValueError(f"word {number} is not KEY=VALUE (write e.g. LOG_LEVEL=INFO BATCH=50)")
        pairs[key] = item
    return pairs


def _names(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _any_case(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Seconds = Annotated[float, BeforeValidator(_seconds)]
ReportLanguage = Annotated[Language, BeforeValidator(_any_case)]
Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_names)]
MAX_TABLES = 10
Environment = Annotated[dict[str, str], NoDecode, BeforeValidator(_environment)]


class ConfigError(Exception):
    """Settings that must not start a pilot; each line names one variable."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        extra="ignore",
        env_ignore_empty=True,
        hide_input_in_errors=True,
        validate_default=True,
    )

    duration: Seconds = 3600.0
    interval: Seconds = 60.0
    command: str = "python scripts/backfill_full_history.py"
    compose_project: str | None = None
    app_service: str = "app"
    app_container: str | None = None
    workdir: str | None = None
    user: str | None = None
    job_env: Environment = Field(default_factory=dict)
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    database_password: SecretStr | None = None
    table: str = "matches"
    # More tables to watch beside PILOT_TABLE (which rates, ETA and decision are about).
    tables: Names = ()
    count_strategy: Strategy = "auto"
    stop_grace: Seconds = 10.0
    statement_timeout: Seconds = 30.0
    connect_timeout: Seconds = 10.0
    logs_dir: Path = Path("logs")
    heartbeat_file: Path | None = None
    # Outputs beside the report, each off unless set; the URLs may carry tokens: secrets.
    webhook_url: SecretStr | None = None
    slack_webhook_url: SecretStr | None = None
    ping_url: SecretStr | None = None
    notify_timeout: Seconds = 5.0
    stall_after: Seconds = 600.0
    stall_fails: bool = False
    # The application_name of the job's database sessions; unset: every other client
    # session of the database (the monitors' aside).
    job_application: str | None = None
    metrics_port: int | None = None
    # What the report's decision holds the pilot against, each unchecked unless set: the full
    # backfill's expected row count (for an ETA), rows a minute, hours for the rest.
    target_rows: int | None = None
    min_rate: float | None = None
    max_hours: float | None = None
    # The words of the report, its chart and its page (en, zh); the console stays English.
    report_language: ReportLanguage = "en"

    @field_validator(
        "duration",
        "interval",
        "stop_grace",
        "statement_timeout",
        "connect_timeout",
        "notify_timeout",
        "stall_after",
    )
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"must be positive, got {format_duration(value)}")
        return value

    @field_validator("target_rows", "min_rate", "max_hours")
    @classmethod
    def _positive_if_set(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(f"must be positive, got {value:g}")
        return value

    @field_validator("command")
    @classmethod
    def _command(cls, value: str) -> str:
        try:
            argv = shlex.split(value)
        except ValueError as error:
            raise ValueError(f"cannot split into arguments ({error})") from None
        if not argv:
            raise ValueError("is empty")
        if not argv[0]:
            # `''` or `"" --flag`: shlex keeps a word of nothing, which no container can run.
            raise ValueError("names no program: its first word is empty")
        return value

    @field_validator("table")
    @classmethod
    def _table(cls, value: str) -> str:
        parse_table_name(value)
        return value

    @field_validator("tables")
    @classmethod
    def _tables(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            parse_table_name(name)
        if len(value) > MAX_TABLES:
            raise ValueError(f"at most {MAX_TABLES} tables, got {len(value)}")
        return value

    @field_validator("compose_project", "app_container", "workdir", "user", "job_application")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("webhook_url", "slack_webhook_url", "ping_url")
    @classmethod
    def _http_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
            # The value itself is not shown: such URLs carry their tokens in the path.
            raise ValueError("must be an http:// or https:// URL (the value is not shown)")
        return value

    @field_validator("metrics_port")
    @classmethod
    def _port(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 65535:
            raise ValueError(f"must be a TCP port (1-65535), got {value}")
        return value

    @field_validator("database_password", mode="before")
    @classmethod
    def _blank_password_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value:
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr) -> SecretStr:
        parse_database_url(value.get_secret_value(), None)
        return value

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)

    @property
    def table_name(self) -> TableName:
        return parse_table_name(self.table)

    @property
    def other_tables(self) -> tuple[TableName, ...]:
        """PILOT_TABLES without PILOT_TABLE and repeats, in their order."""
        primary, found = self.table_name, []
        for name in self.tables:
            table = parse_table_name(name)
            if table != primary and table not in found:
                found.append(table)
        return tuple(found)

    @property
    def database(self) -> DatabaseTarget:
        return parse_database_url(self.database_url.get_secret_value(), self.database_password)

    @property
    def planned_samples(self) -> int:
        return max(1, int(self.duration // self.interval))


def load_settings(env_file: str | None = ".env") -> Settings:
    """Settings from the environment, or ConfigError naming each bad variable."""
    problems = _env_file_problems(env_file)
    if problems:
        raise ConfigError(problems)
    secrets_dir = _secrets_dir(env_file)
    try:
        settings = Settings(
            _env_file=env_file,  # type: ignore[call-arg]
            _secrets_dir=secrets_dir if Path(secrets_dir).is_dir() else None,
        )
    except ValidationError as error:
        raise ConfigError([_error_line(item) for item in error.errors()]) from None
    except SettingsError as error:
        raise ConfigError([f"{ENV_PREFIX}SETTINGS: {error}"]) from None
    problems = []
    if settings.interval > settings.duration:
        problems.append(
            f"{ENV_PREFIX}INTERVAL: {format_duration(settings.interval)} is longer than "
            f"{ENV_PREFIX}DURATION ({format_duration(settings.duration)})"
        )
    if settings.max_hours is not None and settings.target_rows is None:
        problems.append(
            f"{ENV_PREFIX}MAX_HOURS: needs {ENV_PREFIX}TARGET_ROWS (the ETA it limits is the"
            " time for the rows left)"
        )
    if settings.app_container is None and not settings.app_service.strip():
        problems.append(f"{ENV_PREFIX}APP_SERVICE: is empty and {ENV_PREFIX}APP_CONTAINER is unset")
    if problems:
        raise ConfigError(problems)
    return settings


class _ReportSettings(BaseSettings):
    model_config = Settings.model_config

    report_language: ReportLanguage = "en"


def load_report_language(env_file: str | None = ".env") -> Language:
    """PILOT_REPORT_LANGUAGE alone (the environment, then .env), for a report rebuilt from a
    journal: no other setting's mistake stands in its way."""
    try:
        return _ReportSettings(_env_file=env_file).report_language  # type: ignore[call-arg]
    except ValidationError as error:
        raise ConfigError([_error_line(item) for item in error.errors()]) from None


def _env_file_problems(env_file: str | None) -> list[str]:
    """Unparsable lines and unknown PILOT_* names: a typo must not leave a default in force.

    Only line numbers and well-formed names are ever shown: a malformed line may hold a secret.
    """
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    known.add(f"{ENV_PREFIX}SECRETS_DIR")
    names = set(os.environ)
    problems = []
    if env_file and Path(env_file).is_file():
        with open(env_file, encoding="utf-8") as stream:
            for binding in parse_stream(stream):
                if binding.error:
                    line = binding.original.line
                    problems.append(
                        f"{env_file} line {line}: not NAME=value (the line is not shown)"
                    )
                elif binding.key:
                    names.add(binding.key)
    for name in sorted(names):
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in known:
            shown = name if name.isidentifier() else "a PILOT_* name with unexpected characters"
            problems.append(f"{shown}: unknown setting (misspelt? see .env.example)")
    return problems


def _secrets_dir(env_file: str | None) -> str:
    """PILOT_SECRETS_DIR must be known before the settings are read: environment, then .env."""
    name = f"{ENV_PREFIX}SECRETS_DIR"
    if name in os.environ:
        return os.environ[name]
    if env_file and Path(env_file).is_file():
        return dotenv_values(env_file).get(name) or DEFAULT_SECRETS_DIR
    return DEFAULT_SECRETS_DIR


def _error_line(item: Any) -> str:
    field = str(item["loc"][0]) if item["loc"] else "settings"
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{ENV_PREFIX}{field.upper()}: {message}"


def describe(settings: Settings) -> list[tuple[str, str]]:
    """Every setting as (variable, value) for the report and `check`, secrets redacted."""
    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "database_url":
            shown = settings.database.redacted()
        elif isinstance(value, SecretStr):
            shown = "***"
        elif name == "job_env":
            shown = " ".join(f"{key}=***" for key in value) or "(none)"
        elif name == "tables":
            shown = ",".join(value) or "(none)"
        elif name in (
            "duration",
            "interval",
            "stop_grace",
            "statement_timeout",
            "connect_timeout",
            "notify_timeout",
            "stall_after",
        ):
            shown = format_duration(value)
        elif value is None:
            shown = "(unset)"
        elif isinstance(value, float):
            shown = f"{value:g}"  # PILOT_MIN_RATE=50 reads back as 50, not 50.0
        else:
            shown = str(value)
        rows.append((f"{ENV_PREFIX}{name.upper()}", shown))
    return rows
