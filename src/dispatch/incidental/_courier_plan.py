"""A courier's live plan: where they are now and the paid stops still ahead of them.

A rider's or parcel courier's employer app knows their remaining stops; the
community platform knows how many errands they already ran today. A
:class:`CourierPlan` holds that live state and turns it into the planning
snapshot the engine works on, a :class:`~dispatch.Courier` that starts *here
and now*, with the remaining capacity, the detour budget and the caps that
are left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.model import Courier, Location, OwnStop, TimeWindow, TravelProfile
from dispatch.model._checks import (
    identifier,
    int_vector,
    non_negative_int,
    optional,
    to_int_vector,
    to_str_set,
)
from dispatch.travel import TravelTimes

__all__ = ["CourierPlan"]


def _own_tuple(value: Iterable[OwnStop]) -> tuple[OwnStop, ...]:
    return tuple(value)


def _optional_kinds(value: Iterable[str] | str | None) -> frozenset[str] | None:
    return None if value is None else to_str_set(value)


def _fraction(instance: CourierPlan, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(
            f"CourierPlan.detour_fraction (id {instance.courier_id!r})",
            f"must be a finite number, got {value!r}",
        )
    if value < 0:
        raise InvalidInputError(
            f"CourierPlan.detour_fraction (id {instance.courier_id!r})",
            f"must be >= 0, got {value}",
        )


def _to_profile(value: TravelProfile | str) -> TravelProfile:
    return value if isinstance(value, TravelProfile) else TravelProfile(value)


@attrs.frozen(kw_only=True)
class CourierPlan:
    """What a courier on the road is doing now, and what they will still take on.

    Parameters
    ----------
    courier_id
        Stable id.
    position, now_s
        Where the courier is and the time of that report; planning starts here.
    shift_end_s
        The courier must reach ``end`` (or finish the last stop) by then.
    own_stops
        The remaining stops of their paid work, in order, with the windows
        their employer promised (mandatory; never moved out of order).
    end
        Where the shift ends (depot, home); None = wherever the last stop is.
    capacity, load
        Total capacity and what is already on board; errands get the rest.
    profile, skills
        How they travel; what they can do.
    accepts
        Errand kinds (``task.kind``) they take; None = every kind.
    detour_budget_s, detour_fraction
        The extra travel and service time they accept on top of their own
        remaining work: at most ``detour_budget_s`` seconds and, when given,
        at most ``detour_fraction`` times the busy time of the own route
        alone. Both None = no limit.
    max_errands_per_shift, errands_this_shift
        Cap per shift and how many they have already taken this shift.
    max_errands_per_day, errands_today
        Cap per day and how many they have already taken today.
    recent_errands
        Errands run recently (for example in the last seven days); the
        matcher's fairness option spreads work away from busy volunteers.

    Examples
    --------
    >>> from dispatch import MatrixTravel, Stop
    >>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 300, 600], [300, 0, 300],
    ...                                                     [600, 300, 0]])
    >>> plan = CourierPlan(courier_id="rider-3", position=Location(node=0), now_s=36_000,
    ...                    shift_end_s=43_200, capacity=4, load=1,
    ...                    own_stops=[OwnStop(id="parcel-9", stop=Stop(location=Location(node=2),
    ...                                                           service_s=60))],
    ...                    detour_budget_s=900, detour_fraction=0.5,
    ...                    max_errands_per_shift=3, errands_this_shift=1,
    ...                    max_errands_per_day=5, errands_today=4)
    >>> c = plan.courier(travel)
    >>> c.start.node, c.shift, c.capacity, c.detour_budget_s, c.max_tasks
    (0, TimeWindow(earliest_s=36000, latest_s=43200), (3,), 330, 1)
    """

    courier_id: str = attrs.field(validator=identifier)
    position: Location = attrs.field(validator=attrs.validators.instance_of(Location))
    now_s: int = attrs.field(validator=non_negative_int)
    shift_end_s: int = attrs.field(validator=non_negative_int)
    capacity: tuple[int, ...] = attrs.field(converter=to_int_vector, validator=int_vector)
    load: tuple[int, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_int_vector)
    )
    own_stops: tuple[OwnStop, ...] = attrs.field(factory=tuple, converter=_own_tuple)
    end: Location | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Location))
    )
    profile: TravelProfile = attrs.field(default=TravelProfile.EBIKE, converter=_to_profile)
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=to_str_set)
    accepts: frozenset[str] | None = attrs.field(default=None, converter=_optional_kinds)
    detour_budget_s: int | None = attrs.field(default=None, validator=optional(non_negative_int))
    detour_fraction: float | None = attrs.field(default=None, validator=_fraction)
    max_errands_per_shift: int | None = attrs.field(
        default=None, validator=optional(non_negative_int)
    )
    errands_this_shift: int = attrs.field(default=0, validator=non_negative_int)
    max_errands_per_day: int | None = attrs.field(
        default=None, validator=optional(non_negative_int)
    )
    errands_today: int = attrs.field(default=0, validator=non_negative_int)
    recent_errands: int = attrs.field(default=0, validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        where = f"(id {self.courier_id!r})"
        if self.shift_end_s < self.now_s:
            raise InvalidInputError(
                f"CourierPlan.shift_end_s {where}",
                f"the shift ends at {self.shift_end_s}, before now ({self.now_s})",
            )
        if self.load is None:
            object.__setattr__(self, "load", (0,) * len(self.capacity))
        load = self.load or ()
        if len(load) != len(self.capacity):
            raise InvalidInputError(
                f"CourierPlan.load {where}",
                f"has {len(load)} dimensions, capacity has {len(self.capacity)}",
            )
        for dim, (used, cap) in enumerate(zip(load, self.capacity, strict=True)):
            if used < 0 or used > cap:
                raise InvalidInputError(
                    f"CourierPlan.load {where}",
                    f"dimension {dim}: {used} on board is outside [0, capacity {cap}]",
                )
        if self.errands_today < self.errands_this_shift:
            raise InvalidInputError(
                f"CourierPlan.errands_today {where}",
                f"{self.errands_today} today is fewer than {self.errands_this_shift} this shift",
            )

    @property
    def errands_left(self) -> int | None:
        """How many more errands the caps allow (None = no cap)."""
        left = [
            cap - done
            for cap, done in (
                (self.max_errands_per_shift, self.errands_this_shift),
                (self.max_errands_per_day, self.errands_today),
            )
            if cap is not None
        ]
        return max(0, min(left)) if left else None

    def own_busy_s(self, travel: TravelTimes) -> int:
        """Travel and service seconds of the remaining own route alone (here, stops, end)."""
        places = [self.position, *(own.stop.location for own in self.own_stops)]
        if self.end is not None:
            places.append(self.end)
        matrix = travel.matrix(places, self.profile).durations_s
        legs = sum(int(matrix[k, k + 1]) for k in range(len(places) - 1))
        return legs + sum(own.stop.service_s for own in self.own_stops)

    def detour_budget(self, travel: TravelTimes) -> int | None:
        """The effective detour budget in seconds: the tighter of the two limits."""
        limits: list[int] = []
        if self.detour_budget_s is not None:
            limits.append(self.detour_budget_s)
        if self.detour_fraction is not None:
            limits.append(math.floor(self.detour_fraction * self.own_busy_s(travel)))
        return min(limits) if limits else None

    def courier(self, travel: TravelTimes) -> Courier:
        """The planning snapshot: a courier starting here and now with what is left."""
        load = self.load or (0,) * len(self.capacity)
        return Courier(
            id=self.courier_id,
            start=self.position,
            end=self.end,
            shift=TimeWindow(self.now_s, self.shift_end_s),
            capacity=tuple(c - used for c, used in zip(self.capacity, load, strict=True)),
            profile=self.profile,
            skills=self.skills,
            own_stops=self.own_stops,
            detour_budget_s=self.detour_budget(travel),
            accepts=self.accepts,
            max_tasks=self.errands_left,
        )
