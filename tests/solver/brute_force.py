"""An exact route checker and a brute-force optimiser for tiny problems, independent of the solver.

Shares no code with ``dispatch.solver`` or ``dispatch.validation``: travel
comes from ``problem.travel`` per courier profile, windows, loads and budgets
from the model objects. Time feasibility of a fixed stop sequence is exact:
the earliest schedule decides windows and the shift; when it breaks a maximum
ride time (which a later pickup may fix), every choice of window per stop is
tried as a simple temporal network solved by Bellman-Ford.

Examples
--------
>>> from dispatch import Courier, Errand, Location, MatrixTravel, Problem, Stop, TimeWindow
>>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 3, 5], [3, 0, 2], [5, 2, 0]])
>>> e = Errand(id="e", pickup=Stop(location=Location(node=1)),
...            dropoff=Stop(location=Location(node=2)))
>>> c = Courier(id="c", start=Location(node=0), end=Location(node=0),
...             shift=TimeWindow(0, 100), capacity=1)
>>> BruteForce(Problem(tasks=[e], couriers=[c], travel=travel)).best()
(0, 10)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

import attrs

from dispatch import (
    Courier,
    Errand,
    Location,
    MealDelivery,
    Problem,
    Route,
    Stop,
    StopRole,
    Task,
    TimeWindow,
    Visit,
)

__all__ = [
    "BruteForce",
    "CourierRoutes",
    "Item",
    "own_items",
    "plan_items",
    "task_items",
]


@attrs.frozen
class Item:
    """One stop of a candidate route: its role, reference, model stop and load change."""

    role: StopRole
    ref: str
    stop: Stop
    delta: tuple[int, ...]
    task: Task | None = None


def task_items(problem: Problem, task: Task) -> tuple[Item, ...]:
    """(pickup, drop-off) of a paired task, or (visit,)."""
    load = problem.load_of(task)
    if isinstance(task, Visit):
        return (Item(StopRole.VISIT, task.id, task.stop, load, task),)
    neg = tuple(-x for x in load)
    return (
        Item(StopRole.PICKUP, task.id, task.pickup, load, task),
        Item(StopRole.DROPOFF, task.id, task.dropoff, neg, task),
    )


def own_items(problem: Problem, courier: Courier) -> tuple[Item, ...]:
    """The courier's own stops, in order."""
    zero = (0,) * problem.dimensions
    return tuple(Item(StopRole.OWN, own.id, own.stop, zero) for own in courier.own_stops)


def plan_items(problem: Problem, route: Route) -> tuple[Item, ...]:
    """The inner stops of a planned route as items (raises KeyError on unknown refs)."""
    courier = problem.courier(route.courier_id)
    own = {item.ref: item for item in own_items(problem, courier)}
    out = []
    for stop in route.stops[1:-1]:
        if stop.role is StopRole.OWN:
            out.append(own[stop.ref])
        else:
            items = task_items(problem, problem.task(stop.ref))
            out.append(next(i for i in items if i.role is stop.role))
    return tuple(out)


def _max_ride(task: Task | None) -> int | None:
    if isinstance(task, Errand | MealDelivery):
        return task.max_ride_s
    return None


def _earliest_start(windows: Sequence[TimeWindow], arrival_s: int) -> int | None:
    if not windows:
        return arrival_s
    return next((max(arrival_s, w.earliest_s) for w in windows if arrival_s <= w.latest_s), None)


def _consistent(n: int, edges: Sequence[tuple[int, int, int]]) -> bool:
    """Whether ``x_v - x_u <= w`` for every edge (u, v, w) has a solution (no negative cycle)."""
    dist = [0] * n
    for _ in range(n + 1):
        changed = False
        for u, v, w in edges:
            if dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            return True
    return False


