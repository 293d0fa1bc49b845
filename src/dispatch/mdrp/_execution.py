"""What happened on the day: executed stops, order outcomes, assignments; and the fleet.

:class:`Fleet` is the event-driven execution both policies share: each
courier works through their committed stops in order, with the instance's
rules, and nothing else moves. A courier leaves for their next stop as soon
as they are free (or instructed); at a restaurant they pick up every order of
a run of consecutive pickups there in one visit (one pickup service, at the
latest ready time of the run); at a door they hand over one order. A courier
who has left for a stop is not diverted: a policy may only change what comes
after it (:meth:`Fleet.anchor`). All times are integer seconds.

:func:`check_execution` re-checks an :class:`Execution` against the instance,
the rules of the MDRP solution evaluator (Reyes et al. 2018, section 2.1),
sharing no state with the fleet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import attrs

from dispatch.errors import InvalidInputError
from dispatch.mdrp._instance import MdrpCourier, MdrpInstance, MdrpOrder
from dispatch.mdrp._travel import PlanarTravel
from dispatch.plan import StopRole

__all__ = [
    "Assignment",
    "ExecutedStop",
    "Execution",
    "Fleet",
    "OrderOutcome",
    "check_execution",
    "courier_node",
    "order_node",
    "planar_travel",
    "restaurant_node",
]


def restaurant_node(restaurant_id: str) -> str:
    """The travel node of a restaurant (``r:<id>``)."""
    return f"r:{restaurant_id}"


def order_node(order_id: str) -> str:
    """The travel node of an order's drop-off location (``o:<id>``)."""
    return f"o:{order_id}"


def courier_node(courier_id: str) -> str:
    """The travel node of a courier's on-duty location (``c:<id>``)."""
    return f"c:{courier_id}"


def planar_travel(instance: MdrpInstance) -> PlanarTravel:
    """Travel among every place of ``instance``, by the instance's rule (whole minutes).

    Examples
    --------
    >>> from dispatch.mdrp._instance import MdrpParameters, MdrpRestaurant
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(name="x", parameters=p, orders=[],
    ...                     restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...                     couriers=[MdrpCourier(id="c1", x_m=330, y_m=0, on_s=0, off_s=60)])
    >>> planar_travel(inst).seconds(courier_node("c1"), restaurant_node("r1"))
    120
    """
    points: dict[str, tuple[float, float]] = {}
    for r in instance.restaurants:
        points[restaurant_node(r.id)] = (r.x_m, r.y_m)
    for o in instance.orders:
        points[order_node(o.id)] = (o.x_m, o.y_m)
    for c in instance.couriers:
        points[courier_node(c.id)] = (c.x_m, c.y_m)
    return PlanarTravel(points=points, meters_per_minute=instance.parameters.meters_per_minute)


@attrs.frozen(kw_only=True)
class ExecutedStop:
    """One visit of a courier: to a restaurant (pickup) or to a door (drop-off).

    ``left_s`` is when the courier left the previous place (their on-duty
    location for the first visit), ``handover_s`` the pickup or drop-off
    instant (arrival plus half the service, or the latest ready time of the
    orders collected), ``departure_s`` that instant plus the other half.
    ``place`` is the restaurant id (pickup) or the order id (drop-off).
    """

    courier_id: str
    role: StopRole
    place: str
    orders: tuple[str, ...]
    left_s: int
    arrival_s: int
    handover_s: int
    departure_s: int


@attrs.frozen(kw_only=True)
class OrderOutcome:
    """How an order ended: delivered (with its times) or not, with the reason."""

    order_id: str
    courier_id: str | None = None
    assigned_s: int | None = None
    pickup_s: int | None = None
    dropoff_s: int | None = None
    reason: str | None = None
    """Why it was not delivered (None when delivered)."""

    @property
    def delivered(self) -> bool:
        """True when the order reached the door."""
        return self.dropoff_s is not None


