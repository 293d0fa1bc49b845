"""One simulated MDRP day under a policy: :func:`run_mdrp` and its :class:`MdrpResult`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.mdrp._execution import Execution, check_execution
from dispatch.mdrp._greedy import run_greedy
from dispatch.mdrp._instance import MdrpInstance
from dispatch.mdrp._metrics import KpiPoint, MdrpMetrics, kpi_series, mdrp_metrics
from dispatch.mdrp._policy import DispatchPolicyOptions, PolicyStats, run_dispatch_policy
from dispatch.mdrp._progress import MdrpProgress

__all__ = ["POLICIES", "MdrpResult", "run_mdrp"]

Progress = Callable[[MdrpProgress], None]
Policy = Callable[
    [MdrpInstance, DispatchPolicyOptions, Progress | None], tuple[Execution, PolicyStats]
]


def _dispatch(
    instance: MdrpInstance, options: DispatchPolicyOptions, progress: Progress | None
) -> tuple[Execution, PolicyStats]:
    return run_dispatch_policy(instance, options, progress=progress)


def _greedy(
    instance: MdrpInstance, options: DispatchPolicyOptions, progress: Progress | None
) -> tuple[Execution, PolicyStats]:
    return run_greedy(instance, progress=progress)


POLICIES: Mapping[str, Policy] = MappingProxyType({"dispatch": _dispatch, "greedy": _greedy})
"""The policies by name: ``dispatch`` (our rolling-horizon policy, :mod:`dispatch.mdrp._policy`)
and ``greedy`` (the baseline, :mod:`dispatch.mdrp._greedy`)."""


@attrs.frozen(kw_only=True)
class MdrpResult:
    """A simulated day: the measures, a time series of them, the execution and the run's stats."""

    instance: str
    policy: str
    hours: float | None
    """The day was cut to orders placed (and couriers on duty) in its first ``hours``."""
    metrics: MdrpMetrics
    series: tuple[KpiPoint, ...]
    execution: Execution
    stats: PolicyStats
    issues: tuple[str, ...]
    """Rules of the MDRP evaluator the execution breaks (:func:`check_execution`); empty."""

    @property
    def feasible(self) -> bool:
        """No evaluator rule broken and no validator violation."""
        return not self.issues and not self.stats.violations

    def to_dict(self, *, execution: bool = False) -> dict[str, Any]:
        """Plain data for JSON: measures, series, run statistics, issues (and the execution).

        With ``execution=True`` also every order's outcome, every visit and
        every assignment (a day of 3,000 orders adds about 1 MB of JSON).
        """
        out: dict[str, Any] = {
            "instance": self.instance,
            "policy": self.policy,
            "hours": self.hours,
            "feasible": self.feasible,
            "metrics": self.metrics.as_dict(),
            "series": [point.as_dict() for point in self.series],
            "stats": attrs.asdict(self.stats),
            "issues": list(self.issues),
        }
        if execution:
            out["orders"] = [attrs.asdict(o) for o in self.execution.orders]
            out["stops"] = [{**attrs.asdict(s), "role": s.role.value} for s in self.execution.stops]
            out["assignments"] = [attrs.asdict(a) for a in self.execution.assignments]
        return out

    def summary(self) -> str:
        """The main measures in a few lines of text."""
        m = self.metrics

        def minutes(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}"

        return "\n".join(
            [
                f"{self.instance} ({self.policy}): {m.delivered} of {m.orders} orders delivered, "
                f"{m.late_orders} late (over target or undelivered)",
                f"click-to-door min: mean {minutes(m.click_to_door_mean_min)}, median "
                f"{minutes(m.click_to_door_median_min)}, p90 {minutes(m.click_to_door_p90_min)}; "
                f"ready-to-pickup mean {minutes(m.ready_to_pickup_mean_min)}",
                f"{m.orders_per_courier_hour:.2f} orders and {m.bundles_per_courier_hour:.2f} "
                f"bundles per courier-hour, utilisation {m.utilisation:.0%}, pay "
                f"{m.total_pay:.0f}",
                f"feasible: {'yes' if self.feasible else 'NO'}, {self.stats.runtime_s:.1f} s",
            ]
        )


def run_mdrp(
    instance: MdrpInstance,
    policy: str = "dispatch",
    *,
    hours: float | None = None,
    options: DispatchPolicyOptions | None = None,
    interval_s: int = 1800,
    progress: Progress | None = None,
) -> MdrpResult:
    """Simulate an MDRP day under ``policy``; measure it and check it.

    Parameters
    ----------
    instance
        From :func:`~dispatch.mdrp.read_mdrp`.
    policy
        A key of :data:`POLICIES`: ``"dispatch"`` or ``"greedy"``.
    hours
        Only the orders placed (and couriers coming on duty) in the first
        ``hours`` of the day (from its first event); None = the whole day.
    options
        Options of the ``dispatch`` policy (the greedy baseline has none).
    interval_s
        Length of the intervals of :attr:`MdrpResult.series`.
    progress
        Called with an :class:`~dispatch.mdrp.MdrpProgress` as simulated time
        advances (each epoch; every 15 simulated minutes for the baseline).

    Raises
    ------
    InvalidInputError
        An unknown policy, ``hours`` not > 0, or options given to the baseline.

    Examples
    --------
    >>> from dispatch.mdrp._instance import (MdrpCourier, MdrpOrder, MdrpParameters,
    ...                                      MdrpRestaurant)
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="tiny", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id=f"o{k}", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600) for k in (1, 2)],
    ...     couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)])
    >>> result = run_mdrp(inst, "dispatch")
    >>> result.metrics.delivered, result.metrics.bundles, result.feasible
    (2, 1, True)
    >>> import json
    >>> data = json.loads(json.dumps(result.to_dict(execution=True)))
    >>> data["metrics"]["late_orders"], data["stops"][0]["role"], len(data["series"])
    (0, 'pickup', 2)
    >>> run_mdrp(inst, "greedy").metrics.bundles
    2
    >>> run_mdrp(inst, "fastest")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: policy: 'fastest' is not one of dispatch, greedy
    """
    run = POLICIES.get(policy)
    if run is None:
        raise InvalidInputError("policy", f"{policy!r} is not one of {', '.join(POLICIES)}")
    if options is not None and policy != "dispatch":
        raise InvalidInputError("options", f"the {policy!r} policy takes no options")
    day = instance
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not hours > 0:
            raise InvalidInputError("hours", f"must be a number > 0, got {hours!r}")
        day = instance.until(instance.start_s + round(hours * 3600))
    execution, stats = run(day, options or DispatchPolicyOptions(), progress)
    return MdrpResult(
        instance=instance.name,
        policy=policy,
        hours=hours,
        metrics=mdrp_metrics(day, execution),
        series=kpi_series(day, execution, interval_s=interval_s),
        execution=execution,
        stats=stats,
        issues=tuple(check_execution(day, execution)),
    )
