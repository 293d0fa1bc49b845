"""Scripted histories made by the real dispatcher, for the points, ranking and report tests.

:class:`Town` drives :class:`~dispatch.online.Dispatcher` on a
:class:`~dispatch.online.ManualClock` through orders, offers, acceptance,
pick-up and delivery, so the ledger reads genuine events. The store's clock
starts at midnight of :data:`ORIGIN` (1 July 2026, the first day of 2026Q3).

:func:`summer` is the small fixed history whose figures the report tests
compute by hand (see its docstring).
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from collections.abc import Iterable

from tests.online.world import TRAVEL, contact, place, plan

from dispatch.online import (
    Actor,
    Dispatcher,
    DispatchOptions,
    ManualClock,
    TaskState,
    menus_from_dict,
)
from dispatch.points import PointsConfig, config_from_dict, rate_task
from dispatch.store import EventStore, MemoryEventStore, NewEvent, StoredEvent

__all__ = [
    "COURIERS",
    "ORIGIN",
    "RULES",
    "RULES_TOML",
    "SUMMER_RATINGS",
    "Town",
    "at",
    "config",
    "copy_store",
    "rate_summer",
    "summer",
]

ORIGIN = datetime.date(2026, 7, 1)
COMMUNITIES = ("xinhua", "tianlin")
MENU = {
    "groceries": {"deadline_s": 7200},
    "medicine": {"deadline_s": 5400, "priority": 2},
    "meal": {"deadline_s": 3600},
    "water": {"load": 2, "deadline_s": 7200},
}
COURIERS = {"c1": "food", "c2": "parcel", "c3": "volunteer", "c4": "volunteer"}
STAFF = {c: Actor.staff(f"s-{c}", c) for c in COMMUNITIES}

RULES_TOML = """\
[calendar]
origin = 2026-07-01

[points]
default = 5
on_time_bonus = 5
priority_at_least = 2
priority_bonus = 3
elder_kinds = ["meal"]
elder_bonus = 4

[points.kinds]
groceries = 10
medicine = 12

[points.rating_bonus]
4 = 1
5 = 3

[districts]
xuhui = ["xinhua", "tianlin"]

[awards.quarter]
top = 2
points = 50

[awards.year]
top = 1
points = 200
courier_kinds = ["food", "parcel"]
"""


@functools.cache
def config() -> PointsConfig:
    """The rules of :data:`RULES_TOML` (read once)."""
    return config_from_dict(tomllib.loads(RULES_TOML))


RULES = config().rules


def at(day: int, hour: int, minute: int = 0) -> int:
    """The store's second at ``hour:minute`` of day ``day`` (0 = 1 July 2026)."""
    return day * 86_400 + hour * 3600 + minute * 60


