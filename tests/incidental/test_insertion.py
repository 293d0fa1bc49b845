"""Tests of the errand insertion kernel, :mod:`dispatch.incidental._insertion`.

The reference is a brute force written here from the rules alone: for each pickup position
``i`` and drop-off position ``j`` it builds the new point sequence and simulates it from
scratch (arrival = previous departure + travel, start = max(arrival, earliest), every latest,
load, ride and busy time checked), sharing no code with the kernel. Random cases draw routes
of 0-8 stops with waiting, windows, services, multi-dimensional loads, open or closed ends and
travel matrices that do or do not satisfy the triangle inequality.

Measure the kernel's throughput on 100,000 candidates with
``python -m tests.incidental.test_insertion`` from the repository root.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import examples

from dispatch.errors import InvalidInputError
from dispatch.incidental._insertion import (
    UNBOUNDED_S,
    CandidateBatch,
    ErrandArrays,
    Insertion,
    InsertionReason,
    RouteArrays,
    RouteBatch,
    best_insertions,
    insertion_grid,
)

Window = tuple[int, int]
NEVER: Window = (-UNBOUNDED_S, UNBOUNDED_S)


# --- random cases --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Case:
    """A route and an errand on one travel matrix, with what the brute force needs.

    Nodes ``0..m+1`` are the route's points, ``m+2`` the pickup, ``m+3`` the drop-off.
    ``windows[k]`` lists point ``k``'s windows (empty: any time; unused for 0 and ``m+1``).
    """

    travel: tuple[tuple[int, ...], ...]
    start0_s: int
    windows: tuple[tuple[Window, ...], ...]
    service_s: tuple[int, ...]
    shift_end_s: int
    load_after: tuple[tuple[int, ...], ...]
    capacity: tuple[int, ...]
    remaining_detour_s: int | None
    use_earliest: bool
    pickup_window: Window | None
    dropoff_window: Window | None
    pickup_service_s: int
    dropoff_service_s: int
    load: tuple[int, ...]
    max_ride_s: int | None

    @property
    def m(self) -> int:
        return len(self.service_s) - 2

    def t(self, a: int, b: int) -> int:
        return self.travel[a][b]

    def schedule(self) -> list[int]:
        """Service start of each point of the current route (earliest start, all windows)."""
        starts = [self.start0_s]
        for k in range(1, self.m + 2):
            arrival = starts[-1] + self.service_s[k - 1] + self.t(k - 1, k)
            start = first_start(self.windows[k], arrival)
            assert start is not None  # the generator builds feasible routes
            starts.append(start)
        return starts

    def containing(self, k: int, start_s: int) -> Window:
        """The window of point ``k`` that holds ``start_s``; NEVER for a point without any."""
        for window in self.windows[k]:
            if window[0] <= start_s <= window[1]:
                return window
        return NEVER

    def route(self) -> RouteArrays:
        starts = self.schedule()
        m = self.m
        latest = [starts[0]] + [self.containing(k, starts[k])[1] for k in range(1, m + 1)]
        earliest = [starts[0]] + [self.containing(k, starts[k])[0] for k in range(1, m + 1)]
        return RouteArrays(
            start_s=starts,
            latest_s=[*latest, self.shift_end_s],
            service_s=list(self.service_s),
            load_after=[list(x) for x in self.load_after],
            capacity=list(self.capacity),
            leg_s=[self.t(k, k + 1) for k in range(m + 1)],
            remaining_detour_s=self.remaining_detour_s,
            earliest_s=[*earliest, starts[-1]] if self.use_earliest else None,
        )

    def errand(self) -> ErrandArrays:
        m = self.m
        pickup, dropoff = m + 2, m + 3
        points = range(m + 2)
        return ErrandArrays(
            load=list(self.load),
            to_pickup_s=[self.t(k, pickup) for k in points],
            from_pickup_s=[self.t(pickup, k) for k in points],
            to_dropoff_s=[self.t(k, dropoff) for k in points],
            from_dropoff_s=[self.t(dropoff, k) for k in points],
            pickup_to_dropoff_s=self.t(pickup, dropoff),
            pickup_window_s=self.pickup_window,
            dropoff_window_s=self.dropoff_window,
            pickup_service_s=self.pickup_service_s,
            dropoff_service_s=self.dropoff_service_s,
            max_ride_s=self.max_ride_s,
        )


def first_start(windows: Sequence[Window], arrival_s: int) -> int | None:
    """The earliest start at or after ``arrival_s`` inside ``windows`` (None: too late)."""
    if not windows:
        return arrival_s
    for earliest, latest in windows:
        if arrival_s <= latest:
            return max(arrival_s, earliest)
    return None


@st.composite
def travel_matrices(
    draw: st.DrawFn, size: int, *, triangle: bool, open_end: int | None, shortcuts: bool
) -> Any:
    """Asymmetric travel with zero diagonal; shortest-path closed when ``triangle``, else
    sometimes with the route's own legs (``k -> k+1``) made longer, so that going through the
    pickup or drop-off is a shortcut."""
    top = draw(st.sampled_from([3, 12, 40]))
    flat = draw(st.lists(st.integers(0, top), min_size=size * size, max_size=size * size))
    t = np.array(flat, dtype=np.int64).reshape(size, size)
    np.fill_diagonal(t, 0)
    if triangle:
        for via in range(size):
            t = np.minimum(t, t[:, via, None] + t[None, via, :])
    elif shortcuts or draw(st.booleans()):
        for k in range(size - 3):
            t[k, k + 1] += draw(st.integers(0, 40))
    if open_end is not None:
        t[:, open_end] = 0  # the route ends wherever its last stop is
    return tuple(tuple(int(x) for x in row) for row in t)


@st.composite
def optional_windows(draw: st.DrawFn, low: int, high: int) -> Window | None:
    """None, or a window opening between ``low`` and ``high``."""
    if draw(st.booleans()):
        return None
    earliest = draw(st.integers(low, high))
    return (earliest, earliest + draw(st.integers(0, 120)))


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    dims: int | None = None,
    triangle: bool | None = None,
    multi_windows: bool = False,
    shortcuts: bool = False,
) -> Case:
    """A feasible route of 0-8 stops and an errand; see :class:`Case`.

    ``shortcuts``: travel that breaks the triangle inequality with long route legs, and
    ``earliest_s`` passed, so that stops after the pickup often start earlier.
    """
    m = draw(st.integers(0, 8))
    dims = draw(st.integers(1, 2)) if dims is None else dims
    triangle = draw(st.booleans()) if triangle is None else triangle
    open_end = m + 1 if draw(st.booleans()) else None
    triangle = False if shortcuts else triangle
    travel = draw(travel_matrices(m + 4, triangle=triangle, open_end=open_end, shortcuts=shortcuts))
    start0 = draw(st.integers(0, 30))
    service = [0] + [draw(st.integers(0, 10)) for _ in range(m)] + [0]
    windows: list[tuple[Window, ...]] = [()]
    departure = start0
    for k in range(1, m + 1):
        arrival = departure + travel[k - 1][k]
        kind = draw(st.sampled_from(["none", "wait", "inside"]))
        if kind == "none":
            own: list[Window] = []
            start = arrival
        else:
            if kind == "wait":
                opens = arrival + draw(st.integers(1, 20))
            else:
                opens = arrival - draw(st.integers(0, 20))
            start = max(arrival, opens)
            own = [(opens, start + draw(st.integers(0, 30)))]
            if multi_windows and draw(st.booleans()) and arrival >= 2:
                end = draw(st.integers(0, arrival - 1))
                own.insert(0, (draw(st.integers(0, end)), end))
            if multi_windows and draw(st.booleans()):
                later = own[-1][1] + draw(st.integers(1, 30))
                own.append((later, later + draw(st.integers(0, 30))))
        windows.append(tuple(own))
        departure = start + service[k]
    windows.append(())
    end_arrival = departure + travel[m][m + 1]
    shift_end = draw(st.one_of(st.just(UNBOUNDED_S), st.integers(end_arrival, end_arrival + 80)))
    capacity = tuple(draw(st.integers(0, 4)) for _ in range(dims))
    load_after = tuple(
        tuple(draw(st.integers(0, min(c, 2))) for c in capacity) for _ in range(m + 2)
    )
    return Case(
        travel=travel,
        start0_s=start0,
        windows=tuple(windows),
        service_s=tuple(service),
        shift_end_s=shift_end,
        load_after=load_after,
        capacity=capacity,
        remaining_detour_s=draw(st.one_of(st.none(), st.integers(-5, 30))),
        use_earliest=shortcuts or draw(st.booleans()),
        pickup_window=draw(optional_windows(start0 - 20, end_arrival)),
        dropoff_window=draw(optional_windows(start0, end_arrival + 20)),
        pickup_service_s=draw(st.sampled_from([0, 0, 3, 10])),
        dropoff_service_s=draw(st.sampled_from([0, 0, 3, 10])),
        load=tuple(draw(st.integers(0, 2)) for _ in range(dims)),
        max_ride_s=draw(st.one_of(st.none(), st.integers(0, 60))),
    )


# --- the brute force -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Outcome:
    """One simulated ``(i, j)``: the first failing check as a reason, and the numbers."""

    reason: InsertionReason
    added_busy_s: int
    pickup_start_s: int
    dropoff_start_s: int


def simulate(case: Case, i: int, j: int, *, all_windows: bool = False) -> Outcome:
    """Insert the pickup after point ``i`` and the drop-off after ``j`` and simulate from scratch.

    Existing stops use the window that holds their current start (opening at their current
    start when the case does not pass ``earliest_s``), or every window when ``all_windows``.
    """
    m = case.m
    pickup, dropoff = m + 2, m + 3
    current = case.schedule()
    sequence = [*range(i + 1), pickup, *range(i + 1, j + 1), dropoff, *range(j + 1, m + 2)]

    def windows_of(node: int) -> Sequence[Window]:
        if node == pickup:
            return [case.pickup_window or NEVER]
        if node == dropoff:
            return [case.dropoff_window or NEVER]
        if node == m + 1:
            return [(-UNBOUNDED_S, case.shift_end_s)]
        if all_windows:
            return case.windows[node]
        earliest, latest = case.containing(node, current[node])
        return [(earliest if case.use_earliest else current[node], latest)]

    def service_of(node: int) -> int:
        if node == pickup:
            return case.pickup_service_s
        if node == dropoff:
            return case.dropoff_service_s
        return case.service_s[node]

    time_ok = True
    starts: dict[int, int] = {0: case.start0_s}
    departure = case.start0_s + case.service_s[0]
    for previous, node in itertools.pairwise(sequence):
        arrival = departure + case.t(previous, node)
        start = first_start(windows_of(node), arrival)
        if start is None:  # past the last window: keep going late, the time check failed
            time_ok = False
            start = arrival
        starts[node] = start
        departure = start + service_of(node)
    ride = starts[dropoff] - (starts[pickup] + case.pickup_service_s)
    if case.max_ride_s is not None and ride > case.max_ride_s:
        time_ok = False

    load = np.array(case.load_after[0])
    cap_ok = True
    last_existing = 0
    for node in sequence[1:]:
        if node == pickup:
            load = load + case.load
        elif node == dropoff:
            load = load - case.load
        else:
            load = load + np.subtract(case.load_after[node], case.load_after[last_existing])
            last_existing = node
        cap_ok &= bool(np.all((load >= 0) & (load <= case.capacity)))

    def busy(points: Sequence[int]) -> int:
        travel = sum(case.t(a, b) for a, b in itertools.pairwise(points))
        return travel + sum(service_of(p) for p in points)

    added = busy(sequence) - busy(range(m + 2))
    budget = UNBOUNDED_S if case.remaining_detour_s is None else case.remaining_detour_s
    if not time_ok:
        reason = InsertionReason.TIME
    elif not cap_ok:
        reason = InsertionReason.CAPACITY
    elif added > budget:
        reason = InsertionReason.DETOUR
    else:
        reason = InsertionReason.FEASIBLE
    return Outcome(
        reason=reason,
        added_busy_s=added,
        pickup_start_s=starts[pickup],
        dropoff_start_s=starts[dropoff],
    )


def brute_best(case: Case) -> Insertion:
    """The cheapest feasible cell (ties: smallest i, then j), or the furthest any cell got."""
    progress = [
        InsertionReason.TIME,
        InsertionReason.CAPACITY,
        InsertionReason.DETOUR,
        InsertionReason.FEASIBLE,
    ]
    best: tuple[int, int, int, Outcome] | None = None
    furthest = 0
    for i in range(case.m + 1):
        for j in range(i, case.m + 1):
            outcome = simulate(case, i, j)
            furthest = max(furthest, progress.index(outcome.reason))
            if outcome.reason is InsertionReason.FEASIBLE and (
                best is None or outcome.added_busy_s < best[0]
            ):
                best = (outcome.added_busy_s, i, j, outcome)
    if best is None:
        return Insertion(
            reason=progress[furthest],
            pickup_after=-1,
            dropoff_after=-1,
            added_busy_s=0,
            pickup_start_s=0,
            dropoff_start_s=0,
        )
    cost, i, j, outcome = best
    return Insertion(
        reason=InsertionReason.FEASIBLE,
        pickup_after=i,
        dropoff_after=j,
        added_busy_s=cost,
        pickup_start_s=outcome.pickup_start_s,
        dropoff_start_s=outcome.dropoff_start_s,
    )


# --- agreement with the brute force --------------------------------------------------------------


@settings(max_examples=examples(300), deadline=None)
@given(cases())
def test_grid_matches_brute_force(case: Case) -> None:
    """Every cell's reason, cost and service starts equal the from-scratch simulation."""
    assert_grid_matches(case)


