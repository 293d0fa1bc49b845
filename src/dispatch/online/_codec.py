"""JSON for the dispatcher's records: event payloads and snapshots.

attrs classes are not a wire format; this module is the edge. Locations,
stops and tasks use the library's JSON problem format
(:mod:`dispatch.io._json`); the rest is written here. Every ``*_json``
function returns plain JSON values (dict, list, str, int, float, bool,
None), and every ``*_from`` reads them back to an equal value: the
round trip is tested.

Examples
--------
>>> from dispatch import Location
>>> location_from(location_json(Location(lat=31.2, lon=121.4, node=7)))
Location(lat=31.2, lon=121.4, node=7)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dispatch.incidental import CourierPlan
from dispatch.io._json import (
    _location_from,
    _location_to_dict,
    _own_stop_from,
    _stop_to_dict,
    _task_from,
    _task_to_dict,
)
from dispatch.model import Errand, Location, Visit
from dispatch.online._lifecycle import TaskState
from dispatch.online._records import (
    Alert,
    Contact,
    CourierRecord,
    HazardTicket,
    Offer,
    TaskRecord,
)
from dispatch.online._roles import Actor

__all__ = [
    "actor_from",
    "actor_json",
    "alert_from",
    "alert_json",
    "contact_from",
    "contact_json",
    "courier_from",
    "courier_json",
    "location_from",
    "location_json",
    "offer_from",
    "offer_json",
    "plan_from",
    "plan_json",
    "routing_task_from",
    "routing_task_json",
    "task_from",
    "task_json",
    "ticket_from",
    "ticket_json",
]

Json = dict[str, Any]


def location_json(location: Location) -> Json:
    """A location as ``{"lat", "lon", "node"}`` (keys only when set)."""
    return _location_to_dict(location, "location")


def location_from(data: Any) -> Location:
    """The location back from :func:`location_json`."""
    return _location_from(data, "location")


def routing_task_json(task: Errand | Visit) -> Json:
    """An errand or visit in the JSON problem format."""
    return _task_to_dict(task, "task")


def routing_task_from(data: Any) -> Errand | Visit:
    """The errand or visit back."""
    task = _task_from(data, "task")
    if not isinstance(task, Errand | Visit):
        raise TypeError(f"expected an errand or a visit, got {type(task).__name__}")
    return task


def actor_json(actor: Actor) -> Json:
    """``{"role", "id", "community"}``."""
    return {"role": actor.role.value, "id": actor.id, "community": actor.community}


def actor_from(data: Mapping[str, Any]) -> Actor:
    """The actor back."""
    return Actor(data["role"], data["id"], data["community"])


def contact_json(contact: Contact | None) -> Json | None:
    """A contact (personal data) or None."""
    if contact is None:
        return None
    return {"name": contact.name, "phone": contact.phone, "address": contact.address}


def contact_from(data: Mapping[str, Any] | None) -> Contact | None:
    """The contact back."""
    return None if data is None else Contact(data["name"], data["phone"], data["address"])


def plan_json(plan: CourierPlan) -> Json:
    """A courier's live plan."""
    return {
        "courier_id": plan.courier_id,
        "position": location_json(plan.position),
        "now_s": plan.now_s,
        "shift_end_s": plan.shift_end_s,
        "capacity": list(plan.capacity),
        "load": None if plan.load is None else list(plan.load),
        "own_stops": [
            {"id": own.id, "stop": _stop_to_dict(own.stop, f"own_stops[{k}]")}
            for k, own in enumerate(plan.own_stops)
        ],
        "end": None if plan.end is None else location_json(plan.end),
        "profile": plan.profile.value,
        "skills": sorted(plan.skills),
        "accepts": None if plan.accepts is None else sorted(plan.accepts),
        "detour_budget_s": plan.detour_budget_s,
        "detour_fraction": plan.detour_fraction,
        "max_errands_per_shift": plan.max_errands_per_shift,
        "errands_this_shift": plan.errands_this_shift,
        "max_errands_per_day": plan.max_errands_per_day,
        "errands_today": plan.errands_today,
        "recent_errands": plan.recent_errands,
    }


def plan_from(data: Mapping[str, Any]) -> CourierPlan:
    """The plan back from :func:`plan_json`."""
    return CourierPlan(
        courier_id=data["courier_id"],
        position=location_from(data["position"]),
        now_s=data["now_s"],
        shift_end_s=data["shift_end_s"],
        capacity=data["capacity"],
        load=data["load"],
        own_stops=[
            _own_stop_from(own, f"own_stops[{k}]") for k, own in enumerate(data["own_stops"])
        ],
        end=None if data["end"] is None else location_from(data["end"]),
        profile=data["profile"],
        skills=data["skills"],
        accepts=data["accepts"],
        detour_budget_s=data["detour_budget_s"],
        detour_fraction=data["detour_fraction"],
        max_errands_per_shift=data["max_errands_per_shift"],
        errands_this_shift=data["errands_this_shift"],
        max_errands_per_day=data["max_errands_per_day"],
        errands_today=data["errands_today"],
        recent_errands=data["recent_errands"],
    )


