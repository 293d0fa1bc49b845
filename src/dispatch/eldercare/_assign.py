"""Which kitchen cooks each meal order: :func:`assign_kitchens`, and the :class:`Issue` s left.

An order may go to a kitchen that serves its slot, cooks every diet it
needs, is at most the hot-food limit away from the home (direct travel at
the planning profile), and can get a meal from its ready time to the door
before the delivery window closes. Among those, the orders are spread over
the kitchens' capacities so that as many orders as possible get a kitchen
and then the total kitchen-to-home travel is least (a transportation
problem, see :mod:`dispatch.eldercare._ortools_flow`). Every order without
a kitchen is reported with a typed reason: never dropped.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence

import attrs
import numpy as np

from dispatch.eldercare._elder import Elder
from dispatch.eldercare._kitchen import Kitchen, Slot
from dispatch.eldercare._orders import MealOrder
from dispatch.eldercare._ortools_flow import transport
from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model import Location, TravelProfile
from dispatch.travel import TravelTimes

__all__ = ["Issue", "IssueReason", "KitchenAssignment", "assign_kitchens", "clock"]


class IssueReason(enum.Enum):
    """Why an elder's meal or check-in is not on any route."""

    DIET = "diet"
    """No kitchen cooks this slot with every diet the elder needs."""
    OUT_OF_RANGE = "out_of_range"
    """Every kitchen that cooks it is further from the home than the hot-food limit."""
    TOO_LATE = "too_late"
    """No kitchen in range can get the meal from its ready time to the door inside the window."""
    CAPACITY = "capacity"
    """Kitchens could cook it, but their meals for the slot are all taken."""
    NOT_ROUTED = "not_routed"
    """No courier could take it (the detail gives the router's reason)."""


@attrs.frozen(kw_only=True)
class Issue:
    """A meal (``slot`` set) or a check-in (``slot`` None) that no route serves, and why."""

    elder_id: str
    slot: Slot | None
    reason: IssueReason
    detail: str

    @property
    def what(self) -> str:
        """``"lunch"``, ``"dinner"`` or ``"check-in"``."""
        return "check-in" if self.slot is None else self.slot.value


@attrs.frozen(kw_only=True, eq=False)
class KitchenAssignment:
    """The kitchen of every order that has one, the direct travel, and the orders left out.

    Attributes
    ----------
    kitchen_of
        Order id -> kitchen id.
    travel_s
        Order id -> direct travel from its kitchen to the home (planning profile).
    issues
        One per order without a kitchen.
    profile
        The travel profile the ranges were measured with.
    """

    kitchen_of: Mapping[str, str]
    travel_s: Mapping[str, int]
    issues: tuple[Issue, ...]
    profile: TravelProfile

    def meals_at(self, kitchen_id: str, slot: Slot, orders: Iterable[MealOrder]) -> int:
        """How many of ``orders`` in ``slot`` went to ``kitchen_id``."""
        return sum(1 for o in orders if o.slot is slot and self.kitchen_of.get(o.id) == kitchen_id)


def clock(t_s: int) -> str:
    """Seconds from midnight as ``HH:MM``.

    >>> clock(41400)
    '11:30'
    """
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


def _minutes(t_s: int) -> str:
    return f"{round(t_s / 60)} min"


def _earliest_pickup_s(kitchen: Kitchen, ready_s: int) -> int:
    """When a meal ready at ``ready_s`` can first be collected (kitchen validation: it can)."""
    for window in kitchen.opening:
        if window.latest_s >= ready_s:
            return max(window.earliest_s, ready_s)
    raise InvalidInputError(f"Kitchen.services (id {kitchen.id!r})", "ready after closing")