@attrs.frozen(kw_only=True)
class Assignment:
    """A decision: at ``time_s``, these orders were committed to this courier."""

    time_s: int
    courier_id: str
    order_ids: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Execution:
    """The executed day: every order's outcome, every courier visit, every assignment."""

    orders: tuple[OrderOutcome, ...]
    stops: tuple[ExecutedStop, ...]
    assignments: tuple[Assignment, ...]

    def stops_of(self, courier_id: str) -> tuple[ExecutedStop, ...]:
        """The courier's visits in the order made."""
        return tuple(s for s in self.stops if s.courier_id == courier_id)


@attrs.define
class _CourierState:
    courier: MdrpCourier
    node: str
    free_s: int
    queue: list[tuple[StopRole, str]] = attrs.field(factory=list)
    last: int | None = None
    """Index of the courier's latest visit in the fleet's list."""


@attrs.define
class _OrderState:
    order: MdrpOrder
    courier_id: str | None = None
    assigned_s: int | None = None
    pickup_s: int | None = None
    dropoff_s: int | None = None


class Fleet:
    """The couriers executing their committed stops, in simulated time.

    Examples
    --------
    >>> from dispatch.mdrp._instance import MdrpParameters, MdrpRestaurant
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="x", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id="o1", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600)],
    ...     couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)])
    >>> fleet = Fleet(inst)
    >>> fleet.commit("c1", [(StopRole.PICKUP, "o1"), (StopRole.DROPOFF, "o1")], now_s=60)
    >>> fleet.flush()
    >>> [(s.role.value, s.left_s, s.arrival_s, s.handover_s, s.departure_s)
    ...  for s in fleet.execution().stops]
    [('pickup', 60, 120, 600, 720), ('dropoff', 720, 840, 960, 1080)]
    """

    def __init__(self, instance: MdrpInstance, travel: PlanarTravel | None = None) -> None:
        self.instance = instance
        self.travel = travel or planar_travel(instance)
        self._half_pickup_s = instance.parameters.pickup_service_s // 2
        self._half_dropoff_s = instance.parameters.dropoff_service_s // 2
        self.couriers = {
            c.id: _CourierState(courier=c, node=courier_node(c.id), free_s=c.on_s)
            for c in instance.couriers
        }
        self.orders = {o.id: _OrderState(order=o) for o in instance.orders}
        self._stops: list[ExecutedStop] = []
        self._assignments: list[Assignment] = []
        self._busy: set[str] = set()

    # ------------------------------------------------------------------ planning view

    def anchor(self, courier_id: str, now_s: int) -> tuple[str, int]:
        """Where and when the courier can next take a new instruction.

        The place and time they are free after the visit they are on their way
        to (or serving), else where they wait, from ``now_s``. What is still
        queued after that visit can be re-planned.
        """
        state = self.couriers[courier_id]
        return state.node, max(state.free_s, now_s, state.courier.on_s)

    def queue(self, courier_id: str) -> tuple[tuple[StopRole, str], ...]:
        """The courier's committed stops not yet started, in order."""
        return tuple(self.couriers[courier_id].queue)

    def is_idle(self, courier_id: str, now_s: int) -> bool:
        """Free at ``now_s`` with nothing committed."""
        state = self.couriers[courier_id]
        return not state.queue and state.free_s <= now_s

    # ------------------------------------------------------------------ decisions

    def commit(self, courier_id: str, stops: Sequence[tuple[StopRole, str]], now_s: int) -> None:
        """Replace the courier's queue with ``stops`` at ``now_s``.

        ``stops`` must keep the queued stops in their order and add both stops
        of each new order (pickup first) that nobody holds yet: commitments are
        never undone.

        Raises
        ------
        InvalidInputError
            A queued stop is dropped or reordered, a stop is repeated, a new order
            is held by another courier, was placed after ``now_s``, or lacks a stop.
        """
        state = self.couriers[courier_id]
        field = f"stops (courier {courier_id!r})"
        if len(set(stops)) != len(stops):
            raise InvalidInputError(field, "repeats a stop")
        kept = [s for s in stops if s in state.queue]
        if kept != state.queue:
            raise InvalidInputError(field, "must keep every committed stop, in its order")
        new = [ref for role, ref in stops if role is StopRole.PICKUP and (role, ref) not in kept]
        for ref in new:
            order = self.orders.get(ref)
            if order is None:
                raise InvalidInputError(field, f"names unknown order {ref!r}")
            if order.courier_id is not None:
                raise InvalidInputError(field, f"order {ref!r} is held by {order.courier_id!r}")
            if order.order.placement_s > now_s:
                raise InvalidInputError(field, f"order {ref!r} is not placed yet at {now_s} s")
            roles = [s for s in stops if s[1] == ref]
            if roles != [(StopRole.PICKUP, ref), (StopRole.DROPOFF, ref)]:
                raise InvalidInputError(field, f"order {ref!r} needs a pickup then a drop-off")
        extra = {ref for _, ref in stops} - set(new) - {ref for _, ref in state.queue}
        if extra:
            raise InvalidInputError(field, f"drop-offs of orders not picked up: {sorted(extra)}")
        for ref in new:
            order = self.orders[ref]
            order.courier_id = courier_id
            order.assigned_s = now_s
        if new:
            self._assignments.append(
                Assignment(time_s=now_s, courier_id=courier_id, order_ids=tuple(new))
            )
        if not state.queue:
            state.free_s = max(state.free_s, now_s)
        state.queue = list(stops)
        self._join_current_visit(state, now_s)
        if state.queue:
            self._busy.add(courier_id)

    def _join_current_visit(self, state: _CourierState, now_s: int) -> None:
        """Pickups at the restaurant of the visit under way join it, if not picked up yet.

        The MDRP's *assignment update*: a courier on the way to (or waiting at)
        a restaurant is told to collect more orders there, in the same visit.
        The pickup moves to the latest ready time of the visit's orders; it is
        never later than a separate visit after this one would be.
        """
        if state.last is None:
            return
        visit = self._stops[state.last]
        if visit.role is not StopRole.PICKUP or visit.handover_s < now_s:
            return
        joining = []
        for role, ref in state.queue:
            if role is not StopRole.PICKUP or self.orders[ref].order.restaurant != visit.place:
                break
            joining.append(ref)
        if not joining:
            return
        orders = visit.orders + tuple(joining)
        handover = max([visit.handover_s] + [self.orders[o].order.ready_s for o in joining])
        departure = handover + self._half_pickup_s
        self._stops[state.last] = attrs.evolve(
            visit, orders=orders, handover_s=handover, departure_s=departure
        )
        for o in orders:
            self.orders[o].pickup_s = handover
        del state.queue[: len(joining)]
        state.free_s = departure

    # ------------------------------------------------------------------ time

    def advance(self, now_s: int) -> None:
        """Execute every visit the couriers leave for before ``now_s``."""
        for courier_id in sorted(self._busy):
            state = self.couriers[courier_id]
            while state.queue and state.free_s < now_s:
                self._visit(state)
            if not state.queue:
                self._busy.discard(courier_id)

    def flush(self) -> None:
        """Execute everything still committed."""
        for courier_id in sorted(self._busy):
            state = self.couriers[courier_id]
            while state.queue:
                self._visit(state)
        self._busy.clear()

    def _visit(self, state: _CourierState) -> None:
        role, ref = state.queue[0]
        courier_id = state.courier.id
        left = state.free_s
        if role is StopRole.PICKUP:
            restaurant = self.orders[ref].order.restaurant
            group = []
            for role_k, ref_k in state.queue:
                if (
                    role_k is not StopRole.PICKUP
                    or self.orders[ref_k].order.restaurant != restaurant
                ):
                    break
                group.append(ref_k)
            node = restaurant_node(restaurant)
            arrival = left + self.travel.seconds(state.node, node)
            ready = max(self.orders[o].order.ready_s for o in group)
            handover = max(arrival + self._half_pickup_s, ready)
            departure = handover + self._half_pickup_s
            for o in group:
                self.orders[o].pickup_s = handover
            place, orders = restaurant, tuple(group)
        else:
            node = order_node(ref)
            arrival = left + self.travel.seconds(state.node, node)
            handover = arrival + self._half_dropoff_s
            departure = handover + self._half_dropoff_s
            self.orders[ref].dropoff_s = handover
            place, orders = ref, (ref,)
        state.last = len(self._stops)
        self._stops.append(
            ExecutedStop(
                courier_id=courier_id,
                role=role,
                place=place,
                orders=orders,
                left_s=left,
                arrival_s=arrival,
                handover_s=handover,
                departure_s=departure,
            )
        )
        del state.queue[: len(orders) if role is StopRole.PICKUP else 1]
        state.node = node
        state.free_s = departure

    # ------------------------------------------------------------------ results

    def execution(self, reasons: dict[str, str] | None = None) -> Execution:
        """The day so far; ``reasons`` says why open orders were never assigned."""
        reasons = reasons or {}
        outcomes = []
        for order_id, o in self.orders.items():
            reason = None
            if o.dropoff_s is None:
                reason = (
                    "assigned but not yet delivered"
                    if o.courier_id is not None
                    else reasons.get(order_id, "never assigned")
                )
            outcomes.append(
                OrderOutcome(
                    order_id=order_id,
                    courier_id=o.courier_id,
                    assigned_s=o.assigned_s,
                    pickup_s=o.pickup_s,
                    dropoff_s=o.dropoff_s,
                    reason=reason,
                )
            )
        return Execution(
            orders=tuple(outcomes),
            stops=tuple(sorted(self._stops, key=lambda s: (s.courier_id, s.left_s))),
            assignments=tuple(self._assignments),
        )


