"""The greedy baseline: each ready order to the nearest idle courier, one order per trip.

Every ``step_s`` seconds of simulated time (60: every time in an MDRP
instance is a whole minute, so this is exactly event-driven), the orders
that are ready and unassigned are taken oldest-ready first; each goes to the
idle courier on duty (nothing committed, free now) with the shortest travel
time to its restaurant who can be there before going off duty (ties: the
courier id). No bundling, no look-ahead: the courier leaves when the order
is ready and carries that order alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from dispatch.mdrp._execution import Execution, Fleet, planar_travel
from dispatch.mdrp._instance import MdrpInstance
from dispatch.mdrp._policy import PolicyStats
from dispatch.mdrp._progress import MdrpProgress
from dispatch.plan import StopRole

__all__ = ["run_greedy"]


def run_greedy(
    instance: MdrpInstance,
    *,
    step_s: int = 60,
    progress: Callable[[MdrpProgress], None] | None = None,
) -> tuple[Execution, PolicyStats]:
    """Run the greedy baseline over the whole day of ``instance``.

    Examples
    --------
    >>> from dispatch.mdrp._instance import (MdrpCourier, MdrpOrder, MdrpParameters,
    ...                                      MdrpRestaurant)
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="x", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id=f"o{k}", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600) for k in (1, 2)],
    ...     couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)])
    >>> execution, _ = run_greedy(inst)
    >>> for s in execution.stops:
    ...     print(s.role.value, s.orders, s.handover_s)
    pickup ('o1',) 780
    dropoff ('o1',) 1140
    pickup ('o2',) 1500
    dropoff ('o2',) 1860
    """
    began = time.perf_counter()
    p = instance.parameters
    half = p.pickup_service_s // 2
    travel = planar_travel(instance)
    fleet = Fleet(instance, travel)
    couriers = sorted(instance.couriers, key=lambda c: c.id)
    courier_xy = np.array([[c.x_m, c.y_m] for c in couriers], dtype=np.float64).reshape(-1, 2)
    node_of = [f"c:{c.id}" for c in couriers]
    restaurants = {r.id: (r.x_m, r.y_m) for r in instance.restaurants}
    orders = sorted(instance.orders, key=lambda o: (o.ready_s, o.placement_s, o.id))
    start = instance.start_s
    now = start - start % step_s
    last_off = max((c.off_s for c in instance.couriers), default=0)
    waiting: list[int] = []  # indices into orders, oldest ready first
    released = 0
    decisions = 0
    reasons: dict[str, str] = {}
    while True:
        fleet.advance(now)
        while released < len(orders) and orders[released].ready_s <= now:
            waiting.append(released)
            released += 1
        if waiting:
            idle = np.array(
                [c.on_s <= now < c.off_s and fleet.is_idle(c.id, now) for c in couriers],
                dtype=bool,
            )
            if idle.any():
                decisions += 1
                for k, c in enumerate(couriers):  # positions of the idle ones
                    if idle[k]:
                        node = fleet.couriers[c.id].node
                        courier_xy[k] = travel.points[node]
                        node_of[k] = node
                still: list[int] = []
                for index in waiting:
                    order = orders[index]
                    rx, ry = restaurants[order.restaurant]
                    if not idle.any():
                        still.append(index)
                        continue
                    seconds = travel.durations_from_m(
                        np.hypot(courier_xy[:, 0] - rx, courier_xy[:, 1] - ry)
                    )
                    off = np.array([c.off_s for c in couriers])
                    ok = idle & (now + seconds + half <= off)
                    if not ok.any():
                        still.append(index)
                        reasons[order.id] = "no idle courier could reach the restaurant in time"
                        continue
                    best = int(np.flatnonzero(ok)[np.argmin(seconds[ok])])
                    fleet.commit(
                        couriers[best].id,
                        [(StopRole.PICKUP, order.id), (StopRole.DROPOFF, order.id)],
                        now,
                    )
                    idle[best] = False
                    reasons.pop(order.id, None)
                waiting = still
        if progress is not None and (now // step_s) % 15 == 0:
            delivered = sum(1 for o in fleet.orders.values() if o.dropoff_s is not None)
            progress(
                MdrpProgress(
                    now_s=now, start_s=start, end_s=last_off, orders=released, delivered=delivered
                )
            )
        if (released == len(orders) and not waiting) or now >= last_off:
            break
        now += step_s
    fleet.flush()
    for index in waiting:
        order_id = orders[index].id
        reasons[order_id] = "never assigned; " + reasons.get(
            order_id, "no idle courier on duty after it was ready"
        )
    stats = PolicyStats(
        epochs=decisions,
        matcher_runs=0,
        deferred=0,
        routes_validated=0,
        violations=(),
        match_s=0.0,
        validate_s=0.0,
        runtime_s=round(time.perf_counter() - began, 3),
    )
    return fleet.execution(reasons), stats
