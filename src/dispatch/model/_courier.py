"""Couriers (volunteer riders, parcel couriers, drivers) and their own paid stops."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.model._checks import (
    identifier,
    int_vector,
    non_negative_int,
    optional,
    to_int_vector,
    to_str_set,
)
from dispatch.model._location import Location
from dispatch.model._tasks import Stop
from dispatch.model._time import TimeWindow

__all__ = ["Courier", "OwnStop", "TravelProfile"]


class TravelProfile(enum.Enum):
    """How a courier moves; travel times are computed per profile."""

    WALK = "walk"
    BIKE = "bike"
    EBIKE = "ebike"
    CAR = "car"


@attrs.frozen(kw_only=True)
class OwnStop:
    """A stop of the courier's own paid work: mandatory, served in the given order.

    Examples
    --------
    >>> own = OwnStop(id="parcel-1", stop=Stop(location=Location(node=5), windows=[(0, 900)]))
    >>> own.id, own.stop.latest_s
    ('parcel-1', 900)
    """

    id: str = attrs.field(validator=identifier)
    stop: Stop = attrs.field(validator=attrs.validators.instance_of(Stop))


def _own_tuple(value: Iterable[OwnStop]) -> tuple[OwnStop, ...]:
    return tuple(value)


def _optional_kinds(value: Iterable[str] | str | None) -> frozenset[str] | None:
    return None if value is None else to_str_set(value)


def _kinds(instance: Courier, attribute: attrs.Attribute[Any], value: Any) -> None:
    for kind in value or ():
        if not isinstance(kind, str) or not kind.strip():
            raise InvalidInputError(
                f"Courier.accepts (id {instance.id!r})",
                f"kinds must be non-empty strings, got {kind!r}",
            )


def _to_profile(value: TravelProfile | str) -> TravelProfile:
    try:
        return value if isinstance(value, TravelProfile) else TravelProfile(value)
    except ValueError:
        choices = ", ".join(p.value for p in TravelProfile)
        raise InvalidInputError("Courier.profile", f"{value!r} is not one of {choices}") from None


@attrs.frozen(kw_only=True)
class Courier:
    """A courier who may take tasks.

    Parameters
    ----------
    id
        Stable id.
    start, end
        Where the courier is at the start of the shift and must be at its end.
        ``end=None`` means the route may end wherever its last stop is.
    shift
        The route departs ``start`` no earlier than ``shift.earliest_s`` and
        reaches its end no later than ``shift.latest_s``.
    capacity
        One or more capacity dimensions (matching task loads).
    profile
        Walk, bike, e-bike or car: selects the travel times.
    skills
        Skills offered; a task's required skills must be a subset.
    own_stops
        The courier's own paid work, all served, in this order, in their windows.
    detour_budget_s
        At most this many seconds of travel and service on top of what the
        own stops alone need (see :func:`dispatch.validate`); None = no limit.
    fixed_cost
        Objective cost of using this courier at all (for minimising couriers).
    accepts
        Task kinds (``task.kind``) this courier takes; None = every kind.
    max_tasks
        At most this many tasks on the route (own stops do not count); None
        = no cap. The incidental matcher sets it from the per-shift and
        per-day caps of a :class:`~dispatch.incidental.CourierPlan`.

    Examples
    --------
    >>> c = Courier(id="rider-7", start=Location(node=0), shift=TimeWindow(0, 3600), capacity=4)
    >>> c.capacity, c.profile, c.end is None
    ((4,), <TravelProfile.BIKE: 'bike'>, True)
    >>> Courier(id="x", start=Location(node=0), shift=TimeWindow(0, 1), capacity=1,
    ...         detour_budget_s=-5)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Courier.detour_budget_s (id 'x'): must be >= 0, got -5
    """

    id: str = attrs.field(validator=identifier)
    start: Location = attrs.field(validator=attrs.validators.instance_of(Location))
    shift: TimeWindow = attrs.field(validator=attrs.validators.instance_of(TimeWindow))
    capacity: tuple[int, ...] = attrs.field(converter=to_int_vector, validator=int_vector)
    end: Location | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Location))
    )
    profile: TravelProfile = attrs.field(default=TravelProfile.BIKE, converter=_to_profile)
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=to_str_set)
    own_stops: tuple[OwnStop, ...] = attrs.field(factory=tuple, converter=_own_tuple)
    detour_budget_s: int | None = attrs.field(default=None, validator=optional(non_negative_int))
    fixed_cost: int = attrs.field(default=0, validator=non_negative_int)
    accepts: frozenset[str] | None = attrs.field(
        default=None, converter=_optional_kinds, validator=_kinds
    )
    max_tasks: int | None = attrs.field(default=None, validator=optional(non_negative_int))

    def takes(self, kind: str) -> bool:
        """Whether this courier accepts tasks of ``kind``.

        Examples
        --------
        >>> c = Courier(id="c", start=Location(node=0), shift=TimeWindow(0, 9), capacity=1,
        ...             accepts=["groceries", "medicine"])
        >>> c.takes("medicine"), c.takes("meal")
        (True, False)
        """
        return self.accepts is None or kind in self.accepts

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for own in self.own_stops:
            if not isinstance(own, OwnStop):
                raise InvalidInputError(
                    f"Courier.own_stops (id {self.id!r})", f"expected OwnStop, got {own!r}"
                )
            if own.id in seen:
                raise InvalidInputError(
                    f"Courier.own_stops (id {self.id!r})", f"own stop id {own.id!r} repeats"
                )
            seen.add(own.id)
