"""The work to be done: errands, visits and meal deliveries.

A *task* has a stable string id, a priority (higher is more important; it sets
the penalty for leaving the task out), required skills, and one or two
:class:`Stop` s. Paired tasks (:class:`Errand`, :class:`MealDelivery`) are
picked up and dropped off by the same courier, pickup first.
"""

from __future__ import annotations

import attrs

from dispatch.errors import InvalidInputError
from dispatch.model._checks import (
    identifier,
    int_vector,
    non_negative_int,
    optional,
    positive_int,
    to_int_vector,
    to_str_set,
)
from dispatch.model._location import Location
from dispatch.model._time import TimeWindow, disjoint_windows, to_windows

__all__ = ["Errand", "MealDelivery", "PairedTask", "Stop", "Task", "Visit"]


@attrs.frozen(kw_only=True)
class Stop:
    """A place to be served, with the windows in which service may start.

    ``windows`` empty means any time (within the courier's shift).

    Examples
    --------
    >>> s = Stop(location=Location(node=3), windows=[(0, 600)], service_s=120)
    >>> s.windows
    (TimeWindow(earliest_s=0, latest_s=600),)
    >>> s.earliest_s, s.latest_s
    (0, 600)
    """

    location: Location = attrs.field(validator=attrs.validators.instance_of(Location))
    windows: tuple[TimeWindow, ...] = attrs.field(
        factory=tuple, converter=to_windows, validator=disjoint_windows
    )
    service_s: int = attrs.field(default=0, validator=non_negative_int)

    @property
    def earliest_s(self) -> int | None:
        """Earliest service start, or None when unconstrained."""
        return self.windows[0].earliest_s if self.windows else None

    @property
    def latest_s(self) -> int | None:
        """Latest service start, or None when unconstrained."""
        return self.windows[-1].latest_s if self.windows else None

    def not_before(self, t_s: int) -> Stop:
        """This stop with every window clipped to start no earlier than ``t_s``.

        >>> Stop(location=Location(node=1), windows=[(0, 50), (100, 200)]).not_before(60).windows
        (TimeWindow(earliest_s=100, latest_s=200),)
        """
        if not self.windows:
            return attrs.evolve(self, windows=[TimeWindow(t_s, 2**40)])
        kept = [
            TimeWindow(max(w.earliest_s, t_s), w.latest_s)
            for w in self.windows
            if w.latest_s >= t_s
        ]
        if not kept:
            raise InvalidInputError(
                "Stop.windows", f"no window ends at or after {t_s} s (windows {self.windows})"
            )
        return attrs.evolve(self, windows=kept)


@attrs.frozen(kw_only=True)
class Errand:
    """An errand (点单): collect at ``pickup`` (shop, pharmacy), bring to ``dropoff`` (home).

    ``max_ride_s`` bounds the time from leaving the pickup to starting service
    at the drop-off.

    Examples
    --------
    >>> e = Errand(
    ...     id="e1",
    ...     pickup=Stop(location=Location(node=1)),
    ...     dropoff=Stop(location=Location(node=2), windows=[(3600, 7200)]),
    ...     load=2,
    ... )
    >>> e.load, e.priority
    ((2,), 1)
    """

    id: str = attrs.field(validator=identifier)
    pickup: Stop = attrs.field(validator=attrs.validators.instance_of(Stop))
    dropoff: Stop = attrs.field(validator=attrs.validators.instance_of(Stop))
    load: tuple[int, ...] = attrs.field(default=(1,), converter=to_int_vector, validator=int_vector)
    priority: int = attrs.field(default=1, validator=positive_int)
    max_ride_s: int | None = attrs.field(default=None, validator=optional(positive_int))
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=to_str_set)
    kind: str = attrs.field(default="errand", validator=identifier)


@attrs.frozen(kw_only=True)
class MealDelivery:
    """A hot meal from a kitchen (长者食堂, 爱心餐桌) to an elder's home.

    The meal cannot be collected before ``ready_s`` and must reach the door
    within ``max_ride_s`` of leaving the kitchen.

    Examples
    --------
    >>> m = MealDelivery(
    ...     id="m1",
    ...     kitchen=Stop(location=Location(node=1), windows=[(0, 3600)]),
    ...     home=Stop(location=Location(node=2)),
    ...     ready_s=1800,
    ...     max_ride_s=1800,
    ... )
    >>> m.pickup.windows
    (TimeWindow(earliest_s=1800, latest_s=3600),)
    >>> m.dropoff is m.home
    True
    """

    id: str = attrs.field(validator=identifier)
    kitchen: Stop = attrs.field(validator=attrs.validators.instance_of(Stop))
    home: Stop = attrs.field(validator=attrs.validators.instance_of(Stop))
    ready_s: int = attrs.field(validator=non_negative_int)
    max_ride_s: int = attrs.field(validator=positive_int)
    load: tuple[int, ...] = attrs.field(default=(1,), converter=to_int_vector, validator=int_vector)
    priority: int = attrs.field(default=1, validator=positive_int)
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=to_str_set)
    kind: str = attrs.field(default="meal", validator=identifier)

    def __attrs_post_init__(self) -> None:
        try:
            self.kitchen.not_before(self.ready_s)
        except InvalidInputError as err:
            raise InvalidInputError(
                f"MealDelivery.ready_s (id {self.id!r})",
                f"meal ready at {self.ready_s} s after every kitchen window closes",
            ) from err

    @property
    def pickup(self) -> Stop:
        """The kitchen stop, no earlier than the meal's ready time."""
        return self.kitchen.not_before(self.ready_s)

    @property
    def dropoff(self) -> Stop:
        """The elder's home."""
        return self.home


@attrs.frozen(kw_only=True)
class Visit:
    """A single stop: a check-in on an elder living alone (窗帘行动), a hazard follow-up.

    Examples
    --------
    >>> v = Visit(id="v1", stop=Stop(location=Location(node=4), windows=[(28800, 36000)]))
    >>> v.load
    (0,)
    """

    id: str = attrs.field(validator=identifier)
    stop: Stop = attrs.field(validator=attrs.validators.instance_of(Stop))
    load: tuple[int, ...] = attrs.field(default=(0,), converter=to_int_vector, validator=int_vector)
    priority: int = attrs.field(default=1, validator=positive_int)
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=to_str_set)
    kind: str = attrs.field(default="visit", validator=identifier)


PairedTask = Errand | MealDelivery
Task = Errand | MealDelivery | Visit
