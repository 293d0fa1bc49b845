"""Planning a day: every meal delivered within its limits or reported, check-ins too."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.eldercare.world import MONDAY, TRAVEL, H, at, courier, elder, kitchen
from tests.strategies import solver_settings

from dispatch import MealDelivery, Plan, Problem, SolveOptions, StopRole, Visit, solve, validate
from dispatch.eldercare import (
    DayOptions,
    DayPlan,
    IssueReason,
    day_kpis,
    eldercare_district,
    plan_day,
    plan_day_per_kitchen,
)
from dispatch.errors import InvalidInputError

#: Deterministic search: stop on the solution count, never on the clock.
COUNTED = SolveOptions(time_limit_s=None, solution_limit=30, metaheuristic="greedy_descent")


def check_day(day: DayPlan) -> None:
    """The invariants every planned day keeps."""
    assert validate(day.problem, day.plan) == []
    routed = Counter(day.plan.assigned_task_ids())
    issues = Counter(
        f"{i.slot.value}:{i.elder_id}" if i.slot else f"check-in:{i.elder_id}" for i in day.issues
    )
    # Every delivered order: on exactly one route or in exactly one issue.
    for order in day.orders.delivered:
        assert routed[order.id] + issues[order.id] == 1, order.id
    # Every check-in due: on a route or an issue.
    due = [e for e in day.elders.values() if e.checkin is not None and e.checkin.on(day.day)]
    for e in due:
        key = f"check-in:{e.id}"
        assert routed[key] + issues[key] == 1, key
    # Nobody eating in gets a delivery.
    eat_in = {o.id for o in day.orders.eat_in}
    assert not eat_in & set(routed)
    # Hot food: picked up when ready, at the door within the limit and inside the window.
    limit = day.options.hot_food_limit_s
    per_kitchen_slot: Counter[tuple[str, str]] = Counter()
    for route in day.plan.routes:
        picked: dict[str, int] = {}
        for stop in route.stops:
            task = day.problem.task(stop.ref) if stop.role not in (
                StopRole.START, StopRole.END, StopRole.OWN) else None  # fmt: skip
            if isinstance(task, MealDelivery):
                order = day.meal_orders[task.id]
                kitchen_ = day.kitchen_of(task.id)
                assert kitchen_ is not None
                if stop.role is StopRole.PICKUP:
                    assert stop.start_s >= task.ready_s
                    picked[task.id] = stop.departure_s
                    per_kitchen_slot[(kitchen_.id, order.slot.value)] += 1
                    assert kitchen_.cooks(order.diets)
                else:
                    assert stop.start_s - picked[task.id] <= limit
                    assert stop.start_s <= order.window.latest_s + day.options.late_tolerance_s
                    assert stop.start_s >= order.window.earliest_s
            elif isinstance(task, Visit):
                window = day.elder_of(task.id).checkin.window  # type: ignore[union-attr]
                assert window.earliest_s <= stop.start_s <= window.latest_s
    for (kitchen_id, slot), count in per_kitchen_slot.items():
        service = day.kitchens[kitchen_id].service(slot)
        assert service is not None and count <= service.meals
    kpis = day_kpis(day)
    assert kpis.over_limit == 0 and kpis.max_ride_s <= limit
    assert kpis.meals_delivered + kpis.meals_not_delivered == kpis.meals_ordered


@given(
    seed=st.integers(0, 10_000),
    scale=st.sampled_from([0.02, 0.03, 0.04]),
    limit_min=st.sampled_from([15, 20, 30]),
    tolerance_min=st.sampled_from([0, 10]),
    zone=st.sampled_from([None, 10, 40]),
)
@solver_settings(3)
def test_every_meal_is_delivered_within_its_limits_or_reported(
    seed: int, scale: float, limit_min: int, tolerance_min: int, zone: int | None
) -> None:
    """On small generated days every meal and check-in is routed within its limits or an issue."""
    d = eldercare_district(seed=seed, scale=scale)
    options = DayOptions(
        solve=COUNTED,
        hot_food_limit_s=limit_min * 60,
        late_tolerance_s=tolerance_min * 60,
        meals_per_zone=zone,
    )
    day = plan_day(
        d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers, travel=d.travel,
        options=options,
    )  # fmt: skip
    check_day(day)


def test_per_kitchen_baseline_keeps_the_same_invariants() -> None:
    """The naive plan routes every kitchen with its own couriers and passes the same checks."""
    d = eldercare_district(seed=4, scale=0.03)
    day = plan_day_per_kitchen(
        d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers, travel=d.travel,
        home_kitchen=d.home_kitchen, options=DayOptions(solve=COUNTED),
    )  # fmt: skip
    check_day(day)
    for part in day.parts:
        kitchens = {d.home_kitchen[c] for c in part.courier_ids}
        assert len(kitchens) <= 1
        meals = {day.assignment.kitchen_of.get(t) for t in part.task_ids} - {None}
        assert meals <= kitchens or not part.courier_ids


def test_hand_made_day_routes_meals_and_checkins_together() -> None:
    """A courier passing by takes the check-in; diet and range problems are issues per elder."""
    kitchens = [kitchen("canteen", at(0, 0), lunch=3, diets=["soft"])]
    elders = [
        elder("a", at(400, 0), checkin=(8 * H, 12 * H)),
        elder("b", at(800, 0), diets=["soft"]),
        elder("c", at(600, 300), lunch=None, checkin=(10 * H, 12 * H + 1800)),
        elder("halal", at(500, 0), diets=["halal"]),
        elder("far", at(15_000, 0)),
        elder("sunday", at(300, 0), days=["sun"]),
    ]
    couriers = [courier("rider", at(0, 0), shift=(10 * H, 14 * H))]
    day = plan_day(
        MONDAY, kitchens=kitchens, elders=elders, couriers=couriers, travel=TRAVEL,
        options=DayOptions(solve=COUNTED, meals_per_zone=None),
    )  # fmt: skip
    check_day(day)
    assert {o.elder_id for o in day.orders.delivered} == {"a", "b", "halal", "far"}
    assert sorted(day.plan.assigned_task_ids()) == [
        "check-in:a", "check-in:c", "lunch:a", "lunch:b"]  # fmt: skip
    reasons = {i.elder_id: i.reason for i in day.issues}
    assert reasons == {"halal": IssueReason.DIET, "far": IssueReason.OUT_OF_RANGE}


def test_couriers_that_cannot_make_it_leave_not_routed_issues() -> None:
    """Meals no courier can reach in time become NOT_ROUTED issues naming the router's reason."""
    kitchens = [kitchen("canteen", at(0, 0), lunch=5)]
    elders = [elder(f"e{k}", at(300 * k, 0), lunch=(11 * H, 11 * H + 900)) for k in range(1, 4)]
    couriers = [courier("late", at(0, 0), shift=(13 * H, 14 * H))]
    day = plan_day(
        MONDAY, kitchens=kitchens, elders=elders, couriers=couriers, travel=TRAVEL,
        options=DayOptions(solve=COUNTED),
    )  # fmt: skip
    check_day(day)
    assert [i.reason for i in day.issues] == [IssueReason.NOT_ROUTED] * 3
    assert all(i.detail.startswith("time_window") for i in day.issues)


