"""The ledger shares the dispatcher's log: the dispatcher's fold skips it, and nothing is lost."""

from __future__ import annotations

import attrs
import pytest
from tests.points.town import RULES, at, config, rate_summer, summer

from dispatch.online import Actor, DispatchState, apply
from dispatch.points import (
    LEDGER_KINDS,
    annual_awards,
    award_pending,
    read_history,
    record_award,
    reverse_entry,
)
from dispatch.store import ConcurrencyError, EventStore, StoredEvent, StoreError

LATER = at(100, 0)


def book_everything(store: EventStore) -> None:
    """Ratings, awards, a correction and rewards: every kind the points package writes."""
    admin = Actor.admin("root")
    rate_summer(store)
    award_pending(store, RULES, recorded_s=LATER)
    reverse_entry(store, "award:t4", reason="late", actor=admin, recorded_s=LATER, rules=RULES)
    for award in annual_awards(read_history(store), config(), 2026):
        record_award(store, award, actor=admin, recorded_s=LATER)


def test_the_dispatcher_reopens_on_a_store_with_ledger_events() -> None:
    """Reopened after the ledger wrote, the state is the same but for seq (at the log's end)."""
    town = summer()
    before = town.d.state
    book_everything(town.store)
    kinds = {e.kind for e in town.store.events()}
    assert set(LEDGER_KINDS) <= kinds
    after = town.open().state
    assert after.seq == town.store.last_seq() > before.seq
    assert attrs.evolve(after, seq=before.seq) == before


def test_snapshots_taken_after_ledger_events_reopen_equal() -> None:
    """A snapshot at the log's end (past ledger events) reopens to the same state."""
    town = summer()
    book_everything(town.store)
    state = town.open().state
    town.d.snapshot()
    assert town.open().state == state


def test_work_continues_after_the_ledger_and_is_awarded() -> None:
    """A reopened dispatcher takes new orders; the next award run books the new delivery only."""
    town = summer()
    book_everything(town.store)
    town.open()
    task = town.errand("xinhua", "r2", "medicine", "c3", at(101, 9), at(101, 9, 30))
    summary = award_pending(town.store, RULES, recorded_s=at(101, 12))
    assert [(e.id, e.courier_id, e.points) for e in summary.entries] == [
        (f"award:{task}", "c3", 20)
    ]
    assert read_history(town.store).tasks[task].courier_kind == "volunteer"


def test_a_live_dispatcher_never_writes_on_a_stale_state() -> None:
    """After a ledger write, a dispatcher that did not reopen either refuses (nothing written)
    or catches up first: its state always equals a fresh replay of the log."""
    town = summer()
    book_everything(town.store)
    seq = town.store.last_seq()
    town.at(at(101, 9))
    live = town.d
    try:
        live.go_offline(Actor.courier("c4"))
    except ConcurrencyError:  # today: refused, nothing written; reopening carries on
        assert town.store.last_seq() == seq
        live = town.open()
        live.go_offline(Actor.courier("c4"))
    assert not live.state.couriers["c4"].online
    assert town.open().state == live.state


def test_apply_skips_ledger_kinds_and_still_refuses_unknown_ones() -> None:
    """points.* and feedback.* advance seq only; any other unknown kind is a corrupt log."""
    state = DispatchState()
    apply(state, StoredEvent(1, "points.awarded", {"anything": 1}, "x", 99))
    apply(state, StoredEvent(2, "feedback.rated", {}, "y", 99))
    assert (state.seq, state.now_s) == (2, 0)
    with pytest.raises(StoreError, match=r"unknown event kind 'pointsx\.awarded'"):
        apply(state, StoredEvent(3, "pointsx.awarded", {}, "z", 99))
    with pytest.raises(StoreError, match="has a gap"):
        apply(state, StoredEvent(5, "points.awarded", {}, "z", 99))