@settings(max_examples=examples(200), deadline=None)
@given(cases(shortcuts=True))
def test_grid_matches_brute_force_with_shortcuts(case: Case) -> None:
    """As above, on travel where the errand is a shortcut and stops may start earlier."""
    assert_grid_matches(case)


def assert_grid_matches(case: Case) -> None:
    grid = insertion_grid(case.route(), case.errand())
    n = case.m + 1
    assert grid.reason.shape == grid.added_busy_s.shape == grid.dropoff_start_s.shape == (n, n)
    for i in range(n):
        for j in range(n):
            if j < i:
                assert grid.reason[i, j] == InsertionReason.ORDER
                continue
            want = simulate(case, i, j)
            got = InsertionReason(int(grid.reason[i, j]))
            assert got is want.reason, (i, j)
            assert grid.added_busy_s[i, j] == want.added_busy_s, (i, j)
            assert grid.pickup_start_s[i] == want.pickup_start_s, (i, j)
            if want.reason is not InsertionReason.TIME:
                assert grid.dropoff_start_s[i, j] == want.dropoff_start_s, (i, j)


@settings(max_examples=examples(200), deadline=None)
@given(cases())
def test_best_matches_brute_force(case: Case) -> None:
    """The best insertion (positions, cost, starts, reason) equals the brute force's, both
    from the full grid and from the kernel's scan with early exits (best_insertions)."""
    want = brute_best(case)
    assert insertion_grid(case.route(), case.errand()).best() == want
    routes = RouteBatch.stack([case.route()])
    assert best_insertions(routes, CandidateBatch.stack(routes, [0], [case.errand()])).at(0) == want


