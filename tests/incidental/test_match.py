"""The incidental matcher: valid plans, honest reasons, sound pruning, recommendations."""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from tests.incidental.problems import errand_points, incidental_problems, tabled_district
from tests.strategies import examples

from dispatch import (
    Courier,
    Errand,
    HaversineTravel,
    Location,
    MatrixTravel,
    OwnStop,
    Problem,
    RoadGraphTravel,
    Stop,
    TimeWindow,
    UnassignedReason,
    Visit,
    validate,
)
from dispatch.errors import InvalidInputError
from dispatch.incidental import Matcher, MatchOptions, exact_match
from dispatch.incidental import _match as match_module
from dispatch.incidental import _packing as packing_module
from dispatch.incidental import _pruning as pruning_module
from dispatch.incidental._insertion import InsertionResult
from dispatch.incidental._route import CourierRoute
from dispatch.plan import StopRole
from dispatch.synthetic import incidental_district

Reason = UnassignedReason


def _fits_alone(matcher: Matcher, e: int, v: int, *, budget: bool = True) -> bool:
    """Brute force: some (i, j) puts errand ``e`` into courier ``v``'s route, by full simulation."""
    route = matcher.routes[v]
    errand = matcher.errands[e]
    courier = route.courier
    if not (errand.skills <= courier.skills and courier.takes(errand.kind)):
        return False
    if courier.max_tasks is not None and route.tasks >= courier.max_tasks:
        return False
    if not budget:
        free = attrs.evolve(courier, detour_budget_s=None)
        unbudgeted = CourierRoute.build(v, free, route.points(), matcher._lookup)
        assert unbudgeted is not None
        route = unbudgeted
    pickup, dropoff = errand_points(matcher, e)
    last = len(route.refs) - 2
    return any(
        route.with_errand(pickup, dropoff, i, j, matcher._lookup) is not None
        for i, j in itertools.combinations_with_replacement(range(last + 1), 2)
    )


def _pruned_feasible_pairs(matcher: Matcher) -> list[tuple[str, str]]:
    """(errand, courier) ids the kernel finds feasible but the pruning dropped (brute force)."""
    n_e, n_v = len(matcher.errands), len(matcher.routes)
    e_all = np.repeat(np.arange(n_e), n_v)
    v_all = np.tile(np.arange(n_v), n_e)
    keep = matcher._eligible[e_all, v_all]
    e_all, v_all = e_all[keep], v_all[keep]
    if not e_all.size:
        return []
    feasible = matcher._price(e_all, v_all).feasible
    e_kept, v_kept = matcher._plausible(list(range(n_e)), list(range(n_v)))
    kept = set(zip(e_kept.tolist(), v_kept.tolist(), strict=True))
    return [
        (matcher.errands[e].id, matcher.routes[v].courier.id)
        for e, v in zip(e_all[feasible].tolist(), v_all[feasible].tolist(), strict=True)
        if (e, v) not in kept
    ]


@settings(max_examples=examples(60), deadline=None)
@given(problem=incidental_problems())
def test_plans_validate_and_account_for_every_errand(problem: Problem) -> None:
    """The plan passes the validator; each errand is routed once or unassigned once."""
    matching = Matcher(problem).match()
    plan = matching.plan
    assert validate(problem, plan) == []
    routed = list(plan.assigned_task_ids())
    left = [u.task_id for u in plan.unassigned]
    assert sorted(routed + left) == sorted(t.id for t in problem.tasks)
    assert len(set(routed)) == len(routed)
    for courier in problem.couriers:
        route = plan.route_of(courier.id)
        if courier.own_stops:
            assert route is not None
            own = [s.ref for s in route.stops if s.role is StopRole.OWN]
            assert own == [o.id for o in courier.own_stops]
        if route is not None and courier.max_tasks is not None:
            assert len(route.task_ids) <= courier.max_tasks
    for courier_id, detour in matching.detours_s().items():
        budget = problem.courier(courier_id).detour_budget_s
        assert budget is None or detour <= budget


@settings(max_examples=examples(60), deadline=None)
@given(problem=incidental_problems(explicit=False))
def test_pruning_never_drops_a_feasible_pair(problem: Problem) -> None:
    """Every (errand, courier) pair the exact kernel finds feasible survives the pruning."""
    assert _pruned_feasible_pairs(Matcher(problem)) == []


