"""Small hand-made elder-care programmes and Hypothesis strategies for them.

Places are points a few hundred metres apart near (31.2 N, 121.4 E); travel
is :class:`~dispatch.HaversineTravel` (straight line x 1.3), so an e-bike
covers a kilometre of straight line in about four minutes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from dispatch import Courier, HaversineTravel, Location, TimeWindow
from dispatch.eldercare import (
    CheckInEnrolment,
    Contact,
    Elder,
    Kitchen,
    Subscription,
)

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]

MONDAY = datetime.date(2026, 11, 30)
H = 3600
M = 60
TRAVEL = HaversineTravel()
DIETS = ("soft", "low_salt", "diabetic", "halal")
_METRES_PER_DEGREE = 111_320.0


def at(east_m: float, north_m: float) -> Location:
    """A place ``east_m`` and ``north_m`` from (31.2 N, 121.4 E)."""
    return Location(
        lat=round(31.2 + north_m / _METRES_PER_DEGREE, 7),
        lon=round(121.4 + east_m / (_METRES_PER_DEGREE * 0.8555), 7),
    )


def kitchen(
    kitchen_id: str,
    where: Location,
    *,
    lunch: int | None = 10,
    dinner: int | None = None,
    diets: Sequence[str] = ("soft", "low_salt"),
    kind: str = "canteen",
) -> Kitchen:
    """A kitchen open 10:00-14:00 and 16:00-20:00, lunch ready 11:00, dinner 17:00."""
    services: dict[str, tuple[int, int]] = {}
    if lunch is not None:
        services["lunch"] = (lunch, 11 * H)
    if dinner is not None:
        services["dinner"] = (dinner, 17 * H)
    return Kitchen(
        id=kitchen_id,
        kind=kind,
        location=where,
        opening=[(10 * H, 14 * H), (16 * H, 20 * H)],
        services=services,
        diets=diets,
    )


def elder(
    elder_id: str,
    where: Location,
    *,
    lunch: tuple[int, int] | None = (11 * H, 13 * H),
    dinner: tuple[int, int] | None = None,
    diets: Sequence[str] = (),
    days: Any = range(7),
    eats_in: bool = False,
    checkin: tuple[int, int] | None = None,
    note: str = "",
) -> Elder:
    """An elder with the given meals and (optionally) a daily check-in window."""
    meals = {}
    if lunch is not None:
        meals["lunch"] = lunch
    if dinner is not None:
        meals["dinner"] = dinner
    return Elder(
        id=elder_id,
        name=f"Grandma {elder_id}",
        home=where,
        community="Hongqiao",
        address=f"Bldg {elder_id}",
        note=note,
        subscription=Subscription(days=days, meals=meals, diets=diets, eats_in=eats_in)
        if meals
        else None,
        checkin=None if checkin is None else CheckInEnrolment(window=checkin),
        contact=Contact(name=f"Li {elder_id}", phone="139 0000 0000", relation="son"),
    )


def courier(
    courier_id: str,
    where: Location,
    *,
    shift: tuple[int, int] = (8 * H, 14 * H),
    capacity: int = 6,
    profile: str = "ebike",
) -> Courier:
    """A courier who starts and ends at ``where``."""
    return Courier(
        id=courier_id,
        start=where,
        end=where,
        shift=TimeWindow(*shift),
        capacity=capacity,
        profile=profile,
    )


@st.composite
def programmes(draw: Draw[Any]) -> tuple[list[Kitchen], list[Elder]]:
    """1-4 kitchens and 1-12 elders on a 3 x 3 km square, with random diets and capacities.

    Kitchens serve lunch (and maybe dinner) with 0-5 meals and 0-2 diets;
    elders subscribe on random days to lunch and/or dinner with 0-2 diets
    (``halal`` is rare among kitchens), some eat in, windows are 30-120
    minutes from 11:00-12:30 (17:00-18:30 for dinner).
    """
    side = st.integers(0, 3000)
    kitchens = []
    for k in range(draw(st.integers(1, 4))):
        diets = draw(st.lists(st.sampled_from(DIETS[:3]), max_size=2, unique=True))
        if draw(st.integers(0, 9)) == 0:
            diets.append("halal")
        kitchens.append(
            kitchen(
                f"k{k}",
                at(draw(side), draw(side)),
                lunch=draw(st.integers(0, 5)),
                dinner=draw(st.one_of(st.none(), st.integers(0, 5))),
                diets=diets,
            )
        )
    elders = []
    for e in range(draw(st.integers(1, 12))):
        opens = draw(st.integers(0, 6)) * 15 * M
        width = draw(st.integers(2, 8)) * 15 * M
        lunch = (11 * H + opens, 11 * H + opens + width) if draw(st.booleans()) else None
        dinner = (17 * H + opens, 17 * H + opens + width) if draw(st.booleans()) else None
        if lunch is None and dinner is None:
            lunch = (11 * H, 12 * H)
        elders.append(
            elder(
                f"e{e}",
                at(draw(side), draw(side)),
                lunch=lunch,
                dinner=dinner,
                diets=draw(st.lists(st.sampled_from(DIETS), max_size=2, unique=True)),
                days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
                eats_in=draw(st.integers(0, 5)) == 0,
                checkin=(8 * H, 10 * H) if draw(st.booleans()) else None,
            )
        )
    return kitchens, elders
