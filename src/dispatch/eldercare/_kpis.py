"""The day's key figures: :func:`day_kpis`."""

from __future__ import annotations

import attrs

from dispatch.eldercare._day import DayPlan
from dispatch.eldercare._tasks import CHECKIN_KIND
from dispatch.plan import StopRole

__all__ = ["DayKpis", "day_kpis", "meal_rides_s"]


@attrs.frozen(kw_only=True)
class DayKpis:
    """Key figures of a planned day.

    Attributes
    ----------
    meals_ordered
        Meals to deliver today (eat-in meals not included).
    meals_eaten_in
        Meals eaten at a canteen.
    meals_delivered
        Meals on a route.
    meals_not_delivered
        Meals without a kitchen or a courier (each one an issue).
    mean_ride_s, max_ride_s
        Time from leaving the kitchen to the start of the handover at the door.
    over_limit
        Meals whose ride exceeds the hot-food limit (0 in a valid plan).
    late_deliveries
        Deliveries that start after the elder's preferred window (only with
        a late tolerance).
    distance_m
        Distance of every route.
    couriers_used
        Routes.
    checkins_due, checkins_planned
        Check-ins due today, and those on a route.
    """

    meals_ordered: int
    meals_eaten_in: int
    meals_delivered: int
    meals_not_delivered: int
    mean_ride_s: float
    max_ride_s: int
    over_limit: int
    late_deliveries: int
    distance_m: int
    couriers_used: int
    checkins_due: int
    checkins_planned: int

    def as_dict(self) -> dict[str, int | float]:
        """The figures by name (for JSON)."""
        return attrs.asdict(self)

    def summary(self) -> str:
        """The figures in a few lines of text."""
        return "\n".join(
            [
                f"meals delivered: {self.meals_delivered} of {self.meals_ordered} "
                f"({self.meals_not_delivered} not delivered, {self.meals_eaten_in} eaten in)",
                f"pickup to door: mean {self.mean_ride_s / 60:.1f} min, "
                f"max {self.max_ride_s / 60:.1f} min, {self.over_limit} over the limit, "
                f"{self.late_deliveries} late",
                f"check-ins planned: {self.checkins_planned} of {self.checkins_due}",
                f"couriers: {self.couriers_used}, distance {self.distance_m / 1000:.1f} km",
            ]
        )


def meal_rides_s(day: DayPlan) -> dict[str, int]:
    """Task id -> seconds from leaving the kitchen to starting the handover, per routed meal."""
    left: dict[str, int] = {}
    rides: dict[str, int] = {}
    meals = day.meal_orders
    for route in day.plan.routes:
        for stop in route.stops:
            if stop.ref not in meals:
                continue
            if stop.role is StopRole.PICKUP:
                left[stop.ref] = stop.departure_s
            elif stop.role is StopRole.DROPOFF and stop.ref in left:
                rides[stop.ref] = stop.start_s - left[stop.ref]
    return rides


def day_kpis(day: DayPlan) -> DayKpis:
    """Meals delivered, ride times, lateness, distance and check-ins of a planned day.

    Examples
    --------
    >>> from dispatch.eldercare import DayOptions, eldercare_district, plan_day
    >>> from dispatch import SolveOptions
    >>> d = eldercare_district(seed=1, scale=0.02)
    >>> day = plan_day(d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers,
    ...                travel=d.travel, options=DayOptions(solve=SolveOptions(
    ...                    time_limit_s=None, solution_limit=20, metaheuristic="greedy_descent")))
    >>> k = day_kpis(day)
    >>> k.meals_delivered + k.meals_not_delivered == k.meals_ordered, k.over_limit
    (True, 0)
    >>> k.max_ride_s <= 1800
    True
    """
    rides = meal_rides_s(day)
    meals = day.meal_orders
    limit_s = day.options.hot_food_limit_s
    late = 0
    for route in day.plan.routes:
        for stop in route.stops:
            order = meals.get(stop.ref)
            if stop.role is StopRole.DROPOFF and order is not None:
                late += stop.start_s > order.window.latest_s
    checkins_due = sum(1 for t in day.problem.tasks if t.kind == CHECKIN_KIND)
    routed = set(day.plan.assigned_task_ids())
    values = list(rides.values())
    return DayKpis(
        meals_ordered=len(day.orders.delivered),
        meals_eaten_in=len(day.orders.eat_in),
        meals_delivered=len(rides),
        meals_not_delivered=len(day.orders.delivered) - len(rides),
        mean_ride_s=round(sum(values) / len(values), 1) if values else 0.0,
        max_ride_s=max(values, default=0),
        over_limit=sum(1 for r in values if r > limit_s),
        late_deliveries=late,
        distance_m=day.plan.distance_m,
        couriers_used=day.plan.couriers_used,
        checkins_due=checkins_due,
        checkins_planned=sum(
            1 for t in day.problem.tasks if t.kind == CHECKIN_KIND and t.id in routed
        ),
    )
