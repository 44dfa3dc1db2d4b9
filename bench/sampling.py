"""What one sample of `matches` costs, per way of counting, at one table size.

All the ways are measured in the same rounds, one after another in an order shuffled
each round (so no way always follows the parallel scan of a full count), so that a noisy
neighbour on a shared 2-core machine slows them alike and the
ratios stay stable even when the absolute numbers do not. Before each round a trickle of
new rows is inserted (as the backfill would), so the keyset count has rows to find past its
watermark, and within a round every exact way must agree on the count: a fast wrong
answer would be worthless.
"""

import contextlib
import math
import random
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg2

from bench.postgres import TRICKLE_SQL, Cluster, database_name
from monitor.adapters.counter import TableCounter
from monitor.core.counting import Strategy
from monitor.core.database import parse_database_url
from monitor.core.table import TableName

COUNTER_STRATEGIES: tuple[Strategy, ...] = ("keyset", "full", "estimate", "auto")
TRICKLE_ROWS = 10
# A way whose warm-up sample takes longer than this is sampled every other round only.
SLOW_SAMPLE_S = 0.25
COUNT_BUDGET_S = 120.0


@dataclass
class Way:
    """One way of taking a sample: a name, the call that counts, and whether it is exact."""

    name: str
    take: Callable[[], int]
    close: Callable[[], None]
    exact: bool = True
    note: str = ""


@dataclass
class Cell:
    """The latencies of one way at one table size, and how far its counts were off."""

    way: str
    note: str
    exact: bool
    seconds: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile: with 20 samples, the second slowest."""
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _counter_way(cluster: Cluster, dbname: str, strategy: Strategy) -> Way:
    """The monitor's own adapter, with its baseline taken, as a pilot uses it; its note is
    the strategy the baseline resolved to (what "auto" chose)."""
    target = parse_database_url(cluster.url(dbname), None)
    table = TableName(schema=None, name="matches")
    counter = TableCounter(target, table, 10.0, COUNT_BUDGET_S, strategy=strategy)
    baseline = counter.take_baseline()
    cancel = threading.Event()
    return Way(
        name=strategy,
        take=lambda: counter.count(COUNT_BUDGET_S, cancel),
        close=counter.close,
        exact=strategy != "estimate",
        note=baseline.strategy,
    )


def _fresh_connection_way(cluster: Cluster, dbname: str) -> Way:
    """A naive monitor: a new connection and a full count(*) per sample."""

    def take() -> int:
        with contextlib.closing(psycopg2.connect(cluster.url(dbname))) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM matches")
                row = cursor.fetchone()
        return int(row[0]) if row else -1

    return Way(name="naive", take=take, close=lambda: None)


def _psql_way(cluster: Cluster, dbname: str) -> Way:
    """The original script: a psql process per sample (it ran it through docker exec)."""
    argv = cluster.psql_argv(dbname, "select count(*) from matches")

    def take() -> int:
        result = subprocess.run(
            argv, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        return int(result.stdout.strip())

    return Way(name="psql", take=take, close=lambda: None)


def _ways(cluster: Cluster, dbname: str) -> list[Way]:
    ways = [_counter_way(cluster, dbname, strategy) for strategy in COUNTER_STRATEGIES]
    return [*ways, _fresh_connection_way(cluster, dbname), _psql_way(cluster, dbname)]


def _trickle(writer: "psycopg2.extensions.connection") -> None:
    with writer.cursor() as cursor:
        cursor.execute(TRICKLE_SQL, {"rows": TRICKLE_ROWS})


def _timed(way: Way) -> tuple[float, int]:
    started = time.perf_counter()
    value = way.take()
    return time.perf_counter() - started, value


def _round(ways: list[Way], due: set[str], order: random.Random) -> dict[str, tuple[float, int]]:
    """One sample of each due way, in an order of its own."""
    shuffled = [way for way in ways if way.name in due]
    order.shuffle(shuffled)
    return {way.name: _timed(way) for way in shuffled}


def _check_exact(results: dict[str, tuple[float, int]], ways: list[Way]) -> int | None:
    """The one count every exact way gave this round; a disagreement stops the benchmark."""
    exact = {way.name: results[way.name][1] for way in ways if way.exact and way.name in results}
    if len(set(exact.values())) > 1:
        raise AssertionError(f"exact ways disagree on the count: {exact}")
    return next(iter(exact.values()), None)


def measure_size(
    cluster: Cluster, label: str, rounds: int, log: Callable[[str], None]
) -> dict[str, Cell]:
    """``rounds`` samples of every way at one table size (slow ways: every other round)."""
    dbname = database_name(label)
    ways = _ways(cluster, dbname)
    cells = {way.name: Cell(way.name, way.note, way.exact) for way in ways}
    writer = cluster.connect(dbname)
    order = random.Random(6)  # the same orders every run
    try:
        warm = _round(ways, {way.name for way in ways}, order)  # page cache, plans; not kept
        slow = {name for name, (seconds, _) in warm.items() if seconds > SLOW_SAMPLE_S}
        timings = ", ".join(f"{name} {s * 1000:.1f} ms" for name, (s, _) in warm.items())
        log(f"{label}: warm-up sample: {timings}")
        for turn in range(rounds):
            _trickle(writer)
            due = {way.name for way in ways if way.name not in slow or turn % 2 == 0}
            results = _round(ways, due, order)
            truth = _check_exact(results, ways)
            for name, (seconds, value) in results.items():
                cells[name].seconds.append(seconds)
                if truth is not None:
                    cells[name].errors.append(value - truth)
    finally:
        writer.close()
        for way in ways:
            way.close()
    return cells