class CourierRoutes:
    """Exact evaluation of candidate routes (sequences of items) for one courier."""

    def __init__(self, problem: Problem, courier: Courier) -> None:
        self.problem = problem
        self.courier = courier
        places: dict[Location, int] = {courier.start: 0}
        if courier.end is not None:
            places.setdefault(courier.end, len(places))
        for own in courier.own_stops:
            places.setdefault(own.stop.location, len(places))
        for task in problem.tasks:
            for item in task_items(problem, task):
                places.setdefault(item.stop.location, len(places))
        matrix = problem.travel.matrix(list(places), courier.profile)
        self._row = places
        self._dur = matrix.durations_s.tolist()
        self._dist = matrix.distances_m.tolist()
        self.own = own_items(problem, courier)
        baseline = self.busy_and_distance(self.own)
        self.baseline_s = baseline[0]

    def leg(self, a: Location, b: Location | None) -> tuple[int, int]:
        """(seconds, metres) from ``a`` to ``b``; ``b`` None is the open end (free)."""
        if b is None:
            return 0, 0
        i, j = self._row[a], self._row[b]
        return self._dur[i][j], self._dist[i][j]

    def _path(self, items: Sequence[Item]) -> list[Location | None]:
        return [self.courier.start, *(i.stop.location for i in items), self.courier.end]

    def busy_and_distance(self, items: Sequence[Item]) -> tuple[int, int]:
        """Travel plus service seconds, and metres, of start -> items -> end."""
        path = self._path(items)
        busy = sum(i.stop.service_s for i in items)
        metres = 0
        for a, b in itertools.pairwise(path):
            assert a is not None  # only the last place may be the open end
            s, m = self.leg(a, b)
            busy += s
            metres += m
        return busy, metres

    def capacity_ok(self, items: Iterable[Item]) -> bool:
        """The load stays within [0, capacity] in every dimension."""
        load = [0] * len(self.courier.capacity)
        for item in items:
            load = [x + d for x, d in zip(load, item.delta, strict=True)]
            if any(not 0 <= x <= c for x, c in zip(load, self.courier.capacity, strict=True)):
                return False
        return True

    def earliest(self, items: Sequence[Item], *, close: bool = True) -> list[int] | None:
        """Earliest service starts (START departure first, END arrival last), or None.

        With ``close=False`` the route is a prefix: the END is neither reached nor checked.
        """
        shift = self.courier.shift
        t = shift.earliest_s
        here = self.courier.start
        out = [t]
        for item in items:
            arrival = t + self.leg(here, item.stop.location)[0]
            start = _earliest_start(item.stop.windows, arrival)
            if start is None or start > shift.latest_s:
                return None
            out.append(start)
            t = start + item.stop.service_s
            here = item.stop.location
        if not close:
            return out
        end = t + self.leg(here, self.courier.end)[0]
        if end > shift.latest_s:
            return None
        out.append(end)
        return out

    def _rides(self, items: Sequence[Item]) -> list[tuple[int, int, int]]:
        """(pickup position, drop-off position, max ride + pickup service) of ride-bounded pairs."""
        out = []
        for p, item in enumerate(items):
            ride = _max_ride(item.task)
            if item.role is StopRole.PICKUP and ride is not None:
                for d in range(p + 1, len(items)):
                    if items[d].role is StopRole.DROPOFF and items[d].ref == item.ref:
                        out.append((p, d, ride + item.stop.service_s))
        return out

    def times_ok(self, items: Sequence[Item]) -> bool:
        """Exact: windows, shift and maximum ride times can all be met in this order."""
        starts = self.earliest(items)
        if starts is None:
            return False
        rides = self._rides(items)
        inner = starts[1:-1]
        if all(inner[d] - inner[p] <= bound for p, d, bound in rides):
            return True
        # Variables: 0 = zero, 1 = START departure, 2.. = items, last = END arrival.
        n = len(items) + 3
        shift = self.courier.shift
        base: list[tuple[int, int, int]] = [(1, 0, -shift.earliest_s), (0, 1, shift.latest_s)]
        base.append((0, n - 1, shift.latest_s))
        path = self._path(items)
        services = [0, *(i.stop.service_s for i in items)]
        for k, (a, b) in enumerate(itertools.pairwise(path)):
            assert a is not None
            gap = services[k] + self.leg(a, b)[0]
            base.append((k + 2, k + 1, -gap))
        base += [(p + 2, d + 2, bound) for p, d, bound in rides]
        choices: list[list[TimeWindow | None]] = [
            [w for w in item.stop.windows if w.latest_s >= start] or [None]
            for item, start in zip(items, inner, strict=True)
        ]
        for pick in itertools.product(*choices):
            edges = list(base)
            for k, w in enumerate(pick):
                if w is not None:
                    edges += [(0, k + 2, w.latest_s), (k + 2, 0, -w.earliest_s)]
            if _consistent(n, edges):
                return True
        return False

    def check(self, items: Sequence[Item], *, detour: bool = True) -> int | None:
        """Distance of the route if it is feasible (capacity, times, detour), else None.

        Skills, precedence and the own-stop order are the caller's business.
        """
        if not self.capacity_ok(items):
            return None
        busy, metres = self.busy_and_distance(items)
        budget = self.courier.detour_budget_s
        if detour and budget is not None and busy - self.baseline_s > budget:
            return None
        return metres if self.times_ok(items) else None

    def orders(self, tasks: Sequence[Task]) -> Iterator[tuple[Item, ...]]:
        """Every sequence of these tasks' stops and the own stops (in order), pickups first."""
        pending = [list(task_items(self.problem, t)) for t in tasks]

        def grow(prefix: list[Item], own_next: int) -> Iterator[tuple[Item, ...]]:
            moved = False
            if own_next < len(self.own):
                moved = True
                prefix.append(self.own[own_next])
                yield from grow(prefix, own_next + 1)
                prefix.pop()
            for queue in pending:
                if queue:
                    moved = True
                    item = queue.pop(0)
                    prefix.append(item)
                    # Cut prefixes that already break a window or the capacity.
                    if self.capacity_ok(prefix) and self.earliest(prefix, close=False):
                        yield from grow(prefix, own_next)
                    prefix.pop()
                    queue.insert(0, item)
            if not moved:
                yield tuple(prefix)

        yield from grow([], 0)

    def best(self, tasks: Sequence[Task]) -> int | None:
        """Least distance of a feasible route serving exactly these tasks and the own stops."""
        best: int | None = None
        for order in self.orders(tasks):
            metres = self.check(order)
            if metres is not None and (best is None or metres < best):
                best = metres
        return best


