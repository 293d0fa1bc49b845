"""The EventStore contract, checked on every implementation (see ``conftest.store``)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

from dispatch.errors import InvalidInputError
from dispatch.store import (
    AppendResult,
    ConcurrencyError,
    EventStore,
    NewEvent,
    Snapshot,
    StoredEvent,
    StoreError,
)


def ev(kind: str, **payload: Any) -> NewEvent:
    """A NewEvent with keyword arguments as its payload."""
    return NewEvent(kind, payload)


def kinds(store: EventStore, after_seq: int = 0) -> list[str]:
    """The kinds of the stored events after ``after_seq``."""
    return [e.kind for e in store.events(after_seq)]


def test_stores_satisfy_the_protocol(store: EventStore) -> None:
    """Each store is an EventStore at runtime."""
    assert isinstance(store, EventStore)


def test_empty_store(store: EventStore) -> None:
    """A new store has no events, no commands and no snapshot."""
    assert store.last_seq() == 0
    assert list(store.events()) == []
    assert store.command("c1") is None
    assert store.latest_snapshot() is None


def test_append_numbers_events_from_one_without_gaps(store: EventStore) -> None:
    """Appends get consecutive seqs from 1; each result spans its own events."""
    first = store.append("c1", [ev("a"), ev("b")], recorded_s=10)
    second = store.append("c2", [ev("c")], recorded_s=20)
    assert first == AppendResult("c1", 1, 2, duplicate=False)
    assert second == AppendResult("c2", 3, 3, duplicate=False)
    assert [e.seq for e in store.events()] == [1, 2, 3]
    assert store.last_seq() == 3


def test_events_round_trip_every_field(store: EventStore) -> None:
    """A stored event keeps kind, payload, command id and recorded_s."""
    payload: dict[str, Any] = {
        "task": "t1",
        "n": 3,
        "x": 1.5,
        "ok": True,
        "none": None,
        "list": [1, "a", {}],
    }
    store.append("c1", [NewEvent("task.submitted", payload)], recorded_s=3600)
    assert list(store.events()) == [StoredEvent(1, "task.submitted", payload, "c1", 3600)]


def test_unicode_text_round_trips(store: EventStore) -> None:
    """Non-ASCII ids, kinds, keys and values (Chinese text, NUL) come back unchanged."""
    payload = {"地址": "幸福路 12 号", "note": "隐患随手拍", "nul": "a\x00b"}
    store.append("点单-1", [NewEvent("派单", payload)], recorded_s=1)
    (event,) = store.events()
    assert (event.kind, event.payload, event.command_id) == ("派单", payload, "点单-1")
    assert store.command("点单-1") == AppendResult("点单-1", 1, 1, False)


def test_events_after_seq(store: EventStore) -> None:
    """events(after_seq) yields exactly the events with a larger seq."""
    store.append("c1", [ev("a"), ev("b")], recorded_s=0)
    store.append("c2", [ev("c")], recorded_s=0)
    assert kinds(store, 0) == ["a", "b", "c"]
    assert kinds(store, 1) == ["b", "c"]
    assert kinds(store, 3) == []
    assert kinds(store, 99) == []


@pytest.mark.parametrize("after_seq", [-1, 1.0, True, "1"])
def test_events_rejects_bad_after_seq(store: EventStore, after_seq: Any) -> None:
    """A negative or non-integer after_seq is an InvalidInputError."""
    with pytest.raises(InvalidInputError, match="after_seq"):
        store.events(after_seq)


def test_events_over_many_pages(store: EventStore) -> None:
    """A log longer than one read page is replayed whole and in order."""
    store.append("big", [ev("e", i=i) for i in range(1300)], recorded_s=0)
    store.append("tail", [ev("t")], recorded_s=1)
    assert [e.payload.get("i") for e in store.events(700)] == [*range(700, 1300), None]
    assert store.last_seq() == 1301


def test_events_iterates_over_the_log_as_it_was(store: EventStore) -> None:
    """Events appended while iterating are not yielded by that iteration."""
    store.append("c1", [ev("a"), ev("b")], recorded_s=0)
    seen = []
    for event in store.events():
        seen.append(event.kind)
        store.append(f"during-{event.seq}", [ev("late")], recorded_s=0)
    assert seen == ["a", "b"]
    assert kinds(store) == ["a", "b", "late", "late"]


def test_duplicate_command_returns_original_and_writes_nothing(store: EventStore) -> None:
    """A repeated command id returns the first result with duplicate=True, even with new events."""
    store.append("c1", [ev("a")], recorded_s=5)
    store.append("c2", [ev("b"), ev("c")], recorded_s=6)
    again = store.append("c2", [ev("other")], recorded_s=99, command={"retry": 1})
    assert again == AppendResult("c2", 2, 3, duplicate=True)
    assert kinds(store) == ["a", "b", "c"]
    assert [e.recorded_s for e in store.events()] == [5, 6, 6]


def test_duplicate_wins_over_a_stale_expected_last_seq(store: EventStore) -> None:
    """A retried command with an outdated expected_last_seq is a duplicate, not a conflict."""
    store.append("c1", [ev("a")], recorded_s=0, expected_last_seq=0)
    store.append("c2", [ev("b")], recorded_s=0)
    assert store.append("c1", [ev("a")], recorded_s=0, expected_last_seq=0).duplicate


def test_command_returns_the_original_result(store: EventStore) -> None:
    """command(id) is the original AppendResult (duplicate=False), None when unknown."""
    store.append("c1", [ev("a"), ev("b")], recorded_s=0)
    store.append("c1", [ev("a")], recorded_s=0)
    assert store.command("c1") == AppendResult("c1", 1, 2, duplicate=False)
    assert store.command("c2") is None
    assert store.command("\ud800") is None


def test_command_without_events_is_recorded(store: EventStore) -> None:
    """A command with no events is remembered (first_seq > last_seq) and stays idempotent."""
    store.append("c1", [ev("a")], recorded_s=0)
    empty = store.append("noop", [], recorded_s=1, command={"op": "noop"})
    assert empty == AppendResult("noop", 2, 1, duplicate=False)
    assert store.append("noop", [ev("x")], recorded_s=2) == AppendResult("noop", 2, 1, True)
    assert store.command("noop") == AppendResult("noop", 2, 1, False)
    assert store.last_seq() == 1
    assert store.append("c2", [ev("b")], recorded_s=3) == AppendResult("c2", 2, 2, False)


def test_expected_last_seq_that_holds_appends(store: EventStore) -> None:
    """An append whose expected_last_seq matches the log's end succeeds."""
    assert store.append("c1", [ev("a")], recorded_s=0, expected_last_seq=0).last_seq == 1
    assert store.append("c2", [], recorded_s=0, expected_last_seq=1).first_seq == 2
    assert store.append("c3", [ev("b")], recorded_s=0, expected_last_seq=1).last_seq == 2