@settings(max_examples=examples(100), deadline=None)
@given(cases(shortcuts=True))
def test_best_matches_brute_force_with_shortcuts(case: Case) -> None:
    """As above, on travel where the errand is a shortcut and stops may start earlier."""
    routes = RouteBatch.stack([case.route()])
    got = best_insertions(routes, CandidateBatch.stack(routes, [0], [case.errand()])).at(0)
    assert got == brute_best(case)


@settings(max_examples=examples(150), deadline=None)
@given(cases(triangle=True))
def test_earliest_starts_do_not_matter_under_the_triangle_inequality(case: Case) -> None:
    """With travel obeying the triangle inequality, passing earliest_s changes nothing."""
    with_earliest = attrs.evolve(case, use_earliest=True)
    without = attrs.evolve(case, use_earliest=False)
    a = insertion_grid(with_earliest.route(), case.errand())
    b = insertion_grid(without.route(), case.errand())
    np.testing.assert_array_equal(a.reason, b.reason)
    np.testing.assert_array_equal(a.dropoff_start_s, b.dropoff_start_s)


@settings(max_examples=examples(150), deadline=None)
@given(cases(multi_windows=True))
def test_feasible_cells_are_feasible_with_every_window(case: Case) -> None:
    """Stops with several windows: each feasible cell is feasible when every window is
    allowed, at the same cost, with the drop-off no later (the kernel is conservative)."""
    grid = insertion_grid(case.route(), case.errand())
    for i, j in zip(*np.nonzero(grid.feasible), strict=True):
        truly = simulate(case, int(i), int(j), all_windows=True)
        assert truly.reason is InsertionReason.FEASIBLE, (i, j)
        assert truly.added_busy_s == grid.added_busy_s[i, j]
        assert truly.dropoff_start_s <= grid.dropoff_start_s[i, j]


