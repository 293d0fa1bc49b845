"""A courier's route: the compiled simulation and insertion against a plain reference."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from tests.incidental.problems import errand_points, incidental_problems, tabled_district
from tests.strategies import examples

from dispatch import Problem
from dispatch.incidental import Matcher
from dispatch.incidental import _route as route_module
from dispatch.incidental._route import CourierRoute, Point
from dispatch.plan import StopRole
from dispatch.synthetic import incidental_district
from dispatch.travel import PairLookup


def _reference(
    route: CourierRoute, points: tuple[Point, ...], lookup: PairLookup
) -> dict[str, Any] | None:
    """The route's schedule, simulated point by point in plain Python (None: a rule breaks)."""
    courier = route.courier
    shift, profile = courier.shift, courier.profile
    legs = [
        0 if b.location < 0 else int(lookup.durations_s([a.location], [b.location], profile)[0])
        for a, b in itertools.pairwise(points)
    ]
    t, load = shift.earliest_s, [0] * len(courier.capacity)
    start: list[int] = []
    loads: list[list[int]] = []
    done_at: dict[int, int] = {}
    for k, p in enumerate(points):
        if k:
            t = start[-1] + points[k - 1].service_s + legs[k - 1]
        if k in (0, len(points) - 1):
            if t > shift.latest_s:
                return None
            begin = t
        elif p.windows:
            open_ = [w for w in p.windows if t <= w.latest_s]
            if not open_:
                return None
            begin = max(t, open_[0].earliest_s)
        else:
            begin = t
        load = [x + d for x, d in zip(load, p.delta or (0,) * len(load), strict=True)]
        if any(x < 0 or x > c for x, c in zip(load, courier.capacity, strict=True)):
            return None
        if p.role is StopRole.PICKUP:
            done_at[p.task] = begin + p.service_s
        ride = p.max_ride_s
        if p.role is StopRole.DROPOFF and ride is not None and begin - done_at[p.task] > ride:
            return None
        start.append(begin)
        loads.append(list(load))
    busy = sum(legs) + sum(p.service_s for p in points)
    tasks = sum(p.role is StopRole.PICKUP for p in points)
    if courier.max_tasks is not None and tasks > courier.max_tasks:
        return None
    budget = courier.detour_budget_s
    if budget is not None and busy - route.baseline_busy_s > budget:
        return None
    return {"legs": legs, "start": start, "loads": loads, "busy": busy}


def _check_every_insertion(matcher: Matcher) -> int:
    """Every errand at every position of every route: the compiled insertion and simulation
    agree with the reference, from points and from the matcher's rows alike; returns how
    many insertions were feasible."""
    feasible = 0
    for route in matcher.routes:
        for e, errand in enumerate(matcher.errands):
            pickup, dropoff = errand_points(matcher, e)
            last = len(route.refs) - 2
            for i, j in itertools.combinations_with_replacement(range(last + 1), 2):
                got = route.with_errand(pickup, dropoff, i, j, matcher._lookup)
                # The matcher's own path (the errand as rows) builds the same route.
                same = matcher._with(route, e, i, j)
                assert (same is None) == (got is None)
                if got is not None and same is not None:
                    assert same.refs == got.refs and same.busy_s == got.busy_s
                    assert np.array_equal(same.facts, got.facts)
                    assert np.array_equal(same.windows, got.windows)
                    assert np.array_equal(same.start_s, got.start_s)
                points = list(route.points())
                points.insert(j + 1, dropoff)
                points.insert(i + 1, pickup)
                want = _reference(route, tuple(points), matcher._lookup)
                assert (got is None) == (want is None), (route.courier.id, errand.id, i, j)
                if got is None or want is None:
                    continue
                feasible += 1
                assert got.refs == tuple(p.ref for p in points)
                assert got.points() == tuple(points)
                assert got.leg_s.tolist() == want["legs"]
                assert got.start_s.tolist() == want["start"]
                assert got.load_after.tolist() == want["loads"]
                assert got.busy_s == want["busy"]
                assert got.location.tolist() == [p.location for p in points]
                assert got.task_indices == tuple(
                    p.task for p in points if p.role is StopRole.PICKUP
                )
    return feasible


