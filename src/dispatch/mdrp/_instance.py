"""An MDRP instance as value objects: orders, restaurants, couriers with shifts, parameters.

Times are integer seconds from the start of the day (the files give whole
minutes; :func:`~dispatch.mdrp.read_mdrp` multiplies by 60), coordinates are
metres on a plane (perturbed UTM in the Grubhub files).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import attrs

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model._checks import identifier, non_negative_int, positive_int

__all__ = ["MdrpCourier", "MdrpInstance", "MdrpOrder", "MdrpParameters", "MdrpRestaurant"]


def _finite(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    kind = type(value)
    if kind is int or (kind is float and math.isfinite(value)):  # the common case, fast
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        ident = getattr(instance, "id", None)
        where = f"{type(instance).__name__}.{attribute.name}"
        where += f" (id {ident!r})" if isinstance(ident, str) else ""
        raise InvalidInputError(where, f"must be a finite number, got {value!r}")


def _positive_number(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _finite(instance, attribute, value)
    if value <= 0:
        raise InvalidInputError(
            f"{type(instance).__name__}.{attribute.name}", f"must be > 0, got {value!r}"
        )


def _non_negative_number(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _finite(instance, attribute, value)
    if value < 0:
        raise InvalidInputError(
            f"{type(instance).__name__}.{attribute.name}", f"must be >= 0, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class MdrpRestaurant:
    """A restaurant: where orders are picked up.

    Examples
    --------
    >>> MdrpRestaurant(id="r1", x_m=8708, y_m=5633)
    MdrpRestaurant(id='r1', x_m=8708, y_m=5633)
    """

    id: str = attrs.field(validator=identifier)
    x_m: float = attrs.field(validator=_finite)
    y_m: float = attrs.field(validator=_finite)


@attrs.frozen(kw_only=True)
class MdrpOrder:
    """An order: placed at ``placement_s``, ready at its restaurant at ``ready_s``.

    ``(x_m, y_m)`` is the drop-off location.

    Examples
    --------
    >>> o = MdrpOrder(id="o1", x_m=9131, y_m=7497, placement_s=44580, restaurant="r1",
    ...               ready_s=45180)
    >>> o.ready_s - o.placement_s
    600
    >>> MdrpOrder(id="o2", x_m=0, y_m=0, placement_s=600, restaurant="r1", ready_s=60)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: MdrpOrder.ready_s (id 'o2'): ready at 60 s, before it ...
    """

    id: str = attrs.field(validator=identifier)
    x_m: float = attrs.field(validator=_finite)
    y_m: float = attrs.field(validator=_finite)
    placement_s: int = attrs.field(validator=non_negative_int)
    restaurant: str = attrs.field(validator=identifier)
    ready_s: int = attrs.field(validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        if self.ready_s < self.placement_s:
            raise InvalidInputError(
                f"MdrpOrder.ready_s (id {self.id!r})",
                f"ready at {self.ready_s} s, before it is placed ({self.placement_s} s)",
            )


@attrs.frozen(kw_only=True)
class MdrpCourier:
    """A courier's shift: on duty at ``(x_m, y_m)`` from ``on_s``, off duty at ``off_s``.

    Examples
    --------
    >>> c = MdrpCourier(id="c1", x_m=11491, y_m=2806, on_s=0, off_s=5400)
    >>> c.shift_hours
    1.5
    """

    id: str = attrs.field(validator=identifier)
    x_m: float = attrs.field(validator=_finite)
    y_m: float = attrs.field(validator=_finite)
    on_s: int = attrs.field(validator=non_negative_int)
    off_s: int = attrs.field(validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        if self.off_s <= self.on_s:
            raise InvalidInputError(
                f"MdrpCourier.off_s (id {self.id!r})",
                f"off duty at {self.off_s} s, not after on duty ({self.on_s} s)",
            )

    @property
    def shift_hours(self) -> float:
        """Length of the duty period in hours."""
        return (self.off_s - self.on_s) / 3600


@attrs.frozen(kw_only=True)
class MdrpParameters:
    """Speed, service times, click-to-door target and limit, and pay of an instance.

    Parameters
    ----------
    meters_per_minute
        Travel speed: a trip of ``d`` metres takes ``ceil(d / meters_per_minute)``
        whole minutes.
    pickup_service_s, dropoff_service_s
        Time to park, walk in, hand over and walk back, at the restaurant (once
        per visit, however many orders are collected) and at the door. Half of
        it is spent before the pickup (drop-off) instant, half after.
    target_click_to_door_s, max_click_to_door_s
        Placement to drop-off: the target and the maximum allowed.
    pay_per_order, guaranteed_pay_per_hour
        A courier earns ``max(pay_per_order * orders delivered,
        guaranteed_pay_per_hour * shift hours)``.

    Examples
    --------
    >>> p = MdrpParameters(meters_per_minute=320, pickup_service_s=240, dropoff_service_s=240,
    ...                    target_click_to_door_s=2400, max_click_to_door_s=5400,
    ...                    pay_per_order=10, guaranteed_pay_per_hour=15)
    >>> p.speed_mps
    5.333333333333333
    >>> MdrpParameters.grubhub(320) == p
    True
    """

    meters_per_minute: float = attrs.field(validator=_positive_number)
    pickup_service_s: int = attrs.field(validator=non_negative_int)
    dropoff_service_s: int = attrs.field(validator=non_negative_int)
    target_click_to_door_s: int = attrs.field(validator=positive_int)
    max_click_to_door_s: int = attrs.field(validator=positive_int)
    pay_per_order: float = attrs.field(validator=_non_negative_number)
    guaranteed_pay_per_hour: float = attrs.field(validator=_non_negative_number)

    @classmethod
    def grubhub(cls, meters_per_minute: float) -> MdrpParameters:
        """The parameters of every public Grubhub instance, which differ only in speed.

        Service 4 minutes at the restaurant and at the door, click-to-door
        target 40 and maximum 90 minutes, pay 10 per order and 15 per hour.
        """
        return cls(
            meters_per_minute=meters_per_minute,
            pickup_service_s=240,
            dropoff_service_s=240,
            target_click_to_door_s=2400,
            max_click_to_door_s=5400,
            pay_per_order=10,
            guaranteed_pay_per_hour=15,
        )

    def __attrs_post_init__(self) -> None:
        if self.max_click_to_door_s < self.target_click_to_door_s:
            raise InvalidInputError(
                "MdrpParameters.max_click_to_door_s",
                f"{self.max_click_to_door_s} s is below the target "
                f"({self.target_click_to_door_s} s)",
            )

    @property
    def speed_mps(self) -> float:
        """Travel speed in metres per second (before rounding trips up to whole minutes)."""
        return self.meters_per_minute / 60


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class MdrpInstance:
    """One Grubhub MDRP instance (Reyes et al. 2018).

    Built by :func:`~dispatch.mdrp.read_mdrp`; ids are unique per kind and
    every order names a known restaurant.

    Examples
    --------
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="tiny", parameters=p,
    ...     restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id="o1", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600)],
    ...     couriers=[MdrpCourier(id="c1", x_m=0, y_m=0, on_s=0, off_s=3600)],
    ... )
    >>> inst.restaurant_of(inst.orders[0]).id, inst.courier_hours
    ('r1', 1.0)
    """

    name: str = attrs.field(validator=identifier)
    parameters: MdrpParameters = attrs.field(validator=attrs.validators.instance_of(MdrpParameters))
    restaurants: tuple[MdrpRestaurant, ...] = attrs.field(converter=_tuple)
    orders: tuple[MdrpOrder, ...] = attrs.field(converter=_tuple)
    couriers: tuple[MdrpCourier, ...] = attrs.field(converter=_tuple)

    def __attrs_post_init__(self) -> None:
        for kind, items, cls in (
            ("restaurant", self.restaurants, MdrpRestaurant),
            ("order", self.orders, MdrpOrder),
            ("courier", self.couriers, MdrpCourier),
        ):
            seen: set[str] = set()
            for item in items:
                if not isinstance(item, cls):
                    raise InvalidInputError(
                        f"MdrpInstance.{kind}s", f"expected {cls.__name__}, got {item!r}"
                    )
                if item.id in seen:
                    raise InvalidInputError(
                        f"MdrpInstance.{kind}s", f"{kind} id {item.id!r} repeats"
                    )
                seen.add(item.id)
        known = {r.id for r in self.restaurants}
        for order in self.orders:
            if order.restaurant not in known:
                raise UnknownReferenceError("restaurant", order.restaurant)

    @cached_property
    def _restaurants(self) -> Mapping[str, MdrpRestaurant]:
        return {r.id: r for r in self.restaurants}

    @cached_property
    def _orders(self) -> Mapping[str, MdrpOrder]:
        return {o.id: o for o in self.orders}

    def restaurant_of(self, order: MdrpOrder) -> MdrpRestaurant:
        """The restaurant an order is collected from."""
        return self._restaurants[order.restaurant]

    def order(self, order_id: str) -> MdrpOrder:
        """The order with this id; :class:`UnknownReferenceError` if there is none."""
        try:
            return self._orders[order_id]
        except KeyError:
            raise UnknownReferenceError("order", order_id) from None

    @property
    def courier_hours(self) -> float:
        """Total duty hours of every courier."""
        return sum(c.shift_hours for c in self.couriers)

    @property
    def start_s(self) -> int:
        """The first placement or courier on-time (0 for an empty instance)."""
        times = [o.placement_s for o in self.orders] + [c.on_s for c in self.couriers]
        return min(times, default=0)

    def until(self, end_s: int) -> MdrpInstance:
        """The instance cut at ``end_s``: orders placed and couriers on duty before it.

        Shifts are kept whole (a courier who came on duty keeps their shift and
        pay guarantee), so the orders placed before ``end_s`` are all served
        as in the full day.

        Examples
        --------
        >>> p = MdrpParameters.grubhub(320)
        >>> inst = MdrpInstance(
        ...     name="tiny", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
        ...     orders=[MdrpOrder(id=f"o{k}", x_m=0, y_m=0, placement_s=k * 3600,
        ...                       restaurant="r1", ready_s=k * 3600) for k in range(3)],
        ...     couriers=[MdrpCourier(id="c1", x_m=0, y_m=0, on_s=0, off_s=9000)])
        >>> [o.id for o in inst.until(7200).orders]
        ['o0', 'o1']
        """
        return attrs.evolve(
            self,
            orders=[o for o in self.orders if o.placement_s < end_s],
            couriers=[c for c in self.couriers if c.on_s < end_s],
        )
