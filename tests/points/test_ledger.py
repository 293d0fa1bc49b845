"""The points ledger: awards, idempotency, reversals and corrections; examples and a model.

The state machine books, re-books, reverses, corrects, rates, rewards,
replays every command and lets the dispatcher deliver more work in between,
on a copy of the summer history (tests/points/town.py). After every step:
each balance equals the sum of its entries and the points the model saw
booked; it equals the sum of the entries that stand (reversals restore it);
no task or rating has two standing awards; every reversal mirrors its entry;
and rankings and awards rebuilt from a replay of the log equal the live ones.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tests.points.town import RULES, Town, at, config, copy_store, rate_summer, summer
from tests.strategies import examples

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.online import Actor, InvalidTransitionError, PermissionDeniedError
from dispatch.points import (
    AlreadyRatedError,
    EntryKind,
    History,
    LedgerEntry,
    NotDeliveredError,
    Period,
    PointsRules,
    Source,
    annual_awards,
    award_pending,
    award_task,
    balances,
    quarter_award,
    ranking,
    rate_task,
    read_history,
    record_award,
    reverse_entry,
)
from dispatch.store import EventStore, NewEvent, SQLiteEventStore, StoreError

ADMIN = Actor.admin("root")
STAFF = Actor.staff("s1", "xinhua")
LATER = at(100, 0)
OTHER_RULES = PointsRules(default=7, on_time_bonus=2, rating_bonus={1: 1, 2: 2, 3: 3})


def awarded() -> Town:
    """The summer, rated and awarded."""
    town = summer()
    rate_summer(town.store)
    award_pending(town.store, RULES, recorded_s=LATER)
    return town


def test_award_pending_books_each_task_and_rating_once() -> None:
    """A second run books nothing; seven deliveries and three ratings make 108 points."""
    town = summer()
    rate_summer(town.store)
    first = award_pending(town.store, RULES, recorded_s=LATER)
    assert (first.tasks, first.ratings, first.points) == (7, 3, 108)
    seq = town.store.last_seq()
    assert award_pending(town.store, RULES, recorded_s=LATER + 1).entries == ()
    assert town.store.last_seq() == seq
    history = read_history(town.store)
    assert [(b.courier_id, b.balance) for b in balances(history)] == [
        ("c2", 51),
        ("c1", 43),
        ("c3", 14),
    ]


def test_award_task_twice_returns_the_first_booking() -> None:
    """award_task on an awarded task is a duplicate carrying the original entry."""
    town = awarded()
    booking = award_task(town.store, "t1", OTHER_RULES, recorded_s=LATER)
    assert booking.duplicate and [(e.id, e.points) for e in booking.entries] == [("award:t1", 15)]


def test_award_task_refuses_what_cannot_be_awarded() -> None:
    """Unknown task, task not delivered, rating bonus without a rating, a reward source."""
    town = summer()
    with pytest.raises(UnknownReferenceError, match="t99"):
        award_task(town.store, "t99", RULES, recorded_s=LATER)
    with pytest.raises(InvalidTransitionError, match="cannot award points for a task that is"):
        award_task(town.store, "t5", RULES, recorded_s=LATER)
    with pytest.raises(InvalidInputError, match="has no rating"):
        award_task(town.store, "t3", RULES, recorded_s=LATER, source=Source.RATING)
    with pytest.raises(InvalidInputError, match="record_awards"):
        award_task(town.store, "t1", RULES, recorded_s=LATER, source=Source.REWARD)


def test_a_reversal_restores_the_balance_and_settles_the_task() -> None:
    """Reversing t7 takes its 15 points back; award_pending does not award t7 again."""
    town = awarded()
    before = read_history(town.store).balance("c2")
    booking = reverse_entry(
        town.store, "award:t7", reason="delivered twice", actor=STAFF, recorded_s=LATER
    )
    (reversal,) = booking.entries
    assert (reversal.kind, reversal.points, reversal.reverses, reversal.by) == (
        EntryKind.REVERSAL,
        -15,
        "award:t7",
        "staff:s1",
    )
    assert read_history(town.store).balance("c2") == before - 15
    assert award_pending(town.store, RULES, recorded_s=LATER).entries == ()


def test_an_entry_is_reversed_once_and_an_exact_repeat_is_a_duplicate() -> None:
    """The same reversal again returns the first; another, or reversing a reversal, is refused."""
    town = awarded()
    first = reverse_entry(town.store, "award:t2", reason="r", actor=ADMIN, recorded_s=LATER)
    again = reverse_entry(town.store, "award:t2", reason="r", actor=ADMIN, recorded_s=LATER + 9)
    assert again.duplicate and again.entries == first.entries
    with pytest.raises(InvalidInputError, match="was reversed already"):
        reverse_entry(town.store, "award:t2", reason="other", actor=ADMIN, recorded_s=LATER)
    with pytest.raises(InvalidInputError, match="was reversed already"):
        reverse_entry(
            town.store, "award:t2", reason="r", actor=ADMIN, recorded_s=LATER, rules=RULES
        )
    with pytest.raises(InvalidInputError, match="is a reversal itself"):
        reverse_entry(town.store, "reverse:award:t2", reason="r", actor=ADMIN, recorded_s=LATER)


def test_a_correction_is_one_command_with_the_reversal_and_the_new_award() -> None:
    """Both entries share a command id and follow each other in the log."""
    town = awarded()
    booking = reverse_entry(
        town.store,
        "rating:t4",
        reason="bonus for 2",
        actor=ADMIN,
        recorded_s=LATER,
        rules=OTHER_RULES,
    )
    assert [(e.id, e.points, e.serial) for e in booking.entries] == [
        ("reverse:rating:t4", 0, 1),
        ("rating:t4:2", 2, 2),
    ]
    events = list(town.store.events(after_seq=booking.entries[0].seq - 1))
    assert [e.command_id for e in events] == ["points:reverse:rating:t4"] * 2


@pytest.mark.parametrize(
    "actor",
    [Actor.staff("s2", "tianlin"), Actor.courier("c2"), Actor.resident("r2", "xinhua")],
    ids=["other-staff", "courier", "resident"],
)
def test_only_staff_of_the_community_or_admins_correct(actor: Actor) -> None:
    """Anyone else may not reverse xinhua's entry; nothing is written."""
    town = awarded()
    seq = town.store.last_seq()
    with pytest.raises(PermissionDeniedError, match="only its community may correct"):
        reverse_entry(town.store, "award:t2", reason="r", actor=actor, recorded_s=LATER)
    assert town.store.last_seq() == seq


