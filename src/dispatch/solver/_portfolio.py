"""Search on several cores at once: the same problem, different seeds, best plan kept.

OR-Tools holds the GIL while it searches, so the extra searches run in
processes (``spawn``, so no OR-Tools state is forked). Starting such a process
and importing OR-Tools costs about a second, far too much out of a dispatch
budget of one or two seconds, so the processes are started once, warmed up
(OR-Tools imported) and kept for the life of the calling process: the first
multi-worker call pays the start-up (its workers join only if they are ready
in time), later calls do not. :func:`start_workers` starts them ahead of the
first solve.

Each worker gets the caller's wall-clock deadline, minus a small margin to
send its plan back; a worker that fails or is late is ignored, never waited
for more than 4 % of the budget past the deadline.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import logging
import multiprocessing
import multiprocessing.util
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import attrs

from dispatch.model import Problem
from dispatch.plan import Plan

if TYPE_CHECKING:
    from dispatch.solver._solve import SolveOptions

__all__ = ["best_of", "run_portfolio", "start_workers"]

log = logging.getLogger(__name__)

#: Share of the budget a worker keeps back from its deadline to read its plan back
#: (OR-Tools stops at the limit; building and explaining the plan comes after) and
#: to send it; the caller waits the same share past the deadline at most.
_RETURN_SHARE = 0.04
#: Shortest search worth starting in a worker; a later start is skipped.
_SHORTEST_SEARCH_S = 0.1

_lock = threading.Lock()
_pool: cf.ProcessPoolExecutor | None = None
_pool_size = 0


def best_of(plans: list[Plan]) -> Plan:
    """The plan with the lowest objective total; the first one on ties."""
    return min(plans, key=lambda plan: (not plan.is_feasible(), plan.objective.total))


def _warm() -> bool:
    """Import the solver (and so OR-Tools) in a worker process."""
    import dispatch.solver._solve  # noqa: F401
    from dispatch.solver._sisr import warm_up

    warm_up()
    return True


def _shutdown(*, wait: bool = False) -> None:
    global _pool, _pool_size
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=wait, cancel_futures=True)
        _pool, _pool_size = None, 0


atexit.register(_shutdown)
# A process started by multiprocessing (a job in a process pool that solves with workers)
# ends through multiprocessing's own exit, which skips atexit and joins the process's
# children: without this, that join waits for ever on the pool's idle workers. It runs
# before the finalizers of multiprocessing's queues (priority 10), which would stop the
# pool's call queue before the workers are told to stop, and waits for them.
multiprocessing.util.Finalize(None, _shutdown, kwargs={"wait": True}, exitpriority=100)


def _workers(size: int) -> cf.ProcessPoolExecutor:
    """The shared pool with at least ``size`` warm processes (started when missing)."""
    global _pool, _pool_size
    with _lock:
        if _pool is not None and _pool_size >= size:
            return _pool
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        context = multiprocessing.get_context("spawn")
        _pool = cf.ProcessPoolExecutor(max_workers=size, mp_context=context)
        _pool_size = size
        for _ in range(size):
            _pool.submit(_warm)
        return _pool


def start_workers(count: int, *, wait: bool = True) -> None:
    """Start (and warm up) the processes that ``SolveOptions(workers=count + 1)`` uses.

    A long-running service calls this once at start-up, so that its first
    multi-worker solve does not pay for starting Python and importing
    OR-Tools out of its budget. The compiled search is loaded here too (with
    ``wait``), since the default search runs it in this process as well.
    Calling it again is cheap.

    Examples
    --------
    >>> start_workers(1)
    """
    if count < 1:
        return
    pool = _workers(count)
    if wait:
        futures = [pool.submit(_warm) for _ in range(count)]
        _warm()
        cf.wait(futures)


def _search_until(
    problem: Problem,
    options: SolveOptions,
    deadline_epoch: float | None,
    warm_start: Plan | None,
    locked: Mapping[str, int] | None,
) -> Plan | None:
    """One seeded search in a worker; ``None`` when too little time is left to start."""
    from dispatch.solver._solve import solve  # imported in the worker

    changes: dict[str, Any] = {"workers": 1}
    if deadline_epoch is not None:
        margin = _RETURN_SHARE * (options.time_limit_s or 0.0)
        left = deadline_epoch - margin - time.time()
        if left < _SHORTEST_SEARCH_S:
            return None
        changes["time_limit_s"] = left
    return solve(
        problem,
        attrs.evolve(options, **changes),
        warm_start=warm_start,
        locked=locked,
    )


def _metaheuristics(options: SolveOptions, count: int) -> list[str]:
    """The metaheuristic of each worker: ``worker_metaheuristic`` for the first one."""
    chosen = [options.metaheuristic] * count
    if count and options.worker_metaheuristic is not None:
        chosen[0] = options.worker_metaheuristic
    return chosen


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

    Workers still running 4 % of the budget after the deadline are
    abandoned (they stop at the deadline themselves).
    """
    try:
        pool = _workers(len(seeds))
        futures = [
            pool.submit(
                _search_until,
                problem,
                attrs.evolve(options, seed=seed, metaheuristic=metaheuristic),
                deadline_epoch,
                warm_start,
                locked,
            )
            for seed, metaheuristic in zip(seeds, _metaheuristics(options, len(seeds)), strict=True)
        ]
    except (BrokenProcessPool, RuntimeError):
        log.exception("the portfolio's worker processes are unusable; searching alone")
        _shutdown()
        return own_search()
    plans = [own_search()]
    wait = None
    if deadline_epoch is not None and options.time_limit_s is not None:
        grace = _RETURN_SHARE * options.time_limit_s
        wait = max(0.0, deadline_epoch + grace - time.time())
    done, late = cf.wait(futures, timeout=wait)
    for future in late:
        future.cancel()
    for future in done:
        try:
            plan = future.result()
        except BrokenProcessPool:
            log.exception("a portfolio worker died; restarting the workers on the next call")
            _shutdown()
            continue
        except Exception:  # a failed worker only loses its candidate
            log.exception("a portfolio worker failed; keeping the other plans")
            continue
        if plan is not None:
            plans.append(plan)
    return best_of(plans)
