"""Progress of a simulated day: :class:`MdrpProgress`."""

from __future__ import annotations

import attrs

__all__ = ["MdrpProgress"]


@attrs.frozen(kw_only=True)
class MdrpProgress:
    """Where a simulation is: the simulated time between the day's start and end.

    Examples
    --------
    >>> MdrpProgress(now_s=4500, start_s=3600, end_s=5400, orders=10, delivered=4).fraction
    0.5
    """

    now_s: int
    start_s: int
    end_s: int
    orders: int
    """Orders placed so far."""
    delivered: int
    """Orders delivered so far (some may be delivered later in simulated time already)."""

    @property
    def fraction(self) -> float:
        """Share of the day simulated, in [0, 1]."""
        span = self.end_s - self.start_s
        if span <= 0:
            return 1.0
        return min(1.0, max(0.0, (self.now_s - self.start_s) / span))