@settings(max_examples=examples(80), deadline=None)
@given(
    st.integers(1, 2).flatmap(lambda dims: st.lists(cases(dims=dims), min_size=1, max_size=7)),
    st.randoms(use_true_random=False),
)
def test_batch_equals_one_by_one(group: list[Case], shuffle: Any) -> None:
    """best_insertions over a batch (shared routes, mixed lengths, in any order) gives
    each candidate the result of insertion_grid(...).best() alone."""
    routes = RouteBatch.stack([case.route() for case in group])
    pairs = [k for k in range(len(group)) for _ in range(1 + k % 3)]  # routes used 1-3 times
    shuffle.shuffle(pairs)
    candidates = CandidateBatch.stack(routes, pairs, [group[k].errand() for k in pairs])
    result = best_insertions(routes, candidates)
    assert len(result) == len(pairs)
    for position, k in enumerate(pairs):
        alone = insertion_grid(group[k].route(), group[k].errand()).best()
        assert result.at(position) == alone
    np.testing.assert_array_equal(result.feasible, result.reason == InsertionReason.FEASIBLE)


# --- hand-computed cases -------------------------------------------------------------------------


def line_route(
    places: Sequence[int],
    *,
    windows: Sequence[Window | None] = (),
    service_s: Sequence[int] = (),
    shift_end_s: int = UNBOUNDED_S,
    load_after: Sequence[int] | None = None,
    capacity: int = 1,
    remaining_detour_s: int | None = None,
    earliest: bool = False,
) -> RouteArrays:
    """A route on a line (1 s per unit) through ``places`` (point 0 first, the end last),
    leaving at 0, stops with the given windows and services (default: none)."""
    points = len(places)
    windows = [*windows, *([None] * (points - 2 - len(windows)))]
    service = [0, *service_s, *([0] * (points - 2 - len(service_s))), 0]
    starts, latest, opens = [0], [0], [0]
    for k in range(1, points):
        arrival = starts[-1] + service[k - 1] + abs(places[k] - places[k - 1])
        window = windows[k - 1] if k < points - 1 else (-UNBOUNDED_S, shift_end_s)
        window = window or NEVER
        starts.append(max(arrival, window[0]))
        latest.append(window[1])
        opens.append(window[0] if k < points - 1 else starts[-1])
    return RouteArrays(
        start_s=starts,
        latest_s=latest,
        service_s=service,
        load_after=[[x] for x in (load_after or [0] * points)],
        capacity=[capacity],
        leg_s=[abs(b - a) for a, b in itertools.pairwise(places)],
        remaining_detour_s=remaining_detour_s,
        earliest_s=opens if earliest else None,
    )