@pytest.mark.parametrize("expected", [0, 1, 5])
def test_expected_last_seq_that_fails_raises_and_writes_nothing(
    store: EventStore, expected: int
) -> None:
    """A wrong expected_last_seq raises ConcurrencyError (a StoreError) and stores nothing."""
    store.append("c1", [ev("a"), ev("b")], recorded_s=0)
    with pytest.raises(ConcurrencyError) as info:
        store.append("c2", [ev("c")], recorded_s=0, expected_last_seq=expected)
    assert (info.value.expected, info.value.actual) == (expected, 2)
    assert isinstance(info.value, StoreError)
    assert store.command("c2") is None
    assert store.last_seq() == 2
    assert store.append("c2", [ev("c")], recorded_s=0, expected_last_seq=2).last_seq == 3


class Opaque:
    """An object JSON cannot encode (its repr is stable: test ids must match across workers)."""

    def __repr__(self) -> str:
        return "Opaque()"


NOT_JSON: Any = Opaque()  # typed Any so that the bad calls below type-check


@pytest.mark.parametrize(
    "payload",
    [
        {"x": {1, 2}},
        {"x": Opaque()},
        {"x": b"bytes"},
        {"x": math.nan},
        {"x": [1, math.inf]},
        {"nested": {"deep": [{"at": -math.inf}]}},
        {1: "int key"},
        {"x": {None: 1}},
        {"x": "lone \ud800 surrogate"},
    ],
    ids=repr,
)
def test_non_json_payload_is_rejected_naming_the_kind(store: EventStore, payload: Any) -> None:
    """A payload JSON cannot hold raises InvalidInputError naming the kind; nothing is stored."""
    store.append("c1", [ev("a")], recorded_s=0)
    events = [ev("fine", n=1), NewEvent("task.bad", payload)]
    with pytest.raises(InvalidInputError, match=r"events\[1\]\.payload.*'task\.bad'"):
        store.append("c2", events, recorded_s=0)
    assert store.command("c2") is None
    assert kinds(store) == ["a"]