class Town:
    """A dispatcher on a manual clock, with one-call scripts for whole tasks."""

    def __init__(self, store: EventStore | None = None, start_s: int = at(0, 7)) -> None:
        self.store = MemoryEventStore() if store is None else store
        self.clock = ManualClock(start_s)
        self.d = self.open()

    def open(self) -> Dispatcher:
        """(Re)open the dispatcher on the store: after the ledger wrote, it must catch up."""
        self.d = Dispatcher.open(
            self.store,
            travel=TRAVEL,
            menus=menus_from_dict({c: MENU for c in COMMUNITIES}),
            clock=self.clock,
            options=DispatchOptions(reoptimise_every_s=None, snapshot_every=None),
        )
        return self.d

    def at(self, t_s: int) -> None:
        """Move the clock to ``t_s`` (never back)."""
        self.clock.set(max(t_s, self.clock.now_s()))

    def online(self, couriers: Iterable[str] = COURIERS, *, at_s: int | None = None) -> None:
        """Bring couriers online with their category from :data:`COURIERS`."""
        if at_s is not None:
            self.at(at_s)
        for k, courier in enumerate(couriers):
            self.d.go_online(
                Actor.courier(courier),
                plan(courier, 3 * k, now_s=self.clock.now_s()),
                category=COURIERS[courier],
            )

    def order(
        self,
        community: str,
        resident: str,
        kind: str,
        courier: str,
        at_s: int,
        *,
        spot: int = 0,
        on_behalf: bool = True,
    ) -> str:
        """Staff order ``kind`` for ``resident``, pinned to ``courier``, who accepts at once.

        With ``on_behalf=False`` staff order for nobody (``resident`` only names the contact).
        """
        self.at(at_s)
        out = self.d.order(
            STAFF[community],
            kind=kind,
            pickup=place(spot),
            dropoff=place(spot + 7),
            contact=contact(resident),
            on_behalf_of=resident if on_behalf else None,
            pin_to=courier,
        )
        assert out.task_id is not None
        self.d.accept(Actor.courier(courier), out.task_id)
        return out.task_id

    def deliver(self, task_id: str, at_s: int) -> None:
        """The holder picks the task up and delivers it at ``at_s``."""
        record = self.d.state.tasks[task_id]
        courier = Actor.courier(record.courier_id or "")
        self.at(max(self.clock.now_s(), (record.created_s + at_s) // 2))
        self.d.pick_up(courier, task_id)
        self.at(at_s)
        self.d.deliver(courier, task_id)
        assert self.d.state.tasks[task_id].state is TaskState.DELIVERED

    def errand(
        self,
        community: str,
        resident: str,
        kind: str,
        courier: str,
        ordered_s: int,
        delivered_s: int,
        *,
        spot: int = 0,
    ) -> str:
        """A whole task: ordered, pinned, accepted, picked up, delivered."""
        task_id = self.order(community, resident, kind, courier, ordered_s, spot=spot)
        self.deliver(task_id, delivered_s)
        return task_id


def copy_store(events: Iterable[StoredEvent], into: EventStore | None = None) -> EventStore:
    """A store holding the same commands (ids, events, times): a replay of the log."""
    store = MemoryEventStore() if into is None else into
    batch: list[StoredEvent] = []

    def flush() -> None:
        if batch:
            store.append(
                batch[0].command_id,
                [NewEvent(e.kind, e.payload) for e in batch],
                recorded_s=batch[0].recorded_s,
            )
            batch.clear()

    for event in events:
        if batch and event.command_id != batch[0].command_id:
            flush()
        batch.append(event)
    flush()
    return store


def summer(store: EventStore | None = None) -> Town:
    """The fixed history of the report tests (store clock from 2026-07-01 00:00).

    ====  ======  =======  =========  =======  ================  ==============  ======
    task  day     comm.    kind       courier  ordered           delivered       rating
    ====  ======  =======  =========  =======  ================  ==============  ======
    t1    Jul 1   xinhua   groceries  c1       09:00 (r1)        09:30 on time   5
    t2    Jul 1   xinhua   medicine   c2       10:00 (r2)        10:45 on time   4
    t3    Jul 2   xinhua   meal       c3       09:00 (r1)        09:20 on time   -
    t4    Jul 2   xinhua   groceries  c1       12:00 (r2), due   13:00 late      2
                                               12:10: escalated,
                                               pinned 12:05
    t5    Jul 2   xinhua   water      c3       14:00 (r1)        cancelled       -
    t6    Aug 10  tianlin  groceries  c2       09:00 (r3)        09:40 on time   -
    t7    Aug 10  xinhua   groceries  c2       10:00 (r2)        11:30 on time   -
    t8    Oct 4   xinhua   groceries  c1       09:00 (r1)        09:25 on time   -
    ====  ======  =======  =========  =======  ================  ==============  ======

    Ratings (:func:`rate_summer`) are given on Jul 3 at 20:00. Couriers: c1
    food, c2 parcel, c3 and c4 volunteers, online from Jul 1 08:00.
    """
    town = Town(store)
    town.online(at_s=at(0, 8))
    town.errand("xinhua", "r1", "groceries", "c1", at(0, 9), at(0, 9, 30))
    town.errand("xinhua", "r2", "medicine", "c2", at(0, 10), at(0, 10, 45), spot=1)
    town.errand("xinhua", "r1", "meal", "c3", at(1, 9), at(1, 9, 20), spot=2)
    town.at(at(1, 12))
    late = town.d.order(
        Actor.resident("r2", "xinhua"),
        kind="groceries",
        pickup=place(3),
        dropoff=place(10),
        contact=contact("r2"),
        deadline_s=at(1, 12, 10),
    )
    assert late.task_id == "t4" and late.kinds[-1] == "task.escalated"
    town.at(at(1, 12, 5))
    town.d.pin(STAFF["xinhua"], "t4", "c1")
    town.d.accept(Actor.courier("c1"), "t4")
    town.deliver("t4", at(1, 13))
    water = town.order("xinhua", "r1", "water", "c3", at(1, 14), spot=4)
    town.at(at(1, 14, 5))
    town.d.cancel(Actor.resident("r1", "xinhua"), water, "not needed")
    town.errand("tianlin", "r3", "groceries", "c2", at(40, 9), at(40, 9, 40), spot=5)
    town.errand("xinhua", "r2", "groceries", "c2", at(40, 10), at(40, 11, 30), spot=6)
    town.errand("xinhua", "r1", "groceries", "c1", at(95, 9), at(95, 9, 25), spot=8)
    return town


SUMMER_RATINGS = (
    ("t1", "r1", 5, "fast, thank you"),
    ("t2", "r2", 4, None),
    ("t4", "r2", 2, "late"),
)
"""(task, resident, stars, comment) of the summer's ratings."""


def rate_summer(store: EventStore) -> None:
    """The residents' ratings of the summer, given on Jul 3 at 20:00."""
    for task_id, resident, stars, comment in SUMMER_RATINGS:
        actor = Actor.resident(resident, "xinhua")
        rate_task(store, actor, task_id, stars, comment, recorded_s=at(2, 20))