def line_errand(places: Sequence[int], pickup: int, dropoff: int, **options: Any) -> ErrandArrays:
    """An errand from ``pickup`` to ``dropoff`` on the line of ``places``."""
    return ErrandArrays(
        to_pickup_s=[abs(pickup - x) for x in places],
        from_pickup_s=[abs(pickup - x) for x in places],
        to_dropoff_s=[abs(dropoff - x) for x in places],
        from_dropoff_s=[abs(dropoff - x) for x in places],
        pickup_to_dropoff_s=abs(dropoff - pickup),
        **{"load": [1], **options},
    )


def names(grid: npt.NDArray[np.int8]) -> list[list[str]]:
    return [[InsertionReason(int(x)).name for x in row] for row in grid]


def test_waiting_absorbs_the_push() -> None:
    """A stop that waits 20 s for its window absorbs a 10 s errand before it, not one after."""
    places = [0, 10, 20]
    route = line_route(places, windows=[(30, 40)], shift_end_s=45)
    assert route.start_s.tolist() == [0, 30, 40]
    errand = line_errand(places, 5, 5, pickup_service_s=5, dropoff_service_s=5)
    grid = insertion_grid(route, errand)
    assert names(grid.reason) == [["FEASIBLE", "TIME"], ["ORDER", "TIME"]]
    assert grid.added_busy_s.tolist() == [[10, 20], [0, 20]]
    assert grid.best() == Insertion(
        reason=InsertionReason.FEASIBLE,
        pickup_after=0,
        dropoff_after=0,
        added_busy_s=10,
        pickup_start_s=5,
        dropoff_start_s=10,
    )


def test_push_beyond_the_slack_fails() -> None:
    """4 s of wait plus 3 s of window slack at the stop: a 5 s push fits, a 10 s one does not."""
    places = [0, 10, 20]
    route = line_route(places, windows=[(14, 17)])
    errand = line_errand(places, 5, 5, pickup_service_s=5, dropoff_service_s=5)
    grid = insertion_grid(route, errand)
    assert names(grid.reason) == [["TIME", "FEASIBLE"], ["ORDER", "FEASIBLE"]]
    assert grid.added_busy_s.tolist() == [[10, 20], [0, 20]]
    best = grid.best()  # (0, 1) and (1, 1) tie
    assert (best.pickup_after, best.dropoff_after, best.dropoff_start_s) == (0, 1, 20)
    loose = insertion_grid(line_route(places, windows=[(14, 24)]), errand)
    assert (loose.best().pickup_after, loose.best().dropoff_after) == (0, 0)


def test_slack_between_pickup_and_dropoff() -> None:
    """Pickup before two stops, drop-off after them: the tighter stop decides (range min)."""
    places = [0, 10, 20, 30]
    errand = line_errand(places, 0, 30, pickup_service_s=6)
    tight = insertion_grid(line_route(places, windows=[None, (0, 25)]), errand)
    assert tight.reason[0, 2] == InsertionReason.TIME  # stop 2 would start at 26
    loose = insertion_grid(line_route(places, windows=[None, (0, 26)]), errand)
    assert loose.reason[0, 2] == InsertionReason.FEASIBLE
    assert loose.dropoff_start_s[0, 2] == 36
    assert loose.best().pickup_after == 0
    assert loose.best().dropoff_after == 2


def test_ties_go_to_the_smallest_positions() -> None:
    """Everything at one place: every cell costs the services; the first cell wins."""
    places = [0, 0, 0, 0]
    errand = line_errand(places, 0, 0, pickup_service_s=2, dropoff_service_s=3)
    grid = insertion_grid(line_route(places), errand)
    assert (grid.added_busy_s[np.triu_indices(3)] == 5).all()
    best = grid.best()
    assert (best.pickup_after, best.dropoff_after) == (0, 0)
    # The pickup only at 0 s, the drop-off from 1 s, stop 1 (1 s of service) at 0 s: (0, 0)
    # would delay stop 1; (0, 1) and (0, 2) both cost nothing.
    late = line_errand(places, 0, 0, pickup_window_s=(0, 0), dropoff_window_s=(1, 9))
    grid = insertion_grid(line_route(places, windows=[(0, 0)], service_s=[1, 0]), late)
    assert names(grid.reason)[0] == ["TIME", "FEASIBLE", "FEASIBLE"]
    best = grid.best()
    assert (best.pickup_after, best.dropoff_after, best.dropoff_start_s) == (0, 1, 1)


def test_reasons_say_how_far_the_candidate_got() -> None:
    """TIME before CAPACITY before DETOUR before FEASIBLE, for the candidate as a whole."""
    places = [0, 10, 20]
    route = line_route(places, load_after=[1, 0, 0], capacity=1, remaining_detour_s=3)
    cases = {
        "FEASIBLE": line_errand(places, 12, 18),
        "DETOUR": line_errand(places, 5, 2),
        "CAPACITY": line_errand(places, 5, 15, load=[2]),
        "TIME": line_errand(places, 5, 15, dropoff_window_s=(0, 9)),
    }
    routes = RouteBatch.stack([route])
    batch = CandidateBatch.stack(routes, [0] * len(cases), list(cases.values()))
    result = best_insertions(routes, batch)
    assert [InsertionReason(int(x)).name for x in result.reason] == list(cases)
    assert result.at(0).added_busy_s == 0
    assert (result.pickup_after[1:] == -1).all()


