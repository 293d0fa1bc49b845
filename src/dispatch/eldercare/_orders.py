"""From subscriptions to the meal orders of one date: :func:`meal_orders`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import attrs

from dispatch.eldercare._elder import Elder
from dispatch.eldercare._kitchen import Slot
from dispatch.errors import InvalidInputError
from dispatch.model import TimeWindow

__all__ = ["DayOrders", "MealOrder", "meal_orders"]


@attrs.frozen(kw_only=True)
class MealOrder:
    """One meal for one elder in one slot of a date.

    ``id`` is ``"<slot>:<elder id>"``; ``window`` the preferred delivery window.
    """

    elder_id: str
    slot: Slot
    window: TimeWindow
    diets: frozenset[str]
    eats_in: bool

    @property
    def id(self) -> str:
        """``"lunch:e1"``: unique within a date."""
        return f"{self.slot.value}:{self.elder_id}"


@attrs.frozen(kw_only=True)
class DayOrders:
    """The meal orders of a date: those to deliver and those eaten in at a canteen."""

    day: datetime.date
    delivered: tuple[MealOrder, ...]
    eat_in: tuple[MealOrder, ...]


def meal_orders(elders: Iterable[Elder], day: datetime.date) -> DayOrders:
    """The meal orders of ``day``: one per elder and subscribed slot, on subscribed weekdays only.

    Elders who eat in get orders in ``eat_in`` and no delivery. Orders come in
    the elders' order, lunch before dinner.

    Parameters
    ----------
    elders
        Everyone in the programme (ids must not repeat).
    day
        The date to plan.

    Examples
    --------
    >>> import datetime
    >>> from dispatch.eldercare import Subscription
    >>> from dispatch.model import Location
    >>> def elder(i, days, eats_in=False):
    ...     sub = Subscription(days=days, eats_in=eats_in,
    ...                        meals={"lunch": (39600, 45000), "dinner": (61200, 66600)})
    ...     return Elder(id=i, name=i, home=Location(node=i), community="c", subscription=sub)
    >>> orders = meal_orders([elder("a", ["mon"]), elder("b", ["tue"]), elder("c", ["mon"], True)],
    ...                      datetime.date(2026, 11, 30))  # a Monday
    >>> [o.id for o in orders.delivered], [o.id for o in orders.eat_in]
    (['lunch:a', 'dinner:a'], ['lunch:c', 'dinner:c'])
    """
    delivered: list[MealOrder] = []
    eat_in: list[MealOrder] = []
    seen: set[str] = set()
    for elder in elders:
        if elder.id in seen:
            raise InvalidInputError("elders", f"elder id {elder.id!r} repeats")
        seen.add(elder.id)
        sub = elder.subscription
        if sub is None:
            continue
        for slot, window in sub.meals:
            if day.weekday() not in sub.days:
                continue
            order = MealOrder(
                elder_id=elder.id, slot=slot, window=window, diets=sub.diets, eats_in=sub.eats_in
            )
            (eat_in if sub.eats_in else delivered).append(order)
    return DayOrders(day=day, delivered=tuple(delivered), eat_in=tuple(eat_in))
