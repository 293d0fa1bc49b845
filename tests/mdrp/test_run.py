"""Simulated days under both policies: deterministic, nothing lost, always feasible."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.mdrp.tiny import PARAMETERS, hand_instance, public_instances, write_instance
from tests.strategies import solver_settings

from dispatch.errors import InvalidInputError
from dispatch.mdrp import (
    POLICIES,
    DispatchPolicyOptions,
    MdrpInstance,
    MdrpProgress,
    MdrpResult,
    Stage,
    check_execution,
    read_mdrp,
    run_mdrp,
)
from dispatch.plan import StopRole


def _accounted(instance: MdrpInstance, result: MdrpResult) -> None:
    """Every order has exactly one outcome: delivered, or not with a reason; all rules hold."""
    outcomes = [o.order_id for o in result.execution.orders]
    assert sorted(outcomes) == sorted(o.id for o in instance.orders)
    for outcome in result.execution.orders:
        assert outcome.delivered or (outcome.reason and outcome.courier_id is None), outcome
    assert result.issues == ()
    assert result.stats.violations == ()
    assert result.feasible
    assert result.metrics.delivered + result.metrics.undelivered == len(instance.orders)


@pytest.fixture(scope="module")
def real_day() -> MdrpInstance:
    """The first three hours of the smallest public instance."""
    instance = read_mdrp(public_instances() / "0r50t100s1p100")
    return instance.until(instance.start_s + 3 * 3600)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_real_day_is_feasible_and_deterministic(real_day: MdrpInstance, policy: str) -> None:
    """Both policies on a real morning: every order accounted for, same result twice."""
    first = run_mdrp(real_day, policy)
    _accounted(real_day, first)
    assert first.metrics.delivered > 0.9 * len(real_day.orders)
    again = run_mdrp(real_day, policy)
    assert again.execution == first.execution
    assert again.metrics == first.metrics


def test_dispatch_beats_greedy_on_a_real_morning(real_day: MdrpInstance) -> None:
    """On the morning of 0r50t100s1p100 the policy is late less often and faster on average."""
    ours = run_mdrp(real_day, "dispatch").metrics
    base = run_mdrp(real_day, "greedy").metrics
    assert ours.late_orders < base.late_orders
    assert ours.click_to_door_mean_min is not None and base.click_to_door_mean_min is not None
    assert ours.click_to_door_mean_min < base.click_to_door_mean_min


def test_greedy_sends_nearest_idle_courier_one_order_each(tmp_path: Path) -> None:
    """The baseline waits for the meal to be ready, sends the nearest idle courier, no bundles."""
    instance = read_mdrp(hand_instance(tmp_path))
    result = run_mdrp(instance, "greedy")
    _accounted(instance, result)
    stops = result.execution.stops
    assert all(len(s.orders) == 1 for s in stops)
    first = {a.order_ids[0]: (a.time_s // 60, a.courier_id) for a in result.execution.assignments}
    assert first["o1"] == (10, "c1")  # ready at 10, c1 is the only courier on duty
    assert first["o3"] == (50, "c2")  # c2 is 1 min from r2, c1 back at r1's area is farther


def test_dispatch_bundles_and_looks_ahead(tmp_path: Path) -> None:
    """The policy sends c1 ahead of the ready time and collects o1 and o2 in one visit."""
    instance = read_mdrp(hand_instance(tmp_path))
    result = run_mdrp(instance, "dispatch")
    _accounted(instance, result)
    pickups = [s for s in result.execution.stops if s.role is StopRole.PICKUP]
    assert any(set(s.orders) == {"o1", "o2"} for s in pickups)
    o1 = next(o for o in result.execution.orders if o.order_id == "o1")
    assert o1.pickup_s == 12 * 60  # at o2's ready time, o1 waited for the bundle
    assert result.metrics.bundles == 2


def test_off_time_is_respected(tmp_path: Path) -> None:
    """A courier going off duty before a meal is ready never picks it up; another one does."""
    folder = write_instance(
        tmp_path / "off",
        restaurants=[("r1", 0, 0)],
        orders=[("o1", 640, 0, 0, "r1", 30)],
        couriers=[("near", 0, 0, 0, 29), ("far", 6400, 0, 0, 120)],
    )
    instance = read_mdrp(folder)
    for policy in POLICIES:
        result = run_mdrp(instance, policy)
        _accounted(instance, result)
        assert result.execution.orders[0].courier_id == "far", policy


def test_unservable_orders_keep_a_reason(tmp_path: Path) -> None:
    """An order placed after every shift ends is reported undelivered, with why."""
    folder = write_instance(
        tmp_path / "late",
        restaurants=[("r1", 0, 0)],
        orders=[("o1", 640, 0, 0, "r1", 5), ("o2", 640, 0, 200, "r1", 210)],
        couriers=[("c1", 0, 0, 0, 60)],
    )
    instance = read_mdrp(folder)
    for policy in POLICIES:
        result = run_mdrp(instance, policy)
        _accounted(instance, result)
        late = next(o for o in result.execution.orders if o.order_id == "o2")
        assert not late.delivered and late.reason, policy
        assert result.metrics.undelivered == 1 and result.metrics.late_orders == 1


def test_hours_progress_and_bad_input(tmp_path: Path) -> None:
    """``hours`` cuts the day; progress reports come in order; bad arguments are refused."""
    instance = read_mdrp(hand_instance(tmp_path))
    seen: list[MdrpProgress] = []
    result = run_mdrp(instance, "dispatch", hours=0.25, progress=seen.append)
    assert result.metrics.orders == 2 and result.hours == 0.25
    assert seen and all(0.0 <= p.fraction <= 1.0 for p in seen)
    assert [p.now_s for p in seen] == sorted(p.now_s for p in seen)
    assert "feasible: yes" in result.summary()
    with pytest.raises(InvalidInputError, match="policy"):
        run_mdrp(instance, "fastest")
    with pytest.raises(InvalidInputError, match="hours"):
        run_mdrp(instance, "greedy", hours=0)
    with pytest.raises(InvalidInputError, match="options"):
        run_mdrp(instance, "greedy", options=DispatchPolicyOptions())
    with pytest.raises(InvalidInputError, match="stages"):
        DispatchPolicyOptions(stages=[])


@st.composite
def tiny_days(
    draw: st.DrawFn,
) -> tuple[
    list[tuple[str, int, int]],
    list[tuple[str, int, int, int, str, int]],
    list[tuple[str, int, int, int, int]],
]:
    """A few restaurants, orders and shifts within 4 km and three hours."""
    xy = st.integers(min_value=0, max_value=4000)
    n_r = draw(st.integers(min_value=1, max_value=3))
    restaurants = [(f"r{k}", draw(xy), draw(xy)) for k in range(n_r)]
    orders = []
    for k in range(draw(st.integers(min_value=1, max_value=8))):
        placed = draw(st.integers(min_value=0, max_value=90))
        ready = placed + draw(st.integers(min_value=0, max_value=30))
        orders.append(
            (f"o{k}", draw(xy), draw(xy), placed, f"r{draw(st.integers(0, n_r - 1))}", ready)
        )
    couriers = []
    for k in range(draw(st.integers(min_value=1, max_value=3))):
        on = draw(st.integers(min_value=0, max_value=60))
        couriers.append((f"c{k}", draw(xy), draw(xy), on, on + draw(st.integers(10, 120))))
    return restaurants, orders, couriers


@solver_settings(25)
@given(tiny_days(), st.sampled_from([60, 120, 300]), st.booleans())
def test_random_days_are_feasible(
    tmp_path_factory: pytest.TempPathFactory,
    day: tuple[
        list[tuple[str, int, int]],
        list[tuple[str, int, int, int, str, int]],
        list[tuple[str, int, int, int, int]],
    ],
    epoch_s: int,
    promise: bool,
) -> None:
    """On random small days both policies lose no order and break no rule; re-checked."""
    restaurants, orders, couriers = day
    folder = write_instance(
        tmp_path_factory.mktemp("day"),
        restaurants=restaurants,
        orders=orders,
        couriers=couriers,
        parameters=PARAMETERS,
    )
    instance = read_mdrp(folder)
    options = DispatchPolicyOptions(epoch_s=epoch_s, promise_s=300 if promise else None)
    for policy in POLICIES:
        result = run_mdrp(instance, policy, options=options if policy == "dispatch" else None)
        _accounted(instance, result)
        assert check_execution(instance, result.execution) == []
    tight = DispatchPolicyOptions(stages=[Stage(click_to_door_s=1800)], commit_ahead_s=None)
    _accounted(instance, run_mdrp(instance, "dispatch", options=tight))


def test_days_without_orders_or_couriers(tmp_path: Path) -> None:
    """No orders: nothing to measure; no couriers: every order undelivered, with a reason."""
    empty = read_mdrp(
        write_instance(
            tmp_path / "empty",
            restaurants=[("r1", 0, 0)],
            orders=[],
            couriers=[("c1", 0, 0, 0, 60)],
        )
    )
    nobody = read_mdrp(
        write_instance(
            tmp_path / "nobody",
            restaurants=[("r1", 0, 0)],
            orders=[("o1", 640, 0, 0, "r1", 10)],
            couriers=[],
        )
    )
    for policy in POLICIES:
        result = run_mdrp(empty, policy)
        _accounted(empty, result)
        assert result.metrics.delivered == 0 and result.metrics.click_to_door_mean_min is None
        result = run_mdrp(nobody, policy)
        _accounted(nobody, result)
        assert result.metrics.undelivered == 1 and result.metrics.utilisation == 0.0
