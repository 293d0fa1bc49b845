"""What each actor may see of a task, and the community staff's queue.

Privacy rules (issue 4):

- A **courier** sees the exact destination and the resident's address and
  phone only for a task they hold (accepted or picked up), and only until
  it ends. For an offer, and for a task they held that has ended, they see
  the pickup (a shop: not personal) and an *approximate* destination: its
  coordinates rounded to a 0.005° grid (about 550 m north-south and 480 m
  east-west at Shanghai's latitude), or nothing when the location is only a
  node of a road graph (a node id would give the exact place away). They
  never see the resident's name.
- The **resident** who ordered sees everything about their own request.
- **Staff** of the task's community and **admins** see everything.
- Anyone else is refused (:class:`~dispatch.online.PermissionDeniedError`).

Examples
--------
>>> from dispatch import Location
>>> approximate(Location(lat=31.23456, lon=121.47321))
Location(lat=31.235, lon=121.475, node=None)
>>> approximate(Location(node=17)) is None
True
"""

from __future__ import annotations

import attrs

from dispatch.model import Errand, Location
from dispatch.online._lifecycle import HELD, STAFF_QUEUE, TERMINAL, TaskState
from dispatch.online._records import TaskRecord
from dispatch.online._roles import Actor, Role
from dispatch.online._state import DispatchState

__all__ = ["GRID_DEG", "QueueEntry", "TaskView", "approximate", "queue_of", "view_of"]

GRID_DEG = 0.005
"""Grid (degrees) to which approximate locations are rounded."""


def approximate(location: Location) -> Location | None:
    """``location`` rounded to the :data:`GRID_DEG` grid; None without coordinates.

    Examples
    --------
    >>> approximate(Location(lat=31.2012, lon=121.4988, node=4))
    Location(lat=31.2, lon=121.5, node=None)
    """
    if location.lat is None or location.lon is None:
        return None
    return Location(
        lat=round(round(location.lat / GRID_DEG) * GRID_DEG, 6),
        lon=round(round(location.lon / GRID_DEG) * GRID_DEG, 6),
    )


@attrs.frozen(kw_only=True)
class TaskView:
    """A task as one actor may see it; withheld fields are None.

    ``destination`` is the drop-off (or the visit's place): exact when
    ``exact`` is true, else approximate (see :func:`approximate`).

    Examples
    --------
    See :meth:`Dispatcher.task_view <dispatch.online.Dispatcher.task_view>`; the
    tests in ``tests/online/test_views.py`` go through every rule.
    """

    task_id: str
    kind: str
    state: TaskState
    community: str
    created_s: int
    deadline_s: int
    courier_id: str | None
    offer_expires_s: int | None
    pickup: Location | None
    destination: Location | None
    exact: bool
    address: str | None
    phone: str | None
    name: str | None
    reason: str | None


def _destination(record: TaskRecord) -> Location:
    task = record.task
    return task.dropoff.location if isinstance(task, Errand) else task.stop.location


def view_reason(record: TaskRecord, actor: Actor) -> str | None:
    """Why ``actor`` may not see ``record`` (None = they may)."""
    if actor.manages(record.community):
        return None
    if actor.role is Role.RESIDENT and record.origin == actor:
        return None
    if actor.role is Role.COURIER:
        offered_to = record.offer.courier_id if record.offer is not None else None
        if actor.id in (offered_to, record.courier_id):
            return None
        return f"courier {actor.id!r} has no offer for and does not hold task {record.id!r}"
    return f"{actor.label} is not allowed to see task {record.id!r}"


def view_of(record: TaskRecord, actor: Actor) -> TaskView:
    """``record`` as ``actor`` may see it (call :func:`view_reason` first)."""
    full = actor.role is not Role.COURIER
    holds = record.state in HELD and record.courier_id == actor.id
    exact = full or holds
    contact = record.contact
    destination = _destination(record)
    pickup = record.task.pickup.location if isinstance(record.task, Errand) else None
    offer = record.offer
    return TaskView(
        task_id=record.id,
        kind=record.kind,
        state=record.state,
        community=record.community,
        created_s=record.created_s,
        deadline_s=record.deadline_s,
        courier_id=offer.courier_id if offer is not None else record.courier_id,
        offer_expires_s=offer.expires_s if offer is not None else None,
        pickup=pickup,
        destination=destination if exact else approximate(destination),
        exact=exact,
        address=contact.address if contact is not None and exact else None,
        phone=contact.phone if contact is not None and exact else None,
        name=contact.name if contact is not None and full else None,
        reason=record.reason if full else None,
    )


@attrs.frozen(kw_only=True)
class QueueEntry:
    """One item in a community staff's queue.

    ``kind`` is ``escalated`` or ``declined_by_all`` (a task waiting for
    staff: re-post, pin or cancel it), ``alert`` (acknowledge it) or
    ``hazard`` (an open ticket: spawn a visit, close it); ``ref`` is the task,
    alert or ticket id.

    Examples
    --------
    >>> queue_of(DispatchState(), "xinhua")
    []
    """

    kind: str
    ref: str
    community: str
    task_id: str | None
    reason: str
    since_s: int


def queue_of(state: DispatchState, community: str | None) -> list[QueueEntry]:
    """The open queue items of ``community`` (None = every community), oldest first."""
    out: list[QueueEntry] = []
    for record in state.active_tasks():
        if record.state in STAFF_QUEUE and community in (None, record.community):
            out.append(
                QueueEntry(
                    kind=record.state.value,
                    ref=record.id,
                    community=record.community,
                    task_id=record.id,
                    reason=record.reason or "",
                    since_s=record.updated_s,
                )
            )
    for alert in state.alerts.values():
        if alert.acknowledged_s is None and community in (None, alert.community):
            out.append(
                QueueEntry(
                    kind="alert",
                    ref=alert.id,
                    community=alert.community,
                    task_id=alert.task_id,
                    reason=alert.reason,
                    since_s=alert.raised_s,
                )
            )
    for ticket in state.tickets.values():
        if ticket.is_open and community in (None, ticket.community):
            out.append(
                QueueEntry(
                    kind="hazard",
                    ref=ticket.id,
                    community=ticket.community,
                    task_id=None,
                    reason=f"hazard reported: {ticket.kind}",
                    since_s=ticket.opened_s,
                )
            )
    out.sort(key=lambda e: (e.since_s, e.kind, e.ref))
    return out


def ended(record: TaskRecord) -> bool:
    """True once the task is in a terminal state."""
    return record.state in TERMINAL
