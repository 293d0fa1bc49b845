"""Arguments of the generators: checks, and splitting a count by weights.

Every check raises :class:`InvalidInputError` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from dispatch.errors import InvalidInputError

__all__ = ["check_count", "check_mix", "check_origin", "check_real", "check_seed", "split_counts"]


def check_seed(seed: object) -> int:
    """``seed`` as an int >= 0.

    Only ints are accepted (no ``None``, no ``numpy.random.Generator``): a
    synthetic instance is named by its seed, so the seed must be something
    that can be written down and used again.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError("seed", f"must be an int >= 0, got {seed!r}")
    return seed


def check_count(name: str, value: object, *, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum`` (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(name, f"must be an int, got {value!r}")
    if value < minimum:
        raise InvalidInputError(name, f"must be >= {minimum}, got {value}")
    return value


def check_real(
    name: str,
    value: object,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
) -> float:
    """``value`` as a finite float in ``[low, high]`` (``(low, high]`` when ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(name, f"must be a number, got {value!r}")
    number = float(value)
    below = number <= low if low_open else number < low
    if not math.isfinite(number) or below or number > high:
        left = "(" if low_open else "["
        right = "]" if math.isfinite(high) else ")"
        raise InvalidInputError(
            name, f"must be finite and in {left}{low}, {high}{right}, got {value!r}"
        )
    return number


def check_origin(origin: object) -> tuple[float, float]:
    """``(lat, lon)`` in degrees, away from the poles."""
    if not isinstance(origin, tuple | list) or len(origin) != 2:
        raise InvalidInputError("origin", f"must be a (lat, lon) pair, got {origin!r}")
    lat = check_real("origin", origin[0], low=-80.0, high=80.0)
    lon = check_real("origin", origin[1], low=-180.0, high=180.0)
    return lat, lon


def check_mix(
    name: str, mix: Mapping[str, float] | None, known: Mapping[str, float]
) -> dict[str, float]:
    """Weights per key of ``known``: ``None`` means ``known``; keys left out weigh 0.

    Unknown keys, negative or non-finite weights, and all-zero weights are errors.
    """
    if mix is None:
        return dict(known)
    if not isinstance(mix, Mapping):
        raise InvalidInputError(name, f"must be a mapping of weights, got {mix!r}")
    unknown = sorted(str(key) for key in mix if key not in known)
    if unknown:
        raise InvalidInputError(name, f"unknown key(s) {unknown}; choose from {sorted(known)}")
    weights = {key: check_real(f"{name}[{key!r}]", mix.get(key, 0.0), low=0.0) for key in known}
    if sum(weights.values()) <= 0.0:
        raise InvalidInputError(name, "needs at least one positive weight")
    return weights


def split_counts(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """``total`` split in proportion to ``weights`` by largest remainder (ties: mapping order).

    The counts always add up to ``total``.

    >>> split_counts(10, {"a": 0.45, "b": 0.25, "c": 0.2, "d": 0.1})
    {'a': 5, 'b': 2, 'c': 2, 'd': 1}
    """
    whole = sum(weights.values())
    exact = {key: total * w / whole for key, w in weights.items()}
    counts = {key: math.floor(x) for key, x in exact.items()}
    by_remainder = sorted(weights, key=lambda key: counts[key] - exact[key])
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts
