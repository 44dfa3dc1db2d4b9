"""The end-to-end suite's stack: images built once, one demo stack for the session.

As everywhere in this suite, nothing skips: without a Docker Engine and Compose v2 the
fixtures fail, and `make test` provisions both first.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import (
    DEMO_FILE,
    MONITOR_UID,
    PILOT_FILE,
    DemoStack,
    PilotProject,
    compose,
    image_choice,
)


@pytest.fixture(scope="session")
def images() -> dict[str, str]:
    """The base images, and the monitor's and demo app's images built on them, once."""
    choice = image_choice()
    compose(PILOT_FILE, "pilot-e2e-build", choice, "build", timeout=900)
    compose(DEMO_FILE, "pilot-e2e-build", choice, "build", timeout=900)
    return choice


@pytest.fixture(scope="session")
def demo_stack(images: dict[str, str]) -> Iterator[DemoStack]:
    stack = DemoStack(f"pilot-e2e-{uuid.uuid4().hex[:8]}", images)
    try:
        stack.compose("up", "--detach", "--wait", "--no-build")
        yield stack
    finally:
        stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "5", check=False)


@pytest.fixture
def stack(demo_stack: DemoStack) -> DemoStack:
    """The demo stack with an empty `matches` table and no backfill running."""
    assert demo_stack.backfills() == []
    demo_stack.sql("TRUNCATE matches RESTART IDENTITY")
    return demo_stack


@pytest.fixture
def pilot(stack: DemoStack, tmp_path: Path) -> Iterator[PilotProject]:
    """A pilot project of the test's own, whose logs folder belongs to the monitor's user."""
    logs = tmp_path / "logs"
    logs.mkdir()
    os.chown(logs, MONITOR_UID, MONITOR_UID)
    project = PilotProject(f"{stack.project}-monitor", stack, logs, tmp_path / "pilot.env")
    yield project
    project.compose("down", "--remove-orphans", "--timeout", "30", check=False)
