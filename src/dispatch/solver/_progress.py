"""Progress of a running search, for progress bars and logs.

:func:`dispatch.solve` takes ``progress=callback``; the callback receives a
:class:`SearchProgress` now and then while OR-Tools searches (at most every
``interval_s`` seconds, on a solution the search finds) and once at the end.
It runs in the searching thread, between OR-Tools' moves, so it must be quick;
it is never called inside OR-Tools' evaluation of arcs or moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

__all__ = ["ProgressCallback", "SearchProgress", "Throttle"]


@attrs.frozen(kw_only=True)
class SearchProgress:
    """Where a search stands.

    Examples
    --------
    >>> p = SearchProgress(elapsed_s=2.0, time_limit_s=8.0, solutions=40, best_objective=1234)
    >>> p.fraction
    0.25
    """

    elapsed_s: float
    time_limit_s: float | None
    """The whole call's budget; ``None`` when only a solution limit bounds it."""
    solutions: int
    """Solutions the search has found so far (each one no worse than the last accepted)."""
    best_objective: int | None
    """The lowest objective so far, in the model's integer units; ``None`` before the first."""
    done: bool = False

    @property
    def fraction(self) -> float | None:
        """Elapsed share of the time limit (0 to 1), or ``None`` without a time limit."""
        if self.time_limit_s is None:
            return None
        return min(1.0, self.elapsed_s / self.time_limit_s)


ProgressCallback = Callable[[SearchProgress], None]


class Throttle:
    """Counts solutions and passes progress on at most every ``interval_s`` seconds.

    Examples
    --------
    >>> seen = []
    >>> throttle = Throttle(seen.append, time_limit_s=None, interval_s=3600)
    >>> throttle.solution(50); throttle.solution(40); throttle.finish()
    >>> [(p.solutions, p.best_objective, p.done) for p in seen]
    [(1, 50, False), (2, 40, True)]
    """

    def __init__(
        self,
        callback: ProgressCallback,
        *,
        time_limit_s: float | None,
        interval_s: float = 0.25,
        began: float | None = None,
    ) -> None:
        self._callback = callback
        self._time_limit_s = time_limit_s
        self._interval_s = interval_s
        self._began = time.perf_counter() if began is None else began
        self._last: float | None = None
        self.solutions = 0
        self.best: int | None = None

    def _report(self, done: bool) -> None:
        self._callback(
            SearchProgress(
                elapsed_s=time.perf_counter() - self._began,
                time_limit_s=self._time_limit_s,
                solutions=self.solutions,
                best_objective=self.best,
                done=done,
            )
        )

    def solution(self, objective: int) -> None:
        """A solution was found: count it, and report if the interval has passed."""
        self.solutions += 1
        if self.best is None or objective < self.best:
            self.best = objective
        now = time.perf_counter()
        if self._last is None or now - self._last >= self._interval_s:
            self._last = now
            self._report(done=False)

    def finish(self) -> None:
        """The search is over: report once more, marked done."""
        self._report(done=True)
