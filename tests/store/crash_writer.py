"""The writer process of the crash test: appends a deterministic stream of commands.

Run as ``python crash_writer.py DB FIRST [COUNT]``. It opens the SQLite store
``DB`` (or, when ``DB`` is ``postgres``, the PostgreSQL store that
``DISPATCH_POSTGRES_URL`` and ``DISPATCH_POSTGRES_SCHEMA`` name), rebuilds its
state from the latest snapshot plus the events after it and prints
``ready <last_seq>``. When ``FIRST > 1`` it re-sends command ``FIRST - 1`` (the
last one the parent saw acknowledged), which must come back as a duplicate,
and prints ``resent <id>``. Then it appends commands
``FIRST, FIRST + 1, ...`` (at most ``COUNT``), printing
``ack <id> <first_seq> <last_seq> <duplicate 0/1>`` and flushing right after
each append returns, and saves a snapshot of the folded state every
:data:`SNAPSHOT_EVERY` commands. The parent kills it with SIGKILL at random.

Command ``n`` has id ``c000001``-style :func:`command_id`, 1-3 events from
:func:`command_events` (payloads derived from ``n`` only, some several KB so a
transaction spans several pages) and ``recorded_s = n``. The test imports this
module for the same generator and fold.

Examples
--------
>>> command_id(7), [e.kind for e in command_events(7)] == [e.kind for e in command_events(7)]
('c000007', True)
>>> 1 <= len(command_events(7)) <= 3
True
"""

from __future__ import annotations

import contextlib
import importlib.util
import random
import sys
import types
from collections.abc import Iterable
from typing import Any

if __name__ == "__main__" and "dispatch" not in sys.modules:
    # Start fast: the store needs only dispatch.errors and dispatch.store, so load them
    # without running dispatch/__init__.py (which imports numpy, networkx, ...).
    _spec = importlib.util.find_spec("dispatch")
    if _spec is not None and _spec.submodule_search_locations is not None:
        _package = types.ModuleType("dispatch")
        _package.__path__ = list(_spec.submodule_search_locations)
        sys.modules["dispatch"] = _package

from dispatch.store import (  # after the fast-start shim above
    EventStore,
    NewEvent,
    Snapshot,
    SQLiteEventStore,
    StoredEvent,
)

SNAPSHOT_EVERY = 10
"""The writer saves a snapshot after every command whose number is a multiple of this."""


def command_id(n: int) -> str:
    """The id of command ``n`` (1-based)."""
    return f"c{n:06d}"


def command_events(n: int) -> list[NewEvent]:
    """The 1-3 events of command ``n``, derived from ``n`` alone."""
    rng = random.Random(n)
    count = rng.randint(1, 3)
    return [
        NewEvent(
            f"crash.step{index}",
            {
                "command": command_id(n),
                "index": index,
                "value": rng.randrange(1_000_000),
                "text": "批" * rng.choice([0, 10, 100, 2000]),
            },
        )
        for index in range(count)
    ]


def command_body(n: int) -> dict[str, Any]:
    """The command JSON stored with command ``n``."""
    return {"n": n, "op": "crash.step"}


def initial_state() -> dict[str, Any]:
    """The folded state of an empty log."""
    return {"seq": 0, "events": 0, "commands": 0, "value_sum": 0, "last_command": None}


def fold(state: dict[str, Any], events: Iterable[StoredEvent]) -> dict[str, Any]:
    """The state after applying ``events`` to ``state`` (a new dict)."""
    new = dict(state)
    for event in events:
        new["seq"] = event.seq
        new["events"] += 1
        new["commands"] += event.payload["index"] == 0
        new["value_sum"] += event.payload["value"]
        new["last_command"] = event.command_id
    return new


def open_store(target: str) -> EventStore:
    """The store named on the command line: ``postgres`` (from the environment) or a file."""
    if target == "postgres":
        from dispatch.store._postgres import PostgresEventStore

        return PostgresEventStore()
    return SQLiteEventStore(target)


def main(argv: list[str]) -> int:
    """Append commands from ``argv[2]`` on to the store ``argv[1]`` until killed."""
    path, first = argv[1], int(argv[2])
    count = int(argv[3]) if len(argv) > 3 else 100_000
    with contextlib.closing(open_store(path)) as store:
        snapshot = store.latest_snapshot()
        state: dict[str, Any] = initial_state() if snapshot is None else dict(snapshot.state)
        state = fold(state, store.events(state["seq"]))
        print(f"ready {store.last_seq()}", flush=True)
        if first > 1:
            n = first - 1
            again = store.append(
                command_id(n), command_events(n), recorded_s=n, command=command_body(n)
            )
            if not again.duplicate:
                print(f"ERROR {again.command_id} was stored twice", flush=True)
                return 1
            print(f"resent {again.command_id}", flush=True)
        for n in range(first, first + count):
            result = store.append(
                command_id(n), command_events(n), recorded_s=n, command=command_body(n)
            )
            print(
                f"ack {result.command_id} {result.first_seq} {result.last_seq}"
                f" {int(result.duplicate)}",
                flush=True,
            )
            if not result.duplicate:
                state = fold(state, store.events(state["seq"]))
            if n % SNAPSHOT_EVERY == 0:
                store.save_snapshot(Snapshot(state["seq"], state))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
