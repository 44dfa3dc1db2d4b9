"""Demo stand-in for FootballPrediction's `scripts/backfill_full_history.py`.

The real backfill spends minutes fetching match lists from FotMob (writing nothing), then for
each match SELECTs the row by `fotmob_id` and UPDATEs it if found, else INSERTs it, one commit
per match. This script does the same to the `matches` table with made-up matches, at a pace and
with the troubles a pilot run must cope with (HTTP 429 cool-downs, a crash, a database that
drops, a stop signal), so Pilot Monitor can be demoed and tested without FotMob or hours of
waiting. Like the real one it takes no arguments: the database comes from DATABASE_URL, the
behaviour from DEMO_* variables (an empty value means the default):

    DEMO_WARMUP=15             seconds spent "fetching match lists" before the first write
    DEMO_RATE=120              matches per minute
    DEMO_JITTER=0.3            random spread of the pause between matches (0..1, a fraction)
    DEMO_REPEAT=0.2            share of matches already processed in this run (0..1): UPDATEs
    DEMO_RATE_LIMIT_EVERY=300  a simulated HTTP 429 before every Nth match (0: never)
    DEMO_RATE_LIMIT_PAUSE=10   seconds of cool-down after a 429
    DEMO_MATCHES=0             exit 0 after this many matches (0: no limit)
    DEMO_FAIL_AFTER=0          crash with a traceback, exit 1, after this many matches (0: never)
    DEMO_SEED=                 seed for reproducible matches and pauses (unset: random, logged)
    DEMO_LOG_EVERY=10          a progress line every N matches
    DEMO_DB_RETRIES=3          retries of a match while the database is unreachable
    DEMO_DB_BACKOFF=1          seconds before the first retry, doubled for each next one

Exit status: 0 done, 1 failed, 2 bad setting, 128 + signal when stopped (143 SIGTERM, 130
SIGINT). A stop lets the match in hand commit, or rolls it back, never leaving half of it.
"""

import contextlib
import logging
import math
import os
import random
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from types import FrameType
from typing import Any, Generic, NamedTuple, TypeVar

import psycopg2
import psycopg2.extensions
from psycopg2.extras import Json

DEFAULT_DATABASE_URL = "postgresql://postgres:postgres-dev-password@db:5432/football_prediction"
# Shown in pg_stat_activity, where a monitor can tell this job's session from others.
APPLICATION_NAME = "backfill_full_history"
CONNECT_TIMEOUT_S = 3

log = logging.getLogger("backfill")
T = TypeVar("T")


# --- settings ------------------------------------------------------------------------------


class SettingsError(ValueError):
    """A setting the demo cannot run with; the message names the variable."""


def _finite(raw: str) -> float:
    """float() without nan and infinity, which would make every pause meaningless."""
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


@dataclass(frozen=True)
class Rule(Generic[T]):
    """How a DEMO_* value is read and what it must be; `expected` ends up in the error."""

    convert: Callable[[str], T]
    valid: Callable[[T], bool]
    expected: str


SECONDS = Rule(_finite, lambda v: v >= 0, "a number of seconds >= 0")
POSITIVE_SECONDS = Rule(_finite, lambda v: v > 0, "a number of seconds > 0")
PER_MINUTE = Rule(_finite, lambda v: v > 0, "a number of matches per minute > 0")
FRACTION = Rule(_finite, lambda v: 0 <= v <= 1, "a fraction between 0 and 1")
COUNT = Rule(int, lambda v: v >= 0, "a whole number >= 0")
EVERY_N = Rule(int, lambda v: v >= 0, "a whole number of matches >= 0 (0: never)")
LIMIT = Rule(int, lambda v: v >= 0, "a whole number of matches >= 0 (0: no limit)")
POSITIVE_COUNT = Rule(int, lambda v: v > 0, "a whole number of matches > 0")
SEED: Rule[int | None] = Rule(int, lambda v: True, "a whole number")


