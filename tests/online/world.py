"""A small synthetic world for the dispatcher's tests: places, menus, couriers, people.

Places lie on a 2 km square around (31.2, 121.4); travel is straight-line
(:class:`~dispatch.HaversineTravel`). Two communities, ``xinhua`` and
``tianlin``, share one menu: groceries (any courier), medicine (priority 2,
shorter deadline) and water (load 2, volunteers and parcel couriers only).
"""

from __future__ import annotations

from dispatch import HaversineTravel, Location, OwnStop, Stop
from dispatch.incidental import CourierPlan
from dispatch.online import (
    Actor,
    Contact,
    Dispatcher,
    DispatchOptions,
    ManualClock,
    ServiceMenu,
    menus_from_dict,
)
from dispatch.store import EventStore, MemoryEventStore

__all__ = [
    "ADMIN",
    "COMMUNITIES",
    "MENU",
    "PLACES",
    "RESIDENTS",
    "STAFF",
    "START_S",
    "TRAVEL",
    "contact",
    "make",
    "menus",
    "place",
    "plan",
    "reopen",
]

TRAVEL = HaversineTravel()
START_S = 8 * 3600
COMMUNITIES = ("xinhua", "tianlin")
MENU = {
    "groceries": {"load": 1, "deadline_s": 7200, "pickup_service_s": 120},
    "medicine": {"load": 1, "deadline_s": 5400, "priority": 2},
    "water": {"load": 2, "deadline_s": 7200, "courier_kinds": ["volunteer", "parcel"]},
}

#: A 5 x 5 grid of places about 500 m apart (index 0 at the south-west corner).
PLACES = tuple(
    Location(lat=round(31.2 + 0.0045 * (k // 5), 6), lon=round(121.4 + 0.0052 * (k % 5), 6))
    for k in range(25)
)

RESIDENTS = {
    "r1": Actor.resident("r1", "xinhua"),
    "r2": Actor.resident("r2", "xinhua"),
    "r3": Actor.resident("r3", "tianlin"),
}
STAFF = {"xinhua": Actor.staff("s1", "xinhua"), "tianlin": Actor.staff("s2", "tianlin")}
ADMIN = Actor.admin("root")


def place(k: int) -> Location:
    """The ``k``-th place of the grid."""
    return PLACES[k % len(PLACES)]


def menus() -> dict[str, ServiceMenu]:
    """The two communities' menus."""
    return menus_from_dict({c: MENU for c in COMMUNITIES})


def contact(resident_id: str) -> Contact:
    """Distinctive personal data per resident (tests grep the logs for it)."""
    digits = "".join(str(ord(ch) % 10) for ch in resident_id).ljust(8, "7")[:8]
    return Contact(f"Name-{resident_id}", f"139{digits}", f"Lane {resident_id} No. 88 Room 1701")


def plan(
    courier_id: str,
    at: int,
    now_s: int = START_S,
    *,
    capacity: int = 4,
    shift_s: int = 10 * 3600,
    own: tuple[int, ...] = (),
    max_per_shift: int | None = None,
    accepts: list[str] | None = None,
    detour_budget_s: int | None = 3600,
) -> CourierPlan:
    """A courier at place ``at`` with own stops (no windows) at the places ``own``."""
    return CourierPlan(
        courier_id=courier_id,
        position=place(at),
        now_s=now_s,
        shift_end_s=now_s + shift_s,
        capacity=capacity,
        own_stops=[
            OwnStop(id=f"{courier_id}-own{k}", stop=Stop(location=place(p), service_s=60))
            for k, p in enumerate(own)
        ],
        accepts=accepts,
        detour_budget_s=detour_budget_s,
        max_errands_per_shift=max_per_shift,
    )


def make(
    store: EventStore | None = None,
    clock: ManualClock | None = None,
    options: DispatchOptions | None = None,
) -> Dispatcher:
    """A dispatcher on ``store`` (a fresh memory store by default) at 08:00."""
    return Dispatcher.open(
        MemoryEventStore() if store is None else store,
        travel=TRAVEL,
        menus=menus(),
        clock=ManualClock(START_S) if clock is None else clock,
        options=options or DispatchOptions(reoptimise_every_s=None),
    )


def reopen(dispatcher: Dispatcher) -> Dispatcher:
    """A second dispatcher rebuilt from the first one's store (same clock and options)."""
    return Dispatcher.open(
        dispatcher.store,
        travel=TRAVEL,
        menus=dispatcher.menus,
        clock=dispatcher.clock,
        options=dispatcher.options,
    )