def test_reversal_needs_a_reason_and_a_known_entry() -> None:
    """An empty reason and an unknown entry are refused before anything is written."""
    town = awarded()
    with pytest.raises(InvalidInputError, match=r"^reason"):
        reverse_entry(town.store, "award:t2", reason=" ", actor=ADMIN, recorded_s=LATER)
    with pytest.raises(UnknownReferenceError, match="award:t99"):
        reverse_entry(town.store, "award:t99", reason="r", actor=ADMIN, recorded_s=LATER)


def test_a_command_id_taken_by_someone_else_is_an_error_not_a_duplicate() -> None:
    """If another writer used 'points:award:t1', awarding t1 fails loudly instead of skipping."""
    town = summer()
    town.store.append("points:award:t1", [NewEvent("something.else")], recorded_s=LATER)
    with pytest.raises(StoreError, match="taken by a command that is not the points ledger's"):
        award_pending(town.store, RULES, recorded_s=LATER)


def test_the_ledger_on_sqlite_survives_reopening(tmp_path: Path) -> None:
    """On a SQLite file, a reopened store keeps the entries and awards nothing twice."""
    path = tmp_path / "events.sqlite"
    with SQLiteEventStore(path) as store:
        summer(store)
        rate_summer(store)
        assert award_pending(store, RULES, recorded_s=LATER).points == 108
    with SQLiteEventStore(path) as store:
        assert award_pending(store, RULES, recorded_s=LATER).entries == ()
        reverse_entry(store, "award:t8", reason="r", actor=ADMIN, recorded_s=LATER)
    with SQLiteEventStore(path) as store:
        assert read_history(store).balance("c1") == 43 - 15


# --------------------------------------------------------------------------- the model


def _summer_events() -> list[object]:
    return list(summer().store.events())


SUMMER = _summer_events()
QUARTERS = (Period.quarter("2026Q3"), Period.quarter("2026Q4"))
SCOPES: tuple[dict[str, str], ...] = ({"community": "xinhua"}, {"district": "xuhui"}, {})


def standings_of(history: History) -> list[object]:
    """Every ranking and award the machine compares across replays."""
    out: list[object] = [
        ranking(history, config(), q, **scope) for q in QUARTERS for scope in SCOPES
    ]
    out += annual_awards(history, config(), 2026)
    return out


