"""The MDRP performance measures of an executed day, and a time series of them.

The measures of Reyes et al. (2018), section 1.1: orders delivered;
click-to-door (drop-off minus placement), its overage past the target;
ready-to-door; ready-to-pickup; courier utilisation (the share of duty time
spent driving or in pickup and drop-off service, not waiting); courier pay,
``max(pay_per_order * orders delivered, guaranteed_pay_per_hour * shift
hours)`` per courier, and the share of couriers paid the guarantee; plus
orders and bundles (restaurant visits) per courier-hour. Percentiles are
NumPy's default (linear interpolation between order statistics).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import attrs
import numpy as np

from dispatch.mdrp._execution import ExecutedStop, Execution, OrderOutcome
from dispatch.mdrp._instance import MdrpInstance
from dispatch.plan import StopRole

__all__ = ["KpiPoint", "MdrpMetrics", "kpi_series", "mdrp_metrics"]


def _minutes(values_s: Sequence[int]) -> tuple[float | None, float | None, float | None]:
    """Mean, median and 90th percentile in minutes (None for no values)."""
    if not values_s:
        return None, None, None
    arr = np.asarray(values_s, dtype=np.float64) / 60
    return (
        round(float(arr.mean()), 3),
        round(float(np.median(arr)), 3),
        round(float(np.percentile(arr, 90)), 3),
    )


@attrs.frozen(kw_only=True)
class MdrpMetrics:
    """The day's measures (times in minutes, pay in the instance's currency).

    ``late_orders`` (the issue's target measure) counts the orders not
    delivered within the target click-to-door time: delivered later, or not
    at all. Shares are of the orders delivered; ``None`` where nothing was
    delivered.
    """

    orders: int
    delivered: int
    undelivered: int
    click_to_door_mean_min: float | None
    click_to_door_median_min: float | None
    click_to_door_p90_min: float | None
    ready_to_pickup_mean_min: float | None
    ready_to_pickup_median_min: float | None
    ready_to_pickup_p90_min: float | None
    ready_to_door_mean_min: float | None
    ready_to_door_median_min: float | None
    ready_to_door_p90_min: float | None
    overage_mean_min: float | None
    """Mean of ``max(0, click-to-door - target)`` over the orders delivered."""
    over_target: int
    """Orders delivered later than the target click-to-door time."""
    over_max: int
    """Orders delivered later than the maximum click-to-door time."""
    over_target_share: float | None
    over_max_share: float | None
    late_orders: int
    courier_hours: float
    couriers_used: int
    orders_per_courier_hour: float
    bundles: int
    """Restaurant visits that collected at least one order."""
    orders_per_bundle: float | None
    bundles_per_courier_hour: float
    utilisation: float
    """Busy (driving, pickup and drop-off service) share of all duty time."""
    total_pay: float
    pay_per_order: float | None
    guarantee_share: float | None
    """Share of couriers paid the guaranteed minimum (it exceeds their per-order pay)."""

    def as_dict(self) -> dict[str, int | float | None]:
        """The measures by name (for JSON)."""
        return attrs.asdict(self)


def _busy_segments(stop: ExecutedStop, half_pickup_s: int) -> list[tuple[int, int]]:
    """Time intervals of a visit spent driving or in service (not waiting)."""
    segments = [(stop.left_s, stop.arrival_s)]
    if stop.role is StopRole.PICKUP:
        segments += [
            (stop.arrival_s, stop.arrival_s + half_pickup_s),
            (stop.handover_s, stop.departure_s),
        ]
    else:
        segments.append((stop.arrival_s, stop.departure_s))
    return segments


def _delivered(execution: Execution) -> list[tuple[OrderOutcome, int, int]]:
    """``(outcome, pickup_s, dropoff_s)`` of every order delivered."""
    return [
        (o, o.pickup_s, o.dropoff_s)
        for o in execution.orders
        if o.pickup_s is not None and o.dropoff_s is not None
    ]


def _overlap(segments: Iterable[tuple[int, int]], lo: int, hi: int) -> int:
    return sum(max(0, min(b, hi) - max(a, lo)) for a, b in segments)


def mdrp_metrics(instance: MdrpInstance, execution: Execution) -> MdrpMetrics:
    """The MDRP measures of ``execution`` on ``instance``.

    Examples
    --------
    >>> from dispatch.mdrp._execution import Fleet
    >>> from dispatch.mdrp._instance import (MdrpCourier, MdrpOrder, MdrpParameters,
    ...                                      MdrpRestaurant)
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="x", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id="o1", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600)],
    ...     couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)])
    >>> fleet = Fleet(inst)
    >>> fleet.commit("c1", [(StopRole.PICKUP, "o1"), (StopRole.DROPOFF, "o1")], now_s=60)
    >>> fleet.flush()
    >>> m = mdrp_metrics(inst, fleet.execution())
    >>> m.delivered, m.click_to_door_mean_min, m.ready_to_pickup_mean_min, m.total_pay
    (1, 16.0, 0.0, 15.0)
    """
    p = instance.parameters
    half = p.pickup_service_s // 2
    orders = {o.id: o for o in instance.orders}
    delivered = _delivered(execution)
    ctd = [drop - orders[o.order_id].placement_s for o, _, drop in delivered]
    r2p = [pick - orders[o.order_id].ready_s for o, pick, _ in delivered]
    r2d = [drop - orders[o.order_id].ready_s for o, _, drop in delivered]
    over_target = sum(1 for c in ctd if c > p.target_click_to_door_s)
    over_max = sum(1 for c in ctd if c > p.max_click_to_door_s)
    n = len(delivered)
    by_courier: dict[str, list[ExecutedStop]] = defaultdict(list)
    for stop in execution.stops:
        by_courier[stop.courier_id].append(stop)
    busy_s = duty_s = 0
    total_pay = 0.0
    guaranteed = 0
    count: dict[str, int] = defaultdict(int)
    for o, _, _ in delivered:
        count[o.courier_id or ""] += 1
    for c in instance.couriers:
        duty_s += c.off_s - c.on_s
        segments = [seg for s in by_courier.get(c.id, []) for seg in _busy_segments(s, half)]
        busy_s += _overlap(segments, c.on_s, c.off_s)
        earned = p.pay_per_order * count.get(c.id, 0)
        guarantee = p.guaranteed_pay_per_hour * c.shift_hours
        total_pay += max(earned, guarantee)
        guaranteed += guarantee > earned
    hours = duty_s / 3600
    bundles = sum(1 for s in execution.stops if s.role is StopRole.PICKUP and s.orders)
    picked = sum(len(s.orders) for s in execution.stops if s.role is StopRole.PICKUP)
    ctd_mean, ctd_median, ctd_p90 = _minutes(ctd)
    r2p_mean, r2p_median, r2p_p90 = _minutes(r2p)
    r2d_mean, r2d_median, r2d_p90 = _minutes(r2d)
    overage = [max(0, c - p.target_click_to_door_s) for c in ctd]

    def per_hour(value: float) -> float:
        return round(value / hours, 4) if hours else 0.0

    return MdrpMetrics(
        orders=len(instance.orders),
        delivered=n,
        undelivered=len(instance.orders) - n,
        click_to_door_mean_min=ctd_mean,
        click_to_door_median_min=ctd_median,
        click_to_door_p90_min=ctd_p90,
        ready_to_pickup_mean_min=r2p_mean,
        ready_to_pickup_median_min=r2p_median,
        ready_to_pickup_p90_min=r2p_p90,
        ready_to_door_mean_min=r2d_mean,
        ready_to_door_median_min=r2d_median,
        ready_to_door_p90_min=r2d_p90,
        overage_mean_min=_minutes(overage)[0],
        over_target=over_target,
        over_max=over_max,
        over_target_share=round(over_target / n, 4) if n else None,
        over_max_share=round(over_max / n, 4) if n else None,
        late_orders=over_target + len(instance.orders) - n,
        courier_hours=round(hours, 3),
        couriers_used=len(by_courier),
        orders_per_courier_hour=per_hour(n),
        bundles=bundles,
        orders_per_bundle=round(picked / bundles, 4) if bundles else None,
        bundles_per_courier_hour=per_hour(bundles),
        utilisation=round(busy_s / duty_s, 4) if duty_s else 0.0,
        total_pay=round(total_pay, 2),
        pay_per_order=round(total_pay / n, 4) if n else None,
        guarantee_share=round(guaranteed / len(instance.couriers), 4)
        if instance.couriers
        else None,
    )


@attrs.frozen(kw_only=True)
class KpiPoint:
    """Measures over one interval of the day ``[start_s, end_s)`` (for charts)."""

    start_s: int
    end_s: int
    placed: int
    """Orders placed in the interval."""
    delivered: int
    """Orders dropped off in the interval."""
    click_to_door_mean_min: float | None
    """Mean click-to-door of the orders dropped off in the interval."""
    over_target: int
    """Orders dropped off in the interval later than the target."""
    open_orders: int
    """Orders placed and not yet dropped off at the end of the interval."""
    couriers_on_duty: float
    """Courier-hours on duty in the interval per hour of interval (mean couriers on duty)."""
    utilisation: float | None
    """Busy share of the duty time in the interval."""

    def as_dict(self) -> dict[str, int | float | None]:
        """The point by name (for JSON)."""
        return attrs.asdict(self)


def kpi_series(
    instance: MdrpInstance, execution: Execution, *, interval_s: int = 1800
) -> tuple[KpiPoint, ...]:
    """The day cut into intervals of ``interval_s`` seconds, from the first event to the last.

    Examples
    --------
    >>> from dispatch.mdrp._execution import Fleet
    >>> from dispatch.mdrp._instance import (MdrpCourier, MdrpOrder, MdrpParameters,
    ...                                      MdrpRestaurant)
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="x", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id="o1", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600)],
    ...     couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)])
    >>> fleet = Fleet(inst)
    >>> fleet.commit("c1", [(StopRole.PICKUP, "o1"), (StopRole.DROPOFF, "o1")], now_s=60)
    >>> fleet.flush()
    >>> [(k.start_s, k.placed, k.delivered, k.open_orders) for k in
    ...  kpi_series(inst, fleet.execution(), interval_s=1800)]
    [(0, 1, 1, 0), (1800, 0, 0, 0)]
    """
    if isinstance(interval_s, bool) or not isinstance(interval_s, int) or interval_s < 1:
        raise ValueError(f"interval_s must be an int >= 1, got {interval_s!r}")
    p = instance.parameters
    half = p.pickup_service_s // 2
    orders = {o.id: o for o in instance.orders}
    events = [o.placement_s for o in instance.orders] + [c.on_s for c in instance.couriers]
    events += [o.dropoff_s for o in execution.orders if o.dropoff_s is not None]
    if not events:
        return ()
    first = min(events) - min(events) % interval_s
    end = max([max(events) + 1] + [c.off_s for c in instance.couriers])  # exclusive
    n_points = max(1, math.ceil((end - first) / interval_s))
    delivered = _delivered(execution)
    segments: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for stop in execution.stops:
        segments[stop.courier_id] += _busy_segments(stop, half)
    out = []
    for k in range(n_points):
        lo, hi = first + k * interval_s, first + (k + 1) * interval_s
        ctd = [drop - orders[o.order_id].placement_s for o, _, drop in delivered if lo <= drop < hi]
        duty = busy = 0
        for c in instance.couriers:
            a, b = max(c.on_s, lo), min(c.off_s, hi)
            if b > a:
                duty += b - a
                busy += _overlap(segments.get(c.id, []), a, b)
        out.append(
            KpiPoint(
                start_s=lo,
                end_s=hi,
                placed=sum(1 for o in instance.orders if lo <= o.placement_s < hi),
                delivered=len(ctd),
                click_to_door_mean_min=round(sum(ctd) / len(ctd) / 60, 3) if ctd else None,
                over_target=sum(1 for c in ctd if c > p.target_click_to_door_s),
                open_orders=sum(
                    1
                    for o in execution.orders
                    if orders[o.order_id].placement_s < hi
                    and (o.dropoff_s is None or o.dropoff_s >= hi)
                ),
                couriers_on_duty=round(duty / interval_s, 3),
                utilisation=round(busy / duty, 4) if duty else None,
            )
        )
    return tuple(out)