def _setting(env: Mapping[str, str], name: str, default: T, rule: Rule[T]) -> T:
    """One variable, converted and checked, so a typo fails at once and not an hour in."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = rule.convert(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {rule.expected}, got {raw!r}") from None
    if not rule.valid(value):
        raise SettingsError(f"{name} must be {rule.expected}, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the run depends on, read once from the environment."""

    database_url: str = DEFAULT_DATABASE_URL
    warmup_s: float = 15.0
    rate_per_min: float = 120.0
    jitter: float = 0.3
    repeat: float = 0.2
    rate_limit_every: int = 300
    rate_limit_pause_s: float = 10.0
    matches: int = 0
    fail_after: int = 0
    seed: int | None = None
    log_every: int = 10
    db_retries: int = 3
    db_backoff_s: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """The settings, or a SettingsError naming the first bad variable."""
        d = cls()
        url = env.get("DATABASE_URL", "").strip() or d.database_url
        try:
            psycopg2.extensions.parse_dsn(url)
        except psycopg2.ProgrammingError:
            # Never echo the value: it holds the password.
            raise SettingsError("DATABASE_URL is not a valid PostgreSQL URL") from None
        return cls(
            database_url=url,
            warmup_s=_setting(env, "DEMO_WARMUP", d.warmup_s, SECONDS),
            rate_per_min=_setting(env, "DEMO_RATE", d.rate_per_min, PER_MINUTE),
            jitter=_setting(env, "DEMO_JITTER", d.jitter, FRACTION),
            repeat=_setting(env, "DEMO_REPEAT", d.repeat, FRACTION),
            rate_limit_every=_setting(env, "DEMO_RATE_LIMIT_EVERY", d.rate_limit_every, EVERY_N),
            rate_limit_pause_s=_setting(
                env, "DEMO_RATE_LIMIT_PAUSE", d.rate_limit_pause_s, SECONDS
            ),
            matches=_setting(env, "DEMO_MATCHES", d.matches, LIMIT),
            fail_after=_setting(env, "DEMO_FAIL_AFTER", d.fail_after, EVERY_N),
            seed=_setting(env, "DEMO_SEED", d.seed, SEED),
            log_every=_setting(env, "DEMO_LOG_EVERY", d.log_every, POSITIVE_COUNT),
            db_retries=_setting(env, "DEMO_DB_RETRIES", d.db_retries, COUNT),
            db_backoff_s=_setting(env, "DEMO_DB_BACKOFF", d.db_backoff_s, POSITIVE_SECONDS),
        )


# --- stopping ------------------------------------------------------------------------------


class StopSignal:
    """SIGTERM and SIGINT, noted and acted on between matches.

    The handler only records the signal: raising from it could interrupt psycopg2 half-way
    through a match. Every wait is cut into short naps, so a stop is seen within a fraction
    of a second even during the warm-up, a 429 cool-down or a retry back-off.
    """

    NAP_S = 0.2

    def __init__(self) -> None:
        self.signum: int | None = None

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._note)

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def exit_status(self) -> int:
        """128 + the signal, as a shell reports a process killed by it."""
        return 128 + (self.signum or 0)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else "no signal"

    def sleep(self, seconds: float) -> bool:
        """Sleeps for `seconds` (without spinning); False as soon as a stop is requested."""
        deadline = time.monotonic() + seconds
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, self.NAP_S))
        return False


# --- made-up FotMob data -------------------------------------------------------------------


class League(NamedTuple):
    name: str
    matches_per_season: int
    teams: tuple[str, ...]


def _league(name: str, matches_per_season: int, teams: str) -> League:
    return League(name, matches_per_season, tuple(teams.split(", ")))


