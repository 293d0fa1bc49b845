"""The naive baseline: each kitchen routes only its own meals with its own couriers.

This is how many programmes run today: a canteen's staff and volunteers
deliver that canteen's meals and nobody else's, and check on the elders
living nearest to it. :func:`plan_day_per_kitchen` plans a day that way
(same kitchen assignment, same solver, the same kitchen cells that
:func:`~dispatch.eldercare.plan_day` routes first, but with each courier in
the cell of the kitchen it belongs to, and no zones) so that the pooled
plan can be compared with it on equal terms. Check-ins go to the kitchen
nearest to the elder.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from dispatch.eldercare._day import DayOptions, DayPlan, route_day
from dispatch.eldercare._elder import Elder
from dispatch.eldercare._kitchen import Kitchen
from dispatch.model import Courier
from dispatch.travel import TravelTimes

__all__ = ["plan_day_per_kitchen"]


def plan_day_per_kitchen(
    day: datetime.date,
    *,
    kitchens: Sequence[Kitchen],
    elders: Sequence[Elder],
    couriers: Sequence[Courier],
    travel: TravelTimes,
    home_kitchen: Mapping[str, str],
    options: DayOptions | None = None,
) -> DayPlan:
    """Plan ``day`` the naive way: every kitchen alone, with its own couriers.

    Parameters are those of :func:`~dispatch.eldercare.plan_day`, plus
    ``home_kitchen``: courier id -> the kitchen the courier belongs to.

    Examples
    --------
    >>> from dispatch import SolveOptions, validate
    >>> from dispatch.eldercare import eldercare_district
    >>> d = eldercare_district(seed=1, scale=0.02)
    >>> naive = plan_day_per_kitchen(
    ...     d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers, travel=d.travel,
    ...     home_kitchen=d.home_kitchen,
    ...     options=DayOptions(solve=SolveOptions(time_limit_s=None, solution_limit=10,
    ...                                           metaheuristic="greedy_descent")))
    >>> len(naive.parts) == len(d.kitchens), validate(naive.problem, naive.plan)
    (True, [])
    """
    return route_day(
        day,
        kitchens=kitchens,
        elders=elders,
        couriers=couriers,
        travel=travel,
        options=options,
        courier_kitchen=home_kitchen,
        zones=False,
    )
