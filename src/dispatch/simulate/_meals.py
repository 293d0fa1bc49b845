"""The elder-meal rounds of the day, as the meal couriers ride them: :func:`ride_round`.

The programme plans its meals and check-ins the evening before (or at dawn)
with :func:`dispatch.eldercare.plan_day` and hands each courier and volunteer
a route sheet (what ``dispatch meals`` prints). The simulator keeps that:
the meal couriers are a separate fleet (kitchen staff, meal volunteers, grid
workers) that rides its sheets stop by stop, with the same travel noise as
everyone else; the online dispatcher never sees them. Why not post meals
through the dispatcher: it has no task with a ready time and a hot-food limit
(its orders are menu errands, served from now to a deadline), a pre-planned
round is not offered, accepted or declined, and putting 120 more couriers
with tight rounds into its matcher would price every errand against couriers
who may not take one.

Each courier leaves at the planned time; a kitchen hands the meals over at
the time on the sheet (not earlier, so they leave hot), a door or a check-in
starts as soon as the courier is there and the window is open; late is late
(the stop starts on arrival). A meal is *hot* when its
ride, from leaving the kitchen to the start of the handover, is within its
``max_ride_s``; *on time* when the handover starts in the elder's window.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from dispatch.eldercare import DayPlan
from dispatch.model import Courier, Location, MealDelivery, Stop, Task, Visit
from dispatch.plan import PlannedStop, Route, StopRole
from dispatch.simulate._travel import Legs

__all__ = ["CheckInDone", "MealDelivered", "MealRound", "MealStop", "ride_round", "start_in"]


@attrs.frozen(kw_only=True)
class MealStop:
    """One stop of a meal courier as ridden: a kitchen pickup, a handover, a check-in."""

    courier_id: str
    role: StopRole
    ref: str
    arrival_s: int
    start_s: int
    departure_s: int


@attrs.frozen(kw_only=True)
class MealDelivered:
    """A meal handed over: when it left the kitchen and reached the door."""

    task_id: str
    courier_id: str
    left_kitchen_s: int
    delivered_s: int
    hot: bool
    on_time: bool

    @property
    def ride_s(self) -> int:
        """Seconds from leaving the kitchen to the start of the handover."""
        return self.delivered_s - self.left_kitchen_s


@attrs.frozen(kw_only=True)
class CheckInDone:
    """A check-in visit made."""

    task_id: str
    courier_id: str
    at_s: int
    on_time: bool


@attrs.frozen(kw_only=True, eq=False)
class MealRound:
    """The day's plan and how it was ridden (every stop, meal and check-in, by time)."""

    day: DayPlan
    stops: tuple[MealStop, ...]
    meals: tuple[MealDelivered, ...]
    checkins: tuple[CheckInDone, ...]


def start_in(stop: Stop, arrival_s: int) -> int:
    """When service starts at ``stop`` for a courier there at ``arrival_s``.

    As soon as a window is open (waiting for the next one to open); on
    arrival when every window has closed (late).

    >>> from dispatch import Location
    >>> stop = Stop(location=Location(node=0), windows=[(100, 200), (300, 400)])
    >>> start_in(stop, 50), start_in(stop, 150), start_in(stop, 250), start_in(stop, 500)
    (100, 150, 300, 500)
    """
    for window in stop.windows:
        if arrival_s <= window.latest_s:
            return max(arrival_s, window.earliest_s)
    return arrival_s


def _stop_of(task: Task, role: StopRole) -> Stop:
    if isinstance(task, Visit):
        return task.stop
    return task.pickup if role is StopRole.PICKUP else task.dropoff


def _model_stops(day: DayPlan, courier: Courier, route: Route) -> list[Stop | None]:
    """The model stop behind each planned stop (None for START and END)."""
    own = {o.id: o.stop for o in courier.own_stops}
    out: list[Stop | None] = []
    for planned in route.stops:
        if planned.role in (StopRole.START, StopRole.END):
            out.append(None)
        elif planned.role is StopRole.OWN:
            out.append(own[planned.ref])
        else:
            out.append(_stop_of(day.problem.task(planned.ref), planned.role))
    return out


