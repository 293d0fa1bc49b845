"""Replay and snapshots: the state is a fold of the log, and JSON snapshots round-trip."""

from __future__ import annotations

import json
from pathlib import Path

from tests.online.scenario import busy_morning
from tests.online.world import START_S, TRAVEL, make, reopen

from dispatch.online import Dispatcher, DispatchOptions, DispatchState, ManualClock, apply
from dispatch.store import MemoryEventStore, SQLiteEventStore


def test_state_json_round_trip_after_a_busy_morning() -> None:
    """to_json -> JSON text -> from_json gives an equal state, and the same JSON again."""
    clock = ManualClock(START_S)
    d = make(clock=clock)
    busy_morning(d, clock)
    data = json.loads(json.dumps(d.state.to_json()))
    back = DispatchState.from_json(data)
    assert back == d.state
    assert back.to_json() == d.state.to_json()
    assert back.active == d.state.active


def test_replay_from_scratch_equals_the_live_state() -> None:
    """Folding every stored event into an empty state gives the live state."""
    clock = ManualClock(START_S)
    d = make(clock=clock)
    busy_morning(d, clock)
    state = DispatchState()
    for event in d.store.events():
        apply(state, event)
    assert state == d.state
    assert reopen(d).state == d.state


def test_snapshots_every_n_events_and_reopen_from_them() -> None:
    """With snapshot_every the store gets snapshots; reopening from one equals the live state."""
    clock = ManualClock(START_S)
    options = DispatchOptions(snapshot_every=5, reoptimise_every_s=None)
    d = make(clock=clock, options=options)
    busy_morning(d, clock)
    snap = d.store.latest_snapshot()
    assert snap is not None and 0 < snap.seq <= d.store.last_seq()
    assert d.store.last_seq() - snap.seq < 5 + 10  # at most one command's events past it
    assert DispatchState.from_json(snap.state).seq == snap.seq
    assert reopen(d).state == d.state


def test_reopen_uses_the_snapshot_not_the_early_events() -> None:
    """Events before the snapshot are not read again: a reopened dispatcher starts from it."""
    clock = ManualClock(START_S)
    d = make(clock=clock)
    busy_morning(d, clock)
    snap = d.snapshot()
    seen: list[int] = []
    store = d.store
    original = store.events

    def spying(after_seq: int = 0):  # type: ignore[no-untyped-def]
        seen.append(after_seq)
        return original(after_seq)

    store.events = spying  # type: ignore[method-assign]
    again = reopen(d)
    assert seen == [snap.seq] and again.state == d.state


def test_sqlite_store_reopens_to_the_same_state(tmp_path: Path) -> None:
    """On SQLite, closing and reopening the file gives the same state, snapshots or not."""
    path = tmp_path / "dispatch.db"
    clock = ManualClock(START_S)
    options = DispatchOptions(snapshot_every=7, reoptimise_every_s=None)
    d = make(store=SQLiteEventStore(path), clock=clock, options=options)
    busy_morning(d, clock)
    expected = d.state.to_json()
    d.store.close()
    store = SQLiteEventStore(path)
    again = Dispatcher.open(store, travel=TRAVEL, menus=d.menus, clock=clock, options=options)
    assert again.state.to_json() == expected
    store.close()


def test_a_memory_log_copied_event_by_event_replays_the_same() -> None:
    """Events carry everything: copying them to a fresh store replays to the same state."""
    clock = ManualClock(START_S)
    d = make(clock=clock)
    busy_morning(d, clock)
    copy = MemoryEventStore()
    for event in d.store.events():
        from dispatch.store import NewEvent

        copy.append(
            f"copy-{event.seq}",
            [NewEvent(event.kind, event.payload)],
            recorded_s=event.recorded_s,
        )
    assert make(store=copy, clock=clock).state == d.state


def test_a_corrupt_log_is_reported_not_folded() -> None:
    """An event that does not fit the state stops the replay with a StoreError naming it."""
    import pytest

    from dispatch.store import NewEvent, Snapshot, StoreError

    store = MemoryEventStore()
    store.append("bad", [NewEvent("task.delivered", {"task": "t1", "courier": "c1"})], recorded_s=0)
    with pytest.raises(StoreError, match=r"event 1 \(task.delivered\) does not apply"):
        make(store=store)
    broken = MemoryEventStore()
    broken.save_snapshot(Snapshot(0, {"version": 99}))
    with pytest.raises(StoreError, match="snapshot at event 0 cannot be read"):
        make(store=broken)