@given(problem=incidental_problems(max_couriers=3, max_errands=4))
@settings(max_examples=examples(40), deadline=None)
def test_insertion_matches_the_reference_simulation(problem: Problem) -> None:
    """Inserting an errand anywhere gives the schedule a plain simulation gives (or neither)."""
    _check_every_insertion(Matcher(problem))


@pytest.mark.parametrize("seed", range(2))
def test_insertion_reads_road_graph_tables_like_the_lookup(seed: int) -> None:
    """With a dense travel table the new legs are read from it: same schedules as the lookup's."""
    matcher = Matcher(tabled_district(couriers=4, errands=6, seed=seed, side_m=1500.0))
    assert _check_every_insertion(matcher) > 0


def test_taking_an_errand_out_restores_the_own_route() -> None:
    """Inserting then removing an errand gives back the own route's schedule."""
    district = incidental_district(couriers=3, errands=5, seed=3, side_m=1500.0)
    matcher = Matcher(district.problem)
    checked = 0
    for route in matcher.routes:
        for e in range(len(matcher.errands)):
            pickup, dropoff = errand_points(matcher, e)
            longer = route.with_errand(pickup, dropoff, 0, 0, matcher._lookup)
            if longer is None:
                continue
            back = longer.without(e, matcher._lookup)
            assert back is not None
            assert back.refs == route.refs
            assert back.points() == route.points()
            assert np.array_equal(back.start_s, route.start_s)
            assert back.detour_s == 0
            checked += 1
    assert checked > 0


def test_a_leg_missing_from_the_dense_table_is_asked_of_the_lookup(monkeypatch: Any) -> None:
    """When the dense table has no path for a new leg, the insertion asks the lookup instead
    and gets the same route it gets from the table."""
    matcher = Matcher(tabled_district(couriers=3, errands=6, seed=2, side_m=1500.0))
    places, _ = route_module._dense_of(matcher._lookup) or (None, None)
    assert places is not None
    route, pickup, dropoff, from_table = next(
        (route, *points, built)
        for route in matcher.routes
        for e, errand in enumerate(matcher.errands)
        for points in [errand_points(matcher, e)]
        for built in [route.with_errand(*points, 0, 0, matcher._lookup)]
        if built is not None
    )
    table = matcher._lookup.place_durations_s(route.courier.profile)  # type: ignore[attr-defined]
    holes = np.full_like(table, -1)
    holes.flags.writeable = False
    monkeypatch.setattr(route_module, "_dense_of", lambda lookup: (places, lambda p: holes))
    asked = route.with_errand(pickup, dropoff, 0, 0, matcher._lookup)
    assert asked is not None
    assert asked.leg_s.tolist() == from_table.leg_s.tolist()
    assert asked.start_s.tolist() == from_table.start_s.tolist()


@settings(max_examples=examples(40), deadline=None)
@given(problem=incidental_problems())
def test_errand_rows_are_the_rows_of_its_points(problem: Problem) -> None:
    """The matcher's errand rows (made for all errands together) are the rows its two stops
    get as points (made one by one), windows included."""
    matcher = Matcher(problem)
    dims = len(problem.couriers[0].capacity) if problem.couriers else 1
    for e in range(len(matcher.errands)):
        facts, win_ptr, windows = route_module.point_rows(errand_points(matcher, e), dims)
        p_facts, p_windows, d_facts, d_windows = matcher._rows_of(e)
        assert p_facts.tolist() == facts[0].tolist()
        assert d_facts.tolist() == facts[1].tolist()
        assert p_windows.tolist() == windows[win_ptr[0] : win_ptr[1]].tolist()
        assert d_windows.tolist() == windows[win_ptr[1] : win_ptr[2]].tolist()
