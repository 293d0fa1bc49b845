"""The fold: :func:`apply` one stored event to the state.

``apply`` is the only code that changes a :class:`DispatchState`. It reads
the event's payload and its ``recorded_s`` (the command's clock time), never
a clock, the matcher or the travel model, so replaying a log always gives
the same state. Every task event goes through the transition table
(:func:`~dispatch.online.transition`); an event that does not fit the state
means the log is corrupt and raises :class:`~dispatch.store.StoreError`
naming the event. Events of the points ledger (:data:`SHARED_LOG_PREFIXES`,
:mod:`dispatch.points`) share the log: they only advance ``seq``.

Examples
--------
>>> from dispatch.store import StoredEvent
>>> state = DispatchState()
>>> apply(state, StoredEvent(1, "reoptimise.ran", {"considered": 0, "moved": 0}, "c1", 60))
>>> state.seq, state.now_s, state.last_reoptimise_s
(1, 60, 60)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from dispatch.errors import DispatchError
from dispatch.online import _events as ev
from dispatch.online._codec import (
    actor_from,
    contact_from,
    location_from,
    offer_from,
    plan_from,
    routing_task_from,
)
from dispatch.online._lifecycle import ACTION_OF_KIND, Action, TaskState, transition
from dispatch.online._records import Alert, CourierRecord, HazardTicket, TaskRecord
from dispatch.online._state import DispatchState
from dispatch.store._events import StoredEvent, StoreError

__all__ = ["SHARED_LOG_PREFIXES", "apply"]

Payload = Mapping[str, Any]

SHARED_LOG_PREFIXES = ("points.", "feedback.")
"""Kinds written to the same log by the points ledger; the dispatcher's state ignores them."""


def apply(state: DispatchState, event: StoredEvent) -> None:
    """Fold ``event`` into ``state`` (in place).

    Raises
    ------
    StoreError
        The event does not follow the state (wrong ``seq``, unknown id, a
        transition the table forbids): the log is corrupt.

    Examples
    --------
    >>> from dispatch.store import StoredEvent
    >>> state = DispatchState()
    >>> apply(state, StoredEvent(1, "task.accepted", {"task": "t9", "courier": "c1"}, "x", 0))
    Traceback (most recent call last):
    ...
    dispatch.store._events.StoreError: event 1 (task.accepted) does not apply: 't9'
    """
    if event.seq != state.seq + 1:
        raise StoreError(f"event {event.seq} follows event {state.seq}: the log has a gap")
    if event.kind.startswith(SHARED_LOG_PREFIXES):
        state.seq = event.seq
        return
    try:
        action = ACTION_OF_KIND.get(event.kind)
        if action is not None:
            _task_action(state, action, event.payload, event.recorded_s)
        else:
            handler = _HANDLERS.get(event.kind)
            if handler is None:
                raise ValueError(f"unknown event kind {event.kind!r}")
            handler(state, event.payload, event.recorded_s)
    except (DispatchError, KeyError, TypeError, ValueError) as err:
        if isinstance(err, StoreError):
            raise
        raise StoreError(f"event {event.seq} ({event.kind}) does not apply: {err}") from err
    state.seq = event.seq
    state.now_s = max(state.now_s, event.recorded_s)


def _submitted(state: DispatchState, p: Payload, t: int) -> None:
    task_id = p["task"]
    if task_id in state.tasks:
        raise ValueError(f"task {task_id!r} exists already")
    state.put_task(
        TaskRecord(
            id=task_id,
            community=p["community"],
            kind=p["kind"],
            task=routing_task_from(p["routing"]),
            origin=actor_from(p["origin"]),
            contact=contact_from(p["contact"]),
            courier_kinds=p["courier_kinds"],
            created_s=t,
            deadline_s=p["deadline_s"],
            state=TaskState.SUBMITTED,
            updated_s=t,
            ticket_id=p["ticket"],
        )
    )
    state.next_task += 1
    ticket_id = p["ticket"]
    if ticket_id is not None:
        ticket = state.tickets[ticket_id]
        state.tickets[ticket_id] = attrs.evolve(ticket, visits=(*ticket.visits, task_id))


def _courier_named(record: TaskRecord, p: Payload, who: str | None) -> str:
    courier_id: str = p["courier"]
    if courier_id != who:
        raise ValueError(f"task {record.id!r} is with {who!r}, not {courier_id!r}")
    return courier_id


def _hold(state: DispatchState, courier_id: str, task_id: str, *, add: bool) -> None:
    courier = state.couriers[courier_id]
    if add:
        state.couriers[courier_id] = attrs.evolve(
            courier, held=(*courier.held, task_id), accepted_count=courier.accepted_count + 1
        )
    else:
        state.couriers[courier_id] = attrs.evolve(
            courier, held=tuple(h for h in courier.held if h != task_id)
        )


