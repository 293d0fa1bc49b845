"""The MDRP measures against figures computed by hand on a three-order day."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.mdrp.tiny import hand_instance

from dispatch.mdrp import Execution, Fleet, MdrpInstance, kpi_series, mdrp_metrics, read_mdrp
from dispatch.plan import StopRole

P, D = StopRole.PICKUP, StopRole.DROPOFF


def hand_day(tmp_path: Path) -> tuple[MdrpInstance, Execution]:
    """The hand-made day.

    c1 (on 0-120 min at 320 m from r1) is sent at 5 (when o2 is placed) to collect o1
    and o2 at r1 and deliver o1, then o2: 1 min to r1, pickup at the later ready time
    12 (arrival + 2 = 8 is earlier), leaves at 14; 2 min to o1 (arrives 16, hands over
    18, leaves 20); 1154 m = 4 min to o2 (arrives 24, hands over 26, leaves 28). c2 (on 30-90 min)
    is sent at 30 for o3: 1 min to r2 (arrives 31, waits for 50, leaves 52), 2 min
    to o3 (arrives 54, hands over 56, leaves 58).
    """
    instance = read_mdrp(hand_instance(tmp_path))
    fleet = Fleet(instance)
    fleet.advance(5 * 60)
    fleet.commit("c1", [(P, "o1"), (P, "o2"), (D, "o1"), (D, "o2")], now_s=5 * 60)
    fleet.advance(30 * 60)
    fleet.commit("c2", [(P, "o3"), (D, "o3")], now_s=30 * 60)
    fleet.flush()
    return instance, fleet.execution()


def test_executed_times_by_hand(tmp_path: Path) -> None:
    """The fleet executes the rules: one pickup per restaurant visit, halves of service."""
    _, execution = hand_day(tmp_path)
    minutes = [
        (
            s.courier_id,
            s.role.value,
            s.orders,
            s.left_s // 60,
            s.arrival_s // 60,
            s.handover_s // 60,
            s.departure_s // 60,
        )
        for s in execution.stops
    ]
    assert minutes == [
        ("c1", "pickup", ("o1", "o2"), 5, 6, 12, 14),
        ("c1", "dropoff", ("o1",), 14, 16, 18, 20),
        ("c1", "dropoff", ("o2",), 20, 24, 26, 28),
        ("c2", "pickup", ("o3",), 30, 31, 50, 52),
        ("c2", "dropoff", ("o3",), 52, 54, 56, 58),
    ]


def test_metrics_by_hand(tmp_path: Path) -> None:
    """Every measure of the hand-made day equals the figure computed by hand."""
    instance, execution = hand_day(tmp_path)
    m = mdrp_metrics(instance, execution)
    assert (m.orders, m.delivered, m.undelivered) == (3, 3, 0)
    # click-to-door 18, 21, 36 min; p90 interpolates 21 + 0.8 * 15
    assert (m.click_to_door_mean_min, m.click_to_door_median_min) == (25.0, 21.0)
    assert m.click_to_door_p90_min == pytest.approx(33.0)
    # ready-to-pickup 2, 0, 0; ready-to-door 8, 14, 6
    assert m.ready_to_pickup_mean_min == pytest.approx(2 / 3, abs=1e-3)
    assert (m.ready_to_pickup_median_min, m.ready_to_pickup_p90_min) == (0.0, pytest.approx(1.6))
    assert m.ready_to_door_mean_min == pytest.approx(28 / 3, abs=1e-3)
    assert (m.ready_to_door_median_min, m.ready_to_door_p90_min) == (8.0, pytest.approx(12.8))
    assert (m.over_target, m.over_max, m.late_orders, m.overage_mean_min) == (0, 0, 0, 0.0)
    assert (m.over_target_share, m.over_max_share) == (0.0, 0.0)
    # 3 courier-hours, 2 restaurant visits
    assert (m.courier_hours, m.couriers_used, m.bundles) == (3.0, 2, 2)
    assert (m.orders_per_courier_hour, m.orders_per_bundle) == (1.0, 1.5)
    assert m.bundles_per_courier_hour == pytest.approx(2 / 3, abs=1e-4)
    # busy: c1 1 + 2 + 2 + 2 + 4 + 4 + 4 = 19 min, c2 1 + 2 + 2 + 2 + 4 = 11 min, of 180
    assert m.utilisation == pytest.approx(30 / 180, abs=1e-4)
    # pay: c1 max(2 x 10, 2 h x 15) = 30, c2 max(10, 15) = 15; both on the guarantee
    assert (m.total_pay, m.pay_per_order, m.guarantee_share) == (45.0, 15.0, 1.0)


def test_late_and_undelivered_count(tmp_path: Path) -> None:
    """An order over the target and one never delivered are both late orders."""
    instance = read_mdrp(hand_instance(tmp_path))
    fleet = Fleet(instance)
    fleet.commit("c1", [(P, "o1"), (D, "o1")], now_s=45 * 60)  # o1: picked up 48, delivered 54
    fleet.flush()
    m = mdrp_metrics(instance, fleet.execution({"o2": "no courier", "o3": "no courier"}))
    assert (m.delivered, m.undelivered, m.over_target, m.over_max, m.late_orders) == (1, 2, 1, 0, 3)
    assert (m.click_to_door_mean_min, m.overage_mean_min) == (54.0, 14.0)
    assert (m.over_target_share, m.total_pay) == (1.0, 45.0)


def test_kpi_series_by_hand(tmp_path: Path) -> None:
    """Half-hour intervals: orders placed and delivered, open orders, couriers, utilisation."""
    instance, execution = hand_day(tmp_path)
    series = kpi_series(instance, execution, interval_s=1800)
    rows = [
        (
            k.start_s // 60,
            k.placed,
            k.delivered,
            k.click_to_door_mean_min,
            k.open_orders,
            k.couriers_on_duty,
            k.utilisation,
        )
        for k in series
    ]
    assert rows == [
        (0, 3, 2, 19.5, 1, 1.0, pytest.approx(19 / 30, abs=1e-4)),
        (30, 0, 1, 36.0, 0, 2.0, pytest.approx(11 / 60, abs=1e-4)),
        (60, 0, 0, None, 0, 2.0, 0.0),
        (90, 0, 0, None, 0, 1.0, 0.0),
    ]
    with pytest.raises(ValueError, match="interval_s"):
        kpi_series(instance, execution, interval_s=0)