def test_day_plan_refuses_repeated_ids() -> None:
    """Two kitchens or two elders with one id are an error naming the list."""
    k = kitchen("k", at(0, 0))
    with pytest.raises(InvalidInputError, match="kitchens: id 'k' repeats"):
        plan_day(MONDAY, kitchens=[k, k], elders=[], couriers=[], travel=TRAVEL)
    e = elder("e", at(0, 0))
    with pytest.raises(InvalidInputError, match=r"elders: id 'e' repeats"):
        plan_day(MONDAY, kitchens=[k], elders=[e, e], couriers=[], travel=TRAVEL)


def test_generated_district_is_seeded_and_sized_like_the_programme() -> None:
    """Same seed, same district; scale 1 has 18 canteens, 41 partners, 1,500 meals, 120 couriers."""
    from dispatch.eldercare import meal_orders

    a = eldercare_district(seed=5, scale=0.04)
    b = eldercare_district(seed=5, scale=0.04)
    assert a.kitchens == b.kitchens and a.elders == b.elders and a.couriers == b.couriers
    full = eldercare_district(seed=1, scale=1.0)
    kinds = Counter(k.kind.value for k in full.kitchens)
    assert kinds == {"canteen": 18, "partner": 41}
    assert len(full.couriers) == 120
    assert 1500 <= len(meal_orders(full.elders, full.day).delivered) <= 1501
    assert set(full.home_kitchen) == {c.id for c in full.couriers}
    assert sum(1 for e in full.elders if e.checkin is not None) > 100
    other_day = eldercare_district(seed=1, scale=0.05, day=datetime.date(2026, 12, 6))
    assert len(meal_orders(other_day.elders, other_day.day).delivered) >= 75


@pytest.mark.parametrize("chosen", ["auto", "sisr"])
def test_first_plans_use_ortools_construction_under_auto(
    chosen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under "auto" each kitchen's first plan is OR-Tools' ("ruin_and_recreate"); a search
    named explicitly is kept; the day's plan holds either way."""
    seen: list[tuple[int | None, str]] = []

    def recording(problem: Problem, options: SolveOptions, **kwargs: Any) -> Plan:
        seen.append((options.solution_limit, options.metaheuristic))
        return solve(problem, options, **kwargs)

    monkeypatch.setattr("dispatch.eldercare._routing.solve", recording)
    district = eldercare_district(seed=1, scale=0.05)
    options = SolveOptions(time_limit_s=None, solution_limit=5, metaheuristic=chosen)
    day = plan_day(
        district.day, kitchens=district.kitchens, elders=district.elders,
        couriers=district.couriers, travel=district.travel,
        options=DayOptions(solve=options, workers=1),
    )  # fmt: skip
    check_day(day)
    first = {m for limit, m in seen if limit == 1}
    assert first == {"ruin_and_recreate" if chosen == "auto" else "sisr"}
    assert {m for limit, m in seen if limit != 1} <= {chosen}
