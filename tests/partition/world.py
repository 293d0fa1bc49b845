"""Small cities for the partitioning tests, and part solvers that fail or stall on purpose."""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter

import attrs
import numpy as np

from dispatch import (
    Courier,
    Errand,
    HaversineTravel,
    Location,
    OwnStop,
    Plan,
    Problem,
    Stop,
    TimeWindow,
    Visit,
)
from dispatch.incidental import MatchOptions
from dispatch.partition import MatchParts, Part, PartResult, PartStage, SolveParts
from dispatch.solver import SolveOptions
from dispatch.synthetic import incidental_district

#: The matcher as the tests run it: every phase on, small neighbourhood limits.
MATCH = MatchParts(MatchOptions(improve_limit=10, pack_limit=2))
#: The core solver, deterministic: a solution limit and no time limit.
ROUTE = SolveParts(SolveOptions(time_limit_s=None, solution_limit=30))

_ORIGIN = (31.2, 121.4)


@functools.cache
def district(couriers: int = 40, errands: int = 100, seed: int = 5) -> Problem:
    """A synthetic district of couriers on their rounds and residents' errands (road graph)."""
    return incidental_district(couriers=couriers, errands=errands, seed=seed).problem


def _at(rng: np.random.Generator, span_deg: float) -> Location:
    lat, lon = rng.uniform(0.0, span_deg, size=2)
    return Location(lat=round(_ORIGIN[0] + lat, 6), lon=round(_ORIGIN[1] + lon, 6))


@functools.cache
def routing_city(seed: int = 3, couriers: int = 8, tasks: int = 24) -> Problem:
    """Errands and check-in visits over about 5 x 5 km, couriers from scattered homes.

    Half the couriers have an own stop (a parcel to drop), some a detour budget.
    """
    rng = np.random.default_rng(seed)
    span = 0.045
    crew = []
    for k in range(couriers):
        own = []
        if k % 2:
            own = [
                OwnStop(
                    id=f"parcel-{k}",
                    stop=Stop(location=_at(rng, span), windows=[(8 * 3600, 12 * 3600)]),
                )
            ]
        crew.append(
            Courier(
                id=f"c{k:02d}",
                start=_at(rng, span),
                shift=TimeWindow(8 * 3600, 13 * 3600),
                capacity=3,
                own_stops=own,
                detour_budget_s=3600 if k % 3 == 0 else None,
            )
        )
    work: list[Errand | Visit] = []
    for k in range(tasks):
        if k % 3 == 2:
            work.append(Visit(id=f"v{k:02d}", stop=Stop(location=_at(rng, span), service_s=300)))
        else:
            work.append(
                Errand(
                    id=f"e{k:02d}",
                    pickup=Stop(location=_at(rng, span), service_s=60),
                    dropoff=Stop(
                        location=_at(rng, span), windows=[(9 * 3600, 12 * 3600)], service_s=60
                    ),
                    priority=1 + k % 2,
                )
            )
    return Problem(tasks=work, couriers=crew, travel=HaversineTravel())


def once_each(problem: Problem, plan: Plan) -> None:
    """Every task is on exactly one route or listed once as unassigned, never both."""
    routed = Counter(t for r in plan.routes for t in r.task_ids)
    left = Counter(u.task_id for u in plan.unassigned)
    assert all(n == 1 for n in routed.values())
    assert all(n == 1 for n in left.values())
    assert not set(routed) & set(left)
    assert set(routed) | set(left) == {t.id for t in problem.tasks}


def timeless(plan: Plan) -> Plan:
    """The plan without its run time, for comparing plans."""
    return attrs.evolve(plan, runtime_s=0.0)


@attrs.frozen
class Faulty:
    """Misbehaves in the parts with tasks of ``zones`` (of ``stage``), first ``times`` attempts.

    It raises a RuntimeError, or with ``sleep_s`` sleeps that long before
    solving. Attempts are counted per part; the own-rounds-only stand-in for
    a failed zone (no tasks) counts apart. For thread pools (the counts stay
    in this process).
    """

    inner: MatchParts | SolveParts
    zones: frozenset[int]
    times: int = 10**6
    stage: PartStage = PartStage.ZONE
    sleep_s: float | None = None
    calls: Counter[tuple[PartStage, int, bool]] = attrs.field(factory=Counter, eq=False)
    lock: threading.Lock = attrs.field(factory=threading.Lock, eq=False)

    def __call__(self, part: Part) -> PartResult:
        """The inner solver's result, late, or a RuntimeError."""
        with self.lock:
            key = (part.stage, part.zone, bool(part.problem.tasks))
            self.calls[key] += 1
            count = self.calls[key]
        if (
            part.problem.tasks
            and part.stage is self.stage
            and part.zone in self.zones
            and count <= self.times
        ):
            if self.sleep_s is None:
                raise RuntimeError(f"zone {part.zone} broke")
            time.sleep(self.sleep_s)
        return self.inner(part)