def _places(courier: Courier, stops: Sequence[Stop | None]) -> list[Location]:
    places: list[Location] = []
    for k, stop in enumerate(stops):
        if stop is not None:
            places.append(stop.location)
        elif k == 0:
            places.append(courier.start)
        else:  # END: the courier's end, or where the last stop was (open end)
            places.append(courier.end if courier.end is not None else places[-1])
    return places


def _ride(
    day: DayPlan, route: Route, legs: Legs
) -> tuple[list[MealStop], list[MealDelivered], list[CheckInDone]]:
    courier = day.problem.courier(route.courier_id)
    model = _model_stops(day, courier, route)
    places = _places(courier, model)
    stops: list[MealStop] = []
    meals: list[MealDelivered] = []
    checkins: list[CheckInDone] = []
    left: dict[str, int] = {}
    t_s = route.stops[0].departure_s
    for k in range(1, len(route.stops)):
        planned: PlannedStop = route.stops[k]
        arrival_s = t_s + legs.actual_s(legs.planned_s(places[k - 1], places[k], courier.profile))
        stop = model[k]
        start_s = arrival_s if stop is None else start_in(stop, arrival_s)
        if planned.role is StopRole.PICKUP:  # the kitchen hands the meals out at the sheet's time
            start_s = max(start_s, planned.start_s)
        t_s = start_s + (0 if stop is None else stop.service_s)
        if planned.role in (StopRole.START, StopRole.END, StopRole.OWN):
            continue
        stops.append(
            MealStop(
                courier_id=courier.id,
                role=planned.role,
                ref=planned.ref,
                arrival_s=arrival_s,
                start_s=start_s,
                departure_s=t_s,
            )
        )
        task = day.problem.task(planned.ref)
        on_time = stop is not None and any(w.contains(start_s) for w in stop.windows)
        if planned.role is StopRole.PICKUP:
            left[task.id] = t_s
        elif planned.role is StopRole.DROPOFF and isinstance(task, MealDelivery):
            ride_s = start_s - left[task.id]
            meals.append(
                MealDelivered(
                    task_id=task.id,
                    courier_id=courier.id,
                    left_kitchen_s=left[task.id],
                    delivered_s=start_s,
                    hot=ride_s <= task.max_ride_s,
                    on_time=on_time,
                )
            )
        elif planned.role is StopRole.VISIT:
            checkins.append(
                CheckInDone(task_id=task.id, courier_id=courier.id, at_s=start_s, on_time=on_time)
            )
    return stops, meals, checkins


def ride_round(day: DayPlan, legs: Legs) -> MealRound:
    """Ride every route of ``day`` with the travel of ``legs`` (its noise included).

    Routes are ridden in courier-id order, so one seed gives one ride.

    Examples
    --------
    >>> import numpy as np
    >>> from dispatch.eldercare import DayOptions, eldercare_district, plan_day
    >>> from dispatch import SolveOptions
    >>> d = eldercare_district(seed=1, scale=0.02)
    >>> day = plan_day(d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers,
    ...                travel=d.travel, options=DayOptions(solve=SolveOptions(
    ...                    time_limit_s=None, solution_limit=1)))
    >>> exact = ride_round(day, Legs(d.travel, np.random.default_rng(0), noise=0.0))
    >>> all(m.hot and m.on_time for m in exact.meals)  # the plan itself keeps every rule
    True
    >>> routed = set(day.plan.assigned_task_ids())
    >>> len(exact.meals) == sum(1 for t in routed if t in day.meal_orders)
    True
    """
    stops: list[MealStop] = []
    meals: list[MealDelivered] = []
    checkins: list[CheckInDone] = []
    for route in sorted(day.plan.routes, key=lambda r: r.courier_id):
        s, m, c = _ride(day, route, legs)
        stops += s
        meals += m
        checkins += c
    stops.sort(key=lambda s: (s.start_s, s.courier_id, s.ref))
    return MealRound(day=day, stops=tuple(stops), meals=tuple(meals), checkins=tuple(checkins))