def assign_kitchens(
    orders: Sequence[MealOrder],
    kitchens: Sequence[Kitchen],
    elders: Iterable[Elder],
    travel: TravelTimes,
    *,
    profile: TravelProfile | str = TravelProfile.EBIKE,
    hot_food_limit_s: int = 1800,
    late_tolerance_s: int = 0,
) -> KitchenAssignment:
    """Give each delivered meal order a kitchen, within diets, capacities and the hot-food limit.

    Parameters
    ----------
    orders
        Orders to deliver (eat-in orders are the kitchens' own business).
    kitchens
        Every kitchen (ids must not repeat).
    elders
        The elders the orders name (their homes).
    travel
        Travel times.
    profile
        The profile whose travel times decide range and cost (the fastest the
        couriers of the day have: a home out of its range is out of everyone's).
    hot_food_limit_s
        Longest time from kitchen to door.
    late_tolerance_s
        Deliveries may start this long after the preferred window closes.

    Returns
    -------
    KitchenAssignment

    Examples
    --------
    Two soft-food lunches; the near kitchen cooks one soft meal, the far one
    none; the third elder lives beyond the 30-minute limit:

    >>> from dispatch import MatrixTravel
    >>> from dispatch.eldercare import Subscription
    >>> from dispatch.eldercare._orders import meal_orders
    >>> import datetime
    >>> travel = MatrixTravel(nodes=["near", "far", "a", "b", "c"], durations_s=[
    ...     [0, 900, 300, 400, 2500], [900, 0, 800, 700, 2000], [300, 800, 0, 100, 2600],
    ...     [400, 700, 100, 0, 2400], [2500, 2000, 2600, 2400, 0]])
    >>> def kitchen(node, diets, meals):
    ...     return Kitchen(id=node, kind="canteen", location=Location(node=node),
    ...                    opening=[(36000, 50400)], services={"lunch": (meals, 39600)},
    ...                    diets=diets)
    >>> kitchens = [kitchen("near", ["soft"], 1), kitchen("far", [], 5)]
    >>> sub = Subscription(days=range(7), meals={"lunch": (39600, 45000)}, diets=["soft"])
    >>> elders = [Elder(id=n, name=n, home=Location(node=n), community="x", subscription=sub)
    ...           for n in "abc"]
    >>> orders = meal_orders(elders, datetime.date(2026, 11, 30)).delivered
    >>> result = assign_kitchens(orders, kitchens, elders, travel, profile="ebike")
    >>> dict(result.kitchen_of)
    {'lunch:a': 'near'}
    >>> for issue in result.issues:
    ...     print(issue.elder_id, issue.reason.value, issue.detail)
    b capacity every kitchen that could cook it (near) has given out its 1 lunch meal(s)
    c out_of_range the nearest kitchen cooking it (near) is 42 min away by ebike; \
the hot-food limit is 30 min
    """
    profile = TravelProfile(profile) if isinstance(profile, str) else profile
    homes: dict[str, Location] = {e.id: e.home for e in elders}
    kitchen_ids = [k.id for k in kitchens]
    if len(set(kitchen_ids)) != len(kitchen_ids):
        raise InvalidInputError("kitchens", "kitchen ids repeat")
    for order in orders:
        if order.elder_id not in homes:
            raise UnknownReferenceError("elder", order.elder_id)
    if not orders:
        return KitchenAssignment(kitchen_of={}, travel_s={}, issues=(), profile=profile)
    places = [k.location for k in kitchens]
    home_slot: dict[Location, int] = {}
    for order in orders:
        home_slot.setdefault(homes[order.elder_id], len(places) + len(home_slot))
    places.extend(home_slot)
    durations = travel.matrix(places, profile).durations_s

    columns: dict[tuple[int, Slot], int] = {}
    capacity: list[int] = []
    for k, kitchen in enumerate(kitchens):
        for service in kitchen.services:
            columns[(k, service.slot)] = len(capacity)
            capacity.append(service.meals)

    rows, cols, costs = [], [], []
    why: list[Issue | None] = []
    for r, order in enumerate(orders):
        h = home_slot[homes[order.elder_id]]
        latest_s = order.window.latest_s + late_tolerance_s
        cooks = [
            (k, offered)
            for k, kitchen in enumerate(kitchens)
            if (offered := kitchen.service(order.slot)) is not None
            and offered.meals > 0
            and kitchen.cooks(order.diets)
        ]
        in_range = [(k, s) for k, s in cooks if int(durations[k, h]) <= hot_food_limit_s]
        arrivals_s: list[int] = []
        for k, offer in in_range:
            kitchen = kitchens[k]
            arrival_s = (
                _earliest_pickup_s(kitchen, offer.ready_s)
                + kitchen.handover_s
                + int(durations[k, h])
            )
            arrivals_s.append(arrival_s)
            if arrival_s <= latest_s:
                rows.append(r)
                cols.append(columns[(k, order.slot)])
                costs.append(int(durations[k, h]))
        found = any(a <= latest_s for a in arrivals_s)
        if found:
            why.append(None)
        elif not cooks:
            diets = ", ".join(sorted(order.diets)) or "the regular meal"
            why.append(
                _issue(order, IssueReason.DIET, f"no kitchen cooks {order.slot.value} for {diets}")
            )
        elif not in_range:
            nearest = min((k for k, _ in cooks), key=lambda k: (int(durations[k, h]), k))
            why.append(
                _issue(
                    order,
                    IssueReason.OUT_OF_RANGE,
                    f"the nearest kitchen cooking it ({kitchens[nearest].id}) is "
                    f"{_minutes(int(durations[nearest, h]))} away by {profile.value}; "
                    f"the hot-food limit is {_minutes(hot_food_limit_s)}",
                )
            )
        else:
            why.append(
                _issue(
                    order,
                    IssueReason.TOO_LATE,
                    f"the earliest a hot meal can reach the door is {clock(min(arrivals_s))}, "
                    f"after the window closes at {clock(latest_s)}",
                )
            )

    chosen = transport(
        len(orders),
        np.array(rows, dtype=np.int64),
        np.array(cols, dtype=np.int64),
        np.array(costs, dtype=np.int64),
        np.array(capacity, dtype=np.int64),
    )
    by_column = {c: k for (k, _), c in columns.items()}
    kitchen_of: dict[str, str] = {}
    travel_s: dict[str, int] = {}
    issues: list[Issue] = []
    candidates: dict[int, list[int]] = {}
    for r, c in zip(rows, cols, strict=True):
        candidates.setdefault(r, []).append(by_column[c])
    for r, order in enumerate(orders):
        c = int(chosen[r])
        if c >= 0:
            k = by_column[c]
            kitchen_of[order.id] = kitchens[k].id
            travel_s[order.id] = int(durations[k, home_slot[homes[order.elder_id]]])
            continue
        reason = why[r]
        if reason is None:
            names = ", ".join(kitchens[k].id for k in candidates[r][:5])
            more = "" if len(candidates[r]) <= 5 else f" and {len(candidates[r]) - 5} more"
            meals = sum(capacity[columns[(k, order.slot)]] for k in candidates[r])
            reason = _issue(
                order,
                IssueReason.CAPACITY,
                f"every kitchen that could cook it ({names}{more}) has given out its "
                f"{meals} {order.slot.value} meal(s)",
            )
        issues.append(reason)
    return KitchenAssignment(
        kitchen_of=kitchen_of, travel_s=travel_s, issues=tuple(issues), profile=profile
    )


def _issue(order: MealOrder, reason: IssueReason, detail: str) -> Issue:
    return Issue(elder_id=order.elder_id, slot=order.slot, reason=reason, detail=detail)
