"""Run parts on an executor, with retries and time limits: :class:`Runner`.

Any :class:`concurrent.futures.Executor` will do: a process pool (the
default, made here with the ``spawn`` start method, since forking a process
that holds OR-Tools or Dask threads is unsafe), a thread pool, or Dask's
``Client.get_executor()``. Only module-level functions and attrs value
objects cross to the workers.

An attempt that raises, or runs longer than the part time limit, is tried
again up to ``retries`` times; then the part is reported failed with every
error. The time limit is kept twice:

* here, from the moment the attempt is handed to the executor. No more
  attempts are in flight than ``workers``, so a handed attempt starts at
  once; and before the first timed batch every worker is warmed up (a pool
  made here: each of its processes has started and imported `dispatch`;
  another executor: ``workers`` untimed calls), so a part's clock does not
  run while Python and OR-Tools load.
* in a worker *process*, by an alarm that interrupts the part's Python
  code once it has run that long. An executor that runs parts in threads
  (Dask's workers do) cannot be interrupted: a timed-out attempt runs on
  there and its result is ignored. Processes of a pool made here that still
  run abandoned attempts are stopped at the end.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

import attrs

from dispatch.partition._parts import Part, PartResult, PartSolver, PartStage

__all__ = ["Attempt", "PartReport", "Runner", "run_attempt", "warm_up"]

logger = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class PartReport:
    """How one part went.

    Attributes
    ----------
    stage, zone, round
        The pass, the zone and (border parts) the border round.
    tasks, couriers
        The part's size.
    attempts
        Attempts made (1 + retries used).
    errors
        One line per failed attempt (exception type and message, or the
        time limit it ran over).
    runtime_s
        Wall-clock seconds from handing the first attempt to the executor
        to the last attempt's end.
    cpu_s
        CPU seconds of the successful attempt in its worker (0 if none):
        unlike the wall clock, not stretched by other work on the machine.
    """

    stage: PartStage
    zone: int
    round: int
    tasks: int
    couriers: int
    attempts: int
    errors: tuple[str, ...]
    runtime_s: float
    cpu_s: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether an attempt succeeded."""
        return self.attempts > len(self.errors)


#: Longest wait for the processes of a new pool to start before timing parts on it.
WARM_UP_S = 120.0


def _ready(pause_s: float) -> int:
    """An untimed call that loads a worker (unpickling it imports `dispatch.partition`)."""
    time.sleep(pause_s)
    return os.getpid()


def warm_up(pool: concurrent.futures.Executor, workers: int, *, every_process: bool) -> None:
    """Calls until every process answered (``every_process``), else one round of calls."""
    seen: set[int] = set()
    give_up = time.perf_counter() + WARM_UP_S
    while True:
        calls = [pool.submit(_ready, 0.05) for _ in range(workers)]
        seen.update(call.result() for call in calls)
        if not every_process or len(seen) >= workers or time.perf_counter() > give_up:
            return


def _spawn_pool(workers: int) -> concurrent.futures.Executor:
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn")
    )


def _raise_timeout(limit_s: float) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"part ran over its time limit of {limit_s:g} s")

    return handler


@contextlib.contextmanager
def _alarm(limit_s: float | None) -> Iterator[None]:
    """Interrupt this block after ``limit_s`` in a worker process's main thread (else nothing)."""
    usable = (
        limit_s is not None
        and hasattr(signal, "setitimer")
        and multiprocessing.parent_process() is not None
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    )
    if not usable or limit_s is None:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout(limit_s))
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@attrs.frozen(kw_only=True, eq=False)
class Attempt:
    """What a worker sends back: the part's result and the CPU seconds it took there."""

    result: PartResult
    cpu_s: float


def run_attempt(solver: PartSolver, part: Part, attempt: int, limit_s: float | None) -> Attempt:
    """One attempt at one part (what the workers run; ``attempt`` makes each call distinct).

    Executors that cache calls by their arguments (Dask's, by default) would
    otherwise hand back the failed attempt instead of running it again. The
    CPU time is the worker thread's own (:func:`time.thread_time`), so it
    does not count other parts running in the same process.
    """
    del attempt
    began = time.thread_time()
    with _alarm(limit_s):
        result = solver(part)
    if not result.plan.is_feasible():
        raise RuntimeError(f"the part's solver found no plan (status {result.plan.status.value})")
    return Attempt(result=result, cpu_s=time.thread_time() - began)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@attrs.define
class _Job:
    index: int
    attempt: int = 0
    errors: list[str] = attrs.field(factory=list)
    began: float | None = None
    ended: float = 0.0
    cpu_s: float = 0.0


