"""Compile a :class:`~dispatch.model.Problem` into index-based arrays.

This is the immutable, index-based form the solver layers work on. Node layout::

    [task stops ...][own stops ...][courier starts (V)][courier ends (V)]

A paired task has two consecutive nodes (pickup, drop-off); a visit one.
Travel matrices are per travel profile and per *node* (not per location), so
the OR-Tools layer can hand them over as transit matrices without a Python
callback. Couriers with an open end get an end node whose location is a
virtual point at distance zero from everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.model import Courier, Location, Problem, Stop, Task, TimeWindow, Visit
from dispatch.model import TravelProfile as Profile
from dispatch.plan import StopRole

__all__ = ["CompiledProblem", "compile_problem"]

IntArray = npt.NDArray[np.int64]

#: Latest time any schedule may reach when nothing bounds it (about 34 years in seconds).
UNBOUNDED_S = 2**30


@attrs.frozen(eq=False, kw_only=True)
class CompiledProblem:
    """Index-based arrays describing a problem; see the module docstring for the layout."""

    problem: Problem
    task_ids: tuple[str, ...]
    """Ids of the compiled tasks, in node order (a subset of ``problem.tasks``)."""
    task_nodes: tuple[tuple[int, ...], ...]
    """Per compiled task: (pickup, drop-off) or (visit,)."""
    max_ride_s: tuple[int | None, ...]
    """Per compiled task."""
    priority: tuple[int, ...]
    task_kind: tuple[str, ...]
    """Per compiled task, its ``kind`` (matched against ``Courier.accepts``)."""
    node_role: tuple[StopRole, ...]
    node_ref: tuple[str, ...]
    node_task: IntArray
    """Compiled task index of each node, -1 for own stops, starts and ends."""
    node_vehicle: IntArray
    """Vehicle a node is bound to (own stops, starts, ends), else -1."""
    node_service_s: IntArray
    node_windows: tuple[tuple[TimeWindow, ...], ...]
    node_delta: IntArray
    """Load change at each node, shape (nodes, dimensions)."""
    node_skills: tuple[frozenset[str], ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    own_nodes: tuple[tuple[int, ...], ...]
    """Per vehicle, its own-stop nodes in order."""
    profiles: tuple[Profile, ...]
    vehicle_profile: tuple[int, ...]
    """Index into ``profiles`` of each vehicle."""
    durations_s: tuple[IntArray, ...]
    """Per profile, node x node travel seconds."""
    distances_m: tuple[IntArray, ...]
    """Per profile, node x node metres."""
    horizon_s: int

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_role)

    @property
    def n_vehicles(self) -> int:
        """Number of couriers."""
        return len(self.starts)

    @property
    def couriers(self) -> tuple[Courier, ...]:
        """Couriers in vehicle order."""
        return self.problem.couriers

    def duration(self, vehicle: int) -> IntArray:
        """Travel seconds between nodes for this vehicle's profile."""
        return self.durations_s[self.vehicle_profile[vehicle]]

    def distance(self, vehicle: int) -> IntArray:
        """Metres between nodes for this vehicle's profile."""
        return self.distances_m[self.vehicle_profile[vehicle]]

    def _node_fields(self, keep: Sequence[int]) -> dict[str, Any]:
        """The fields that hold one value per node and no node or task number, for the
        nodes ``keep`` in that order (:meth:`subset` and :meth:`keep_vehicles` renumber
        the rest)."""
        sel = np.array(keep, dtype=np.intp)
        return {
            "node_role": tuple(self.node_role[n] for n in keep),
            "node_ref": tuple(self.node_ref[n] for n in keep),
            "node_service_s": self.node_service_s[sel],
            "node_windows": tuple(self.node_windows[n] for n in keep),
            "node_delta": self.node_delta[sel],
            "node_skills": tuple(self.node_skills[n] for n in keep),
        }

    def subset(self, task_indices: Sequence[int]) -> CompiledProblem:
        """The same problem with only these compiled tasks, in this order (renumbered).

        Own stops, starts and ends are kept; travel matrices are sliced, not recomputed.
        """
        keep = [n for k in task_indices for n in self.task_nodes[k]]
        first_fixed = sum(len(t) for t in self.task_nodes)
        keep += list(range(first_fixed, self.n_nodes))
        new_of = {old: new for new, old in enumerate(keep)}
        sel = np.array(keep, dtype=np.intp)
        old_task_to_new = {old: new for new, old in enumerate(task_indices)}
        node_task = np.array(
            [old_task_to_new.get(int(self.node_task[n]), -1) for n in keep], dtype=np.int64
        )
        grid = np.ix_(sel, sel)
        return attrs.evolve(
            self,
            task_ids=tuple(self.task_ids[k] for k in task_indices),
            task_nodes=tuple(tuple(new_of[n] for n in self.task_nodes[k]) for k in task_indices),
            max_ride_s=tuple(self.max_ride_s[k] for k in task_indices),
            priority=tuple(self.priority[k] for k in task_indices),
            task_kind=tuple(self.task_kind[k] for k in task_indices),
            **self._node_fields(keep),
            node_task=node_task,
            node_vehicle=self.node_vehicle[sel],
            starts=tuple(new_of[n] for n in self.starts),
            ends=tuple(new_of[n] for n in self.ends),
            own_nodes=tuple(tuple(new_of[n] for n in own) for own in self.own_nodes),
            durations_s=tuple(m[grid] for m in self.durations_s),
            distances_m=tuple(m[grid] for m in self.distances_m),
        )

    def keep_vehicles(self, vehicles: Sequence[int]) -> CompiledProblem:
        """The same problem with only these vehicles, in this order (renumbered).

        The problem keeps only their couriers; the starts and ends of the others are
        removed, and so are travel profiles no kept courier uses; the horizon is the
        kept couriers' (the result equals compiling the smaller problem). A dropped
        vehicle must have no own stops (they would be unserved). Travel matrices are
        sliced, not recomputed.
        """
        kept = list(vehicles)
        if len(set(kept)) != len(kept) or not all(0 <= v < self.n_vehicles for v in kept):
            raise ValueError(f"vehicles must be distinct vehicle numbers, got {kept}")
        dropped = set(range(self.n_vehicles)) - set(kept)
        if any(self.own_nodes[v] for v in dropped):
            raise ValueError("a vehicle with own stops cannot be dropped")
        first_start = min(self.starts, default=self.n_nodes)
        keep = [*range(first_start), *(self.starts[v] for v in kept)]
        keep += [self.ends[v] for v in kept]
        new_of = {old: new for new, old in enumerate(keep)}
        new_vehicle = {old: new for new, old in enumerate(kept)}
        sel = np.array(keep, dtype=np.intp)
        node_vehicle = np.array(
            [new_vehicle[int(v)] if v >= 0 else -1 for v in self.node_vehicle[sel]],
            dtype=np.int64,
        )
        grid = np.ix_(sel, sel)
        couriers = [self.couriers[v] for v in kept]
        problem = attrs.evolve(self.problem, couriers=couriers)
        used = list(dict.fromkeys(self.vehicle_profile[v] for v in kept))
        horizon = min(max((c.shift.latest_s for c in couriers), default=0), UNBOUNDED_S)
        return attrs.evolve(
            self,
            problem=problem,
            **self._node_fields(keep),
            node_task=self.node_task[sel],
            node_vehicle=node_vehicle,
            starts=tuple(new_of[self.starts[v]] for v in kept),
            ends=tuple(new_of[self.ends[v]] for v in kept),
            own_nodes=tuple(tuple(new_of[n] for n in self.own_nodes[v]) for v in kept),
            profiles=tuple(self.profiles[p] for p in used),
            vehicle_profile=tuple(used.index(self.vehicle_profile[v]) for v in kept),
            durations_s=tuple(self.durations_s[p][grid] for p in used),
            distances_m=tuple(self.distances_m[p][grid] for p in used),
            horizon_s=int(horizon),
        )

    def eligible(self, task: int, vehicle: int) -> bool:
        """Whether the courier may take the task at all: skills, kind and a non-zero task cap."""
        courier = self.couriers[vehicle]
        return (
            self.node_skills[self.task_nodes[task][0]] <= courier.skills
            and courier.takes(self.task_kind[task])
            and courier.max_tasks != 0
        )

    def capacity(self, vehicle: int) -> IntArray:
        """Capacity vector of this vehicle."""
        return np.asarray(self.couriers[vehicle].capacity, dtype=np.int64)


