"""The Prometheus endpoint of a real pilot: scraped over HTTP while it runs, gone when it ends."""

import socket
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from monitor.core.records import PilotStarted, Sample
from tests.integration.harness import (
    App,
    Database,
    follow,
    free_port,
    monitor_env,
    run_monitor,
    start_monitor,
    wait_for,
)
from tests.reading import journal

Scrape = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Scrape | None:
    """Every sample of the endpoint by (name, labels); None while nothing listens."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            text = response.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def get(found: Scrape, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def test_a_running_pilot_is_scraped_over_http(database: Database, app: App, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    port = free_port()
    env = monitor_env(database, app, logs, duration="10s", interval="2s", metrics_port=str(port))
    monitor = start_monitor(env, tmp_path, "run")
    lines, reader = follow(monitor)
    try:
        scrapes: list[Scrape] = []

        def sampled_past(count: float) -> bool:
            found = scrape(port)
            if found is None or found.get(("pilot_samples_total", ())) is None:
                return False
            if found[("pilot_samples_total", ())] <= count:
                return False
            scrapes.append(found)
            return True

        assert wait_for(lambda: sampled_past(0), timeout=30, step=0.2), "".join(lines)
        first = scrapes[-1]
        assert wait_for(
            lambda: sampled_past(get(first, "pilot_samples_total")), timeout=10, step=0.2
        ), "".join(lines)
        second = scrapes[-1]
        monitor.wait(timeout=60)
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.wait()
    reader.join(timeout=10)
    output = "".join(lines)
    print(output)
    assert monitor.returncode == 0, output

    records = journal(logs)
    start = records[0]
    assert isinstance(start, PilotStarted)
    totals = {record.index: record.total for record in records if isinstance(record, Sample)}
    for found in (first, second):
        labels = {"run_id": start.run_id, "table": "matches", "container": start.container}
        assert get(found, "pilot_info", **labels) == 1.0
        assert get(found, "pilot_state", pilot_state="running") == 1.0
        for other in ("starting", "stopping", "ended"):
            assert get(found, "pilot_state", pilot_state=other) == 0.0
        assert get(found, "pilot_job_running") == 1.0
        assert get(found, "pilot_engine_reachable") == 1.0
        assert get(found, "pilot_stalled") == 0.0
        assert get(found, "pilot_budget_seconds") == 10.0
        assert get(found, "pilot_interval_seconds") == 2.0
        assert get(found, "pilot_samples_missing_total") == 0.0
        # What was scraped is what the journal holds for the same sample.
        taken = int(get(found, "pilot_samples_total"))
        assert get(found, "pilot_rows") == totals[taken]
        assert get(found, "pilot_rows_added") == totals[taken] - start.baseline_rows
        assert get(found, "pilot_rate_rows_per_minute") > 0
        assert ("pilot_outcome", (("pilot_outcome", "passed"),)) not in found
        assert ("pilot_exit_code", ()) not in found
    assert get(second, "pilot_samples_total") > get(first, "pilot_samples_total")
    assert get(second, "pilot_rows") > get(first, "pilot_rows")
    assert get(second, "pilot_elapsed_seconds") > get(first, "pilot_elapsed_seconds")
    assert get(second, "pilot_last_sample_timestamp_seconds") > get(
        first, "pilot_last_sample_timestamp_seconds"
    )
    # The endpoint goes with the process.
    assert scrape(port) is None


def test_a_metrics_port_already_taken_refuses_the_pilot_in_one_line(
    database: Database, app: App, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = monitor_env(database, app, logs, metrics_port=str(port))
        result = run_monitor(env, tmp_path, "run", timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"PILOT_METRICS_PORT: cannot listen on {port}: Address already in use"
    ]
    assert app.job_processes() == []
    assert not list(logs.glob("pilot_journal_*.jsonl"))