LEAGUES = (
    _league("Premier League", 380, "Arsenal, Aston Villa, Chelsea, Everton, Liverpool, "
            "Manchester City, Manchester United, Newcastle United, Tottenham Hotspur"),
    _league("LaLiga", 380, "Athletic Club, Atletico Madrid, Barcelona, Real Betis, Real Madrid, "
            "Real Sociedad, Sevilla, Valencia, Villarreal"),
    _league("Bundesliga", 306, "Bayer Leverkusen, Bayern Munich, Borussia Dortmund, "
            "Eintracht Frankfurt, RB Leipzig, VfB Stuttgart, Werder Bremen"),
    _league("Serie A", 380, "AC Milan, Atalanta, Fiorentina, Inter, Juventus, Lazio, Napoli, Roma"),
    _league("Ligue 1", 306, "Lens, Lille, Lyon, Marseille, Monaco, Nice, Paris Saint-Germain, "
            "Rennes"),
)  # fmt: skip
FIRST_SEASON, LAST_SEASON = 2019, 2024  # 2019/2020 .. 2024/2025
FORMATIONS = ("4-3-3", "4-2-3-1", "4-4-2", "3-5-2", "3-4-3", "5-3-2")
KICK_OFFS = ((12, 30), (15, 0), (17, 30), (20, 0))


@dataclass(frozen=True)
class Match:
    """One match as the backfill writes it; `stats` and `lineups` go to the JSON columns."""

    fotmob_id: str
    league: str
    home_team: str
    away_team: str
    match_time: datetime
    status: str = "finished"
    home_score: int | None = None
    away_score: int | None = None
    home_xg: float | None = None
    away_xg: float | None = None
    stats: dict[str, Any] | None = None
    lineups: dict[str, Any] | None = None


class MatchFeed:
    """Made-up matches with numeric fotmob_ids, some of them met again.

    The real backfill meets a match again in another list and then UPDATEs it, so `count(*)`
    stands still while the job works: a `repeat` share of the matches are ones already done.
    """

    def __init__(self, rng: random.Random, repeat: float) -> None:
        self._rng = rng
        self._repeat = repeat
        self._last_id = rng.randrange(3_800_000, 4_200_000)
        self._seen: dict[str, Match] = {}
        self._seen_ids: list[str] = []

    def next_match(self) -> Match:
        if self._seen_ids and self._rng.random() < self._repeat:
            fixture = self._seen[self._rng.choice(self._seen_ids)]
        else:
            fixture = self._new_fixture()
            self._seen[fixture.fotmob_id] = fixture
            self._seen_ids.append(fixture.fotmob_id)
        return self._with_result(fixture)

    def _new_fixture(self) -> Match:
        rng = self._rng
        self._last_id += rng.randint(1, 25)
        league = rng.choice(LEAGUES)
        home, away = rng.sample(league.teams, 2)
        season = rng.randint(FIRST_SEASON, LAST_SEASON)
        hour, minute = rng.choice(KICK_OFFS)
        day = datetime(season, 8, 1, hour, minute, tzinfo=UTC) + timedelta(rng.randrange(290))
        return Match(str(self._last_id), league.name, home, away, day)

    def _with_result(self, fixture: Match) -> Match:
        rng = self._rng
        if rng.random() < 0.02:
            return replace(fixture, status="postponed")
        home_xg, away_xg = round(rng.uniform(0.2, 3.0), 2), round(rng.uniform(0.1, 2.6), 2)
        possession = rng.randint(30, 70)
        return replace(
            fixture,
            status="finished",
            home_score=self._goals(home_xg),
            away_score=self._goals(away_xg),
            home_xg=home_xg,
            away_xg=away_xg,
            stats={
                "possession": [possession, 100 - possession],
                "shots": [rng.randint(4, 25), rng.randint(2, 20)],
                "corners": [rng.randint(0, 12), rng.randint(0, 10)],
            },
            lineups={
                "home_formation": rng.choice(FORMATIONS),
                "away_formation": rng.choice(FORMATIONS),
            },
        )

    def _goals(self, xg: float) -> int:
        """Goals that follow the xG: six chances, each scored with probability xG/6."""
        return sum(self._rng.random() < xg / 6 for _ in range(6))


# --- the database --------------------------------------------------------------------------


class Outcome(Enum):
    INSERTED = "inserted"
    UPDATED = "updated"


