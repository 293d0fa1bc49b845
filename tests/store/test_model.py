"""Both stores agree with a simple model of the log under any sequence of operations.

A :class:`RuleBasedStateMachine` appends commands (drawn from a few ids, so
retries are frequent; with a right, wrong or no ``expected_last_seq``), saves
snapshots (some past the log's end) and reopens the SQLite file, and after
every step checks that the memory store, the SQLite store and the model hold
the same log, commands and latest snapshot.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tests.strategies import examples

from dispatch.errors import InvalidInputError
from dispatch.store import (
    AppendResult,
    ConcurrencyError,
    EventStore,
    MemoryEventStore,
    NewEvent,
    Snapshot,
    SQLiteEventStore,
    StoredEvent,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
payloads = st.dictionaries(st.text(max_size=6), json_values, max_size=3)
new_events = st.builds(NewEvent, st.sampled_from(["a", "b.c", "任务.提交"]), payloads)
COMMAND_IDS = [*(f"c{i}" for i in range(6)), "点单", "c\x00"]
command_ids = st.sampled_from(COMMAND_IDS)


@attrs.define
class Model:
    """The log as a list, commands as a dict, snapshots as a dict by seq."""

    log: list[StoredEvent] = attrs.Factory(list)
    commands: dict[str, AppendResult] = attrs.Factory(dict)
    snapshots: dict[int, dict[str, Any]] = attrs.Factory(dict)


class StoreMachine(RuleBasedStateMachine):
    """Drive a MemoryEventStore and a SQLiteEventStore side by side with a model."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="store-model-"))
        self.path = self.dir / "events.sqlite"
        self.stores: dict[str, EventStore] = {
            "memory": MemoryEventStore(),
            "sqlite": SQLiteEventStore(self.path),
        }
        self.model = Model()

    def teardown(self) -> None:
        for store in self.stores.values():
            store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(
        command_id=command_ids,
        events=st.lists(new_events, max_size=3),
        recorded_s=st.integers(0, 10**9),
        expectation=st.sampled_from(["none", "right", "wrong"]),
        offset=st.integers(1, 3),
        command=st.none() | payloads,
    )
    def append(
        self,
        command_id: str,
        events: list[NewEvent],
        recorded_s: int,
        expectation: str,
        offset: int,
        command: dict[str, Any] | None,
    ) -> None:
        """Append to both stores; the model says whether it is new, a retry or a conflict."""
        last = len(self.model.log)
        expected = {"none": None, "right": last, "wrong": last + offset}[expectation]
        if expectation == "wrong" and offset <= last and last % 2:
            expected = last - offset  # a writer that is behind, not ahead
        old = self.model.commands.get(command_id)
        if old is not None:
            want: AppendResult | None = attrs.evolve(old, duplicate=True)
        elif expected is not None and expected != last:
            want = None  # conflict
        else:
            want = AppendResult(command_id, last + 1, last + len(events), False)
            self.model.log.extend(
                StoredEvent(last + 1 + i, e.kind, dict(e.payload), command_id, recorded_s)
                for i, e in enumerate(events)
            )
            self.model.commands[command_id] = want
        for store in self.stores.values():
            try:
                got = store.append(
                    command_id,
                    events,
                    recorded_s=recorded_s,
                    command=command,
                    expected_last_seq=expected,
                )
            except ConcurrencyError as exc:
                assert want is None
                assert (exc.expected, exc.actual) == (expected, last)
            else:
                assert got == want

    @rule(fraction=st.floats(0, 1.2), state=payloads)
    def save_snapshot(self, fraction: float, state: dict[str, Any]) -> None:
        """Save a snapshot somewhere in (or just past) the log in both stores."""
        last = len(self.model.log)
        seq = int(fraction * (last + 1))
        for store in self.stores.values():
            try:
                store.save_snapshot(Snapshot(seq, state))
            except InvalidInputError:
                assert seq > last
            else:
                assert seq <= last
        if seq <= last:
            self.model.snapshots[seq] = state

    @rule()
    def reopen(self) -> None:
        """Close the SQLite store and open the file again."""
        self.stores["sqlite"].close()
        self.stores["sqlite"] = SQLiteEventStore(self.path)

    @precondition(lambda self: self.model.log)
    @rule(data=st.data())
    def read_after(self, data: st.DataObject) -> None:
        """events(after_seq) is the model's log from that point, in every store."""
        after = data.draw(st.integers(0, len(self.model.log) + 1))
        for store in self.stores.values():
            assert list(store.events(after)) == self.model.log[after:]

    @invariant()
    def same_log(self) -> None:
        """Every store holds exactly the model's log."""
        for store in self.stores.values():
            assert store.last_seq() == len(self.model.log)
            assert list(store.events()) == self.model.log

    @invariant()
    def same_commands(self) -> None:
        """Every store knows exactly the model's commands, with their original results."""
        for store in self.stores.values():
            for command_id in COMMAND_IDS:
                assert store.command(command_id) == self.model.commands.get(command_id)

    @invariant()
    def same_snapshot(self) -> None:
        """Every store's latest snapshot is the model's highest one."""
        want = None
        if self.model.snapshots:
            seq = max(self.model.snapshots)
            want = Snapshot(seq, self.model.snapshots[seq])
        for store in self.stores.values():
            assert store.latest_snapshot() == want


StoreMachine.TestCase.settings = settings(
    max_examples=examples(40), stateful_step_count=25, deadline=None
)
TestStoreModel = StoreMachine.TestCase
TestStoreModel.__doc__ = "Both stores agree with the model under random operations."
