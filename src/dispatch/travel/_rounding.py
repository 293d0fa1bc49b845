"""Turning real-valued travel times and distances into the integers the solver needs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError

__all__ = ["ceil_seconds", "round_metres"]

#: Floating-point noise tolerated before rounding up: 120 m at 1.2 m/s must be
#: 100 s, not 101 s because the division gave 100.00000000000001.
NOISE_S = 1e-6

#: Largest value converted; beyond it float64 no longer holds every integer.
_LIMIT = float(2**53)


def _check_range(values: npt.NDArray[np.float64], what: str) -> None:
    if values.size and not (np.isfinite(values).all() and values.max() <= _LIMIT):
        raise InvalidInputError(
            what, f"values must be finite and at most 2**53, got {values.max()}"
        )


def ceil_seconds(durations_s: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Durations rounded up to whole seconds (ignoring noise below a microsecond).

    Rounding up means a schedule that is feasible with the integer times is
    also feasible with the real ones: every leg takes at most as long as the
    solver believed, so no arrival is later than planned.

    Examples
    --------
    >>> ceil_seconds([0.0, 83.34, 120 / 1.2]).tolist()
    [0, 84, 100]
    """
    values = np.asarray(durations_s, dtype=np.float64)
    _check_range(values, "durations_s")
    return np.ceil(values - NOISE_S).clip(min=0).astype(np.int64)


def round_metres(distances_m: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Distances rounded to the nearest whole metre (halves round up).

    Examples
    --------
    >>> round_metres([0.4, 0.5, 1234.56]).tolist()
    [0, 1, 1235]
    """
    values = np.asarray(distances_m, dtype=np.float64)
    _check_range(values, "distances_m")
    return np.floor(values + 0.5).astype(np.int64)
