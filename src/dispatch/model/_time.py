"""Time windows: :class:`TimeWindow` and helpers over tuples of them.

All times are integer seconds from the start of the planning day.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.model._checks import non_negative_int

__all__ = ["TimeWindow", "to_windows"]


@attrs.frozen
class TimeWindow:
    """A closed interval ``[earliest_s, latest_s]`` in seconds from the start of the day.

    Examples
    --------
    >>> w = TimeWindow(8 * 3600, 10 * 3600)
    >>> w.contains(9 * 3600), w.width_s
    (True, 7200)
    >>> TimeWindow(600, 300)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: TimeWindow: earliest_s (600) must be <= latest_s (300)
    """

    earliest_s: int = attrs.field(validator=non_negative_int)
    latest_s: int = attrs.field(validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        if self.earliest_s > self.latest_s:
            raise InvalidInputError(
                "TimeWindow",
                f"earliest_s ({self.earliest_s}) must be <= latest_s ({self.latest_s})",
            )

    @property
    def width_s(self) -> int:
        """Length of the window in seconds."""
        return self.latest_s - self.earliest_s

    def contains(self, t_s: int) -> bool:
        """Whether ``t_s`` lies inside the window (bounds included)."""
        return self.earliest_s <= t_s <= self.latest_s


def to_windows(
    value: TimeWindow | Iterable[TimeWindow | tuple[int, int]] | None,
) -> tuple[TimeWindow, ...]:
    """Normalise windows: one window, pairs, or None (any time) -> a sorted tuple.

    >>> to_windows([(600, 900), TimeWindow(0, 100)])
    (TimeWindow(earliest_s=0, latest_s=100), TimeWindow(earliest_s=600, latest_s=900))
    """
    if value is None:
        return ()
    if isinstance(value, TimeWindow):
        return (value,)
    out = [w if isinstance(w, TimeWindow) else TimeWindow(*w) for w in value]
    return tuple(sorted(out, key=lambda w: (w.earliest_s, w.latest_s)))


def disjoint_windows(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[TimeWindow, ...]
) -> None:
    """attrs validator: windows must not overlap (they are sorted by the converter)."""
    for a, b in itertools.pairwise(value):
        if b.earliest_s <= a.latest_s:
            raise InvalidInputError(
                f"{type(instance).__name__}.{attribute.name}",
                f"windows {a} and {b} overlap; merge them",
            )