@settings(max_examples=examples(60), deadline=None)
@given(problem=incidental_problems())
def test_kernel_agrees_with_full_simulation_on_own_routes(problem: Problem) -> None:
    """The kernel finds a feasible insertion exactly when brute-force simulation does."""
    matcher = Matcher(problem)
    for e, v in itertools.product(range(len(matcher.errands)), range(len(matcher.routes))):
        if not matcher._eligible[e, v]:
            continue
        kernel = bool(matcher._price(np.array([e]), np.array([v])).feasible[0])
        assert kernel == _fits_alone(matcher, e, v), (matcher.errands[e], matcher.routes[v])


@settings(max_examples=examples(60), deadline=None)
@given(problem=incidental_problems())
def test_reasons_match_their_definitions(problem: Problem) -> None:
    """Reasons that claim no courier could take the errand are true on the own routes."""
    matcher = Matcher(problem)
    fresh = Matcher(problem)  # routes as they were before matching
    plan = matcher.match().plan
    index = {e.id: k for k, e in enumerate(fresh.errands)}
    for entry in plan.unassigned:
        e = index[entry.task_id]
        errand = fresh.errands[e]
        fits = [_fits_alone(fresh, e, v) for v in range(len(fresh.routes))]
        if entry.reason in (Reason.TIME_WINDOW, Reason.CAPACITY, Reason.DETOUR):
            assert not any(fits), entry
        if entry.reason is Reason.TIME_WINDOW:
            assert not any(
                _fits_alone(fresh, e, v, budget=False) for v in range(len(fresh.routes))
            ), entry
        if entry.reason is Reason.SKILL:
            assert all(not errand.skills <= c.skills for c in problem.couriers)
        if entry.reason is Reason.KIND:
            assert all(not c.takes(errand.kind) for c in problem.couriers)
        if entry.reason is Reason.COST:
            assert any(fits), entry


# --- small hand-made cases ----------------------------------------------------------------------

LINE = MatrixTravel(
    nodes=list(range(5)),
    durations_s=[[abs(a - b) * 100 for b in range(5)] for a in range(5)],
)


def _rider(courier_id: str = "rider", **changes: object) -> Courier:
    base = {
        "id": courier_id,
        "start": Location(node=0),
        "shift": TimeWindow(0, 3600),
        "capacity": 2,
        "detour_budget_s": 600,
        "own_stops": [OwnStop(id=f"{courier_id}-parcel", stop=Stop(location=Location(node=4)))],
    }
    return Courier(**{**base, **changes})  # type: ignore[arg-type]


def _errand(errand_id: str, shop: int, home: int, **changes: object) -> Errand:
    base = {
        "id": errand_id,
        "pickup": Stop(location=Location(node=shop), service_s=60),
        "dropoff": Stop(location=Location(node=home), service_s=60),
    }
    return Errand(**{**base, **changes})  # type: ignore[arg-type]


def test_errand_on_the_way_costs_only_its_service() -> None:
    """Shop and home on the rider's line: detour = the two services, no extra travel."""
    problem = Problem(tasks=[_errand("milk", 1, 3)], couriers=[_rider()], travel=LINE)
    matching = Matcher(problem).match()
    assert validate(problem, matching.plan) == []
    assert matching.detours_s() == {"rider": 120}
    stops = matching.plan.route_of("rider").stops  # type: ignore[union-attr]
    assert [(s.role.value, s.ref, s.start_s) for s in stops] == [
        ("start", "rider", 0),
        ("pickup", "milk", 100),
        ("dropoff", "milk", 360),
        ("own", "rider-parcel", 520),
        ("end", "rider", 520),
    ]


def test_cap_and_budget_choose_the_more_valuable_errand() -> None:
    """One slot: the higher-priority errand wins; the other is unassigned as TASK_CAP."""
    problem = Problem(
        tasks=[_errand("water", 1, 2), _errand("medicine", 2, 3, priority=3)],
        couriers=[_rider(max_tasks=1)],
        travel=LINE,
    )
    plan = Matcher(problem).match().plan
    assert validate(problem, plan) == []
    assert list(plan.assigned_task_ids()) == ["medicine"]
    assert [(u.task_id, u.reason) for u in plan.unassigned] == [("water", Reason.TASK_CAP)]


