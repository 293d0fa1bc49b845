"""The routing tasks of a day: a :class:`MealDelivery` per assigned order, a :class:`Visit`
per check-in."""

from __future__ import annotations

from collections.abc import Iterable

from dispatch.eldercare._elder import Elder
from dispatch.eldercare._kitchen import Kitchen
from dispatch.eldercare._orders import MealOrder
from dispatch.errors import InvalidInputError
from dispatch.model import MealDelivery, Stop, TimeWindow, Visit

__all__ = ["CHECKIN_KIND", "MEAL_KIND", "checkin_task", "checkin_task_id", "meal_task"]

MEAL_KIND = "meal"
"""``Task.kind`` of a meal delivery (couriers may restrict what they take with ``accepts``)."""

CHECKIN_KIND = "check-in"
"""``Task.kind`` of a check-in visit."""


def meal_task(
    order: MealOrder,
    kitchen: Kitchen,
    elder: Elder,
    *,
    hot_food_limit_s: int,
    late_tolerance_s: int = 0,
    priority: int = 3,
) -> MealDelivery:
    """The delivery of ``order`` from ``kitchen``: ready at the slot's ready time, hot at the door.

    The pickup is inside the kitchen's opening hours and not before the meal
    is ready; the drop-off starts inside the elder's window (extended by
    ``late_tolerance_s``); at most ``hot_food_limit_s`` from leaving the
    kitchen to the door. The task id is the order id (``"lunch:e1"``).

    Examples
    --------
    >>> import datetime
    >>> from dispatch.eldercare import Subscription, meal_orders
    >>> from dispatch.model import Location
    >>> k = Kitchen(id="k", kind="canteen", location=Location(node=0), opening=[(36000, 50400)],
    ...             services={"lunch": (50, 39600)})
    >>> e = Elder(id="e1", name="Grandpa Wu", home=Location(node=1), community="x",
    ...           subscription=Subscription(days=range(7), meals={"lunch": (40500, 45000)}))
    >>> order = meal_orders([e], datetime.date(2026, 11, 30)).delivered[0]
    >>> task = meal_task(order, k, e, hot_food_limit_s=1800)
    >>> task.id, task.pickup.windows, task.dropoff.windows, task.max_ride_s
    ('lunch:e1', (TimeWindow(earliest_s=39600, latest_s=50400),), \
(TimeWindow(earliest_s=40500, latest_s=45000),), 1800)
    """
    service = kitchen.service(order.slot)
    if service is None:
        raise InvalidInputError(
            f"Kitchen.services (id {kitchen.id!r})", f"does not serve {order.slot.value}"
        )
    if elder.subscription is None or elder.id != order.elder_id:
        raise InvalidInputError("elder", f"{elder.id!r} did not place order {order.id!r}")
    window = order.window
    return MealDelivery(
        id=order.id,
        kind=MEAL_KIND,
        kitchen=Stop(
            location=kitchen.location, windows=kitchen.opening, service_s=kitchen.handover_s
        ),
        home=Stop(
            location=elder.home,
            windows=[TimeWindow(window.earliest_s, window.latest_s + late_tolerance_s)],
            service_s=elder.subscription.handover_s,
        ),
        ready_s=service.ready_s,
        max_ride_s=hot_food_limit_s,
        priority=priority,
    )


def checkin_task_id(elder_id: str) -> str:
    """The id of an elder's check-in visit: ``"check-in:<elder id>"``."""
    return f"check-in:{elder_id}"


def checkin_task(elder: Elder, *, priority: int = 2, skills: Iterable[str] = ()) -> Visit:
    """The check-in visit on ``elder`` inside the enrolment window.

    Examples
    --------
    >>> from dispatch.eldercare import CheckInEnrolment
    >>> from dispatch.model import Location
    >>> e = Elder(id="e1", name="Grandma Xu", home=Location(node=1), community="x",
    ...           checkin=CheckInEnrolment(window=(28800, 36000)))
    >>> v = checkin_task(e)
    >>> v.id, v.kind, v.stop.windows, v.stop.service_s
    ('check-in:e1', 'check-in', (TimeWindow(earliest_s=28800, latest_s=36000),), 300)
    """
    if elder.checkin is None:
        raise InvalidInputError(f"Elder.checkin (id {elder.id!r})", "is not enrolled")
    return Visit(
        id=checkin_task_id(elder.id),
        kind=CHECKIN_KIND,
        stop=Stop(
            location=elder.home, windows=[elder.checkin.window], service_s=elder.checkin.service_s
        ),
        priority=priority,
        skills=frozenset(skills),
    )
