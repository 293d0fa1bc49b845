"""The online dispatcher: commands in, events out, state folded from the store.

A command (a resident's order, a courier's acceptance, a staff decision, a
clock tick) is handled in four steps, under one lock:

1. **Idempotency.** If the store knows the command id, the original outcome
   is returned (a refused command raises its original
   :class:`~dispatch.online.PermissionDeniedError` again) and nothing changes.
2. **Decision.** The command is checked against the current state (unknown
   ids, roles, the transition table, couriers' caps) and, if accepted, turns
   into events. Every decision that is not a pure function of the state is
   made here and written into the events: the clock's time, the courier an
   offer goes to and where on their route, the re-optimiser's choices.
3. **Append.** The events are appended to the store atomically with the
   command id (``expected_last_seq`` guards against a second writer). The
   call has not returned yet: nothing is acknowledged before it is durable.
4. **Apply.** Only then are the events folded into the in-memory state by
   :func:`~dispatch.online._apply.apply`, the same function a replay uses.

A refused command appends nothing, except a permission error, which appends
one ``command.rejected`` event (actor, command, reason; no personal data)
under the command's id, so the refusal is on record and a retry gets the
same answer. An invalid transition or bad input raises before the append:
the state and the store's ``last_seq`` are unchanged.

Replay never calls the matcher or the clock: :meth:`Dispatcher.open` folds
the latest snapshot and the events after it.

Not thread-safe across processes beyond what the store guarantees; within a
process every command and view holds the dispatcher's lock.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.incidental import CourierPlan
from dispatch.model import Errand, Location, Stop, Visit
from dispatch.online import _events as ev
from dispatch.online._apply import apply
from dispatch.online._clock import Clock, SystemClock
from dispatch.online._codec import actor_json
from dispatch.online._errors import CourierFullError, PermissionDeniedError
from dispatch.online._lifecycle import ACTION_OF_KIND, Action, TaskState, transition
from dispatch.online._menu import ServiceMenu
from dispatch.online._options import DispatchOptions
from dispatch.online._outcome import Outcome
from dispatch.online._planner import Candidate, Planner
from dispatch.online._records import Contact, CourierRecord, Offer, TaskRecord
from dispatch.online._roles import Actor, Role, courier_self_reason, staff_reason
from dispatch.online._state import DispatchState
from dispatch.online._views import QueueEntry, TaskView, queue_of, view_of, view_reason
from dispatch.store._events import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    Snapshot,
    StoredEvent,
    StoreError,
)
from dispatch.travel import TravelTimes

__all__ = ["HAZARD_VISIT_KIND", "Dispatcher"]

logger = logging.getLogger(__name__)

HAZARD_VISIT_KIND = "hazard_visit"
"""The kind of follow-up visits spawned from hazard tickets (couriers' ``accepts`` refer to it)."""

Decide = Callable[[int], list[NewEvent]]


def _plain(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload exactly as the store will return it (tuples become lists)."""
    out: dict[str, Any] = json.loads(json.dumps(payload))
    return out


def _check_id(name: str, value: object) -> str:
    if not isinstance(value, str) or not value or value.strip() != value:
        raise InvalidInputError(name, f"must be a non-empty trimmed string, got {value!r}")
    return value


class Dispatcher:
    """Residents' orders, staff dispatch and couriers' acceptance, on an event store.

    Make one with :meth:`open`. Every command method takes a keyword
    ``command_id`` (the idempotency key; a fresh UUID when omitted: pass your
    own to retry safely) and returns an :class:`~dispatch.online.Outcome`.

    Examples
    --------
    >>> from dispatch import Location, MatrixTravel
    >>> from dispatch.incidental import CourierPlan
    >>> from dispatch.online import Actor, Contact, ManualClock, ServiceMenu
    >>> from dispatch.store import MemoryEventStore
    >>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 120], [60, 0, 60],
    ...                                                     [120, 60, 0]])
    >>> clock = ManualClock(36_000)
    >>> store = MemoryEventStore()
    >>> d = Dispatcher.open(store, travel=travel, clock=clock,
    ...                     menus=[ServiceMenu.from_dict("xinhua", {"groceries": {}})])
    >>> rider = Actor.courier("c1")
    >>> _ = d.go_online(rider, CourierPlan(courier_id="c1", position=Location(node=0),
    ...                                    now_s=36_000, shift_end_s=43_200, capacity=2))
    >>> wang = Actor.resident("r1", "xinhua")
    >>> out = d.order(wang, kind="groceries", pickup=Location(node=1),
    ...               dropoff=Location(node=2), contact=Contact("Wang", "138", "Lane 1"),
    ...               command_id="order-1")
    >>> out.kinds, out.task_id
    (('task.submitted', 'task.offered'), 't1')
    >>> d.order(wang, kind="groceries", pickup=Location(node=1), dropoff=Location(node=2),
    ...         contact=Contact("Wang", "138", "Lane 1"), command_id="order-1").duplicate
    True
    >>> d.accept(rider, "t1").kinds
    ('task.accepted',)
    >>> d.deliver(rider, "t1")
    Traceback (most recent call last):
    ...
    dispatch.online._errors.InvalidTransitionError: task 't1': cannot deliver a task ...
    >>> Dispatcher.open(store, travel=travel, clock=clock).state == d.state
    True
    """

    def __init__(
        self,
        store: EventStore,
        state: DispatchState,
        planner: Planner,
        clock: Clock,
        options: DispatchOptions,
        menus: Mapping[str, ServiceMenu],
    ) -> None:
        self._store = store
        self._state = state
        self._planner = planner
        self._clock = clock
        self.options = options
        self.menus = dict(menus)
        self._lock = threading.RLock()
        self._snapshot_seq = state.seq
        dims = {len(item.load) for menu in self.menus.values() for item in menu.items.values()}
        if len(dims) > 1:
            raise InvalidInputError(
                "menus", f"item loads must all have the same dimensions, got {sorted(dims)}"
            )
        self._dims = dims.pop() if dims else None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        store: EventStore,
        *,
        travel: TravelTimes,
        menus: Mapping[str, ServiceMenu] | Iterable[ServiceMenu] = (),
        clock: Clock | None = None,
        options: DispatchOptions | None = None,
    ) -> Dispatcher:
        """Rebuild the dispatcher from ``store``: the latest snapshot, then the later events.

        Parameters
        ----------
        store
            Any :class:`~dispatch.store.EventStore`.
        travel
            A travel model answering single pairs (for the matcher).
        menus
            The communities' service menus (by community, or a list).
        clock
            Where time comes from; :class:`SystemClock` by default.
        options
            :class:`DispatchOptions`.

        Raises
        ------
        StoreError
            A snapshot or an event cannot be read or does not apply.

        Examples
        --------
        See :class:`Dispatcher`.
        """
        options = options or DispatchOptions()
        menu_map = dict(menus) if isinstance(menus, Mapping) else {m.community: m for m in menus}
        state = DispatchState()
        snapshot = store.latest_snapshot()
        if snapshot is not None:
            try:
                state = DispatchState.from_json(snapshot.state)
            except (KeyError, TypeError, ValueError, InvalidInputError) as err:
                raise StoreError(f"snapshot at event {snapshot.seq} cannot be read: {err}") from err
            if state.seq != snapshot.seq:
                raise StoreError(f"snapshot at event {snapshot.seq} holds state {state.seq}")
        for event in store.events(after_seq=state.seq):
            apply(state, event)
        planner = Planner(travel, options.match, snapshot_max_age_s=options.snapshot_max_age_s)
        logger.info("dispatcher opened at event %d (%d tasks)", state.seq, len(state.tasks))
        return cls(store, state, planner, clock or SystemClock(), options, menu_map)

    @property
    def state(self) -> DispatchState:
        """The current state (read it, never change it: only events change it)."""
        return self._state

    @property
    def clock(self) -> Clock:
        """The clock commands read."""
        return self._clock

    @property
    def store(self) -> EventStore:
        """The event store."""
        return self._store

    def snapshot(self) -> Snapshot:
        """Save a snapshot of the current state now and return it."""
        with self._lock:
            snap = Snapshot(self._state.seq, self._state.to_json())
            self._store.save_snapshot(snap)
            self._snapshot_seq = snap.seq
            return snap

    # ------------------------------------------------------------------ machinery

    def _run(
        self,
        name: str,
        actor: Actor | None,
        command_id: str | None,
        args: Mapping[str, Any],
        decide: Decide,
    ) -> Outcome:
        with self._lock:
            cid = uuid.uuid4().hex if command_id is None else _check_id("command_id", command_id)
            command = {"name": name, "actor": None if actor is None else actor_json(actor), **args}
            conflicts = 0
            while True:
                try:
                    return self._decide_and_append(cid, name, actor, command, decide)
                except ConcurrencyError:
                    if conflicts >= self.options.conflict_retries:
                        raise
                    conflicts += 1
                    folded = self.refresh()
                    logger.info(
                        "%s: another writer appended %d event(s); deciding again", name, folded
                    )

    def _decide_and_append(
        self,
        cid: str,
        name: str,
        actor: Actor | None,
        command: Mapping[str, Any],
        decide: Decide,
    ) -> Outcome:
        """Decide on the current state and append; ConcurrencyError if another writer was first."""
        prior = self._store.command(cid)
        if prior is not None:
            return self._repeat(cid, prior.first_seq, prior.last_seq)
        if self._store.last_seq() != self._state.seq:  # another writer: decide on its news too
            self.refresh()
        now = max(self._clock.now_s(), self._state.now_s)
        try:
            events = decide(now)
        except PermissionDeniedError as err:
            if actor is not None:
                self._append(cid, [ev.rejected(name, actor, err.reason)], now, command)
            logger.warning("refused %s by %s", name, err.actor)
            raise
        self._check(events)
        outcome = self._append(cid, events, now, command)
        logger.info(
            "%s by %s at %d: %s",
            name,
            "system" if actor is None else actor.label,
            now,
            ", ".join(_summary(e) for e in outcome.events) or "no change",
        )
        return outcome

    def refresh(self) -> int:
        """Fold in the events other writers appended since this dispatcher's last one.

        Commands do this by themselves before deciding, and again when their
        append meets another writer's (see ``DispatchOptions.conflict_retries``);
        call it to see other writers' work before reading :attr:`state`. Returns how many
        events were folded in.

        Examples
        --------
        Two dispatchers on one store (as two processes on one database):

        >>> from dispatch import Location, MatrixTravel
        >>> from dispatch.incidental import CourierPlan
        >>> from dispatch.online import Actor, ManualClock
        >>> from dispatch.store import MemoryEventStore
        >>> store, travel = MemoryEventStore(), MatrixTravel(nodes=[0], durations_s=[[0]])
        >>> a = Dispatcher.open(store, travel=travel, clock=ManualClock(0))
        >>> b = Dispatcher.open(store, travel=travel, clock=ManualClock(0))
        >>> _ = a.go_online(Actor.courier("c1"), CourierPlan(
        ...     courier_id="c1", position=Location(node=0), now_s=0, shift_end_s=3600, capacity=1))
        >>> "c1" in b.state.couriers, b.refresh(), "c1" in b.state.couriers
        (False, 1, True)
        """
        with self._lock:
            before = self._state.seq
            for event in self._store.events(after_seq=before):
                apply(self._state, event)
            return self._state.seq - before

    def _repeat(self, cid: str, first: int, last: int) -> Outcome:
        count = max(0, last - first + 1)
        events = tuple(itertools.islice(self._store.events(after_seq=first - 1), count))
        if len(events) == 1 and events[0].kind == ev.COMMAND_REJECTED:
            payload = events[0].payload
            who = payload["actor"]
            label = f"{who['role']}:{who['id']}" if isinstance(who, Mapping) else "?"
            raise PermissionDeniedError(label, str(payload["command"]), str(payload["reason"]))
        logger.info("command %s repeated: original outcome returned", cid)
        return Outcome(command_id=cid, events=events, duplicate=True)

    def _check(self, events: Sequence[NewEvent]) -> None:
        """Dry-run the task transitions of ``events``: nothing is appended if one is invalid."""
        states: dict[str, TaskState] = {}
        for event in events:
            task_id = event.payload.get("task")
            if not isinstance(task_id, str):
                continue
            if event.kind == ev.TASK_SUBMITTED:
                states[task_id] = TaskState.SUBMITTED
                continue
            action = ACTION_OF_KIND.get(event.kind)
            if action is not None:
                current = states.get(task_id) or self._state.tasks[task_id].state
                states[task_id] = transition(task_id, current, action)

    def _append(
        self, cid: str, events: Sequence[NewEvent], now: int, command: Mapping[str, Any]
    ) -> Outcome:
        plain = [NewEvent(e.kind, _plain(e.payload)) for e in events]
        result = self._store.append(
            cid, plain, recorded_s=now, command=_plain(command), expected_last_seq=self._state.seq
        )
        if result.duplicate:  # another writer used the id between our look-up and the append
            return self._repeat(cid, result.first_seq, result.last_seq)
        stored = tuple(
            StoredEvent(result.first_seq + k, e.kind, e.payload, cid, now)
            for k, e in enumerate(plain)
        )
        for event in stored:
            apply(self._state, event)
        every = self.options.snapshot_every
        if every is not None and self._state.seq - self._snapshot_seq >= every:
            self.snapshot()
        return Outcome(command_id=cid, events=stored)

    # ------------------------------------------------------------------ look-ups

    def _task(self, task_id: str) -> TaskRecord:
        record = self._state.tasks.get(task_id)
        if record is None:
            raise UnknownReferenceError("task", task_id)
        return record

    def _courier(self, courier_id: str) -> CourierRecord:
        record = self._state.couriers.get(courier_id)
        if record is None:
            raise UnknownReferenceError("courier", courier_id)
        return record

    def _menu(self, community: str) -> ServiceMenu:
        menu = self.menus.get(community)
        if menu is None:
            raise UnknownReferenceError("community", community)
        return menu

    def _check_plan(self, actor: Actor, plan: CourierPlan, name: str) -> None:
        if not isinstance(plan, CourierPlan):
            raise InvalidInputError("plan", f"expected a CourierPlan, got {type(plan).__name__}")
        reason = courier_self_reason(actor, plan.courier_id)
        if reason is not None:
            raise PermissionDeniedError(actor.label, name, reason)
        if self._dims is not None and len(plan.capacity) != self._dims:
            raise InvalidInputError(
                f"CourierPlan.capacity (id {plan.courier_id!r})",
                f"has {len(plan.capacity)} dimension(s), menu loads have {self._dims}",
            )

    # ------------------------------------------------------------------ dispatch decisions

    def _offer(self, record: TaskRecord, candidate: Candidate, now: int, pinned: bool) -> NewEvent:
        return ev.offered(
            record.id,
            Offer(
                courier_id=candidate.courier_id,
                made_s=now,
                expires_s=now + self.options.offer_ttl_s,
                detour_s=candidate.detour_s,
                pickup_after=candidate.pickup_after,
                dropoff_after=candidate.dropoff_after,
                basis="pin" if pinned else candidate.basis,
                pinned=pinned,
            ),
        )

    def _dispatch(
        self, record: TaskRecord, now: int, exclude: Iterable[str] = ()
    ) -> list[NewEvent]:
        """Events that offer ``record`` (a task now waiting for dispatch) or escalate it.

        ``record`` is the task as it will be once the events before these are
        applied (declines counted).
        """
        left_s = record.deadline_s - now
        if left_s <= self.options.escalate_before_s:
            reason = f"deadline in {left_s} s and no courier has accepted"
            return [ev.task_event(Action.ESCALATE, record.id, reason=reason)]
        if record.declines >= self.options.max_declines:
            reason = f"declined or let expire {record.declines} times"
            return [ev.task_event(Action.ESCALATE, record.id, reason=reason)]
        candidate = self._planner.best(
            record,
            self._state.couriers,
            self._state.tasks,
            now,
            exclude=record.declined | set(exclude),
        )
        if candidate is None:
            if record.declines:
                reason = "every courier who could take it declined or let the offer expire"
                return [ev.task_event(Action.DECLINE_ALL, record.id, reason=reason)]
            reason = "no online courier can take it in time"
            return [ev.task_event(Action.ESCALATE, record.id, reason=reason)]
        return [self._offer(record, candidate, now, pinned=False)]

    def _after_refusal(
        self, record: TaskRecord, courier_id: str, now: int, *, counts: bool, why: str
    ) -> list[NewEvent]:
        """What follows when ``courier_id``'s offer of ``record`` ends without acceptance."""
        if record.offer is not None and record.offer.pinned:
            reason = f"the pinned courier {why}"
            return [ev.task_event(Action.ESCALATE, record.id, reason=reason)]
        after = record
        if counts:
            after = attrs.evolve(
                record, declined=record.declined | {courier_id}, declines=record.declines + 1
            )
        return self._dispatch(after, now, exclude=(courier_id,))

    def _reoptimise(
        self, now: int, skip: set[str], couriers: Mapping[str, CourierRecord] | None = None
    ) -> list[NewEvent]:
        """Re-match the open, unpinned errand offers; move those whose best courier changed."""
        records = [
            r
            for r in self._state.in_state(TaskState.OFFERED)
            if r.id not in skip
            and r.offer is not None
            and not r.offer.pinned
            and isinstance(r.task, Errand)
        ]
        matched, used = self._planner.rematch(
            records, self._state.couriers if couriers is None else couriers, self._state.tasks, now
        )
        events: list[NewEvent] = []
        moved = 0
        for record in records:
            candidate = matched.get(record.id)
            offer = record.offer
            if candidate is None or offer is None or candidate.courier_id == offer.courier_id:
                continue
            if candidate.courier_id in record.declined:
                continue
            events.append(
                ev.task_event(
                    Action.WITHDRAW, record.id, courier=offer.courier_id, reason="re-optimised"
                )
            )
            events.append(self._offer(record, candidate, now, pinned=False))
            moved += 1
        events.append(
            NewEvent(
                ev.REOPTIMISED,
                {
                    "considered": len(records),
                    "matched": len(matched),
                    "moved": moved,
                    "couriers": used,
                },
            )
        )
        return events

    # ------------------------------------------------------------------ residents and staff

    def order(
        self,
        actor: Actor,
        *,
        kind: str,
        pickup: Location,
        dropoff: Location,
        contact: Contact,
        community: str | None = None,
        deadline_s: int | None = None,
        on_behalf_of: str | None = None,
        pin_to: str | None = None,
        command_id: str | None = None,
    ) -> Outcome:
        """Order an errand from the community's menu (点单); it is offered at once.

        Residents order in their own community; staff (派单) may post in
        theirs, ``on_behalf_of`` a resident (who can then see and cancel it)
        and ``pin_to`` a courier (a direct offer, see :meth:`pin`).
        ``deadline_s`` (absolute, seconds of the day) overrides the menu's
        default deadline. The task's stops may be served from now to the
        deadline.

        Raises
        ------
        UnknownReferenceError
            Unknown community, menu item or pinned courier.
        PermissionDeniedError
            A courier, a resident of another community, staff of another one
            (recorded).
        InvalidInputError
            Bad locations, contact or deadline.

        Examples
        --------
        See :class:`Dispatcher`.
        """
        where = community if community is not None else actor.community
        if where is None:
            raise InvalidInputError("community", "needed when the actor has none")
        origin = actor

        def decide(now: int) -> list[NewEvent]:
            menu = self._menu(where)
            item = menu.item(kind)
            if actor.role is Role.RESIDENT:
                if actor.community != where:
                    raise PermissionDeniedError(
                        actor.label, "order", "residents order in their own community only"
                    )
                if on_behalf_of is not None or pin_to is not None:
                    raise PermissionDeniedError(
                        actor.label, "order", "only staff order on behalf of others or pin"
                    )
                who = origin
            else:
                reason = staff_reason(actor, where)
                if reason is not None:
                    raise PermissionDeniedError(actor.label, "order", reason)
                who = origin if on_behalf_of is None else Actor.resident(on_behalf_of, where)
            if not isinstance(contact, Contact):
                raise InvalidInputError("contact", f"expected a Contact, got {type(contact)}")
            for name, place in (("pickup", pickup), ("dropoff", dropoff)):
                if not isinstance(place, Location):
                    raise InvalidInputError(name, f"expected a Location, got {type(place)}")
            deadline = now + item.deadline_s if deadline_s is None else deadline_s
            if isinstance(deadline, bool) or not isinstance(deadline, int) or deadline <= now:
                raise InvalidInputError(
                    "deadline_s", f"must be an int after now ({now}), got {deadline!r}"
                )
            task_id = f"t{self._state.next_task}"
            window = [(now, deadline)]
            errand = Errand(
                id=task_id,
                pickup=Stop(location=pickup, windows=window, service_s=item.pickup_service_s),
                dropoff=Stop(location=dropoff, windows=window, service_s=item.dropoff_service_s),
                load=item.load,
                priority=item.priority,
                max_ride_s=item.max_ride_s,
                kind=item.kind,
            )
            record = TaskRecord(
                id=task_id,
                community=where,
                kind=item.kind,
                task=errand,
                origin=who,
                contact=contact,
                courier_kinds=item.courier_kinds,
                created_s=now,
                deadline_s=deadline,
                state=TaskState.SUBMITTED,
                updated_s=now,
            )
            events = [ev.submitted(record)]
            if pin_to is not None:
                return [*events, self._pinned_offer(record, pin_to, now)]
            return [*events, *self._dispatch(record, now)]

        args = {"kind": kind, "community": where, "pin_to": pin_to}
        return self._run("order", actor, command_id, args, decide)

    def _pinned_offer(self, record: TaskRecord, courier_id: str, now: int) -> NewEvent:
        courier = self._courier(courier_id)
        if not courier.online:
            raise InvalidInputError(f"courier {courier_id!r}", "is offline; pin to an online one")
        candidate = self._planner.fit(
            record, courier_id, self._state.couriers, self._state.tasks, now
        )
        if candidate is None:  # staff decide; the offer goes out, placed first on the route
            candidate = Candidate(
                courier_id=courier_id,
                detour_s=0,
                pickup_after=courier_id,
                dropoff_after=record.id,
                basis="pin",
            )
        return self._offer(record, candidate, now, pinned=True)

    def pin(
        self, actor: Actor, task_id: str, courier_id: str, *, command_id: str | None = None
    ) -> Outcome:
        """Staff pin a task to a courier (派单): a direct offer that only that courier gets.

        Pinning is an *offer*, not an assignment: couriers are volunteers or
        on paid work and must agree. A pinned offer that is declined or
        expires goes back to the staff queue (escalated), never to another
        courier. Works on a submitted, offered, escalated or declined-by-all
        task; a pending offer to someone else is withdrawn.
        """

        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            reason = staff_reason(actor, record.community)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "pin", reason)
            self._courier(courier_id)
            events: list[NewEvent] = []
            if record.state is TaskState.OFFERED and record.offer is not None:
                events.append(
                    ev.task_event(
                        Action.WITHDRAW,
                        record.id,
                        courier=record.offer.courier_id,
                        reason="pinned by staff",
                    )
                )
            elif record.state in (TaskState.ESCALATED, TaskState.DECLINED_BY_ALL):
                events.append(ev.task_event(Action.REPOST, record.id, by=actor.label))
            elif record.state is not TaskState.SUBMITTED:
                transition(record.id, record.state, Action.OFFER)
            return [*events, self._pinned_offer(record, courier_id, now)]

        return self._run("pin", actor, command_id, {"task": task_id, "courier": courier_id}, decide)

    def repost(self, actor: Actor, task_id: str, *, command_id: str | None = None) -> Outcome:
        """Staff send an escalated or declined-by-all task back to dispatch, declines forgotten."""

        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            reason = staff_reason(actor, record.community)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "repost", reason)
            transition(record.id, record.state, Action.REPOST)
            fresh = attrs.evolve(record, declined=frozenset(), declines=0)
            reposted = ev.task_event(Action.REPOST, record.id, by=actor.label)
            return [reposted, *self._dispatch(fresh, now)]

        return self._run("repost", actor, command_id, {"task": task_id}, decide)

    def cancel(
        self, actor: Actor, task_id: str, reason: str = "", *, command_id: str | None = None
    ) -> Outcome:
        """Cancel a task before it is picked up: the resident who ordered it, staff, admins."""

        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            own = actor.role is Role.RESIDENT and record.origin == actor
            if not own and not actor.manages(record.community):
                why = f"{actor.label} did not order task {task_id!r}"
                raise PermissionDeniedError(actor.label, "cancel", why)
            transition(record.id, record.state, Action.CANCEL)
            return [ev.task_event(Action.CANCEL, record.id, by=actor.label, reason=reason)]

        return self._run("cancel", actor, command_id, {"task": task_id}, decide)

    def acknowledge(self, actor: Actor, alert_id: str, *, command_id: str | None = None) -> Outcome:
        """Staff acknowledge an alert; it leaves the queue."""

        def decide(now: int) -> list[NewEvent]:
            alert = self._state.alerts.get(alert_id)
            if alert is None:
                raise UnknownReferenceError("alert", alert_id)
            reason = staff_reason(actor, alert.community)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "acknowledge", reason)
            if alert.acknowledged_s is not None:
                raise InvalidInputError(f"alert {alert_id!r}", "was acknowledged already")
            return [NewEvent(ev.ALERT_ACKNOWLEDGED, {"alert": alert_id, "by": actor.label})]

        return self._run("acknowledge", actor, command_id, {"alert": alert_id}, decide)

    # ------------------------------------------------------------------ couriers and tasks

    def _offered_to(self, actor: Actor, record: TaskRecord, name: str) -> str:
        """The courier ``actor`` is, when the task is offered to (or held by) them."""
        offered_to = record.offer.courier_id if record.offer is not None else None
        if actor.role is Role.COURIER and actor.id in (offered_to, record.courier_id):
            return actor.id
        why = f"{actor.label} holds no offer for task {record.id!r}"
        raise PermissionDeniedError(actor.label, name, why)

    def _holder(self, actor: Actor, record: TaskRecord, name: str, *, staff: bool) -> None:
        if staff and actor.manages(record.community):
            return
        if actor.role is Role.COURIER and actor.id == record.courier_id:
            return
        why = f"{actor.label} does not hold task {record.id!r}"
        raise PermissionDeniedError(actor.label, name, why)

    def accept(self, actor: Actor, task_id: str, *, command_id: str | None = None) -> Outcome:
        """The offered courier accepts (接单); their caps and free capacity are checked again.

        Raises
        ------
        CourierFullError
            The courier's errand cap is reached or the load does not fit.
        """

        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            courier_id = self._offered_to(actor, record, "accept")
            transition(record.id, record.state, Action.ACCEPT)
            courier = self._courier(courier_id)
            plan = courier.plan
            left = plan.errands_left
            if left is not None and courier.accepted_count >= left:
                raise CourierFullError(
                    courier_id, task_id, f"errand cap reached ({courier.accepted_count} taken)"
                )
            used = [0] * len(plan.capacity)
            for held in (self._state.tasks[t] for t in courier.held):
                if len(held.task.load) == len(used):
                    used = [u + x for u, x in zip(used, held.task.load, strict=True)]
            on_board = plan.load or (0,) * len(used)
            load = record.task.load if len(record.task.load) == len(used) else (0,) * len(used)
            for dim, (cap, own, u, x) in enumerate(
                zip(plan.capacity, on_board, used, load, strict=True)
            ):
                if own + u + x > cap:
                    raise CourierFullError(
                        courier_id,
                        task_id,
                        f"load {x} does not fit in dimension {dim} ({own + u} of {cap} used)",
                    )
            return [ev.task_event(Action.ACCEPT, task_id, courier=courier_id)]

        return self._run("accept", actor, command_id, {"task": task_id}, decide)

    def decline(
        self, actor: Actor, task_id: str, reason: str = "", *, command_id: str | None = None
    ) -> Outcome:
        """The offered courier declines; the task goes to the next candidate or is escalated."""

        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            courier_id = self._offered_to(actor, record, "decline")
            transition(record.id, record.state, Action.DECLINE)
            events = [ev.task_event(Action.DECLINE, task_id, courier=courier_id, reason=reason)]
            after = self._after_refusal(record, courier_id, now, counts=True, why="declined")
            return [*events, *after]

        return self._run("decline", actor, command_id, {"task": task_id}, decide)

    def pick_up(self, actor: Actor, task_id: str, *, command_id: str | None = None) -> Outcome:
        """The holding courier has collected the errand (for a visit: has arrived)."""
        return self._step(actor, task_id, Action.PICK_UP, command_id)

    def deliver(self, actor: Actor, task_id: str, *, command_id: str | None = None) -> Outcome:
        """The holding courier has delivered the errand (for a visit: is done)."""
        return self._step(actor, task_id, Action.DELIVER, command_id)

    def _step(self, actor: Actor, task_id: str, action: Action, command_id: str | None) -> Outcome:
        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            self._holder(actor, record, action.verb, staff=False)
            transition(record.id, record.state, action)
            return [ev.task_event(action, task_id, courier=actor.id)]

        return self._run(action.verb, actor, command_id, {"task": task_id}, decide)

    def fail(
        self, actor: Actor, task_id: str, reason: str, *, command_id: str | None = None
    ) -> Outcome:
        """The holder (or staff) give up on a held task; an alert goes to the staff queue."""

        def decide(now: int) -> list[NewEvent]:
            record = self._task(task_id)
            self._holder(actor, record, "fail", staff=True)
            transition(record.id, record.state, Action.FAIL)
            alert_id = f"a{self._state.next_alert}"
            return [
                ev.task_event(Action.FAIL, task_id, by=actor.label, reason=reason),
                ev.alert_raised(
                    alert_id, record.community, task_id, record.courier_id, "task failed"
                ),
            ]

        return self._run("fail", actor, command_id, {"task": task_id}, decide)

    def go_online(
        self,
        actor: Actor,
        plan: CourierPlan,
        *,
        category: str | None = None,
        command_id: str | None = None,
    ) -> Outcome:
        """A courier comes online with their live plan; ``category`` is e.g. ``volunteer``.

        The plan's ``errands_this_shift`` / ``errands_today`` count errands
        taken elsewhere; the dispatcher adds those accepted through it from now on.
        """

        def decide(now: int) -> list[NewEvent]:
            self._check_plan(actor, plan, "go_online")
            old = self._state.couriers.get(plan.courier_id)
            if old is not None and old.online:
                raise InvalidInputError(f"courier {plan.courier_id!r}", "is online already")
            if category is not None:
                _check_id("category", category)
            events = [ev.courier_online(plan, category)]
            if self.options.reoptimise_on_courier_change:
                record = CourierRecord(
                    id=plan.courier_id,
                    plan=plan,
                    category=category,
                    online=True,
                    since_s=now,
                    held=() if old is None else old.held,
                )
                couriers = {**self._state.couriers, plan.courier_id: record}
                events += self._reoptimise(now, set(), couriers)
            return events

        args = {"courier": plan.courier_id if isinstance(plan, CourierPlan) else None}
        return self._run("go_online", actor, command_id, args, decide)

    def go_offline(
        self, actor: Actor, courier_id: str | None = None, *, command_id: str | None = None
    ) -> Outcome:
        """A courier goes offline (an admin may pass ``courier_id``).

        Their pending offers are withdrawn and accepted-but-not-picked-up
        tasks are released, both re-dispatched to other couriers; tasks they
        have picked up stay with them and raise an alert for the staff.
        """
        who = actor.id if courier_id is None else courier_id

        def decide(now: int) -> list[NewEvent]:
            reason = courier_self_reason(actor, who)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "go_offline", reason)
            courier = self._courier(who)
            if not courier.online:
                raise InvalidInputError(f"courier {who!r}", "is offline already")
            events = [NewEvent(ev.COURIER_OFFLINE, {"courier": who})]
            touched: set[str] = set()
            alert_serial = self._state.next_alert
            for task_id in courier.held:
                record = self._state.tasks[task_id]
                touched.add(task_id)
                if record.state is TaskState.ACCEPTED:
                    events.append(
                        ev.task_event(
                            Action.RELEASE, task_id, courier=who, reason="courier offline"
                        )
                    )
                    back = attrs.evolve(
                        record, state=TaskState.SUBMITTED, accepted=None, courier_id=None
                    )
                    events += self._dispatch(back, now, exclude=(who,))
                else:
                    events.append(
                        ev.alert_raised(
                            f"a{alert_serial}",
                            record.community,
                            task_id,
                            who,
                            "courier went offline carrying the task",
                        )
                    )
                    alert_serial += 1
            for record in self._state.in_state(TaskState.OFFERED):
                if record.offer is None or record.offer.courier_id != who:
                    continue
                touched.add(record.id)
                events.append(
                    ev.task_event(Action.WITHDRAW, record.id, courier=who, reason="courier offline")
                )
                events += self._after_refusal(record, who, now, counts=False, why="went offline")
            if self.options.reoptimise_on_courier_change:
                couriers = {k: c for k, c in self._state.couriers.items() if k != who}
                events += self._reoptimise(now, touched, couriers)
            return events

        return self._run("go_offline", actor, command_id, {"courier": who}, decide)

    def report_position(
        self,
        actor: Actor,
        position: Location,
        courier_id: str | None = None,
        *,
        command_id: str | None = None,
    ) -> Outcome:
        """An online courier reports where they are; planning starts there from now on."""
        who = actor.id if courier_id is None else courier_id

        def decide(now: int) -> list[NewEvent]:
            reason = courier_self_reason(actor, who)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "report_position", reason)
            courier = self._courier(who)
            if not courier.online:
                raise InvalidInputError(f"courier {who!r}", "is offline")
            if not isinstance(position, Location):
                raise InvalidInputError("position", f"expected a Location, got {type(position)}")
            return [ev.courier_position(who, position)]

        return self._run("report_position", actor, command_id, {"courier": who}, decide)

    def update_plan(
        self, actor: Actor, plan: CourierPlan, *, command_id: str | None = None
    ) -> Outcome:
        """An online courier replaces their plan (own stops served, new own work, caps)."""

        def decide(now: int) -> list[NewEvent]:
            self._check_plan(actor, plan, "update_plan")
            courier = self._courier(plan.courier_id)
            if not courier.online:
                raise InvalidInputError(f"courier {plan.courier_id!r}", "is offline")
            return [ev.courier_plan(plan)]

        args = {"courier": plan.courier_id if isinstance(plan, CourierPlan) else None}
        return self._run("update_plan", actor, command_id, args, decide)

    # ------------------------------------------------------------------ hazards

    def report_hazard(
        self,
        actor: Actor,
        *,
        location: Location,
        kind: str,
        note: str = "",
        photo_ref: str | None = None,
        community: str | None = None,
        command_id: str | None = None,
    ) -> Outcome:
        """Report a hazard (隐患随手拍): a ticket in the community staff's queue.

        Residents report in their own community; couriers name the community
        (or their own, if they have one); staff in theirs; admins anywhere.
        """
        where = community if community is not None else actor.community

        def decide(now: int) -> list[NewEvent]:
            if where is None:
                raise InvalidInputError("community", "needed when the actor has none")
            self._menu(where)
            if actor.role is Role.RESIDENT and actor.community != where:
                why = "residents report in their own community only"
                raise PermissionDeniedError(actor.label, "report_hazard", why)
            if actor.role is Role.STAFF and not actor.manages(where):
                raise PermissionDeniedError(actor.label, "report_hazard", f"not staff of {where!r}")
            if not isinstance(location, Location):
                raise InvalidInputError("location", f"expected a Location, got {type(location)}")
            _check_id("kind", kind)
            if not isinstance(note, str):
                raise InvalidInputError("note", f"expected a string, got {type(note).__name__}")
            if photo_ref is not None:
                _check_id("photo_ref", photo_ref)
            ticket_id = f"h{self._state.next_ticket}"
            return [ev.hazard_reported(ticket_id, where, actor, location, kind, note, photo_ref)]

        return self._run("report_hazard", actor, command_id, {"community": where}, decide)

    def spawn_visit(
        self,
        actor: Actor,
        ticket_id: str,
        *,
        deadline_s: int | None = None,
        service_s: int | None = None,
        courier_kinds: Iterable[str] | None = None,
        command_id: str | None = None,
    ) -> Outcome:
        """Staff turn a hazard ticket into a follow-up visit task, dispatched at once.

        The visit's kind is :data:`HAZARD_VISIT_KIND`; its deadline and
        service default to the options' ``visit_deadline_s`` (after now) and
        ``visit_service_s``.
        """

        def decide(now: int) -> list[NewEvent]:
            ticket = self._state.tickets.get(ticket_id)
            if ticket is None:
                raise UnknownReferenceError("hazard ticket", ticket_id)
            reason = staff_reason(actor, ticket.community)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "spawn_visit", reason)
            if not ticket.is_open:
                raise InvalidInputError(f"ticket {ticket_id!r}", "is closed")
            deadline = now + self.options.visit_deadline_s if deadline_s is None else deadline_s
            if isinstance(deadline, bool) or not isinstance(deadline, int) or deadline <= now:
                raise InvalidInputError(
                    "deadline_s", f"must be an int after now ({now}), got {deadline!r}"
                )
            task_id = f"t{self._state.next_task}"
            visit = Visit(
                id=task_id,
                stop=Stop(
                    location=ticket.location,
                    windows=[(now, deadline)],
                    service_s=self.options.visit_service_s if service_s is None else service_s,
                ),
                kind=HAZARD_VISIT_KIND,
            )
            record = TaskRecord(
                id=task_id,
                community=ticket.community,
                kind=HAZARD_VISIT_KIND,
                task=visit,
                origin=actor,
                contact=None,
                courier_kinds=None if courier_kinds is None else frozenset(courier_kinds),
                created_s=now,
                deadline_s=deadline,
                state=TaskState.SUBMITTED,
                updated_s=now,
                ticket_id=ticket_id,
            )
            spawned = NewEvent(ev.HAZARD_VISIT, {"ticket": ticket_id, "task": task_id})
            return [ev.submitted(record), spawned, *self._dispatch(record, now)]

        return self._run("spawn_visit", actor, command_id, {"ticket": ticket_id}, decide)

    def close_ticket(
        self, actor: Actor, ticket_id: str, resolution: str, *, command_id: str | None = None
    ) -> Outcome:
        """Staff close a hazard ticket with a resolution."""

        def decide(now: int) -> list[NewEvent]:
            ticket = self._state.tickets.get(ticket_id)
            if ticket is None:
                raise UnknownReferenceError("hazard ticket", ticket_id)
            reason = staff_reason(actor, ticket.community)
            if reason is not None:
                raise PermissionDeniedError(actor.label, "close_ticket", reason)
            if not ticket.is_open:
                raise InvalidInputError(f"ticket {ticket_id!r}", "is closed already")
            if not isinstance(resolution, str):
                raise InvalidInputError("resolution", "expected a string")
            payload = {"ticket": ticket_id, "by": actor.label, "resolution": resolution}
            return [NewEvent(ev.HAZARD_CLOSED, payload)]

        return self._run("close_ticket", actor, command_id, {"ticket": ticket_id}, decide)

    # ------------------------------------------------------------------ time

    def tick(self, *, command_id: str | None = None) -> Outcome:
        """Time-driven transitions, as one command (idempotent by its id).

        In task order: a task past its deadline and not accepted expires; an
        offer past its expiry counts as a decline and the task moves on (a
        pinned one goes back to the staff); an offer not accepted within
        ``escalate_before_s`` of the deadline is withdrawn and the task
        escalated. Then, every ``reoptimise_every_s``, a re-optimisation of
        the tasks not touched by this tick.
        """

        def decide(now: int) -> list[NewEvent]:
            events: list[NewEvent] = []
            touched: set[str] = set()
            waiting = (
                TaskState.SUBMITTED,
                TaskState.OFFERED,
                TaskState.ESCALATED,
                TaskState.DECLINED_BY_ALL,
            )
            for record in self._state.in_state(*waiting):
                offer = record.offer
                if now > record.deadline_s:
                    reason = "deadline passed before a courier accepted"
                    events.append(ev.task_event(Action.EXPIRE, record.id, reason=reason))
                elif offer is not None and now >= offer.expires_s:
                    events.append(
                        ev.task_event(Action.EXPIRE_OFFER, record.id, courier=offer.courier_id)
                    )
                    events += self._after_refusal(
                        record, offer.courier_id, now, counts=True, why="let the offer expire"
                    )
                elif (
                    offer is not None and record.deadline_s - now <= self.options.escalate_before_s
                ):
                    events.append(
                        ev.task_event(
                            Action.WITHDRAW,
                            record.id,
                            courier=offer.courier_id,
                            reason="deadline near",
                        )
                    )
                    reason = f"deadline in {record.deadline_s - now} s and no courier has accepted"
                    events.append(ev.task_event(Action.ESCALATE, record.id, reason=reason))
                else:
                    continue
                touched.add(record.id)
            every = self.options.reoptimise_every_s
            last = self._state.last_reoptimise_s
            if every is not None and (last is None or now - last >= every):
                events += self._reoptimise(now, touched)
            return events

        return self._run("tick", None, command_id, {}, decide)

    def reoptimise(self, *, command_id: str | None = None) -> Outcome:
        """Re-match every open, unpinned errand offer with the incidental matcher.

        An offer moves (withdrawn, re-offered with a fresh expiry) when the
        matching gives the task to another courier who has not declined it;
        tasks the matching leaves out keep their offer. Accepted work is never
        touched: it is part of its courier's route (see
        :mod:`dispatch.online._planner`), whose executed prefix is behind the
        courier's reported position.
        """
        return self._run(
            "reoptimise", None, command_id, {}, lambda now: self._reoptimise(now, set())
        )

    # ------------------------------------------------------------------ views

    def _refuse(self, actor: Actor, name: str, reason: str) -> PermissionDeniedError:
        """Record a refused view (a rejection event) and return the error to raise."""
        now = max(self._clock.now_s(), self._state.now_s)
        command = {"name": name, "actor": actor_json(actor)}
        self._append(uuid.uuid4().hex, [ev.rejected(name, actor, reason)], now, command)
        logger.warning("refused %s by %s", name, actor.label)
        return PermissionDeniedError(actor.label, name, reason)

    def task_view(self, task_id: str, actor: Actor) -> TaskView:
        """The task as ``actor`` may see it (see :mod:`dispatch.online._views`).

        A refusal is recorded like a refused command.
        """
        with self._lock:
            record = self._task(task_id)
            reason = view_reason(record, actor)
            if reason is not None:
                raise self._refuse(actor, "view", reason)
            return view_of(record, actor)

    def tasks_for(self, actor: Actor) -> list[TaskView]:
        """The active tasks that concern ``actor``, as they may see them.

        A resident's own requests; a courier's pending offers and held tasks;
        staff's community's tasks; every task for an admin.
        """
        with self._lock:
            out = []
            for record in self._state.active_tasks():
                if actor.role is Role.COURIER:
                    offer = record.offer
                    mine = record.holder == actor.id or (
                        offer is not None and offer.courier_id == actor.id
                    )
                elif actor.role is Role.RESIDENT:
                    mine = record.origin == actor
                else:
                    mine = actor.manages(record.community)
                if mine:
                    out.append(view_of(record, actor))
            return out

    def staff_queue(self, actor: Actor, community: str | None = None) -> list[QueueEntry]:
        """The open items of a community staff queue: escalations, alerts, hazard tickets.

        Staff see their own community's; an admin any one (or all, with None).
        """
        with self._lock:
            where = community if community is not None else actor.community
            if actor.role is not Role.ADMIN:
                reason = staff_reason(actor, where or "")
                if reason is not None or where is None:
                    raise self._refuse(actor, "staff_queue", reason or "no community")
            return queue_of(self._state, where)


def _summary(event: StoredEvent) -> str:
    """An event for the log: kind and ids only (never contact, places or free text)."""
    p = event.payload
    ids = [
        str(p[key]) for key in ("task", "courier", "ticket", "alert") if isinstance(p.get(key), str)
    ]
    offer = p.get("offer")
    if isinstance(offer, Mapping) and isinstance(offer.get("courier"), str):
        ids.append(f"to {offer['courier']}")
    return f"{event.kind}({' '.join(ids)})" if ids else event.kind
