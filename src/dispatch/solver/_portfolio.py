"""Search on several cores at once: the same problem, different seeds, best plan kept.

OR-Tools holds the GIL while it searches, so the extra searches run in
processes (``spawn``, so no OR-Tools state is forked). Each one gets the same
wall-clock deadline as the caller's own search; a worker that fails or
finishes late is ignored, never waited for past the deadline.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from dispatch.model import Problem
from dispatch.plan import Plan

if TYPE_CHECKING:
    from dispatch.solver._solve import SolveOptions

__all__ = ["best_of", "run_portfolio"]

log = logging.getLogger(__name__)


def best_of(plans: list[Plan]) -> Plan:
    """The plan with the lowest objective total; the first one on ties."""
    return min(plans, key=lambda plan: (not plan.is_feasible(), plan.objective.total))


def _search_until(
    problem: Problem,
    options: SolveOptions,
    deadline_epoch: float | None,
    warm_start: Plan | None,
    locked: Mapping[str, int] | None,
) -> Plan:
    from dispatch.solver._solve import solve  # imported in the worker

    changes: dict[str, Any] = {"workers": 1}
    if deadline_epoch is not None:
        changes["time_limit_s"] = max(0.05, deadline_epoch - time.time())
    return solve(
        problem,
        attrs.evolve(options, **changes),
        warm_start=warm_start,
        locked=locked,
    )


def run_portfolio(
    problem: Problem,
    options: SolveOptions,
    own_search: Callable[[], Plan],
    *,
    seeds: list[int],
    deadline_epoch: float | None,
    warm_start: Plan | None = None,
    locked: Mapping[str, int] | None = None,
) -> Plan:
    """Run ``own_search`` here and one search per seed in ``seeds`` in worker processes.

    Workers still running shortly after the deadline are abandoned (they stop
    at the deadline themselves).
    """
    context = multiprocessing.get_context("spawn")
    pool = cf.ProcessPoolExecutor(max_workers=len(seeds), mp_context=context)
    try:
        futures = [
            pool.submit(
                _search_until,
                problem,
                attrs.evolve(options, seed=seed),
                deadline_epoch,
                warm_start,
                locked,
            )
            for seed in seeds
        ]
        plans = [own_search()]
        wait = None if deadline_epoch is None else max(0.0, deadline_epoch - time.time()) + 0.5
        done, _ = cf.wait(futures, timeout=wait)
        for future in done:
            try:
                plans.append(future.result())
            except Exception:  # a failed worker only loses its candidate
                log.exception("a portfolio worker failed; keeping the other plans")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return best_of(plans)
