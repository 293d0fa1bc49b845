"""The meal round as its fleet rides it: the sheet's times, hot food, check-ins."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch.eldercare import DayPlan
from dispatch.plan import StopRole
from dispatch.simulate import DistrictScenario, SimulationResult
from dispatch.simulate._meals import ride_round
from dispatch.simulate._travel import Legs
from dispatch.validation import validate


@pytest.fixture(scope="module")
def day(audited: SimulationResult) -> DayPlan:
    """The meal round the simulated day planned (with plan_day, at dawn)."""
    assert audited.meals is not None
    return audited.meals.day


def test_the_round_is_the_plan_of_the_day(scenario: DistrictScenario, day: DayPlan) -> None:
    """The simulator planned the scenario's programme with plan_day; the plan is valid."""
    assert {c.id for c in day.problem.couriers} == {c.id for c in scenario.eldercare.couriers}
    assert validate(day.problem, day.plan) == []


def test_without_noise_every_meal_is_hot_and_on_time(
    scenario: DistrictScenario, day: DayPlan
) -> None:
    """Ridden exactly as planned, the round keeps every window and hot-food limit."""
    ridden = ride_round(day, Legs(scenario.travel, np.random.default_rng(0), noise=0.0))
    routed = set(day.plan.assigned_task_ids())
    assert len(ridden.meals) == sum(1 for t in day.meal_orders if t in routed)
    assert all(m.hot and m.on_time for m in ridden.meals)
    assert all(c.on_time for c in ridden.checkins)


def test_kitchens_hand_meals_out_no_earlier_than_the_sheet_says(
    scenario: DistrictScenario, day: DayPlan
) -> None:
    """With noise a courier may be late, never early, at a kitchen; rides follow the stops."""
    ridden = ride_round(day, Legs(scenario.travel, np.random.default_rng(1), noise=0.3))
    planned = {
        (r.courier_id, s.ref): s.start_s
        for r in day.plan.routes
        for s in r.stops
        if s.role is StopRole.PICKUP
    }
    pickups = [s for s in ridden.stops if s.role is StopRole.PICKUP]
    assert pickups
    assert all(s.start_s >= planned[(s.courier_id, s.ref)] for s in pickups)
    left = {s.ref: s.departure_s for s in pickups}
    for meal in ridden.meals:
        assert meal.left_kitchen_s == left[meal.task_id]
        assert meal.hot == (meal.ride_s <= day.problem.task(meal.task_id).max_ride_s)  # type: ignore[union-attr]
    assert any(not m.hot for m in ridden.meals) or len(ridden.meals) < 10


def test_one_seed_one_ride(scenario: DistrictScenario, day: DayPlan) -> None:
    """The same noise seed rides the round the same way."""
    a = ride_round(day, Legs(scenario.travel, np.random.default_rng(7), noise=0.2))
    b = ride_round(day, Legs(scenario.travel, np.random.default_rng(7), noise=0.2))
    assert a.stops == b.stops and a.meals == b.meals and a.checkins == b.checkins
