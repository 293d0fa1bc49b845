"""The dispatcher's time: :class:`Clock`, :class:`SystemClock`, :class:`ManualClock`.

Times are integer seconds from the start of the planning day, as everywhere
in :mod:`dispatch`. The dispatcher reads the clock once per command and
records the value with the command's events, so a replay never reads a clock.
"""

from __future__ import annotations

import datetime
import time
from typing import Protocol, runtime_checkable

from dispatch.errors import InvalidInputError

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the time in whole seconds of the planning day.

    Examples
    --------
    >>> isinstance(ManualClock(5), Clock), isinstance(SystemClock(), Clock)
    (True, True)
    """

    def now_s(self) -> int:
        """The current time, seconds from the start of the planning day."""
        ...


def _local_midnight() -> float:
    today = datetime.datetime.now().astimezone()
    midnight = today.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()


class SystemClock:
    """Wall-clock time, in seconds since an origin (by default, local midnight today).

    The origin is fixed when the clock is made: a dispatcher running past
    midnight keeps counting (86,400 s and more) instead of wrapping, so time
    never goes backwards within a planning day. Pass ``origin`` (a Unix
    timestamp, for example the start of the service day) to count from
    elsewhere.

    Examples
    --------
    >>> clock = SystemClock(origin=time.time() - 90)
    >>> 89 <= clock.now_s() <= 120
    True
    >>> 0 <= SystemClock().now_s() <= 2 * 86_400
    True
    """

    def __init__(self, origin: float | None = None) -> None:
        self.origin = _local_midnight() if origin is None else float(origin)

    def now_s(self) -> int:
        """Whole seconds since the origin (never negative)."""
        return max(0, int(time.time() - self.origin))

    def __repr__(self) -> str:
        return f"SystemClock(origin={self.origin!r})"


def _check_time(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(name, f"must be an int >= 0, got {value!r}")
    return value


class ManualClock:
    """A clock that moves only when told: for tests and simulations.

    Examples
    --------
    >>> clock = ManualClock(8 * 3600)
    >>> clock.advance(90)
    28890
    >>> clock.set(9 * 3600)
    >>> clock.now_s()
    32400
    >>> clock.advance(-5)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: seconds: must be an int >= 0, got -5
    """

    def __init__(self, now_s: int = 0) -> None:
        self._now_s = _check_time("now_s", now_s)

    def now_s(self) -> int:
        """The time last set."""
        return self._now_s

    def set(self, now_s: int) -> None:
        """Set the time (it may go back; the dispatcher never lets its own time go back)."""
        self._now_s = _check_time("now_s", now_s)

    def advance(self, seconds: int) -> int:
        """Move forward by ``seconds`` (>= 0); returns the new time."""
        self._now_s += _check_time("seconds", seconds)
        return self._now_s

    def __repr__(self) -> str:
        return f"ManualClock({self._now_s})"