def _task_action(state: DispatchState, action: Action, p: Payload, t: int) -> None:
    record = state.tasks[p["task"]]
    target = transition(record.id, record.state, action)
    changes: dict[str, Any] = {"state": target, "updated_s": t}
    offered_to = record.offer.courier_id if record.offer is not None else None
    if action is Action.OFFER:
        offer = offer_from(p["offer"])
        if offer is None or offer.courier_id not in state.couriers:
            raise ValueError(f"offer of task {record.id!r} names no known courier")
        changes["offer"] = offer
    elif action is Action.ACCEPT:
        courier_id = _courier_named(record, p, offered_to)
        changes.update(offer=None, accepted=record.offer, courier_id=courier_id)
        _hold(state, courier_id, record.id, add=True)
    elif action in (Action.DECLINE, Action.EXPIRE_OFFER):
        courier_id = _courier_named(record, p, offered_to)
        changes.update(
            offer=None, declined=record.declined | {courier_id}, declines=record.declines + 1
        )
    elif action is Action.WITHDRAW:
        _courier_named(record, p, offered_to)
        changes["offer"] = None
    elif action is Action.RELEASE:
        courier_id = _courier_named(record, p, record.holder)
        changes.update(accepted=None, courier_id=None)
        _hold(state, courier_id, record.id, add=False)
    elif action in (Action.ESCALATE, Action.DECLINE_ALL, Action.EXPIRE):
        changes.update(reason=p.get("reason"), offer=None)
    elif action is Action.REPOST:
        changes.update(declined=frozenset(), declines=0, reason=None)
    elif action in (Action.PICK_UP, Action.DELIVER):
        _courier_named(record, p, record.holder)
        if action is Action.DELIVER:
            _hold(state, record.holder or "", record.id, add=False)
    elif action in (Action.CANCEL, Action.FAIL):
        changes.update(reason=p.get("reason"), offer=None)
        if record.holder is not None:
            _hold(state, record.holder, record.id, add=False)
    state.put_task(attrs.evolve(record, **changes))


def _courier_online(state: DispatchState, p: Payload, t: int) -> None:
    courier_id = p["courier"]
    old = state.couriers.get(courier_id)
    if old is not None and old.online:
        raise ValueError(f"courier {courier_id!r} is online already")
    plan = plan_from(p["plan"])
    state.couriers[courier_id] = CourierRecord(
        id=courier_id,
        plan=plan,
        category=p["category"],
        online=True,
        since_s=t,
        held=() if old is None else old.held,
    )


def _courier_offline(state: DispatchState, p: Payload, t: int) -> None:
    courier = state.couriers[p["courier"]]
    if not courier.online:
        raise ValueError(f"courier {courier.id!r} is offline already")
    state.couriers[courier.id] = attrs.evolve(courier, online=False, since_s=t)


def _courier_position(state: DispatchState, p: Payload, t: int) -> None:
    courier = state.couriers[p["courier"]]
    plan = attrs.evolve(courier.plan, position=location_from(p["position"]))
    state.couriers[courier.id] = attrs.evolve(courier, plan=plan)


def _courier_plan(state: DispatchState, p: Payload, t: int) -> None:
    courier = state.couriers[p["courier"]]
    state.couriers[courier.id] = attrs.evolve(courier, plan=plan_from(p["plan"]))


def _alert_raised(state: DispatchState, p: Payload, t: int) -> None:
    alert_id = p["alert"]
    if alert_id in state.alerts:
        raise ValueError(f"alert {alert_id!r} exists already")
    state.alerts[alert_id] = Alert(
        id=alert_id,
        community=p["community"],
        task_id=p["task"],
        courier_id=p["courier"],
        reason=p["reason"],
        raised_s=t,
    )
    state.next_alert += 1


def _alert_acknowledged(state: DispatchState, p: Payload, t: int) -> None:
    alert = state.alerts[p["alert"]]
    if alert.acknowledged_s is not None:
        raise ValueError(f"alert {alert.id!r} was acknowledged already")
    state.alerts[alert.id] = attrs.evolve(alert, acknowledged_s=t, acknowledged_by=p["by"])


def _hazard_reported(state: DispatchState, p: Payload, t: int) -> None:
    ticket_id = p["ticket"]
    if ticket_id in state.tickets:
        raise ValueError(f"ticket {ticket_id!r} exists already")
    state.tickets[ticket_id] = HazardTicket(
        id=ticket_id,
        community=p["community"],
        reporter=actor_from(p["reporter"]),
        location=location_from(p["location"]),
        kind=p["kind"],
        note=p["note"],
        photo_ref=p["photo_ref"],
        opened_s=t,
    )
    state.next_ticket += 1


def _hazard_visit(state: DispatchState, p: Payload, t: int) -> None:
    ticket = state.tickets[p["ticket"]]
    if p["task"] not in ticket.visits:
        raise ValueError(f"task {p['task']!r} was not spawned from ticket {ticket.id!r}")


def _hazard_closed(state: DispatchState, p: Payload, t: int) -> None:
    ticket = state.tickets[p["ticket"]]
    if not ticket.is_open:
        raise ValueError(f"ticket {ticket.id!r} is closed already")
    state.tickets[ticket.id] = attrs.evolve(
        ticket, closed_s=t, closed_by=p["by"], resolution=p["resolution"]
    )


def _reoptimised(state: DispatchState, p: Payload, t: int) -> None:
    state.last_reoptimise_s = t


def _rejected(state: DispatchState, p: Payload, t: int) -> None:
    state.rejected += 1


_HANDLERS: Mapping[str, Callable[[DispatchState, Payload, int], None]] = {
    ev.TASK_SUBMITTED: _submitted,
    ev.COURIER_ONLINE: _courier_online,
    ev.COURIER_OFFLINE: _courier_offline,
    ev.COURIER_POSITION: _courier_position,
    ev.COURIER_PLAN: _courier_plan,
    ev.ALERT_RAISED: _alert_raised,
    ev.ALERT_ACKNOWLEDGED: _alert_acknowledged,
    ev.HAZARD_REPORTED: _hazard_reported,
    ev.HAZARD_VISIT: _hazard_visit,
    ev.HAZARD_CLOSED: _hazard_closed,
    ev.REOPTIMISED: _reoptimised,
    ev.COMMAND_REJECTED: _rejected,
}