def test_cyclic_payload_is_rejected(store: EventStore) -> None:
    """A payload that contains itself is an InvalidInputError, not a crash."""
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(InvalidInputError, match="cyclic"):
        store.append("c1", [NewEvent("loop", cyclic)], recorded_s=0)
    assert store.last_seq() == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.append("", [], recorded_s=0), "command_id"),
        (lambda s: s.append(7, [], recorded_s=0), "command_id"),
        (lambda s: s.append("\udcff", [], recorded_s=0), "command_id"),
        (lambda s: s.append("c", "ab", recorded_s=0), "events"),
        (lambda s: s.append("c", [("a", {})], recorded_s=0), r"events\[0\]"),
        (lambda s: s.append("c", [NewEvent("\ud800")], recorded_s=0), r"events\[0\]\.kind"),
        (lambda s: s.append("c", [NewEvent("a", NOT_JSON)], recorded_s=0), r"events\[0\]\.payload"),
        (lambda s: s.append("c", [], recorded_s=-1), "recorded_s"),
        (lambda s: s.append("c", [], recorded_s=1.5), "recorded_s"),
        (lambda s: s.append("c", [], recorded_s=True), "recorded_s"),
        (lambda s: s.append("c", [], recorded_s=0, command={"x": {1}}), "command"),
        (lambda s: s.append("c", [], recorded_s=0, command=[1]), "command"),
        (lambda s: s.append("c", [], recorded_s=0, expected_last_seq=-1), "expected_last_seq"),
        (lambda s: s.append("c", [], recorded_s=0, expected_last_seq="0"), "expected_last_seq"),
    ],
)
def test_bad_append_arguments_are_rejected(
    store: EventStore, call: Callable[[Any], object], field: str
) -> None:
    """Each bad append argument raises InvalidInputError naming it, and stores nothing."""
    with pytest.raises(InvalidInputError, match=field):
        call(store)
    assert store.last_seq() == 0
    assert store.command("c") is None


def test_stored_payloads_are_copies(store: EventStore) -> None:
    """Mutating the appended payload or a read event never changes the stored log."""
    payload: dict[str, Any] = {"items": [1, 2], "meta": {"a": 1}}
    store.append("c1", [NewEvent("a", payload)], recorded_s=0)
    payload["items"].append(3)
    payload["meta"]["a"] = 2
    (read,) = store.events()
    read_payload: Any = read.payload  # a plain dict, typed as a read-only Mapping
    read_payload["items"].append(4)
    read_payload["meta"]["b"] = 5
    (again,) = store.events()
    assert again.payload == {"items": [1, 2], "meta": {"a": 1}}


def test_tuples_come_back_as_lists(store: EventStore) -> None:
    """Sequences are stored as JSON arrays, so a tuple is read back as a list."""
    store.append("c1", [NewEvent("a", {"pair": (1, (2, 3))})], recorded_s=0)
    assert next(store.events()).payload == {"pair": [1, [2, 3]]}


def test_snapshots(store: EventStore) -> None:
    """latest_snapshot is the one with the highest seq; saving at a seq again replaces it."""
    store.append("c1", [ev("a"), ev("b"), ev("c")], recorded_s=0)
    store.save_snapshot(Snapshot(0, {}))
    store.save_snapshot(Snapshot(2, {"count": 2}))
    store.save_snapshot(Snapshot(1, {"count": 1}))
    assert store.latest_snapshot() == Snapshot(2, {"count": 2})
    store.save_snapshot(Snapshot(2, {"count": 2, "fixed": True}))
    assert store.latest_snapshot() == Snapshot(2, {"count": 2, "fixed": True})
    store.save_snapshot(Snapshot(3, {"count": 3}))
    assert store.latest_snapshot() == Snapshot(3, {"count": 3})


