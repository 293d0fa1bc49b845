"""argparse types shared by the command-line modules: numbers checked where they are read.

Each raises :class:`argparse.ArgumentTypeError`, which argparse turns into one
readable line naming the option.

Examples
--------
>>> int_at_least(1)("3"), positive_seconds("2.5"), number_in(0, 24, "hours")("6")
(3, 2.5, 6.0)
>>> int_at_least(1)("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be >= 1, got 0
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["int_at_least", "number_in", "positive_seconds"]


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def number_in(low: float, high: float, what: str = "a number") -> Callable[[str], float]:
    """A finite number in the interval ``(low, high]``; ``what`` names it in errors."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (math.isfinite(value) and low < value <= high):
            raise argparse.ArgumentTypeError(f"must be in ({low:g}, {high:g}], got {text}")
        return value

    return parse


def positive_seconds(text: str) -> float:
    """A time limit: a finite number of seconds > 0.

    >>> positive_seconds("2.5")
    2.5
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds (a number), got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value