def test_reasons_for_kind_skill_capacity_time_and_detour() -> None:
    """Each unservable errand names the rule that keeps it out."""
    problem = Problem(
        tasks=[
            _errand("flowers", 1, 2, kind="flowers"),
            _errand("lift", 1, 2, skills=["lift"]),
            _errand("piano", 1, 2, load=5),
            _errand("late", 1, 2, dropoff=Stop(location=Location(node=2), windows=[(0, 50)])),
            _errand("back", 4, 0),
        ],
        couriers=[_rider(accepts=["groceries", "errand"], detour_budget_s=300)],
        travel=LINE,
    )
    plan = Matcher(problem).match().plan
    assert validate(problem, plan) == []
    reasons = {u.task_id: u.reason for u in plan.unassigned}
    assert reasons == {
        "flowers": Reason.KIND,
        "lift": Reason.SKILL,
        "piano": Reason.CAPACITY,
        "late": Reason.TIME_WINDOW,
        "back": Reason.DETOUR,
    }


def test_fairness_moves_work_to_the_less_busy_volunteer() -> None:
    """Two equal riders: without fairness the tie goes to either; with it, to the less busy."""
    problem = Problem(
        tasks=[_errand("milk", 1, 3)],
        couriers=[_rider("busy"), _rider("fresh", detour_budget_s=600)],
        travel=LINE,
    )
    recent = {"busy": 10, "fresh": 0}
    plan = Matcher(problem, MatchOptions(fairness_s=60), recent_errands=recent).match().plan
    assert plan.route_of("fresh").task_ids == ("milk",)  # type: ignore[union-attr]
    plan = Matcher(problem, MatchOptions(fairness_s=60), recent_errands={"fresh": 10}).match().plan
    assert plan.route_of("busy").task_ids == ("milk",)  # type: ignore[union-attr]


def test_recommend_ranks_by_detour() -> None:
    """The courier passing the shop ranks above the one who must turn back."""
    problem = Problem(
        tasks=[_errand("milk", 1, 2)],
        couriers=[
            _rider("near"),
            _rider(
                "far",
                start=Location(node=4),
                own_stops=[],
                end=Location(node=4),
                detour_budget_s=900,
            ),
        ],
        travel=LINE,
    )
    ranked = Matcher(problem).recommend(problem.task("milk"))  # type: ignore[arg-type]
    assert [r.courier_id for r in ranked] == ["near", "far"]
    assert ranked[0].detour_s < ranked[1].detour_s
    assert ranked[0].pickup_eta_s == 100


def test_visits_and_bad_limits_are_refused() -> None:
    """Visits are not errands; ``limit`` must be positive; unknown errands are named."""
    visit = Visit(id="check-in", stop=Stop(location=Location(node=1)))
    with pytest.raises(InvalidInputError, match="check-in"):
        Matcher(Problem(tasks=[visit], couriers=[_rider()], travel=LINE))
    problem = Problem(tasks=[_errand("milk", 1, 2)], couriers=[_rider()], travel=LINE)
    matcher = Matcher(problem)
    with pytest.raises(InvalidInputError, match="limit"):
        matcher.recommend(problem.task("milk"), limit=0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="bread"):
        matcher.recommend(_errand("bread", 1, 2))


def test_late_courier_is_named() -> None:
    """A courier who cannot make their own stops even without errands is a named input error."""
    late = _rider(
        own_stops=[OwnStop(id="p", stop=Stop(location=Location(node=4), windows=[(0, 10)]))]
    )
    with pytest.raises(InvalidInputError, match="rider"):
        Matcher(Problem(tasks=[], couriers=[late], travel=LINE))


def test_haversine_problem_uses_the_spatial_index() -> None:
    """With coordinates, far-away couriers are pruned before pricing."""
    travel = HaversineTravel()
    here = Location(lat=31.2, lon=121.4)
    far = Location(lat=31.4, lon=121.6)
    couriers = [
        Courier(id="near", start=here, shift=TimeWindow(0, 7200), capacity=2, detour_budget_s=300),
        Courier(id="far", start=far, shift=TimeWindow(0, 7200), capacity=2, detour_budget_s=300),
    ]
    errand = Errand(
        id="milk",
        pickup=Stop(location=Location(lat=31.2005, lon=121.4)),
        dropoff=Stop(location=Location(lat=31.201, lon=121.4)),
    )
    problem = Problem(tasks=[errand], couriers=couriers, travel=travel)
    matching = Matcher(problem).match()
    assert matching.stats.candidate_pairs == 1
    assert list(matching.plan.assigned_task_ids()) == ["milk"]
    assert validate(problem, matching.plan) == []