def check_execution(instance: MdrpInstance, execution: Execution) -> list[str]:
    """Every rule of the MDRP evaluator that ``execution`` breaks; empty when feasible.

    Checked, from the instance alone: each order has one outcome and is
    assigned at most once, never before it is placed, and never picked up
    before it is assigned (a courier leaves for a restaurant only once one of
    the orders collected there is assigned; others may join the visit until
    the pickup, as MDRP's assignment updates allow); a courier's visits
    follow one another in time from their on-duty place and on-time (no
    courier in two places), each arrival allows the travel time, pickups
    are no earlier than arrival plus half the pickup service and the latest
    ready time of the orders collected and no later than the courier's
    off-time, drop-offs are arrival plus half the drop-off service and come
    after the pickup, by the courier the order was assigned to; the
    outcomes' times are those of the visits; every order ends delivered or
    with a reason.

    Examples
    --------
    See ``tests/mdrp``.
    """
    issues: list[str] = []
    p = instance.parameters
    half_pick, half_drop = p.pickup_service_s // 2, p.dropoff_service_s // 2
    travel = planar_travel(instance)
    couriers = {c.id: c for c in instance.couriers}
    orders = {o.id: o for o in instance.orders}
    outcomes: dict[str, OrderOutcome] = {}
    for out in execution.orders:
        if out.order_id not in orders:
            issues.append(f"order {out.order_id!r}: not an order of the instance")
        elif out.order_id in outcomes:
            issues.append(f"order {out.order_id!r}: more than one outcome")
        outcomes[out.order_id] = out
    for order_id in orders.keys() - outcomes.keys():
        issues.append(f"order {order_id!r}: lost (no outcome)")
    assigned: dict[str, tuple[str, int]] = {}
    for a in execution.assignments:
        for order_id in a.order_ids:
            if order_id in assigned:
                issues.append(f"order {order_id!r}: assigned twice")
            assigned[order_id] = (a.courier_id, a.time_s)
            order = orders.get(order_id)
            if order is not None and a.time_s < order.placement_s:
                issues.append(f"order {order_id!r}: assigned at {a.time_s} s, before placement")
    picked: dict[str, tuple[str, int]] = {}
    dropped: dict[str, tuple[str, int]] = {}
    by_courier: dict[str, list[ExecutedStop]] = defaultdict(list)
    for stop in execution.stops:
        by_courier[stop.courier_id].append(stop)
    for courier_id, stops in by_courier.items():
        courier = couriers.get(courier_id)
        if courier is None:
            issues.append(f"courier {courier_id!r}: not a courier of the instance")
            continue
        node, free = courier_node(courier_id), courier.on_s
        for stop in stops:
            where = f"courier {courier_id!r} at {stop.place!r}"
            if stop.left_s < free:
                issues.append(f"{where}: leaves at {stop.left_s} s, busy until {free} s")
            if stop.role is StopRole.PICKUP:
                target = restaurant_node(stop.place)
                for order_id in stop.orders:
                    order = orders.get(order_id)
                    if order is None or order.restaurant != stop.place:
                        issues.append(f"{where}: order {order_id!r} is not from this restaurant")
                        continue
                    told = assigned.get(order_id)
                    if told is not None and stop.handover_s < told[1]:
                        issues.append(f"{where}: order {order_id!r} picked up before assigned")
                    if order_id in picked:
                        issues.append(f"{where}: order {order_id!r} picked up twice")
                    picked[order_id] = (courier_id, stop.handover_s)
                    if stop.handover_s < order.ready_s:
                        issues.append(f"{where}: order {order_id!r} picked up before ready")
                told_s = [assigned[o][1] for o in stop.orders if o in assigned]
                if told_s and min(told_s) > stop.left_s:
                    issues.append(
                        f"{where}: left at {stop.left_s} s, before any of its orders was "
                        f"assigned ({min(told_s)} s)"
                    )
                half = half_pick
                if stop.handover_s > courier.off_s:
                    issues.append(f"{where}: pickup at {stop.handover_s} s, after the off-time")
            elif stop.role is StopRole.DROPOFF:
                target = order_node(stop.place)
                if stop.orders != (stop.place,):
                    issues.append(f"{where}: a drop-off hands over exactly its own order")
                if stop.place in dropped:
                    issues.append(f"{where}: delivered twice")
                dropped[stop.place] = (courier_id, stop.handover_s)
                half = half_drop
                if stop.handover_s != stop.arrival_s + half:
                    issues.append(f"{where}: drop-off is not arrival plus half the service")
            else:
                issues.append(f"{where}: a visit is a pickup or a drop-off, got {stop.role}")
                continue
            try:
                need = travel.seconds(node, target)
            except KeyError:
                issues.append(f"{where}: unknown place")
                continue
            if stop.arrival_s != stop.left_s + need:
                issues.append(
                    f"{where}: arrives at {stop.arrival_s} s, but leaving at {stop.left_s} s "
                    f"takes {need} s"
                )
            if stop.handover_s < stop.arrival_s + half:
                issues.append(f"{where}: handover before arrival plus half the service")
            if stop.departure_s != stop.handover_s + half:
                issues.append(f"{where}: departure is not the handover plus half the service")
            node, free = target, stop.departure_s
    for order_id, (courier_id, drop_s) in dropped.items():
        pick = picked.get(order_id)
        if pick is None:
            issues.append(f"order {order_id!r}: delivered without a pickup")
        elif pick[0] != courier_id or drop_s <= pick[1]:
            issues.append(f"order {order_id!r}: delivered by another courier or before pickup")
    for order_id, (courier_id, _) in picked.items():
        if assigned.get(order_id, ("",))[0] != courier_id:
            issues.append(f"order {order_id!r}: picked up by a courier it was not assigned to")
    for order_id, out in outcomes.items():
        drop = dropped.get(order_id)
        pick = picked.get(order_id)
        if out.dropoff_s is None:
            if out.reason is None or not out.reason.strip():
                issues.append(f"order {order_id!r}: not delivered and no reason given")
            if drop is not None:
                issues.append(f"order {order_id!r}: delivered, but its outcome says not")
            continue
        if drop is None or drop[1] != out.dropoff_s or pick is None or pick[1] != out.pickup_s:
            issues.append(f"order {order_id!r}: outcome times differ from the visits")
        if assigned.get(order_id, ("",))[0] != out.courier_id:
            issues.append(f"order {order_id!r}: outcome names another courier")
    return issues
