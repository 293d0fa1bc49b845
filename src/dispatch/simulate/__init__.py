"""Simulated district days around the real online dispatcher.

Whether the dispatcher serves people well is only known by running whole days
through it. :func:`simulate` plays a day of a :func:`district_scenario`
through :class:`dispatch.online.Dispatcher` on a simulated clock: residents
order, couriers on their own rounds move, report, accept and decline, staff
handle their queue, the meal round is ridden, the points ledger books the day;
every errand decision is the dispatcher's own, read back from its event log.
Modules, one idea each:

- :mod:`~dispatch.simulate._scenario` -- :func:`district_scenario`: a seeded district and
  the demand of one day, modelled on a real programme (142 communities, 59 kitchens,
  200 couriers on their own rounds).
- :mod:`~dispatch.simulate._options` -- :class:`SimulationOptions`: how people behave.
- :mod:`~dispatch.simulate._travel` -- planned and noisy travel, places along a leg.
- :mod:`~dispatch.simulate._engine` -- :func:`simulate`: the discrete-event day.
- :mod:`~dispatch.simulate._meals` -- the meal round as its own fleet rides it.
- :mod:`~dispatch.simulate._audit` -- the dispatcher's invariants, checked while it runs.
- :mod:`~dispatch.simulate._kpis` -- :class:`Kpis` and :class:`IntervalKpis` from the log.
- :mod:`~dispatch.simulate._plot` -- :func:`plot_intervals`, the day in charts (``plot`` extra).
- :mod:`~dispatch.simulate._demo` -- :func:`demo_morning`, the loop told as it happens.
- :mod:`~dispatch.simulate._cli` -- ``dispatch simulate``.

Examples
--------
>>> scenario = district_scenario(seed=1, scale=0.02)
>>> result = simulate(scenario, SimulationOptions(meals=None), hours=3)
>>> result.kpis.orders == len(result.orders), result.errors
(True, ())
"""

from dispatch.simulate._demo import demo_morning, morning_report
from dispatch.simulate._engine import SimulationProgress, SimulationResult, simulate
from dispatch.simulate._kpis import IntervalKpis, Kpis
from dispatch.simulate._options import ACCEPT_P, POINTS, SimulationOptions
from dispatch.simulate._plot import plot_intervals
from dispatch.simulate._scenario import (
    HAZARD_KINDS,
    MENU,
    ORDER_PROFILE,
    PROGRAMME,
    DistrictScenario,
    HazardReport,
    OrderRequest,
    district_scenario,
    plan_of,
)

__all__ = [
    "ACCEPT_P",
    "HAZARD_KINDS",
    "MENU",
    "ORDER_PROFILE",
    "POINTS",
    "PROGRAMME",
    "DistrictScenario",
    "HazardReport",
    "IntervalKpis",
    "Kpis",
    "OrderRequest",
    "SimulationOptions",
    "SimulationProgress",
    "SimulationResult",
    "demo_morning",
    "district_scenario",
    "morning_report",
    "plan_of",
    "plot_intervals",
    "simulate",
]