def test_empty_problem() -> None:
    """No couriers and no errands: an empty, valid plan."""
    problem = Problem(tasks=[], couriers=[], travel=LINE)
    plan = Matcher(problem).match().plan
    assert plan.routes == () and plan.unassigned == ()


@settings(max_examples=examples(40), deadline=None)
@given(problem=incidental_problems(max_couriers=4, max_errands=7))
def test_matcher_never_beats_the_exact_optimum(problem: Problem) -> None:
    """On problems the exact model covers, the matcher's value is at most the optimum's."""
    couriers = [
        attrs.evolve(c, max_tasks=2 if c.max_tasks is None else min(c.max_tasks, 2))
        for c in problem.couriers
    ]
    errands = [attrs.evolve(e, max_ride_s=None) for e in problem.tasks]
    problem = attrs.evolve(problem, couriers=couriers, tasks=errands)
    matching = Matcher(problem).match()
    best = exact_match(problem)
    assert matching.value <= best.value


@pytest.mark.parametrize("seed", range(4))
def test_pruning_is_sound_on_road_graph_tables(seed: int) -> None:
    """On synthetic street grids with a travel table, no kernel-feasible pair is pruned."""
    matcher = Matcher(tabled_district(couriers=12, errands=30, seed=seed, side_m=2000.0))
    n_e, n_v = len(matcher.errands), len(matcher.routes)
    e_all = np.repeat(np.arange(n_e), n_v)
    v_all = np.tile(np.arange(n_v), n_e)
    keep = matcher._eligible[e_all, v_all]
    e_all, v_all = e_all[keep], v_all[keep]
    feasible = matcher._price(e_all, v_all).feasible
    e_kept, v_kept = matcher._plausible(list(range(n_e)), list(range(n_v)))
    kept = set(zip(e_kept.tolist(), v_kept.tolist(), strict=True))
    assert feasible.any()  # the instance is not trivially empty
    assert all(
        (e, v) in kept
        for e, v in zip(e_all[feasible].tolist(), v_all[feasible].tolist(), strict=True)
    )
    assert len(kept) < n_e * n_v  # and the pruning does prune


def test_pruning_keeps_pairs_from_an_earlier_time_bucket() -> None:
    """A pair found in the first time bucket survives later buckets with no hits (regression)."""
    here = Location(lat=31.2, lon=121.4)
    errand = Errand(id="e0", pickup=Stop(location=here), dropoff=Stop(location=here), load=0)
    idle = [
        Courier(id=f"c{k}", start=here, shift=TimeWindow(25200, 25200), capacity=1)
        for k in range(3)
    ]
    later = Courier(
        id="late",
        start=Location(lat=31.2, lon=121.415625),
        shift=TimeWindow(26649, 27000),
        capacity=1,
    )
    problem = Problem(tasks=[errand], couriers=[*idle, later], travel=HaversineTravel())
    _, v_kept = Matcher(problem)._plausible([0], [0, 1, 2, 3])
    assert sorted(v_kept.tolist()) == [0, 1, 2]


@settings(max_examples=examples(60), deadline=None)
@given(problem=incidental_problems(explicit=True))
def test_dense_pruning_never_drops_a_feasible_pair(problem: Problem) -> None:
    """On explicit matrices (the dense, exact pruning path) no kernel-feasible pair is pruned."""
    matcher = Matcher(problem)
    assert matcher._places is not None
    assert _pruned_feasible_pairs(matcher) == []


@pytest.mark.parametrize("seed", range(3))
def test_dense_and_geometric_pruning_keep_the_same_pairs(seed: int) -> None:
    """Both ways of evaluating the pruning rule keep exactly the pairs passing it on true times."""
    matcher = Matcher(tabled_district(couriers=15, errands=40, seed=seed, side_m=2500.0))
    assert matcher._places is not None
    errands, vehicles = list(range(len(matcher.errands))), list(range(len(matcher.routes)))
    dense = matcher._plausible(errands, vehicles)
    matcher._places = None  # the straight-line bounds, then the exact check
    geometric = matcher._plausible(errands, vehicles)
    assert dense[0].size > 0
    assert dense[0].tolist() == geometric[0].tolist()
    assert dense[1].tolist() == geometric[1].tolist()


