"""Fixtures of the dispatcher tests that need a store of each durable kind.

``crash_target`` is where the crash test's dispatcher writes: a SQLite file,
or a PostgreSQL schema (see :mod:`tests.stores`; dropped afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.stores import CRASH_KINDS, CrashTarget, crash_target


@pytest.fixture(name="crash_target", params=CRASH_KINDS)
def crash_target_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrashTarget]:
    """Where the crash test writes: a SQLite file, or a PostgreSQL schema."""
    with crash_target(request.param, tmp_path) as target:
        yield target