class Runner:
    """Runs batches of parts on one executor (made here, or the caller's) with retries.

    Use as a context manager: a pool made here is shut down on exit, and
    its processes stopped when abandoned attempts still run in them.
    """

    def __init__(
        self,
        executor: concurrent.futures.Executor | None,
        *,
        workers: int,
        retries: int,
        part_timeout_s: float | None,
    ) -> None:
        self._own = executor is None
        self._workers = workers
        self._executor = executor
        self._retries = retries
        self._limit_s = part_timeout_s
        self._abandoned = False
        self._warm = False

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _pool(self) -> concurrent.futures.Executor:
        if self._executor is None:
            self._executor = _spawn_pool(self._workers)
            self._warm = False
        if self._limit_s is not None and not self._warm:
            self._warm = True
            warm_up(self._executor, self._workers, every_process=self._own)
        return self._executor

    def _close(self) -> None:
        pool = self._executor
        if not self._own or pool is None:
            return
        self._executor = None
        if self._abandoned:
            # Attempts that ran over their time still occupy processes: stop them (the pool
            # forgets its processes on shutdown, so before it).
            processes = getattr(pool, "_processes", None) or {}
            for process in list(processes.values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def run(
        self, solver: PartSolver, parts: Sequence[Part]
    ) -> tuple[list[PartResult | None], list[PartReport]]:
        """Each part's result (None when it failed) and report, in the order of ``parts``."""
        jobs = [_Job(k) for k in range(len(parts))]
        # Biggest first, so a small part does not finish the batch alone.
        queue = collections.deque(
            sorted(jobs, key=lambda j: -len(parts[j.index].problem.tasks) - 1e-9 * j.index)
        )
        results: list[PartResult | None] = [None] * len(parts)
        Running = tuple[_Job, float, concurrent.futures.Executor]
        running: dict[concurrent.futures.Future[Attempt], Running] = {}

        def failed(job: _Job, message: str) -> None:
            job.errors.append(message)
            job.ended = time.perf_counter()
            part = parts[job.index]
            if job.attempt <= self._retries:
                logger.info(
                    "%s part %d, attempt %d failed (%s); trying again",
                    part.stage.value,
                    part.zone,
                    job.attempt,
                    message,
                )
                queue.append(job)
            else:
                logger.warning(
                    "%s part %d failed after %d attempt(s): %s",
                    part.stage.value,
                    part.zone,
                    job.attempt,
                    message,
                )

        while queue or running:
            while queue and len(running) < self._workers:
                job = queue.popleft()
                job.attempt += 1
                pool = self._pool()
                now = time.perf_counter()
                job.began = now if job.began is None else job.began
                try:
                    future = pool.submit(
                        run_attempt, solver, parts[job.index], job.attempt, self._limit_s
                    )
                except concurrent.futures.BrokenExecutor as error:
                    self._renew(pool, error)
                    failed(job, _describe(error))
                    continue
                except RuntimeError as error:  # an executor shut down under us
                    failed(job, _describe(error))
                    continue
                deadline = now + self._limit_s if self._limit_s is not None else float("inf")
                running[future] = (job, deadline, pool)
            if not running:
                continue
            soonest = min(deadline for _, deadline, _ in running.values())
            wait_s = None if soonest == float("inf") else max(0.0, soonest - time.perf_counter())
            done, _ = concurrent.futures.wait(
                running, timeout=wait_s, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                job, _, pool = running.pop(future)
                try:
                    attempt = future.result()
                    results[job.index] = attempt.result
                    job.cpu_s = attempt.cpu_s
                    job.ended = time.perf_counter()
                except concurrent.futures.BrokenExecutor as error:
                    self._renew(pool, error)
                    failed(job, _describe(error))
                except Exception as error:
                    failed(job, _describe(error))
            now = time.perf_counter()
            limit_s = self._limit_s or 0.0
            for future, (job, deadline, _) in list(running.items()):
                if now >= deadline:
                    del running[future]
                    if not future.cancel():
                        self._abandoned = True
                    failed(job, f"TimeoutError: part ran over its time limit of {limit_s:g} s")
        reports = [
            PartReport(
                stage=parts[j.index].stage,
                zone=parts[j.index].zone,
                round=parts[j.index].round,
                tasks=len(parts[j.index].problem.tasks),
                couriers=len(parts[j.index].problem.couriers),
                attempts=j.attempt,
                errors=tuple(j.errors),
                runtime_s=j.ended - (j.began or j.ended),
                cpu_s=j.cpu_s,
            )
            for j in jobs
        ]
        return results, reports

    def _renew(self, pool: concurrent.futures.Executor, error: BaseException) -> None:
        """A broken pool of our own is replaced (once); the caller's stays as it is."""
        if self._own and pool is self._executor:
            logger.warning("worker pool broke (%s); starting a new one", _describe(error))
            pool.shutdown(wait=False, cancel_futures=True)
            self._executor = None