def _stops_of(task: Task) -> list[tuple[StopRole, Stop]]:
    if isinstance(task, Visit):
        return [(StopRole.VISIT, task.stop)]
    return [(StopRole.PICKUP, task.pickup), (StopRole.DROPOFF, task.dropoff)]


def compile_problem(problem: Problem, task_ids: Sequence[str] | None = None) -> CompiledProblem:
    """Compile ``problem``, keeping only the tasks in ``task_ids`` (default: all), in that order.

    Examples
    --------
    >>> from dispatch import Courier, Location, MatrixTravel, Problem, Stop, TimeWindow, Visit
    >>> travel = MatrixTravel(nodes=[0, 1], durations_s=[[0, 30], [30, 0]])
    >>> p = Problem(tasks=[Visit(id="v", stop=Stop(location=Location(node=1)))],
    ...             couriers=[Courier(id="c", start=Location(node=0), shift=TimeWindow(0, 99),
    ...                               capacity=1)], travel=travel)
    >>> c = compile_problem(p)
    >>> c.n_nodes, c.starts, c.ends
    (3, (1,), (2,))
    >>> c.duration(0).tolist()
    [[0, 30, 0], [30, 0, 0], [0, 0, 0]]
    """
    ids = [t.id for t in problem.tasks] if task_ids is None else list(task_ids)
    dims = problem.dimensions
    roles: list[StopRole] = []
    refs: list[str] = []
    node_task: list[int] = []
    node_vehicle: list[int] = []
    service: list[int] = []
    windows: list[tuple[TimeWindow, ...]] = []
    deltas: list[tuple[int, ...]] = []
    skills: list[frozenset[str]] = []
    locations: list[Location | None] = []
    task_nodes: list[tuple[int, ...]] = []
    max_ride: list[int | None] = []
    priority: list[int] = []
    kinds: list[str] = []
    zero = (0,) * dims

    def add(
        role: StopRole,
        ref: str,
        stop: Stop | None,
        task: int,
        vehicle: int,
        delta: tuple[int, ...],
        skill: frozenset[str],
        location: Location | None,
    ) -> int:
        roles.append(role)
        refs.append(ref)
        node_task.append(task)
        node_vehicle.append(vehicle)
        service.append(stop.service_s if stop else 0)
        windows.append(stop.windows if stop else ())
        deltas.append(delta)
        skills.append(skill)
        locations.append(location)
        return len(roles) - 1

    for k, task_id in enumerate(ids):
        task = problem.task(task_id)
        load = problem.load_of(task)
        nodes = []
        for role, stop in _stops_of(task):
            delta = tuple(-x for x in load) if role is StopRole.DROPOFF else load
            nodes.append(add(role, task.id, stop, k, -1, delta, task.skills, stop.location))
        task_nodes.append(tuple(nodes))
        max_ride.append(getattr(task, "max_ride_s", None))
        priority.append(task.priority)
        kinds.append(task.kind)
    own_nodes: list[tuple[int, ...]] = []
    for v, courier in enumerate(problem.couriers):
        own_nodes.append(
            tuple(
                add(StopRole.OWN, own.id, own.stop, -1, v, zero, frozenset(), own.stop.location)
                for own in courier.own_stops
            )
        )
    starts = tuple(
        add(StopRole.START, c.id, None, -1, v, zero, frozenset(), c.start)
        for v, c in enumerate(problem.couriers)
    )
    ends = tuple(
        add(StopRole.END, c.id, None, -1, v, zero, frozenset(), c.end)
        for v, c in enumerate(problem.couriers)
    )

    # Unique locations; the virtual open end is the last row of each location matrix.
    unique: dict[Location, int] = {}
    for loc in locations:
        if loc is not None:
            unique.setdefault(loc, len(unique))
    loc_list = list(unique)
    virtual = len(loc_list)
    node_loc = np.array(
        [virtual if loc is None else unique[loc] for loc in locations], dtype=np.intp
    )
    profiles = tuple(dict.fromkeys(c.profile for c in problem.couriers))
    durations: list[IntArray] = []
    distances: list[IntArray] = []
    for profile in profiles:
        m = problem.travel.matrix(loc_list, profile)
        dur = np.zeros((virtual + 1, virtual + 1), dtype=np.int64)
        dist = np.zeros_like(dur)
        dur[:virtual, :virtual] = m.durations_s
        dist[:virtual, :virtual] = m.distances_m
        durations.append(dur[np.ix_(node_loc, node_loc)])
        distances.append(dist[np.ix_(node_loc, node_loc)])
    horizon = min(max((c.shift.latest_s for c in problem.couriers), default=0), UNBOUNDED_S)
    return CompiledProblem(
        problem=problem,
        task_ids=tuple(ids),
        task_nodes=tuple(task_nodes),
        max_ride_s=tuple(max_ride),
        priority=tuple(priority),
        task_kind=tuple(kinds),
        node_role=tuple(roles),
        node_ref=tuple(refs),
        node_task=np.array(node_task, dtype=np.int64),
        node_vehicle=np.array(node_vehicle, dtype=np.int64),
        node_service_s=np.array(service, dtype=np.int64),
        node_windows=tuple(windows),
        node_delta=np.array(deltas, dtype=np.int64).reshape(len(roles), dims),
        node_skills=tuple(skills),
        starts=starts,
        ends=ends,
        own_nodes=tuple(own_nodes),
        profiles=profiles,
        vehicle_profile=tuple(profiles.index(c.profile) for c in problem.couriers),
        durations_s=tuple(durations),
        distances_m=tuple(distances),
        horizon_s=int(horizon),
    )
