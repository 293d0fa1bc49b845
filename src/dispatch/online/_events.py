"""The dispatcher's event vocabulary: every kind, and one builder per payload shape.

Task events are ``task.<action>`` (see :class:`~dispatch.online.Action`); the
others are listed in :data:`EVENT_KINDS`. Payloads hold ids, times,
decisions (who was offered what, where on their route, the re-optimiser's
choices) and, in ``task.submitted`` only, the resident's contact. They are
plain JSON, so a replay reads exactly what was decided and never calls the
matcher or the clock.

Examples
--------
>>> event = task_event(Action.DECLINE, "t1", courier="c1", reason="too far")
>>> event.kind, dict(event.payload)
('task.declined', {'task': 't1', 'courier': 'c1', 'reason': 'too far'})
"""

from __future__ import annotations

from typing import Any

from dispatch.incidental import CourierPlan
from dispatch.model import Location
from dispatch.online._codec import (
    actor_json,
    contact_json,
    location_json,
    offer_json,
    plan_json,
    routing_task_json,
)
from dispatch.online._lifecycle import Action
from dispatch.online._records import Offer, TaskRecord
from dispatch.online._roles import Actor
from dispatch.store._events import NewEvent

__all__ = [
    "ALERT_ACKNOWLEDGED",
    "ALERT_RAISED",
    "COMMAND_REJECTED",
    "COURIER_OFFLINE",
    "COURIER_ONLINE",
    "COURIER_PLAN",
    "COURIER_POSITION",
    "EVENT_KINDS",
    "HAZARD_CLOSED",
    "HAZARD_REPORTED",
    "HAZARD_VISIT",
    "REOPTIMISED",
    "TASK_SUBMITTED",
    "alert_raised",
    "courier_online",
    "courier_plan",
    "courier_position",
    "hazard_reported",
    "offered",
    "rejected",
    "submitted",
    "task_event",
]

TASK_SUBMITTED = "task.submitted"
COURIER_ONLINE = "courier.online"
COURIER_OFFLINE = "courier.offline"
COURIER_POSITION = "courier.position"
COURIER_PLAN = "courier.plan_updated"
ALERT_RAISED = "alert.raised"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
HAZARD_REPORTED = "hazard.reported"
HAZARD_VISIT = "hazard.visit_spawned"
HAZARD_CLOSED = "hazard.closed"
REOPTIMISED = "reoptimise.ran"
COMMAND_REJECTED = "command.rejected"

EVENT_KINDS = (
    TASK_SUBMITTED,
    *(a.event_kind for a in Action),
    COURIER_ONLINE,
    COURIER_OFFLINE,
    COURIER_POSITION,
    COURIER_PLAN,
    ALERT_RAISED,
    ALERT_ACKNOWLEDGED,
    HAZARD_REPORTED,
    HAZARD_VISIT,
    HAZARD_CLOSED,
    REOPTIMISED,
    COMMAND_REJECTED,
)
"""Every event kind the dispatcher writes."""


def submitted(record: TaskRecord) -> NewEvent:
    """``task.submitted``: the whole new task (its state and times come from the event)."""
    return NewEvent(
        TASK_SUBMITTED,
        {
            "task": record.id,
            "community": record.community,
            "kind": record.kind,
            "routing": routing_task_json(record.task),
            "origin": actor_json(record.origin),
            "contact": contact_json(record.contact),
            "courier_kinds": None if record.courier_kinds is None else sorted(record.courier_kinds),
            "deadline_s": record.deadline_s,
            "ticket": record.ticket_id,
        },
    )


def task_event(action: Action, task_id: str, **fields: Any) -> NewEvent:
    """``task.<action>`` with the task's id and ``fields``."""
    return NewEvent(action.event_kind, {"task": task_id, **fields})


def offered(task_id: str, offer: Offer) -> NewEvent:
    """``task.offered`` with the whole offer (courier, expiry, route position, basis)."""
    return task_event(Action.OFFER, task_id, offer=offer_json(offer))


def courier_online(plan: CourierPlan, category: str | None) -> NewEvent:
    """``courier.online`` with the plan the courier sent."""
    return NewEvent(
        COURIER_ONLINE, {"courier": plan.courier_id, "plan": plan_json(plan), "category": category}
    )


def courier_plan(plan: CourierPlan) -> NewEvent:
    """``courier.plan_updated``."""
    return NewEvent(COURIER_PLAN, {"courier": plan.courier_id, "plan": plan_json(plan)})


def courier_position(courier_id: str, position: Location) -> NewEvent:
    """``courier.position``."""
    return NewEvent(COURIER_POSITION, {"courier": courier_id, "position": location_json(position)})


def alert_raised(
    alert_id: str, community: str, task_id: str, courier_id: str | None, reason: str
) -> NewEvent:
    """``alert.raised``: an item for the community staff's queue."""
    return NewEvent(
        ALERT_RAISED,
        {
            "alert": alert_id,
            "community": community,
            "task": task_id,
            "courier": courier_id,
            "reason": reason,
        },
    )


def hazard_reported(
    ticket_id: str,
    community: str,
    reporter: Actor,
    location: Location,
    kind: str,
    note: str,
    photo_ref: str | None,
) -> NewEvent:
    """``hazard.reported``."""
    return NewEvent(
        HAZARD_REPORTED,
        {
            "ticket": ticket_id,
            "community": community,
            "reporter": actor_json(reporter),
            "location": location_json(location),
            "kind": kind,
            "note": note,
            "photo_ref": photo_ref,
        },
    )


def rejected(command: str, actor: Actor, reason: str) -> NewEvent:
    """``command.rejected``: a refused command, for the audit (ids and reason only)."""
    return NewEvent(
        COMMAND_REJECTED, {"command": command, "actor": actor_json(actor), "reason": reason}
    )