class BruteForce:
    """Exact optimum of a tiny problem: least unserved priority, then distance plus fixed costs."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.routes = [CourierRoutes(problem, c) for c in problem.couriers]
        self._table = cache(self._cost)

    def _cost(self, vehicle: int, task_ids: frozenset[str]) -> int | None:
        routes = self.routes[vehicle]
        courier = routes.courier
        tasks = [self.problem.task(t) for t in sorted(task_ids)]
        if not tasks and not courier.own_stops:
            return 0  # an unused courier has no route at all
        if any(not t.skills <= courier.skills or not courier.takes(t.kind) for t in tasks):
            return None
        if courier.max_tasks is not None and len(tasks) > courier.max_tasks:
            return None
        metres = routes.best(tasks)
        return None if metres is None else metres + courier.fixed_cost

    def best(self, task_ids: Iterable[str] | None = None) -> tuple[int, int]:
        """(unserved priority, distance + fixed cost) of the best plan serving some of the tasks."""
        ids = [t.id for t in self.problem.tasks] if task_ids is None else list(task_ids)
        couriers = range(len(self.routes))
        best: tuple[int, int] | None = None
        for choice in itertools.product([None, *couriers], repeat=len(ids)):
            unserved = sum(
                self.problem.task(t).priority for t, c in zip(ids, choice, strict=True) if c is None
            )
            cost = 0
            for v in couriers:
                subset = frozenset(t for t, c in zip(ids, choice, strict=True) if c == v)
                part = self._table(v, subset)
                if part is None:
                    break
                cost += part
            else:
                key = (unserved, cost)
                best = key if best is None or key < best else best
        if best is None:
            raise AssertionError("no feasible plan: some courier cannot serve its own stops")
        return best
