"""Li & Lim and Solomon: Euclidean instances on float coordinates, scaled to model units."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dispatch.io._instance import node_travel
from dispatch.io._nodes import NodeRow
from dispatch.travel import MatrixTravel
from dispatch.travel._rounding import ceil_seconds, round_metres

__all__ = ["TIME_SCALE", "euclidean", "euclidean_travel"]

TIME_SCALE = 1000
"""Model seconds (and metres) per time (and distance) unit of Li & Lim and Solomon instances."""


def euclidean(rows: Sequence[NodeRow]) -> npt.NDArray[np.float64]:
    """Unrounded Euclidean distances between the rows' (x, y), as the literature computes them."""
    x = np.array([r.x for r in rows], dtype=np.float64)
    y = np.array([r.y for r in rows], dtype=np.float64)
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    out: npt.NDArray[np.float64] = np.sqrt(dx * dx + dy * dy)
    return out


def euclidean_travel(cost: npt.NDArray[np.float64]) -> MatrixTravel:
    """The travel matrix over the instance node ids, in units of 1/``TIME_SCALE``.

    Durations round up (``ceil(d * 1000 - 1e-6)``): a schedule feasible with
    these integers is feasible with the real float times. Distances round to
    the nearest unit (``round(d * 1000)``).
    """
    scaled = cost * TIME_SCALE
    return node_travel(ceil_seconds(scaled), round_metres(scaled))