class LedgerMachine(RuleBasedStateMachine):
    """Random bookings on the summer history against a model of what was booked."""

    def __init__(self) -> None:
        super().__init__()
        self.store: EventStore = copy_store(SUMMER)  # type: ignore[arg-type]
        self.booked: Counter[str] = Counter()
        self.now_s = LATER
        self.extra = 0
        self.read: tuple[int, History] | None = None
        self.replayed_at = -1

    def history(self) -> History:
        """The store's history (read again only when the log has grown: it is append-only)."""
        seq = self.store.last_seq()
        if self.read is None or self.read[0] != seq:
            self.read = (seq, read_history(self.store))
        return self.read[1]

    def book(self, entries: tuple[LedgerEntry, ...]) -> None:
        for entry in entries:
            self.booked[entry.courier_id] += entry.points

    def tick(self) -> int:
        self.now_s += 60
        return self.now_s

    @rule()
    def award_all(self) -> None:
        before = standings_of(self.history())
        summary = award_pending(self.store, RULES, recorded_s=self.tick())
        self.book(summary.entries)
        if not summary.entries:
            assert standings_of(self.history()) == before

    @rule(pick=st.integers(0, 99), rating=st.booleans())
    def award_one(self, pick: int, rating: bool) -> None:
        history = self.history()
        task = sorted(history.tasks)[pick % len(history.tasks)]
        source = Source.RATING if rating else Source.TASK
        settled = (source, task) in history.latest
        try:
            booking = award_task(self.store, task, RULES, recorded_s=self.tick(), source=source)
        except InvalidTransitionError:
            assert not history.tasks[task].delivered
            return
        except InvalidInputError:
            assert rating and task not in history.feedback
            return
        assert booking.duplicate == settled
        if not booking.duplicate:
            self.book(booking.entries)

    @rule(pick=st.integers(0, 99), stars=st.integers(1, 5))
    def rate(self, pick: int, stars: int) -> None:
        history = self.history()
        task = history.tasks[sorted(history.tasks)[pick % len(history.tasks)]]
        resident = Actor.resident(task.resident_id or "nobody", task.community)
        earlier = history.feedback.get(task.id)
        try:
            rate_task(self.store, resident, task.id, stars, recorded_s=self.tick())
        except NotDeliveredError:
            assert not task.delivered
        except AlreadyRatedError:
            assert earlier is not None and earlier.rating != stars
        else:
            assert task.delivered and (earlier is None or earlier.rating == stars)

    @rule(pick=st.integers(0, 999), rescore=st.booleans(), admin=st.booleans())
    def reverse(self, pick: int, rescore: bool, admin: bool) -> None:
        history = self.history()
        if not history.entries:
            return
        entry = list(history.entries.values())[pick % len(history.entries)]
        actor = ADMIN if admin or entry.community is None else Actor.staff("s", entry.community)
        reason = "rescore" if rescore else "void"
        try:
            booking = reverse_entry(
                self.store,
                entry.id,
                reason=reason,
                actor=actor,
                recorded_s=self.tick(),
                rules=OTHER_RULES if rescore else None,
            )
        except InvalidInputError:
            first = history.reversed_by.get(entry.id)
            assert (
                entry.reverses is not None
                or (rescore and entry.source is Source.REWARD)
                or (first is not None and history.entries[first].note != reason)
                or (first is not None and history.entries[first].by != actor.label)
            )
            return
        first = history.reversed_by.get(entry.id)
        assert booking.duplicate == (first is not None)
        if not booking.duplicate:
            self.book(booking.entries)

    @rule(annual=st.booleans())
    def reward(self, annual: bool) -> None:
        history = self.history()
        if annual:
            awards = annual_awards(history, config(), 2026)
        else:
            awards = (quarter_award(history, config(), QUARTERS[0], community="xinhua"),)
        for award in awards:
            known = self.store.command(f"points:reward:{award.id}") is not None
            booking = record_award(self.store, award, actor=ADMIN, recorded_s=self.tick())
            assert booking.duplicate == known
            if not booking.duplicate:
                self.book(booking.entries)

    @rule()
    def replay_every_command(self) -> None:
        seq = self.store.last_seq()
        copy_store(list(self.store.events()), into=self.store)
        assert self.store.last_seq() == seq

    @precondition(lambda self: self.extra < 3)
    @rule(courier=st.sampled_from(["c1", "c2", "c3"]), late=st.booleans())
    def more_work(self, courier: str, late: bool) -> None:
        town = Town(self.store, start_s=self.tick())
        ordered = self.tick()
        town.errand(
            "xinhua", "r1", "groceries", courier, ordered, ordered + (9000 if late else 600)
        )
        self.now_s = town.clock.now_s()
        self.extra += 1

    @invariant()
    def balances_add_up(self) -> None:
        history = self.history()
        for courier in set(history.couriers()) | set(self.booked):
            entries = history.entries_of(courier)
            assert history.balance(courier) == sum(e.points for e in entries)
            assert history.balance(courier) == self.booked[courier]
            standing = sum(e.points for e in entries if history.live(e.id))
            assert history.balance(courier) == standing
        for b in balances(history):
            assert b.balance == b.work + b.rewards == history.balance(b.courier_id)

    @invariant()
    def no_task_awarded_twice(self) -> None:
        history = self.history()
        standing = Counter(
            (e.source, e.task_id)
            for e in history.entries.values()
            if e.kind is EntryKind.AWARD and history.live(e.id)
        )
        assert all(n == 1 for n in standing.values())
        for original, reversal_id in history.reversed_by.items():
            entry, reversal = history.entries[original], history.entries[reversal_id]
            assert reversal.points == -entry.points
            assert (reversal.courier_id, reversal.earned_s, reversal.community) == (
                entry.courier_id,
                entry.earned_s,
                entry.community,
            )

    @invariant()
    def rankings_survive_replay(self) -> None:
        if self.replayed_at == self.store.last_seq():
            return  # nothing was written since the last check
        self.replayed_at = self.store.last_seq()
        replayed = read_history(copy_store(self.store.events()))
        assert replayed == self.history()
        assert standings_of(replayed) == standings_of(self.history())


LedgerMachine.TestCase.settings = settings(
    max_examples=examples(20), stateful_step_count=12, deadline=None
)
test_ledger_machine = LedgerMachine.TestCase
