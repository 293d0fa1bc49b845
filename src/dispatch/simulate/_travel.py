"""Travel as the simulated people live it: planned times, noisy actual times, places between.

:class:`Legs` answers the planned travel time of a leg from the same travel
model the dispatcher plans with, and draws the actual time with
multiplicative log-normal noise from its own seeded stream. :class:`Places`
gives the street corner nearest to a point part-way along a leg, for the
position reports of a moving courier.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from dispatch.model import Location, TravelProfile
from dispatch.synthetic._streets import node_positions_m
from dispatch.travel import TravelTimes

__all__ = ["Legs", "Places"]

_LOW, _HIGH = 0.5, 3.0  # a leg takes at least half and at most three times its planned time


class Legs:
    """Planned and actual travel seconds between locations.

    Examples
    --------
    >>> from dispatch import MatrixTravel
    >>> travel = MatrixTravel(nodes=[0, 1], durations_s=[[0, 100], [100, 0]])
    >>> legs = Legs(travel, np.random.default_rng(0), noise=0.0)
    >>> a, b = Location(node=0), Location(node=1)
    >>> legs.planned_s(a, b, TravelProfile.BIKE), legs.actual_s(100)
    (100, 100)
    """

    def __init__(self, travel: TravelTimes, rng: np.random.Generator, *, noise: float) -> None:
        self.travel = travel
        self._rng = rng
        self._noise = noise
        self._cache: dict[tuple[Location, Location, TravelProfile], int] = {}

    def planned_s(self, a: Location, b: Location, profile: TravelProfile) -> int:
        """The travel model's seconds from ``a`` to ``b`` for ``profile``."""
        if a == b:
            return 0
        key = (a, b, profile)
        seconds = self._cache.get(key)
        if seconds is None:
            seconds = int(self.travel.matrix([a, b], profile).durations_s[0, 1])
            self._cache[key] = seconds
        return seconds

    def actual_s(self, planned_s: int) -> int:
        """How long a leg planned at ``planned_s`` really takes (one draw of the noise)."""
        if planned_s <= 0:
            return 0
        if self._noise <= 0:
            return planned_s
        factor = min(_HIGH, max(_LOW, math.exp(float(self._rng.normal(0.0, self._noise)))))
        return max(1, round(planned_s * factor))


class Places:
    """Street corners of a graph, found near a point between two of them.

    Examples
    --------
    >>> from dispatch.synthetic import street_grid
    >>> G = street_grid(width_m=500, height_m=500, seed=0, jitter=0)
    >>> places = Places(G)
    >>> a, b = places.location(0), places.location(8)
    >>> places.between(a, b, 0.5).node
    4
    >>> Places(None).between(a, b, 0.5) is None
    True
    """

    def __init__(self, graph: nx.Graph | None) -> None:
        self._graph = graph
        self._row: dict[Hashable, int] = {}
        self._nodes: list[Hashable] = []
        self._tree: cKDTree | None = None
        self._xy = np.zeros((0, 2))
        self._locations: dict[int, Location] = {}
        if graph is not None and graph.number_of_nodes():
            self._nodes, self._xy = node_positions_m(graph)
            self._row = {node: k for k, node in enumerate(self._nodes)}
            self._tree = cKDTree(self._xy)

    def location(self, row: int) -> Location:
        """The corner of row ``row`` as a location (coordinates and node)."""
        found = self._locations.get(row)
        if found is None and self._graph is not None:
            node = self._nodes[row]
            data = self._graph.nodes[node]
            found = self._locations[row] = Location(lat=data["y"], lon=data["x"], node=node)
        if found is None:
            raise KeyError(row)
        return found

    def between(self, a: Location, b: Location, fraction: float) -> Location | None:
        """The corner nearest to the point ``fraction`` of the way from ``a`` to ``b``.

        None without a graph or when either place is not one of its corners.
        """
        if self._tree is None or a.node not in self._row or b.node not in self._row:
            return None
        xa, xb = self._xy[self._row[a.node]], self._xy[self._row[b.node]]
        _, row = self._tree.query(xa + fraction * (xb - xa))
        return self.location(int(row))