def test_snapshot_of_an_empty_log(store: EventStore) -> None:
    """A snapshot at seq 0 is allowed before any event."""
    store.save_snapshot(Snapshot(0, {"empty": True}))
    assert store.latest_snapshot() == Snapshot(0, {"empty": True})


@pytest.mark.parametrize(
    ("snapshot", "field"),
    [
        (Snapshot(2, {}), "snapshot.seq"),
        (Snapshot(-1, {}), "snapshot.seq"),
        (Snapshot(1, {"x": math.nan}), "snapshot.state"),
        (Snapshot(1, {"x": NOT_JSON}), "snapshot.state"),
        (Snapshot(1, NOT_JSON), "snapshot.state"),
        ("not a snapshot", "snapshot"),
    ],
)
def test_bad_snapshots_are_rejected(store: EventStore, snapshot: Any, field: str) -> None:
    """A snapshot past the log's end, or with a non-JSON state, is refused and not stored."""
    store.append("c1", [ev("a")], recorded_s=0)
    with pytest.raises(InvalidInputError, match=field):
        store.save_snapshot(snapshot)
    assert store.latest_snapshot() is None


def test_snapshot_state_is_copied(store: EventStore) -> None:
    """Mutating a saved or a read snapshot state never changes the stored one."""
    state: dict[str, Any] = {"tasks": ["t1"]}
    store.save_snapshot(Snapshot(0, state))
    state["tasks"].append("t2")
    read = store.latest_snapshot()
    assert read is not None
    read_state: Any = read.state
    read_state["tasks"].append("t3")
    assert store.latest_snapshot() == Snapshot(0, {"tasks": ["t1"]})


CALLS: list[Callable[[EventStore], object]] = [
    lambda s: s.append("c2", [], recorded_s=0),
    lambda s: s.append("", [], recorded_s=-1),  # closed wins over bad input
    lambda s: s.events(),
    lambda s: s.last_seq(),
    lambda s: s.command("c1"),
    lambda s: s.save_snapshot(Snapshot(0, {})),
    lambda s: s.latest_snapshot(),
]


@pytest.mark.parametrize("call", CALLS)
def test_closed_store_raises(store: EventStore, call: Callable[[EventStore], object]) -> None:
    """After close() every call raises StoreError; close() itself may be repeated."""
    store.append("c1", [ev("a")], recorded_s=0)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        call(store)
    store.close()


def test_closing_during_iteration_stops_it(store: EventStore) -> None:
    """An events() iterator raises StoreError once its store is closed."""
    store.append("c1", [ev("a"), ev("b")], recorded_s=0)
    events = store.events()
    next(events)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        list(events)


def test_context_manager_closes(store: EventStore) -> None:
    """Leaving a ``with`` block closes the store."""
    with store as same:  # type: ignore[attr-defined]
        assert same is store
        store.append("c1", [], recorded_s=0)
    with pytest.raises(StoreError):
        store.last_seq()


def test_threads_share_one_store(store: EventStore) -> None:
    """Concurrent appends from several threads give a gapless log with every command once."""

    def writer(name: str) -> None:
        for i in range(25):
            store.append(f"{name}-{i}", [ev("e", w=name, i=i), ev("f")], recorded_s=i)
            store.append(f"{name}-{i}", [ev("dup")], recorded_s=i)  # a retry

    threads = [threading.Thread(target=writer, args=(f"w{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = list(store.events())
    assert [e.seq for e in events] == list(range(1, 201))
    for k in range(4):
        for i in range(25):
            result = store.command(f"w{k}-{i}")
            assert result is not None
            first = events[result.first_seq - 1]
            assert (first.kind, first.payload) == ("e", {"w": f"w{k}", "i": i})
            assert events[result.last_seq - 1].kind == "f"