def test_max_ride_counts_from_the_pickup_departure() -> None:
    """Ride = drop-off start minus pickup departure; exactly the limit is allowed."""
    places = [0, 10]
    grid = insertion_grid(line_route(places), line_errand(places, 2, 8, pickup_service_s=4))
    assert grid.dropoff_start_s[0, 0] - (grid.pickup_start_s[0] + 4) == 6
    for limit, reason in ((6, "FEASIBLE"), (5, "TIME")):
        errand = line_errand(places, 2, 8, pickup_service_s=4, max_ride_s=limit)
        assert (
            InsertionReason(int(insertion_grid(line_route(places), errand).reason[0, 0])).name
            == reason
        )


def test_open_end_costs_no_travel_to_the_end() -> None:
    """An open end sits at the last stop: a drop-off after it adds only the way there."""
    places = [0, 10]
    route = RouteArrays(
        start_s=[0, 10, 10],
        latest_s=[0, 100, 100],
        service_s=[0, 0, 0],
        load_after=[[0], [0], [0]],
        capacity=[1],
        leg_s=[10, 0],
    )
    errand = ErrandArrays(
        load=[1],
        to_pickup_s=[12, 2, 0],
        from_pickup_s=[0, 2, 0],
        to_dropoff_s=[15, 5, 0],
        from_dropoff_s=[0, 5, 0],
        pickup_to_dropoff_s=3,
    )
    assert len(places) == route.n_stops + 1
    best = insertion_grid(route, errand).best()
    assert (best.pickup_after, best.dropoff_after, best.added_busy_s) == (1, 1, 5)
    assert best.dropoff_start_s == 15


def test_a_shortcut_lets_later_stops_start_earlier_with_earliest_s() -> None:
    """Travel breaking the triangle inequality: with earliest_s the stop after the pickup
    moves earlier and an early drop-off fits; without it the stop keeps its start."""
    route = dict(
        start_s=[0, 10, 10],
        latest_s=[0, 100, 100],
        service_s=[0, 0, 0],
        load_after=[[0], [0], [0]],
        capacity=[1],
        leg_s=[10, 0],
    )
    errand = ErrandArrays(
        load=[1],
        to_pickup_s=[1, 50, 0],
        from_pickup_s=[0, 1, 0],
        to_dropoff_s=[50, 5, 0],
        from_dropoff_s=[0, 50, 0],
        pickup_to_dropoff_s=50,
        dropoff_window_s=(0, 8),
    )
    follows = insertion_grid(RouteArrays(**route, earliest_s=[0, 0, 10]), errand)
    assert names(follows.reason)[0] == ["TIME", "FEASIBLE"]
    assert follows.dropoff_start_s[0, 1] == 7
    assert follows.added_busy_s[0, 1] == 1 + 1 - 10 + 5
    keeps = insertion_grid(RouteArrays(**route), errand)
    assert names(keeps.reason)[0] == ["TIME", "TIME"]
    assert keeps.dropoff_start_s[0, 1] == 15


# --- input checks --------------------------------------------------------------------------------


def test_rejects_inconsistent_routes() -> None:
    """Schedules that are not earliest-start schedules, bad shapes and floats are refused."""
    good = dict(
        start_s=[0, 10, 20],
        latest_s=[0, 50, 50],
        service_s=[0, 0, 0],
        load_after=[[0], [0], [0]],
        capacity=[1],
        leg_s=[10, 10],
    )
    RouteArrays(**good)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"start_s": [0, 9, 20]}, "before the courier can arrive"),
        ({"start_s": [0, 10, 25]}, "must start on arrival"),
        ({"latest_s": [0, 5, 50]}, "already infeasible"),
        ({"leg_s": [10]}, "shape"),
        ({"load_after": [[0], [0]]}, "shape"),
        ({"start_s": [0.0, 10.0, 20.0]}, "integers"),
        ({"service_s": [0, -1, 0], "start_s": [0, 10, 19]}, ">= 0"),
        ({"start_s": [0, 12, 22], "earliest_s": [0, 0, 0]}, "window opens"),
    ]
    for change, message in bad:
        with pytest.raises(InvalidInputError, match=message):
            RouteArrays(**{**good, **change})


