"""Plans to draw: a tiny hand-made one with every kind of mark, and the demo district's.

The tiny problem (straight-line travel near 31.2 N, 121.4 E) has an errand,
a visit and a meal on two couriers' routes, one courier with an own stop and
one with an open end, an idle courier, and two tasks no courier can take
(skill ``diver``): an errand and a visit. Ids carry characters that HTML,
JavaScript template strings and matplotlib's mathtext would misread.
"""

from __future__ import annotations

import importlib

import attrs
import pytest

from dispatch import (
    Courier,
    Errand,
    HaversineTravel,
    Location,
    MealDelivery,
    OwnStop,
    Plan,
    Problem,
    SolveOptions,
    Stop,
    Task,
    TimeWindow,
    Visit,
    solve,
)
from dispatch.demo import DemoDistrict, demo_district

H = 3600
_METRES_PER_DEGREE = 111_320.0
COUNTED = SolveOptions(time_limit_s=None, solution_limit=20, metaheuristic="greedy_descent")
SNEAKY_COURIER = '<img src=x onerror="alert(1)">'
SNEAKY_TASK = "visit-`${alert(2)}`-$x$"


def at(east_m: float, north_m: float) -> Location:
    """A place ``east_m`` and ``north_m`` from (31.2 N, 121.4 E)."""
    return Location(
        lat=round(31.2 + north_m / _METRES_PER_DEGREE, 7),
        lon=round(121.4 + east_m / (_METRES_PER_DEGREE * 0.8555), 7),
    )


def stop(location: Location) -> Stop:
    """A stop open all day with a minute of service."""
    return Stop(location=location, service_s=60)


@attrs.frozen
class World:
    """A problem and its plan."""

    problem: Problem
    plan: Plan


def tiny() -> World:
    """The tiny problem of the module docstring, solved."""
    day = TimeWindow(8 * H, 14 * H)
    couriers = [
        Courier(
            id="rider",
            start=at(0, 0),
            end=at(0, 0),
            shift=day,
            capacity=3,
            own_stops=[OwnStop(id="own-1", stop=stop(at(600, 400)))],
        ),
        Courier(id=SNEAKY_COURIER, start=at(900, -300), shift=day, capacity=3, profile="ebike"),
        Courier(id="idle", start=at(-700, 700), shift=TimeWindow(13 * H, 14 * H), capacity=1),
    ]
    tasks = [
        Errand(id="errand-1", pickup=stop(at(200, 100)), dropoff=stop(at(500, 300))),
        Visit(id="check-in-1", stop=stop(at(-300, 200))),
        MealDelivery(
            id="meal-1",
            kitchen=stop(at(800, -200)),
            home=stop(at(1100, 100)),
            ready_s=9 * H,
            max_ride_s=1800,
        ),
        Errand(
            id="errand-dive",
            pickup=stop(at(-500, -400)),
            dropoff=stop(at(-200, -600)),
            skills=["diver"],
        ),
        Visit(id=SNEAKY_TASK, stop=stop(at(300, -500)), skills=["diver"]),
    ]
    problem = Problem(tasks=tasks, couriers=couriers, travel=HaversineTravel())
    return World(problem, solve(problem, COUNTED))


def _node_only_stop(stop: Stop) -> Stop:
    return attrs.evolve(stop, location=attrs.evolve(stop.location, lat=None, lon=None))


def _node_only_task(task: Task) -> Task:
    if isinstance(task, MealDelivery):
        return attrs.evolve(
            task, kitchen=_node_only_stop(task.kitchen), home=_node_only_stop(task.home)
        )
    if isinstance(task, Errand):
        return attrs.evolve(
            task, pickup=_node_only_stop(task.pickup), dropoff=_node_only_stop(task.dropoff)
        )
    return attrs.evolve(task, stop=_node_only_stop(task.stop))


def _node_only_courier(courier: Courier) -> Courier:
    own = [attrs.evolve(o, stop=_node_only_stop(o.stop)) for o in courier.own_stops]
    start = attrs.evolve(courier.start, lat=None, lon=None)
    end = None if courier.end is None else attrs.evolve(courier.end, lat=None, lon=None)
    return attrs.evolve(courier, start=start, end=end, own_stops=own)


def node_only(problem: Problem) -> Problem:
    """``problem`` with every location reduced to its node (no lat/lon)."""
    return attrs.evolve(
        problem,
        tasks=[_node_only_task(t) for t in problem.tasks],
        couriers=[_node_only_courier(c) for c in problem.couriers],
    )


def demo() -> tuple[DemoDistrict, Plan]:
    """The demo district (seed 0) and a plan of it."""
    district = demo_district(seed=0)
    return district, solve(district.problem, COUNTED)


def hide_modules(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``importlib.import_module`` fail for the packages ``names``, as if not installed."""
    real = importlib.import_module

    def missing(module: str, package: str | None = None) -> object:
        if module.split(".")[0] in names:
            raise ModuleNotFoundError(f"No module named {module!r}")
        return real(module, package)

    monkeypatch.setattr(importlib, "import_module", missing)
