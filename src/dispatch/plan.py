"""What the solvers return: routes of timed stops, unassigned tasks with reasons.

A :class:`Plan` is plain data. It can be checked against its problem with
:func:`dispatch.validate`, which recomputes everything from the problem.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

import attrs

__all__ = [
    "ObjectiveParts",
    "Plan",
    "PlannedStop",
    "Route",
    "SolveStatus",
    "StopRole",
    "Unassigned",
    "UnassignedReason",
]


class StopRole(enum.Enum):
    """What a stop on a route is for."""

    START = "start"
    END = "end"
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    VISIT = "visit"
    OWN = "own"


@attrs.frozen(kw_only=True)
class PlannedStop:
    """One stop on a route with its schedule.

    ``ref`` is the task id (pickup, drop-off, visit), the own stop's id (own),
    or the courier's id (start, end). ``load_after`` is the load carried when
    leaving the stop.
    """

    role: StopRole
    ref: str
    arrival_s: int
    start_s: int
    departure_s: int
    load_after: tuple[int, ...]

    @property
    def wait_s(self) -> int:
        """Seconds spent waiting before service could start."""
        return self.start_s - self.arrival_s


@attrs.frozen(kw_only=True)
class Route:
    """A courier's route from its start to its end, both included.

    Examples
    --------
    >>> s = PlannedStop(role=StopRole.START, ref="c1", arrival_s=0, start_s=0, departure_s=0,
    ...                 load_after=(0,))
    >>> e = PlannedStop(role=StopRole.END, ref="c1", arrival_s=9, start_s=9, departure_s=9,
    ...                 load_after=(0,))
    >>> r = Route(courier_id="c1", stops=(s, e), distance_m=10, duration_s=9)
    >>> r.task_ids, r.is_empty
    ((), True)
    """

    courier_id: str
    stops: tuple[PlannedStop, ...]
    distance_m: int
    duration_s: int

    @property
    def task_ids(self) -> tuple[str, ...]:
        """Ids of the tasks served, each once, in order of first visit."""
        seen: dict[str, None] = {}
        for stop in self.stops:
            if stop.role in (StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT):
                seen.setdefault(stop.ref, None)
        return tuple(seen)

    @property
    def is_empty(self) -> bool:
        """True when the route serves no task and no own stop."""
        return all(s.role in (StopRole.START, StopRole.END) for s in self.stops)


class UnassignedReason(enum.Enum):
    """Why a task was left out of the plan."""

    CAPACITY = "capacity"
    """Its load exceeds every courier's capacity."""
    SKILL = "skill"
    """No courier has every skill it needs."""
    KIND = "kind"
    """No courier with the skills takes tasks of its kind (``Courier.accepts``)."""
    TASK_CAP = "task_cap"
    """Every courier who could take it has reached its cap on tasks (``Courier.max_tasks``)."""
    TIME_WINDOW = "time_window"
    """No courier can serve it inside its windows and shift, even alone."""
    DETOUR = "detour"
    """Every courier who could reach it in time would exceed its detour budget."""
    NO_COURIER = "no_courier"
    """The problem has no courier at all."""
    LOCKED = "locked"
    """It was not part of any locked route and the routes are closed."""
    COST = "cost"
    """Feasible in principle, but left out for cost or for higher-priority tasks."""
    PARTITION_FAILED = "partition_failed"
    """Its part of a partitioned solve (``dispatch.partition``) failed or timed out, retries too."""


@attrs.frozen(kw_only=True)
class Unassigned:
    """A task the plan does not serve, with the reason.

    ``insertion_cost`` is the cheapest feasible insertion into the returned
    plan (objective units) when one exists, else None.
    """

    task_id: str
    reason: UnassignedReason
    detail: str
    insertion_cost: int | None = None


@attrs.frozen(kw_only=True)
class ObjectiveParts:
    """The objective split into its parts (integer solver units)."""

    distance_m: int
    fixed_cost: int
    penalty: int

    @property
    def total(self) -> int:
        """Sum of the parts."""
        return self.distance_m + self.fixed_cost + self.penalty


class SolveStatus(enum.Enum):
    """How the search ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    """A plan was found; the search stopped on a limit."""
    NO_SOLUTION = "no_solution"
    """No plan found (for instance a courier's own stops cannot be served)."""
    INFEASIBLE = "infeasible"
    """Proven infeasible: the couriers' own stops cannot all be served."""


@attrs.frozen(kw_only=True)
class Plan:
    """Routes and unassigned tasks, with the objective and how the search went."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: ObjectiveParts
    status: SolveStatus
    runtime_s: float

    @property
    def couriers_used(self) -> int:
        """Number of routes that serve at least one stop."""
        return sum(1 for r in self.routes if not r.is_empty)

    @property
    def distance_m(self) -> int:
        """Total distance of every route."""
        return sum(r.distance_m for r in self.routes)

    def route_of(self, courier_id: str) -> Route | None:
        """The route of this courier, or None when it has none."""
        return next((r for r in self.routes if r.courier_id == courier_id), None)

    def assigned_task_ids(self) -> Iterator[str]:
        """Every task id served by some route."""
        for route in self.routes:
            yield from route.task_ids

    def is_feasible(self) -> bool:
        """True when a plan exists (check it with :func:`dispatch.validate`)."""
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