def test_errand_scalars_are_ints() -> None:
    """numpy integers are taken as ints; floats, bools and malformed windows are refused."""
    places = [0, 10, 20]
    errand = line_errand(places, 5, 15, pickup_service_s=np.int64(4), max_ride_s=np.int32(9))
    assert (errand.pickup_service_s, errand.max_ride_s) == (4, 9)
    assert type(errand.pickup_service_s) is int
    bad: list[tuple[dict[str, Any], str]] = [
        ({"pickup_service_s": 1.5}, "ErrandArrays.pickup_service_s: must be an int"),
        ({"max_ride_s": True}, "ErrandArrays.max_ride_s: must be an int"),
        ({"dropoff_window_s": (0.0, 9)}, "ErrandArrays.dropoff_window_s: must be None or"),
        ({"dropoff_window_s": (1, 2, 3)}, "ErrandArrays.dropoff_window_s: must be None or"),
        ({"dropoff_service_s": -1}, "ErrandArrays.dropoff_service_s: must lie within"),
        ({"load": [-1]}, r"ErrandArrays.load \(dimension 0\): must be >= 0"),
    ]
    for change, message in bad:
        with pytest.raises(InvalidInputError, match=message):
            line_errand(places, 5, 15, **change)


def test_route_errors_name_the_point() -> None:
    """A schedule error names the route row and the point."""
    batch = RouteBatch.stack([line_route([0, 10]), line_route([0, 10, 20, 30])])
    start = batch.start_s.copy()
    start[1, 2] -= 1
    with pytest.raises(InvalidInputError, match=r"RouteBatch.start_s \(route 1, point 2\)"):
        attrs.evolve(batch, start_s=start)
    with pytest.raises(InvalidInputError, match=r"RouteArrays.start_s \(point 2\)"):
        attrs.evolve(line_route([0, 10, 20, 30]), start_s=start[1])


def test_rejects_mismatched_batches() -> None:
    """Candidates must fit the route batch: rows, widths, dimensions."""
    route = line_route([0, 10, 20])
    routes = RouteBatch.stack([route])
    errand = line_errand([0, 10, 20], 5, 15)
    with pytest.raises(InvalidInputError, match="no route 1"):
        CandidateBatch.stack(routes, [1], [errand])
    with pytest.raises(InvalidInputError, match="3 points, route 0 has 4"):
        CandidateBatch.stack(RouteBatch.stack([line_route([0, 1, 2, 3])]), [0], [errand])
    candidates = CandidateBatch.stack(routes, [0], [errand])
    wide = attrs.evolve(candidates, load=np.zeros((1, 2), dtype=np.int64))
    with pytest.raises(InvalidInputError, match="dimensions"):
        best_insertions(routes, wide)
    with pytest.raises(InvalidInputError, match="empty window"):
        line_errand([0, 10, 20], 5, 15, pickup_window_s=(9, 3))
    with pytest.raises(InvalidInputError, match="empty window"):
        attrs.evolve(candidates, pickup_window_s=np.array([[9, 3]]))
    with pytest.raises(InvalidInputError, match=r"CandidateBatch.load \(candidate 0, dimension"):
        attrs.evolve(candidates, load=np.array([[-1]]))


def test_empty_batch() -> None:
    """No candidates: empty results."""
    routes = RouteBatch.stack([line_route([0, 1])])
    candidates = CandidateBatch.stack(routes, [], [])
    assert len(best_insertions(routes, candidates)) == 0


# --- large batches -------------------------------------------------------------------------------