SELECT_MATCH = "SELECT id FROM matches WHERE fotmob_id = %s ORDER BY id LIMIT 1"
UPDATE_MATCH = """
    UPDATE matches
       SET status = %(status)s, home_score = %(home_score)s, away_score = %(away_score)s,
           home_xg = %(home_xg)s, away_xg = %(away_xg)s, stats = %(stats)s,
           lineups = %(lineups)s, collection_time = NOW(), updated_at = NOW()
     WHERE id = %(id)s
"""
# created_at is left out on purpose: the real table's default is Python-side only.
INSERT_MATCH = """
    INSERT INTO matches (fotmob_id, home_team, away_team, league, match_time, status,
                         home_score, away_score, home_xg, away_xg, stats, lineups,
                         data_source, collection_time)
    VALUES (%(fotmob_id)s, %(home_team)s, %(away_team)s, %(league)s, %(match_time)s,
            %(status)s, %(home_score)s, %(away_score)s, %(home_xg)s, %(away_xg)s,
            %(stats)s, %(lineups)s, 'fotmob', NOW())
"""
RETRYABLE = (psycopg2.OperationalError, psycopg2.InterfaceError)


class DatabaseUnavailableError(RuntimeError):
    """The database stayed unreachable through every retry of a match."""


@dataclass
class MatchStore:
    """The `matches` table: one transaction per match, reconnecting when the database drops.

    A match is all or nothing: its SELECT and its UPDATE or INSERT run in one transaction
    that commits, or rolls back when anything fails, so a retry starts from a clean slate.
    """

    url: str
    stop: StopSignal
    retries: int
    backoff_s: float
    _connection: psycopg2.extensions.connection | None = field(default=None, init=False)

    def save(self, match: Match) -> Outcome | None:
        """The outcome, or None when a stop came while waiting to retry (nothing written)."""
        attempt = 0
        while True:
            try:
                return self._save_once(match)
            except RETRYABLE as error:
                self.close()
                attempt += 1
                if attempt > self.retries:
                    raise DatabaseUnavailableError(
                        f"database unreachable after {attempt} attempts at match {match.fotmob_id}"
                    ) from error
                delay = self.backoff_s * 2 ** (attempt - 1)
                reason = str(error).strip().splitlines()[0] if str(error).strip() else "?"
                log.warning(
                    "Database unavailable (%s); retrying match %s in %gs (retry %d of %d)",
                    reason,
                    match.fotmob_id,
                    delay,
                    attempt,
                    self.retries,
                )
                if not self.stop.sleep(delay):
                    return None

    def _save_once(self, match: Match) -> Outcome:
        connection = self._connect()
        # `with connection` commits on success and rolls back on any exception.
        with connection, connection.cursor() as cursor:
            cursor.execute(SELECT_MATCH, (match.fotmob_id,))
            row = cursor.fetchone()
            if row is None:
                cursor.execute(INSERT_MATCH, _params(match))
                return Outcome.INSERTED
            cursor.execute(UPDATE_MATCH, {**_params(match), "id": row[0]})
            return Outcome.UPDATED

    def _connect(self) -> psycopg2.extensions.connection:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg2.connect(
                self.url, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME
            )
        return self._connection

    def close(self) -> None:
        """Closes the session; the server rolls back anything not committed."""
        if self._connection is not None:
            with contextlib.suppress(psycopg2.Error):
                self._connection.close()
            self._connection = None


def _params(match: Match) -> dict[str, Any]:
    """The match as query parameters, its dicts wrapped for the jsonb columns."""
    params = asdict(match)
    for column in ("stats", "lineups"):
        params[column] = Json(params[column]) if params[column] is not None else None
    return params


def describe_database(url: str) -> str:
    """host:port/dbname for the log, never the password."""
    parts = psycopg2.extensions.parse_dsn(url)
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


# --- the run -------------------------------------------------------------------------------


class InjectedFailureError(RuntimeError):
    """The crash DEMO_FAIL_AFTER asks for, for a pilot run that must report a failure."""