@settings(max_examples=examples(40), deadline=None)
@given(problem=incidental_problems())
def test_repacking_never_lowers_the_value(problem: Problem) -> None:
    """The neighbourhood re-packing keeps or raises the objective, and its plan validates."""
    without = Matcher(problem, MatchOptions(pack=False)).match()
    repacked = Matcher(problem).match()
    assert repacked.value >= without.value
    assert validate(problem, repacked.plan) == []


def test_repacking_keeps_the_routes_when_a_priced_column_breaks_a_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should a column priced only fail its full simulation once picked, the neighbourhood's
    routes stay as they were: the plan validates and is worth what it was before."""
    problem = tabled_district(couriers=8, errands=24, seed=2, side_m=1500.0)
    without = Matcher(problem, MatchOptions(pack=False)).match()
    built: list[int] = []

    def broken(self: packing_module._PricedColumn, matcher: Matcher) -> None:
        built.append(self.errand)
        return None

    monkeypatch.setattr(packing_module._PricedColumn, "build", broken)
    repacked = Matcher(problem).match()
    assert built  # some picked column was a priced-only one
    assert validate(problem, repacked.plan) == []
    assert repacked.value >= without.value


@pytest.mark.parametrize("seed", range(2))
def test_repacking_reaches_the_optimum_on_small_districts(seed: int) -> None:
    """On small districts with caps of two, re-packing whole neighbourhoods finds the optimum."""
    district = incidental_district(couriers=8, errands=16, seed=seed, side_m=1500.0)
    travel = district.problem.travel
    assert isinstance(travel, RoadGraphTravel)
    problem = attrs.evolve(
        district.problem,
        couriers=[attrs.evolve(c, max_tasks=2) for c in district.problem.couriers],
        tasks=[attrs.evolve(t, max_ride_s=None) for t in district.problem.tasks],
        travel=travel.table(profiles={c.profile for c in district.problem.couriers}),
    )
    best = exact_match(problem)
    assert Matcher(problem).match().value == best.value


@settings(max_examples=examples(40), deadline=None)
@given(problem=incidental_problems())
def test_added_errands_are_ranked_and_matched_as_if_given_at_the_start(problem: Problem) -> None:
    """Errands added to a matcher later get the same ranking and matching as a fresh matcher."""
    half = len(problem.tasks) // 2
    grown = Matcher(attrs.evolve(problem, tasks=problem.tasks[:half]))
    grown.add(problem.tasks[half:])  # type: ignore[arg-type]
    fresh = Matcher(problem)
    for errand in problem.tasks:
        assert grown.recommend(errand, limit=3) == fresh.recommend(errand, limit=3)  # type: ignore[arg-type]
    assert grown.match().value == fresh.match().value


def test_adding_a_repeated_id_or_a_visit_is_refused() -> None:
    """add() names a repeated errand id and refuses visits, leaving the matcher unchanged."""
    here = Location(lat=31.2, lon=121.4)
    errand = Errand(id="e0", pickup=Stop(location=here), dropoff=Stop(location=here))
    courier = Courier(id="c", start=here, shift=TimeWindow(0, 3600), capacity=1)
    matcher = Matcher(Problem(tasks=[errand], couriers=[courier], travel=HaversineTravel()))
    with pytest.raises(InvalidInputError, match="e0"):
        matcher.add([errand])
    with pytest.raises(InvalidInputError, match="visits"):
        matcher.add([Visit(id="v1", stop=Stop(location=here))])  # type: ignore[list-item]
    assert [e.id for e in matcher.errands] == ["e0"]


@pytest.mark.parametrize("seed", range(2))
def test_pricing_in_threads_gives_the_same_matching(seed: int, monkeypatch: Any) -> None:
    """Large batches are priced in slices on several threads: the same plan as in one.

    The slice threshold is lowered so a small district takes the threaded path (about
    10,000 candidate pairs would otherwise be needed per thread).
    """
    district = incidental_district(couriers=30, errands=80, seed=seed, side_m=3000.0)
    travel = district.problem.travel
    assert isinstance(travel, RoadGraphTravel)
    table = travel.table(profiles={c.profile for c in district.problem.couriers})
    # The dense table, and the graph's lookup without one.
    for problem in (attrs.evolve(district.problem, travel=table), district.problem):
        one = Matcher(problem).match()
        monkeypatch.setattr(match_module, "_PRICE_THREADS", 3)
        monkeypatch.setattr(match_module, "_PRICE_THREAD_MIN", 16)
        threaded = Matcher(problem).match()
        monkeypatch.undo()
        assert threaded.plan == attrs.evolve(one.plan, runtime_s=threaded.plan.runtime_s)
        assert threaded.value == one.value
        assert len(one.plan.routes) > 0
        assert validate(problem, threaded.plan) == []


@pytest.mark.parametrize("seed", range(2))
def test_reading_columns_instead_of_transposing_changes_nothing(
    seed: int, monkeypatch: Any
) -> None:
    """Pruning, pricing and the matching are the same whether travel to places is read from
    the transposed table or down the table's columns (the choice a batch's size makes)."""
    problem = tabled_district(couriers=15, errands=40, seed=seed, side_m=2500.0)
    runs = []
    for cost in (10**12, 0):  # never columns, then always columns
        monkeypatch.setattr(pruning_module, "COLUMN_READ_COST", cost)
        matcher = Matcher(problem)
        errands, vehicles = list(range(len(matcher.errands))), list(range(len(matcher.routes)))
        e_idx, v_idx = matcher._plausible(errands, vehicles)
        priced = matcher._price(e_idx, v_idx)
        made = set(matcher._places._transposed) if matcher._places is not None else set()
        runs.append((e_idx, v_idx, priced, matcher.match().value, made))
    (e1, v1, p1, value1, made1), (e2, v2, p2, value2, made2) = runs
    assert made1 and not made2  # each run took the path it was meant to
    assert e1.size > 0
    assert e1.tolist() == e2.tolist() and v1.tolist() == v2.tolist()
    assert p1.feasible.tolist() == p2.feasible.tolist()
    assert p1.added_busy_s.tolist() == p2.added_busy_s.tolist()
    assert value1 == value2


def _same_insertions(a: InsertionResult, b: InsertionResult) -> bool:
    fields = attrs.fields(InsertionResult)
    return all(np.array_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields)


@pytest.mark.parametrize("seed", range(2))
def test_the_kernel_reading_the_table_prices_as_gathered_travel_does(
    seed: int, monkeypatch: Any
) -> None:
    """With a dense table the kernel reads each candidate's travel from the table itself;
    the insertions are those priced from travel arrays gathered first, in both of the
    table's read orders (its transpose, its columns)."""
    problem = tabled_district(couriers=15, errands=40, seed=seed, side_m=2500.0)
    for cost in (10**12, 0):  # the transposed table, then the table's columns
        monkeypatch.setattr(pruning_module, "COLUMN_READ_COST", cost)
        matcher = Matcher(problem)
        e_idx, v_idx = matcher._plausible(
            list(range(len(matcher.errands))), list(range(len(matcher.routes)))
        )
        fused = matcher._price(e_idx, v_idx)
        with monkeypatch.context() as patch:
            patch.setattr(Matcher, "_price_rows", Matcher._price_arrays)
            gathered = matcher._price(e_idx, v_idx)
        assert fused.feasible.any() and not fused.feasible.all()
        assert _same_insertions(fused, gathered)


def test_a_pair_without_path_in_the_table_is_priced_the_lookup_way(monkeypatch: Any) -> None:
    """When the kernel meets a pair the dense table has no path for, the candidates are
    priced again from gathered travel (where the lookup answers, or names the pair)."""
    matcher = Matcher(tabled_district(couriers=10, errands=20, seed=4, side_m=2500.0))
    e_idx, v_idx = matcher._plausible(
        list(range(len(matcher.errands))), list(range(len(matcher.routes)))
    )
    plain = matcher._price(e_idx, v_idx)
    asked: list[int] = []
    real = match_module.Matcher._price_arrays
    dense = match_module.best_insertions_dense

    def spy(self: Matcher, errand: Any, *args: Any) -> InsertionResult:
        asked.append(len(errand))
        return real(self, errand, *args)

    def holed(*args: Any) -> tuple[InsertionResult, int]:
        return dense(*args)[0], -1

    monkeypatch.setattr(match_module.Matcher, "_price_arrays", spy)
    monkeypatch.setattr(match_module, "best_insertions_dense", holed)
    again = matcher._price(e_idx, v_idx)
    assert sum(asked) == len(e_idx)
    assert _same_insertions(plain, again)
