"""The dispatcher's state, record by record: tasks, couriers, alerts, hazard tickets.

Every record is a frozen attrs value; the state (:mod:`dispatch.online._state`)
swaps a record for a changed copy (``attrs.evolve``) when an event applies.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from dispatch.incidental import CourierPlan
from dispatch.model import Errand, Location, Visit
from dispatch.online._lifecycle import HELD, TaskState
from dispatch.online._roles import Actor

__all__ = ["Alert", "Contact", "CourierRecord", "HazardTicket", "Offer", "TaskRecord"]


def _frozen_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _optional_set(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(repr=False)
class Contact:
    """A resident's personal data: name, phone, exact address.

    Its ``repr`` hides the values, so a contact that slips into a log line or
    a traceback does not leak them. Only :meth:`Dispatcher.task_view
    <dispatch.online.Dispatcher.task_view>` hands them out, to those allowed.

    Examples
    --------
    >>> Contact("Wang Fang", "13800000000", "Lane 12, No. 5, Room 301")
    Contact(<withheld>)
    """

    name: str
    phone: str
    address: str

    def __repr__(self) -> str:
        return "Contact(<withheld>)"


@attrs.frozen(kw_only=True)
class Offer:
    """An offer of a task to one courier, and where the task would go on their route.

    ``pickup_after`` / ``dropoff_after`` are the ids of the route points the
    task's stops follow (the courier's id = right away; the task's own id for
    the drop-off = right after its pickup), as the ranking found them;
    ``detour_s`` is the added busy time. ``basis`` says who decided:
    ``matcher`` (the incidental matcher's ranking), ``travel`` (visits: nearest
    by travel time), ``pin`` (staff), ``reoptimise``.

    Examples
    --------
    >>> Offer(courier_id="c1", made_s=0, expires_s=300, detour_s=240, pickup_after="c1",
    ...       dropoff_after="t1", basis="matcher").pinned
    False
    """

    courier_id: str
    made_s: int
    expires_s: int
    detour_s: int
    pickup_after: str
    dropoff_after: str
    basis: str
    pinned: bool = False


@attrs.frozen(kw_only=True)
class TaskRecord:
    """One task and everything the dispatcher knows about it.

    ``task`` is the routing task (an :class:`~dispatch.Errand`, or a
    :class:`~dispatch.Visit` for hazard follow-ups). ``offer`` is the pending
    offer (state offered); ``accepted`` the offer the holder accepted;
    ``courier_id`` the courier who holds (or last held) it. ``declined`` are
    the couriers who declined it or let an offer expire (never offered it
    again until staff re-post it). ``reason`` is why it was last escalated,
    declined by all, cancelled, failed or expired.

    Examples
    --------
    >>> from dispatch import Stop
    >>> record = TaskRecord(
    ...     id="t1", community="xinhua", kind="hazard_visit",
    ...     task=Visit(id="t1", stop=Stop(location=Location(node=3))),
    ...     origin=Actor.staff("s1", "xinhua"), contact=None, courier_kinds=None,
    ...     created_s=0, deadline_s=3600, state=TaskState.ACCEPTED, updated_s=60,
    ...     courier_id="c1")
    >>> record.holder, record.allows("food")
    ('c1', True)
    """

    id: str
    community: str
    kind: str
    task: Errand | Visit
    origin: Actor
    contact: Contact | None
    courier_kinds: frozenset[str] | None = attrs.field(converter=_optional_set)
    created_s: int
    deadline_s: int
    state: TaskState
    updated_s: int
    offer: Offer | None = None
    accepted: Offer | None = None
    courier_id: str | None = None
    declined: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set)
    declines: int = 0
    reason: str | None = None
    ticket_id: str | None = None

    @property
    def holder(self) -> str | None:
        """The courier holding the task now (accepted or picked up), else None."""
        return self.courier_id if self.state in HELD else None

    def allows(self, category: str | None) -> bool:
        """Whether a courier of ``category`` may carry it (the menu's ``courier_kinds``)."""
        return self.courier_kinds is None or category in self.courier_kinds


@attrs.frozen(kw_only=True)
class CourierRecord:
    """A courier known to the dispatcher: their live plan and what they hold.

    ``plan`` is the last :class:`~dispatch.incidental.CourierPlan` they sent
    (position reports move its ``position`` and ``now_s``). ``accepted_count``
    counts the tasks they accepted through the dispatcher since going online;
    it is added to the plan's ``errands_this_shift`` / ``errands_today`` when
    the caps are checked. ``held`` lists the tasks they hold, in the order
    accepted.

    Examples
    --------
    >>> plan = CourierPlan(courier_id="c1", position=Location(node=0), now_s=0,
    ...                    shift_end_s=3600, capacity=2)
    >>> CourierRecord(id="c1", plan=plan, category="volunteer", online=True, since_s=0).held
    ()
    """

    id: str
    plan: CourierPlan
    category: str | None
    online: bool
    since_s: int
    accepted_count: int = 0
    held: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)


@attrs.frozen(kw_only=True)
class Alert:
    """Something community staff must look at: a task stuck with an offline courier, a failure.

    Examples
    --------
    >>> Alert(id="a1", community="xinhua", task_id="t4", courier_id="c2",
    ...       reason="task failed", raised_s=600).acknowledged_s is None
    True
    """

    id: str
    community: str
    task_id: str
    courier_id: str | None
    reason: str
    raised_s: int
    acknowledged_s: int | None = None
    acknowledged_by: str | None = None


@attrs.frozen(kw_only=True)
class HazardTicket:
    """A hazard report (隐患随手拍) in a community's staff queue, tracked to closure.

    ``visits`` are the follow-up visit tasks spawned from it.

    Examples
    --------
    >>> ticket = HazardTicket(id="h1", community="xinhua", reporter=Actor.resident("r1", "xinhua"),
    ...                       location=Location(node=9), kind="blocked_exit", note="",
    ...                       photo_ref=None, opened_s=0)
    >>> ticket.is_open, ticket.visits
    (True, ())
    """

    id: str
    community: str
    reporter: Actor
    location: Location
    kind: str
    note: str
    photo_ref: str | None
    opened_s: int
    visits: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    closed_s: int | None = None
    closed_by: str | None = None
    resolution: str | None = None

    @property
    def is_open(self) -> bool:
        """True until staff close it."""
        return self.closed_s is None