@dataclass
class Tally:
    inserted: int = 0
    updated: int = 0

    @property
    def processed(self) -> int:
        return self.inserted + self.updated

    def add(self, outcome: Outcome) -> None:
        if outcome is Outcome.INSERTED:
            self.inserted += 1
        else:
            self.updated += 1

    def __str__(self) -> str:
        return f"{self.processed} matches (inserted {self.inserted}, updated {self.updated})"


class Backfill:
    """The whole run: warm-up, then matches at the configured pace until an end."""

    def __init__(self, settings: Settings, stop: StopSignal) -> None:
        self.settings = settings
        self.stop = stop
        seed = settings.seed
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.rng = random.Random(self.seed)
        self.feed = MatchFeed(self.rng, settings.repeat)
        self.store = MatchStore(
            settings.database_url, stop, settings.db_retries, settings.db_backoff_s
        )
        self.tally = Tally()

    def run(self) -> int:
        s = self.settings
        limit = f"{s.matches} matches" if s.matches else "no match limit"
        log.info(
            "Starting full-history backfill: pid %d, database %s, %g matches/min, %s, seed %d",
            os.getpid(),
            describe_database(s.database_url),
            s.rate_per_min,
            limit,
            self.seed,
        )
        try:
            if not self.warm_up():
                return self.stopping()
            return self.process_matches()
        finally:
            self.store.close()

    def warm_up(self) -> bool:
        """Fetches the match lists: minutes of API calls in the real job, and no rows written."""
        step = self.settings.warmup_s / len(LEAGUES)
        seasons = LAST_SEASON - FIRST_SEASON + 1
        for league in LEAGUES:
            log.info("Fetching match lists: %s, %d seasons", league.name, seasons)
            if not self.stop.sleep(step):
                return False
        total = sum(league.matches_per_season * seasons for league in LEAGUES)
        log.info("Fetched match lists: %d matches in %d leagues", total, len(LEAGUES))
        return True

    def process_matches(self) -> int:
        """Matches one at a time, paced, until the limit, a failure or a stop."""
        s = self.settings
        while not (s.matches and self.tally.processed >= s.matches):
            started = time.monotonic()
            if self.stop.requested or not self.cool_down_if_rate_limited():
                return self.stopping()
            outcome = self.store.save(self.feed.next_match())
            if outcome is None:
                return self.stopping()
            self.tally.add(outcome)
            if self.tally.processed % s.log_every == 0:
                log.info("Processed %s", self.tally)
            if s.fail_after and self.tally.processed >= s.fail_after:
                raise InjectedFailureError(
                    f"simulated crash after {self.tally} (DEMO_FAIL_AFTER={s.fail_after})"
                )
            if not self.stop.sleep(self.pause_after(started)):
                return self.stopping()
        log.info("Backfill complete: processed %s", self.tally)
        return 0

    def cool_down_if_rate_limited(self) -> bool:
        """Every Nth match first meets an HTTP 429; False if a stop came during the pause."""
        s = self.settings
        done = self.tally.processed
        if not s.rate_limit_every or done == 0 or done % s.rate_limit_every:
            return True
        log.warning("HTTP 429 Too Many Requests, cooling down %gs", s.rate_limit_pause_s)
        return self.stop.sleep(s.rate_limit_pause_s)

    def pause_after(self, started: float) -> float:
        """What is left of this match's jittered time slot, so the rate holds on average."""
        s = self.settings
        slot = 60.0 / s.rate_per_min * self.rng.uniform(1 - s.jitter, 1 + s.jitter)
        return max(0.0, slot - (time.monotonic() - started))

    def stopping(self) -> int:
        log.info(
            "Received %s, stopping: processed %s; no match left half-written",
            self.stop.name,
            self.tally,
        )
        self.store.close()
        log.info("Database connection closed; exiting with status %d", self.stop.exit_status)
        return self.stop.exit_status


def main() -> int:
    stop = StopSignal()
    stop.install()
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        log.error("%s", error)
        return 2
    try:
        return Backfill(settings, stop).run()
    except Exception:
        log.exception("Backfill failed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
