"""The dispatcher driven at random through its public API, checked against a simple model.

Residents order, staff post and pin, couriers come online and go offline,
accept, decline, pick up, deliver and fail; hazards are reported, visited and
closed; the clock advances and ticks; re-optimisation runs; commands are
repeated with the same id, sent by the wrong role, or out of order. After
every step the invariants hold, and every few steps (and at the end) a fresh
replay of the store equals the live state.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.online.world import COMMUNITIES, MENU, RESIDENTS, STAFF, START_S, contact, make, reopen
from tests.online.world import place as grid_place
from tests.online.world import plan as courier_plan
from tests.strategies import examples

from dispatch.errors import InvalidInputError
from dispatch.incidental import CourierPlan
from dispatch.online import (
    TRANSITIONS,
    Action,
    Actor,
    CourierFullError,
    Dispatcher,
    DispatchOptions,
    InvalidTransitionError,
    ManualClock,
    Outcome,
    PermissionDeniedError,
    TaskState,
)
from dispatch.online._lifecycle import HELD, TERMINAL
from dispatch.store import EventStore, MemoryEventStore, SQLiteEventStore

COURIERS = ("c1", "c2", "c3", "c4")
CATEGORIES = ("volunteer", "food", "parcel")
KINDS = tuple(MENU)
REPLAY_EVERY = 6

places = st.integers(0, 24)


class DispatchMachine(RuleBasedStateMachine):
    """Random residents, staff and couriers against the dispatcher, with a model."""

    use_sqlite: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.tmp: str | None = None
        store: EventStore
        if self.use_sqlite:
            self.tmp = tempfile.mkdtemp(prefix="dispatch-sm-")
            store = SQLiteEventStore(Path(self.tmp) / "events.db")
        else:
            store = MemoryEventStore()
        self.clock = ManualClock(START_S)
        self.d: Dispatcher = make(
            store=store,
            clock=self.clock,
            options=DispatchOptions(
                offer_ttl_s=600,
                max_declines=2,
                escalate_before_s=600,
                reoptimise_every_s=1800,
                snapshot_every=25,
            ),
        )
        self.serial = 0
        self.acknowledged: list[str] = []  # command ids of every acknowledged command
        self.held: dict[str, str] = {}  # model: task -> courier who accepted it
        self.owner: dict[str, Actor] = {}  # model: task -> resident who ordered it
        self.last: tuple[Callable[[str], Outcome], str, Outcome] | None = None
        self.steps = 0

    # ----------------------------------------------------------------- helpers

    def _run(self, call: Callable[[str], Outcome]) -> Outcome:
        """Run ``call`` with a fresh command id; remember it as acknowledged."""
        self.serial += 1
        cid = f"cmd-{self.serial}"
        outcome = call(cid)
        assert outcome.command_id == cid and not outcome.duplicate
        self.acknowledged.append(cid)
        self.last = (call, cid, outcome)
        return outcome

    def _unchanged(self, call: Callable[[str], Any], error: type[Exception]) -> None:
        """``call`` raises ``error`` and changes neither the state nor the store."""
        before, seq = self.d.state.to_json(), self.d.store.last_seq()
        self.serial += 1
        with pytest.raises(error):
            call(f"cmd-{self.serial}")
        assert self.d.store.last_seq() == seq
        assert self.d.state.to_json() == before

    def _refused(self, call: Callable[[str], Any]) -> None:
        """``call`` is refused: one recorded rejection, nothing else changes."""
        before, seq = self.d.state.to_json(), self.d.store.last_seq()
        self.serial += 1
        cid = f"cmd-{self.serial}"
        with pytest.raises(PermissionDeniedError):
            call(cid)
        assert self.d.store.last_seq() == seq + 1
        assert self.d.store.command(cid) is not None
        after = self.d.state.to_json()
        assert after.pop("rejected") == before.pop("rejected") + 1
        for key in ("seq", "now_s"):  # the rejection is an event, at the command's time
            after.pop(key), before.pop(key)
        assert after == before

    def _online(self) -> list[str]:
        return sorted(c for c, r in self.d.state.couriers.items() if r.online)

    def _offers(self) -> list[tuple[str, str]]:
        return [
            (t.id, t.offer.courier_id) for t in self.d.state.active_tasks() if t.offer is not None
        ]

    def _in(self, *states: TaskState) -> list[str]:
        return [t.id for t in self.d.state.in_state(*states)]

    # ----------------------------------------------------------------- couriers

    @initialize(first=places, second=places, category=st.sampled_from(CATEGORIES))
    def two_couriers_online(self, first: int, second: int, category: str) -> None:
        """The day starts with two couriers on the road (so that offers happen)."""
        for k, at in (("c1", first), ("c2", second)):
            self._go_online(k, courier_plan(k, at, self.clock.now_s()), category)

    def _go_online(self, k: str, plan: CourierPlan, category: str) -> None:
        self._run(
            lambda cid: self.d.go_online(Actor.courier(k), plan, category=category, command_id=cid)
        )

    @rule(
        k=st.sampled_from(COURIERS),
        at=places,
        category=st.sampled_from(CATEGORIES),
        capacity=st.integers(2, 4),
        cap=st.none() | st.integers(1, 3),
        own=st.lists(places, max_size=2),
    )
    def go_online(
        self, k: str, at: int, category: str, capacity: int, cap: int | None, own: list[int]
    ) -> None:
        """A courier comes online (or, if online already, is told so)."""
        plan = courier_plan(
            k, at, self.clock.now_s(), capacity=capacity, max_per_shift=cap, own=tuple(own)
        )
        actor = Actor.courier(k)
        call = lambda cid: self.d.go_online(actor, plan, category=category, command_id=cid)  # noqa: E731
        if k in self._online():
            self._unchanged(call, InvalidInputError)
        else:
            assert self._run(call).kinds == ("courier.online",)

    @rule(k=st.sampled_from(COURIERS))
    def go_offline(self, k: str) -> None:
        """A courier goes offline: unpicked tasks return to dispatch, picked ones stay."""
        actor = Actor.courier(k)
        call = lambda cid: self.d.go_offline(actor, command_id=cid)  # noqa: E731
        if k not in self._online():
            error = InvalidInputError if k in self.d.state.couriers else Exception
            self._unchanged(call, error)
            return
        held = self.d.state.couriers[k].held
        accepted = [t for t in held if self.d.state.tasks[t].state is TaskState.ACCEPTED]
        picked = [t for t in held if t not in accepted]
        self._run(call)
        for task in accepted:
            assert self.d.state.tasks[task].holder is None
            self.held.pop(task, None)
        for task in picked:
            assert self.d.state.tasks[task].holder == k
        assert all(c != k for _, c in self._offers())

    @rule(k=st.sampled_from(COURIERS), at=places)
    def report_position(self, k: str, at: int) -> None:
        """An online courier reports their position."""
        if k in self._online():
            self._run(
                lambda cid: self.d.report_position(Actor.courier(k), grid_place(at), command_id=cid)
            )

    # ----------------------------------------------------------------- orders

    @rule(
        who=st.sampled_from(sorted(RESIDENTS)),
        kind=st.sampled_from(KINDS),
        pickup=places,
        dropoff=places,
    )
    def order(self, who: str, kind: str, pickup: int, dropoff: int) -> None:
        """A resident orders from the menu; it is offered or escalated at once."""
        actor = RESIDENTS[who]
        out = self._run(
            lambda cid: self.d.order(
                actor,
                kind=kind,
                pickup=grid_place(pickup),
                dropoff=grid_place(dropoff),
                contact=contact(who),
                command_id=cid,
            )
        )
        assert out.kinds[0] == "task.submitted" and len(out.kinds) == 2
        assert out.kinds[1] in ("task.offered", "task.escalated")
        assert out.task_id is not None
        self.owner[out.task_id] = actor

    @rule(community=st.sampled_from(COMMUNITIES), kind=st.sampled_from(KINDS), data=st.data())
    def staff_post(self, community: str, kind: str, data: st.DataObject) -> None:
        """Staff post a task, sometimes pinned to an online courier (派单)."""
        online = self._online()
        pin = data.draw(st.none() | st.sampled_from(online)) if online else None
        out = self._run(
            lambda cid: self.d.order(
                STAFF[community],
                kind=kind,
                pickup=grid_place(3),
                dropoff=grid_place(17),
                contact=contact("walk-in"),
                pin_to=pin,
                command_id=cid,
            )
        )
        if pin is not None:
            assert out.kinds == ("task.submitted", "task.offered")

    # ----------------------------------------------------------------- couriers' answers

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        """The offered courier accepts, unless a cap or the capacity stops them."""
        offers = self._offers()
        if not offers:
            return
        task, courier = data.draw(st.sampled_from(offers))
        call = lambda cid: self.d.accept(Actor.courier(courier), task, command_id=cid)  # noqa: E731
        try:
            self._run(call)
        except CourierFullError:
            assert self.d.state.tasks[task].state is TaskState.OFFERED
            return
        assert self.d.state.tasks[task].holder == courier
        self.held[task] = courier

    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        """The offered courier declines; the task moves on or goes to the staff."""
        offers = self._offers()
        if not offers:
            return
        task, courier = data.draw(st.sampled_from(offers))
        self._run(lambda cid: self.d.decline(Actor.courier(courier), task, command_id=cid))
        record = self.d.state.tasks[task]
        assert courier in record.declined or (record.state is TaskState.ESCALATED)
        assert record.offer is None or record.offer.courier_id != courier

    @rule(data=st.data())
    def pick_up(self, data: st.DataObject) -> None:
        """The holder picks up an accepted task."""
        tasks = self._in(TaskState.ACCEPTED)
        if tasks:
            task = data.draw(st.sampled_from(tasks))
            holder = self.d.state.tasks[task].holder or ""
            self._run(lambda cid: self.d.pick_up(Actor.courier(holder), task, command_id=cid))

    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        """The holder delivers a picked-up task."""
        tasks = self._in(TaskState.PICKED_UP)
        if tasks:
            task = data.draw(st.sampled_from(tasks))
            holder = self.d.state.tasks[task].holder or ""
            self._run(lambda cid: self.d.deliver(Actor.courier(holder), task, command_id=cid))
            assert self.d.state.tasks[task].state is TaskState.DELIVERED
            self.held.pop(task, None)

    @rule(data=st.data())
    def work_an_offer(self, data: st.DataObject) -> None:
        """A courier takes an offer all the way: accept, pick up, deliver."""
        offers = self._offers()
        if not offers:
            return
        task, courier = data.draw(st.sampled_from(offers))
        actor = Actor.courier(courier)
        try:
            self._run(lambda cid: self.d.accept(actor, task, command_id=cid))
        except CourierFullError:
            return
        self.held[task] = courier
        self._run(lambda cid: self.d.pick_up(actor, task, command_id=cid))
        self._run(lambda cid: self.d.deliver(actor, task, command_id=cid))
        assert self.d.state.tasks[task].state is TaskState.DELIVERED
        assert task not in self.d.state.couriers[courier].held
        self.held.pop(task)

    @rule(data=st.data())
    def fail(self, data: st.DataObject) -> None:
        """The holder gives up on a held task: failed, with an alert."""
        tasks = self._in(*HELD)
        if tasks:
            task = data.draw(st.sampled_from(tasks))
            holder = self.d.state.tasks[task].holder or ""
            out = self._run(
                lambda cid: self.d.fail(Actor.courier(holder), task, "flat tyre", command_id=cid)
            )
            assert out.kinds == ("task.failed", "alert.raised")
            self.held.pop(task, None)

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """The resident who ordered cancels: allowed exactly where the table allows it."""
        tasks = sorted(self.owner)
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks))
        actor = self.owner[task]
        state = self.d.state.tasks[task].state
        call = lambda cid: self.d.cancel(actor, task, command_id=cid)  # noqa: E731
        if (state, Action.CANCEL) in TRANSITIONS:
            self._run(call)
            assert self.d.state.tasks[task].state is TaskState.CANCELLED
            self.held.pop(task, None)
        else:
            self._unchanged(call, InvalidTransitionError)

    # ----------------------------------------------------------------- staff

    @rule(data=st.data())
    def staff_handles_queue(self, data: st.DataObject) -> None:
        """Staff re-post or pin an escalated task, or acknowledge an alert."""
        entries = [e for c in COMMUNITIES for e in self.d.staff_queue(STAFF[c])]
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries))
        staff = STAFF[entry.community]
        if entry.kind == "alert":
            self._run(lambda cid: self.d.acknowledge(staff, entry.ref, command_id=cid))
        elif entry.kind == "hazard":
            if data.draw(st.booleans()):
                self._run(lambda cid: self.d.spawn_visit(staff, entry.ref, command_id=cid))
            else:
                self._run(lambda cid: self.d.close_ticket(staff, entry.ref, "done", command_id=cid))
        else:
            online = self._online()
            pinning: bool = data.draw(st.booleans(), label="pin")
            if online and pinning:
                courier = data.draw(st.sampled_from(online))
                self._run(lambda cid: self.d.pin(staff, entry.ref, courier, command_id=cid))
            else:
                self._run(lambda cid: self.d.repost(staff, entry.ref, command_id=cid))

    @rule(who=st.sampled_from(sorted(RESIDENTS)), at=places)
    def report_hazard(self, who: str, at: int) -> None:
        """A resident reports a hazard: a ticket in their community's queue."""
        out = self._run(
            lambda cid: self.d.report_hazard(
                RESIDENTS[who], location=grid_place(at), kind="blocked_exit", command_id=cid
            )
        )
        assert out.ticket_id in self.d.state.tickets

    # ----------------------------------------------------------------- time

    @rule(seconds=st.integers(0, 900))
    def tick(self, seconds: int) -> None:
        """The clock advances and the dispatcher ticks."""
        self.clock.advance(seconds)
        self._run(lambda cid: self.d.tick(command_id=cid))

    @rule()
    def reoptimise(self) -> None:
        """Re-optimisation never takes accepted work from its courier."""
        before = {t: r.holder for t, r in self.d.state.tasks.items() if r.holder is not None}
        out = self._run(lambda cid: self.d.reoptimise(command_id=cid))
        assert out.kinds[-1] == "reoptimise.ran"
        assert before == {t: r.holder for t, r in self.d.state.tasks.items() if r.holder}

    # ----------------------------------------------------------------- misuse

    @rule()
    def duplicate(self) -> None:
        """Repeating the last acknowledged command id returns its outcome and changes nothing."""
        if self.last is None:
            return
        call, cid, outcome = self.last
        before, seq = self.d.state.to_json(), self.d.store.last_seq()
        again = call(cid)
        assert again.duplicate and again.events == outcome.events
        assert self.d.store.last_seq() == seq and self.d.state.to_json() == before

    @rule(data=st.data(), how=st.integers(0, 4))
    def wrong_role(self, data: st.DataObject, how: int) -> None:
        """Someone without the right tries to act on a task: refused and recorded."""
        tasks = sorted(self.d.state.tasks)
        if not tasks:
            return
        task = data.draw(st.sampled_from(tasks))
        record = self.d.state.tasks[task]
        related = {record.courier_id, record.offer.courier_id if record.offer else None}
        strangers = [c for c in COURIERS if c not in related]
        others = [r for r in RESIDENTS.values() if r != record.origin]
        other_staff = next(s for c, s in STAFF.items() if c != record.community)
        d = self.d
        calls: list[Callable[[str], Any]] = [
            lambda cid: d.accept(Actor.courier(strangers[0]), task, command_id=cid),
            lambda cid: d.cancel(others[0], task, command_id=cid),
            lambda cid: d.pin(other_staff, task, "c1", command_id=cid),
            lambda cid: d.go_offline(Actor.courier("c1"), "c2", command_id=cid),
            lambda cid: d.repost(RESIDENTS["r1"], task, command_id=cid),
        ]
        self._refused(calls[how])

    @rule(data=st.data())
    def out_of_order(self, data: st.DataObject) -> None:
        """Delivering an accepted (not picked-up) task is an invalid transition, no change."""
        tasks = self._in(TaskState.ACCEPTED)
        if tasks:
            task = data.draw(st.sampled_from(tasks))
            holder = self.d.state.tasks[task].holder or ""
            self._unchanged(
                lambda cid: self.d.deliver(Actor.courier(holder), task, command_id=cid),
                InvalidTransitionError,
            )

    # ----------------------------------------------------------------- invariants

    @invariant()
    def every_task_in_exactly_one_settled_state(self) -> None:
        """Each task has one state, never left waiting in 'submitted'; 'active' agrees."""
        state = self.d.state
        for record in state.tasks.values():
            assert isinstance(record.state, TaskState)
            assert record.state is not TaskState.SUBMITTED
            assert (record.id in state.active) == (record.state not in TERMINAL)
            assert (record.offer is not None) == (record.state is TaskState.OFFERED)

    @invariant()
    def no_task_held_by_two_couriers(self) -> None:
        """Held lists are disjoint and match the tasks' holders exactly."""
        state = self.d.state
        seen: dict[str, str] = {}
        for courier in state.couriers.values():
            for task in courier.held:
                assert task not in seen, f"{task} held by {seen.get(task)} and {courier.id}"
                seen[task] = courier.id
        holders = {t: r.holder for t, r in state.tasks.items() if r.holder is not None}
        assert seen == holders

    @invariant()
    def offers_go_to_online_couriers(self) -> None:
        """No pending offer sits with an offline courier."""
        online = set(self._online())
        assert all(courier in online for _, courier in self._offers())

    @invariant()
    def no_accepted_task_lost(self) -> None:
        """Every task the model saw accepted is still with that courier (or legitimately ended)."""
        for task, courier in self.held.items():
            assert self.d.state.tasks[task].holder == courier

    @invariant()
    def acknowledged_commands_are_stored(self) -> None:
        """The store has the id of the last acknowledged command (all are checked at replays)."""
        if self.acknowledged:
            assert self.d.store.command(self.acknowledged[-1]) is not None

    @invariant()
    def replay_agrees_every_few_steps(self) -> None:
        """Every few steps a fresh replay of the store equals the live state."""
        self.steps += 1
        if self.steps % REPLAY_EVERY == 0:
            self._check_replay()

    def _check_replay(self) -> None:
        assert reopen(self.d).state == self.d.state
        assert all(self.d.store.command(cid) is not None for cid in self.acknowledged)

    def teardown(self) -> None:
        """Replay once more at the end, then release the store."""
        try:
            self._check_replay()
        finally:
            self.d.store.close()
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)


class SQLiteDispatchMachine(DispatchMachine):
    """The same machine on a SQLite store in a temporary directory."""

    use_sqlite = True


_slow = [HealthCheck.too_slow, HealthCheck.filter_too_much]

TestDispatchMachine = DispatchMachine.TestCase
TestDispatchMachine.settings = settings(
    max_examples=examples(60),
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=_slow,
)

TestSQLiteDispatchMachine = SQLiteDispatchMachine.TestCase
TestSQLiteDispatchMachine.settings = settings(
    max_examples=examples(8),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=_slow,
)