def random_batch(
    rng: np.random.Generator,
    *,
    routes: int,
    candidates: int,
    stops: tuple[int, int],
    earliest: bool = False,
) -> tuple[RouteBatch, CandidateBatch]:
    """Routes of ``stops`` (inclusive range) stops on a 3 km square at 5 m/s, windowed stops
    that sometimes wait, and errands between random places; built with numpy, no loops over
    candidates. ``earliest``: pass the window openings as ``earliest_s``."""
    n_stops = rng.integers(stops[0], stops[1] + 1, size=routes)
    width = int(n_stops.max()) + 2
    live = np.arange(width)[None, :] <= n_stops[:, None] + 1
    places = rng.uniform(0, 3000, size=(routes, width, 2))
    places[~live] = places[:, :1].repeat(width, axis=1)[~live]

    def seconds(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        return np.ceil(np.linalg.norm(a - b, axis=-1) / 5).astype(np.int64)

    leg = np.where(live[:, 1:], seconds(places[:, :-1], places[:, 1:]), 0)
    service = np.where(live & (np.arange(width) > 0), rng.integers(0, 120, (routes, width)), 0)
    service[np.arange(routes), n_stops + 1] = 0
    start = np.zeros((routes, width), dtype=np.int64)
    latest = np.full((routes, width), UNBOUNDED_S, dtype=np.int64)
    start[:, 0] = rng.integers(0, 3600, size=routes)
    first = start.copy()
    for k in range(1, width):
        arrival = start[:, k - 1] + service[:, k - 1] + leg[:, k - 1]
        opens = arrival + rng.integers(-900, 300, size=routes)
        is_stop = k <= n_stops
        start[:, k] = np.where(is_stop, np.maximum(arrival, opens), arrival)
        first[:, k] = np.where(is_stop, opens, start[:, k])
        latest[:, k] = np.where(is_stop, start[:, k] + rng.integers(0, 1800, routes), latest[:, k])
    ends = n_stops + 1
    latest[np.arange(routes), ends] = start[np.arange(routes), ends] + rng.integers(0, 3600, routes)
    capacity = rng.integers(2, 5, size=(routes, 2))
    load_after = rng.integers(0, 3, size=(routes, width, 2)).clip(max=capacity[:, None, :])
    route_batch = RouteBatch(
        n_stops=n_stops,
        start_s=start,
        latest_s=latest,
        service_s=service,
        load_after=load_after,
        capacity=capacity,
        leg_s=leg,
        remaining_detour_s=rng.integers(300, 2400, size=routes),
        earliest_s=first if earliest else None,
    )
    which = rng.integers(0, routes, size=candidates)
    pickup = rng.uniform(0, 3000, size=(candidates, 1, 2))
    dropoff = rng.uniform(0, 3000, size=(candidates, 1, 2))
    at = places[which]
    opens = rng.integers(0, 7200, size=candidates)
    candidate_batch = CandidateBatch(
        route=which,
        pickup_window_s=np.stack([opens, opens + 3600], axis=1),
        dropoff_window_s=np.stack([opens, opens + 7200], axis=1),
        pickup_service_s=rng.integers(0, 120, size=candidates),
        dropoff_service_s=rng.integers(0, 120, size=candidates),
        load=rng.integers(0, 2, size=(candidates, 2)),
        max_ride_s=np.full(candidates, 2400),
        to_pickup_s=seconds(at, pickup),
        from_pickup_s=seconds(pickup, at),
        to_dropoff_s=seconds(at, dropoff),
        from_dropoff_s=seconds(dropoff, at),
        pickup_to_dropoff_s=seconds(pickup[:, 0], dropoff[:, 0]),
    )
    return route_batch, candidate_batch


def route_of(routes: RouteBatch, r: int) -> RouteArrays:
    points = int(routes.n_stops[r]) + 2
    return RouteArrays(
        start_s=routes.start_s[r, :points],
        latest_s=routes.latest_s[r, :points],
        service_s=routes.service_s[r, :points],
        load_after=routes.load_after[r, :points],
        capacity=routes.capacity[r],
        leg_s=routes.leg_s[r, : points - 1],
        remaining_detour_s=int(routes.remaining_detour_s[r]),
        earliest_s=None if routes.earliest_s is None else routes.earliest_s[r, :points],
    )


def errand_of(candidates: CandidateBatch, k: int, points: int) -> ErrandArrays:
    c = candidates
    return ErrandArrays(
        load=c.load[k],
        to_pickup_s=c.to_pickup_s[k, :points],
        from_pickup_s=c.from_pickup_s[k, :points],
        to_dropoff_s=c.to_dropoff_s[k, :points],
        from_dropoff_s=c.from_dropoff_s[k, :points],
        pickup_to_dropoff_s=int(c.pickup_to_dropoff_s[k]),
        pickup_window_s=(int(c.pickup_window_s[k, 0]), int(c.pickup_window_s[k, 1])),
        dropoff_window_s=(int(c.dropoff_window_s[k, 0]), int(c.dropoff_window_s[k, 1])),
        pickup_service_s=int(c.pickup_service_s[k]),
        dropoff_service_s=int(c.dropoff_service_s[k]),
        max_ride_s=int(c.max_ride_s[k]),
    )


@pytest.mark.parametrize("earliest", [False, True])
def test_large_batch_agrees_with_single_candidates(earliest: bool) -> None:
    """20,000 candidates on routes of 0-14 stops: a sample agrees with insertion_grid, and
    every reason occurs."""
    rng = np.random.default_rng(7)
    routes, candidates = random_batch(
        rng, routes=300, candidates=20_000, stops=(0, 14), earliest=earliest
    )
    result = best_insertions(routes, candidates)
    assert set(result.reason.tolist()) == {int(r) for r in InsertionReason} - {
        InsertionReason.ORDER
    }
    for k in rng.choice(len(candidates), size=60, replace=False):
        r = int(candidates.route[k])
        errand = errand_of(candidates, int(k), int(routes.n_stops[r]) + 2)
        assert result.at(int(k)) == insertion_grid(route_of(routes, r), errand).best()


def measure(candidates: int = 100_000, repeats: int = 7) -> None:
    """Print the best and median of ``repeats`` timings of best_insertions on 1,000 routes of
    11-13 stops, without and with ``earliest_s`` (after one call that compiles or loads the
    kernel, timed apart)."""
    for earliest in (False, True):
        rng = np.random.default_rng(1)
        began = time.perf_counter()
        routes, batch = random_batch(
            rng, routes=1000, candidates=candidates, stops=(11, 13), earliest=earliest
        )
        print(f"earliest_s={earliest}: built in {time.perf_counter() - began:.2f} s")
        times = []
        for _ in range(repeats + 1):
            began = time.perf_counter()
            result = best_insertions(routes, batch)
            times.append(time.perf_counter() - began)
        share = float(result.feasible.mean())
        print(
            f"  first call {times[0]:.3f} s; then best {min(times[1:]):.3f} s, median "
            f"{float(np.median(times[1:])):.3f} s for {candidates} ({share:.0%} feasible)"
        )


if __name__ == "__main__":
    measure()