def offer_json(offer: Offer | None) -> Json | None:
    """An offer or None."""
    if offer is None:
        return None
    return {
        "courier": offer.courier_id,
        "made_s": offer.made_s,
        "expires_s": offer.expires_s,
        "detour_s": offer.detour_s,
        "pickup_after": offer.pickup_after,
        "dropoff_after": offer.dropoff_after,
        "basis": offer.basis,
        "pinned": offer.pinned,
    }


def offer_from(data: Mapping[str, Any] | None) -> Offer | None:
    """The offer back."""
    if data is None:
        return None
    return Offer(
        courier_id=data["courier"],
        made_s=data["made_s"],
        expires_s=data["expires_s"],
        detour_s=data["detour_s"],
        pickup_after=data["pickup_after"],
        dropoff_after=data["dropoff_after"],
        basis=data["basis"],
        pinned=data["pinned"],
    )


def task_json(record: TaskRecord) -> Json:
    """A task record (with its personal data: snapshots only, never logs)."""
    return {
        "id": record.id,
        "community": record.community,
        "kind": record.kind,
        "task": routing_task_json(record.task),
        "origin": actor_json(record.origin),
        "contact": contact_json(record.contact),
        "courier_kinds": None if record.courier_kinds is None else sorted(record.courier_kinds),
        "created_s": record.created_s,
        "deadline_s": record.deadline_s,
        "state": record.state.value,
        "updated_s": record.updated_s,
        "offer": offer_json(record.offer),
        "accepted": offer_json(record.accepted),
        "courier": record.courier_id,
        "declined": sorted(record.declined),
        "declines": record.declines,
        "reason": record.reason,
        "ticket": record.ticket_id,
    }


def task_from(data: Mapping[str, Any]) -> TaskRecord:
    """The task record back."""
    return TaskRecord(
        id=data["id"],
        community=data["community"],
        kind=data["kind"],
        task=routing_task_from(data["task"]),
        origin=actor_from(data["origin"]),
        contact=contact_from(data["contact"]),
        courier_kinds=data["courier_kinds"],
        created_s=data["created_s"],
        deadline_s=data["deadline_s"],
        state=TaskState(data["state"]),
        updated_s=data["updated_s"],
        offer=offer_from(data["offer"]),
        accepted=offer_from(data["accepted"]),
        courier_id=data["courier"],
        declined=data["declined"],
        declines=data["declines"],
        reason=data["reason"],
        ticket_id=data["ticket"],
    )


def courier_json(record: CourierRecord) -> Json:
    """A courier record."""
    return {
        "id": record.id,
        "plan": plan_json(record.plan),
        "category": record.category,
        "online": record.online,
        "since_s": record.since_s,
        "accepted_count": record.accepted_count,
        "held": list(record.held),
    }


def courier_from(data: Mapping[str, Any]) -> CourierRecord:
    """The courier record back."""
    return CourierRecord(
        id=data["id"],
        plan=plan_from(data["plan"]),
        category=data["category"],
        online=data["online"],
        since_s=data["since_s"],
        accepted_count=data["accepted_count"],
        held=data["held"],
    )


def alert_json(alert: Alert) -> Json:
    """An alert."""
    return {
        "id": alert.id,
        "community": alert.community,
        "task": alert.task_id,
        "courier": alert.courier_id,
        "reason": alert.reason,
        "raised_s": alert.raised_s,
        "acknowledged_s": alert.acknowledged_s,
        "acknowledged_by": alert.acknowledged_by,
    }


def alert_from(data: Mapping[str, Any]) -> Alert:
    """The alert back."""
    return Alert(
        id=data["id"],
        community=data["community"],
        task_id=data["task"],
        courier_id=data["courier"],
        reason=data["reason"],
        raised_s=data["raised_s"],
        acknowledged_s=data["acknowledged_s"],
        acknowledged_by=data["acknowledged_by"],
    )


def ticket_json(ticket: HazardTicket) -> Json:
    """A hazard ticket."""
    return {
        "id": ticket.id,
        "community": ticket.community,
        "reporter": actor_json(ticket.reporter),
        "location": location_json(ticket.location),
        "kind": ticket.kind,
        "note": ticket.note,
        "photo_ref": ticket.photo_ref,
        "opened_s": ticket.opened_s,
        "visits": list(ticket.visits),
        "closed_s": ticket.closed_s,
        "closed_by": ticket.closed_by,
        "resolution": ticket.resolution,
    }


def ticket_from(data: Mapping[str, Any]) -> HazardTicket:
    """The hazard ticket back."""
    return HazardTicket(
        id=data["id"],
        community=data["community"],
        reporter=actor_from(data["reporter"]),
        location=location_from(data["location"]),
        kind=data["kind"],
        note=data["note"],
        photo_ref=data["photo_ref"],
        opened_s=data["opened_s"],
        visits=data["visits"],
        closed_s=data["closed_s"],
        closed_by=data["closed_by"],
        resolution=data["resolution"],
    )
