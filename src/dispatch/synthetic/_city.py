"""A district's street grid as arrays, its places (homes, shops, depots) and car times on it."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import attrs
import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from dispatch.errors import UnreachableError
from dispatch.model import Location
from dispatch.synthetic._args import split_counts
from dispatch.synthetic._streets import node_positions_m

__all__ = ["DAY_S", "QUARTER_S", "City", "FloatArray", "IntArray"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DAY_S = (7 * 3600, 21 * 3600)
"""The working day: shifts lie within 07:00-21:00 (seconds from midnight)."""

QUARTER_S = 900
"""Shifts and windows start on quarter hours."""

_ELDER_SHARE = 0.4  # households with an elder
_SHOPS_PER_KM2 = 6.0
_DEPOT_KM2 = 4.0  # one parcel station per this many km²
_SHOP_SPREAD_M = 300.0  # shops lie along the arterials within about this of a commercial centre
_DISTANCES_AT_ONCE = 4_000_000  # Dijkstra distances held at once (sources x nodes)
# A guess of a leg's car time from its straight line (about the 90th percentile on the grid),
# to cut Dijkstra off early; a leg beyond its cut-off is run again with the next one.
_GUESS_EXTRA_M, _GUESS_MPS = 300.0, 7.0
_FIRST_CUTOFF_S = 60.0
_LAST_BUCKET = 24  # 60 s * sqrt(2) ** 24 is over a day: no cut-off from there on


@attrs.frozen(kw_only=True, eq=False)
class City:
    """The graph as arrays (node rows, positions, car times) and where people and shops are.

    Node *rows* index ``nodes`` (the graph's node order); everything here is
    in rows, :meth:`location` turns one into a :class:`Location`.
    """

    graph: nx.MultiDiGraph
    nodes: list[Hashable]
    xy: FloatArray  # (east, north) metres of each row
    side_m: float
    tree: cKDTree
    car_s: csr_array  # car travel time (s) of the fastest edge between rows
    homes: IntArray  # rows where residents live (off the arterials)
    elder: npt.NDArray[np.bool_]  # per row: the household there has an elder
    shops: dict[str, IntArray]  # errand kind -> rows of the shops selling it
    depots: IntArray  # rows of the parcel stations
    _locations: dict[int, Location] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls,
        G: nx.MultiDiGraph,
        side_m: float,
        shop_shares: Mapping[str, float],
        rng: np.random.Generator,
    ) -> City:
        """Places on ``G`` drawn with ``rng``: elder households, shops, parcel stations."""
        nodes, xy = node_positions_m(G)
        index = {node: i for i, node in enumerate(nodes)}
        heads, tails, seconds = [], [], []
        arterial: set[int] = set()
        for u, v, data in G.edges(data=True):
            heads.append(index[u])
            tails.append(index[v])
            seconds.append(data["travel_time"])
            if data["highway"] == "primary":
                arterial.update((index[u], index[v]))
        every = np.arange(len(nodes), dtype=np.int64)
        main = np.array(sorted(arterial), dtype=np.int64) if arterial else every
        off_main = np.setdiff1d(every, main)
        centres = _crossings(G, nodes, index) if arterial else every
        area_km2 = side_m * side_m / 1e6
        depot_count = min(main.size, max(1, round(area_km2 / _DEPOT_KM2)))
        return cls(
            graph=G,
            nodes=nodes,
            xy=xy,
            side_m=side_m,
            tree=cKDTree(xy),
            car_s=_csr(np.array(heads), np.array(tails), np.array(seconds), len(nodes)),
            homes=off_main if off_main.size else every,
            elder=rng.random(len(nodes)) < _ELDER_SHARE,
            shops=_shops(xy, main, centres if centres.size else main, area_km2, shop_shares, rng),
            depots=np.sort(rng.choice(main, depot_count, replace=False)),
        )

    def location(self, row: int) -> Location:
        """The location of a row (lat/lon and node); one object per node."""
        loc = self._locations.get(row)
        if loc is None:
            node = self.nodes[row]
            data = self.graph.nodes[node]
            loc = self._locations[row] = Location(lat=data["y"], lon=data["x"], node=node)
        return loc

    def snap(self, points: FloatArray) -> IntArray:
        """The row nearest to each ``(east, north)`` point, clipped into the district."""
        _, rows = self.tree.query(np.clip(points, 0.0, self.side_m))
        return np.asarray(rows, dtype=np.int64)

    def car_seconds(self, sources: IntArray, targets: IntArray) -> FloatArray:
        """Shortest car time (s) from each source row to the target row at the same index.

        The legs asked for are local, so Dijkstra is cut off early: a guess of
        each leg's time from its straight line gives each distinct source the
        cut-off ``60 s * sqrt(2) ** b`` that covers its longest leg; the
        sources of a cut-off run together, in chunks that bound memory; legs
        whose target lay beyond it run again with the next cut-off (the last
        has none). The cost follows the number and length of the legs, not
        the size of the city.
        """
        out = np.full(sources.size, np.inf)
        straight_m = np.linalg.norm(self.xy[sources] - self.xy[targets], axis=1)
        unique, inverse = np.unique(sources, return_inverse=True)
        guess_s = np.full(unique.size, _FIRST_CUTOFF_S)
        np.maximum.at(guess_s, inverse, (straight_m + _GUESS_EXTRA_M) / _GUESS_MPS)
        bucket = np.ceil(2.0 * np.log2(guess_s / _FIRST_CUTOFF_S) - 1e-9).astype(np.int64)[inverse]
        pending = np.arange(sources.size)
        while pending.size:
            for b in np.unique(bucket[pending]).tolist():
                legs = pending[bucket[pending] == b]
                cutoff_s = _FIRST_CUTOFF_S * 2.0 ** (b / 2) if b < _LAST_BUCKET else np.inf
                self._fill(legs, sources[legs], targets[legs], cutoff_s, out)
            pending = pending[~np.isfinite(out[pending])]
            lost = pending[bucket[pending] >= _LAST_BUCKET]
            if lost.size:  # cannot happen on a strongly connected grid
                pairs = [(self.nodes[sources[k]], self.nodes[targets[k]]) for k in lost[:20]]
                raise UnreachableError(pairs, count=int(lost.size))
            bucket[pending] += 1
        return out

    def _fill(
        self,
        legs: IntArray,
        sources: IntArray,
        targets: IntArray,
        cutoff_s: float,
        out: FloatArray,
    ) -> None:
        """Dijkstra from the distinct ``sources``, cut off at ``cutoff_s``, into ``out[legs]``."""
        unique, inverse = np.unique(sources, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        chunk = max(1, _DISTANCES_AT_ONCE // max(1, len(self.nodes)))
        firsts = np.arange(0, unique.size, chunk)
        bounds = np.searchsorted(inverse[order], np.append(firsts, unique.size))
        for k, first in enumerate(firsts.tolist()):
            mine = order[bounds[k] : bounds[k + 1]]
            dist = dijkstra(
                self.car_s, directed=True, indices=unique[first : first + chunk], limit=cutoff_s
            )
            out[legs[mine]] = dist[inverse[mine] - first, targets[mine]]


def _csr(heads: IntArray, tails: IntArray, seconds: FloatArray, n: int) -> csr_array:
    """Edge weights as a CSR matrix; of parallel edges the fastest counts (scipy would add them)."""
    order = np.lexsort((seconds, tails, heads))
    heads, tails, seconds = heads[order], tails[order], seconds[order]
    first = np.ones(heads.size, dtype=bool)
    first[1:] = (heads[1:] != heads[:-1]) | (tails[1:] != tails[:-1])
    return csr_array((seconds[first], (heads[first], tails[first])), shape=(n, n))


def _crossings(
    G: nx.MultiDiGraph, nodes: Sequence[Hashable], index: Mapping[Hashable, int]
) -> IntArray:
    """Rows where arterials cross (three or more arterial neighbours): commercial centres."""
    rows = []
    for node in nodes:
        out = {v for _, v, h in G.out_edges(node, data="highway") if h == "primary"}
        into = {u for u, _, h in G.in_edges(node, data="highway") if h == "primary"}
        if len(out | into) >= 3:
            rows.append(index[node])
    return np.array(rows, dtype=np.int64)


def _shops(
    xy: FloatArray,
    arterial: IntArray,
    centres: IntArray,
    area_km2: float,
    shares: Mapping[str, float],
    rng: np.random.Generator,
) -> dict[str, IntArray]:
    """At least one shop of every kind, on arterial rows, clustered around the centres."""
    extra = max(0, round(_SHOPS_PER_KM2 * area_km2) - len(shares))
    counts = split_counts(extra, shares)
    tree = cKDTree(xy[arterial])
    shops: dict[str, IntArray] = {}
    for kind in shares:
        count = counts[kind] + 1
        at = xy[rng.choice(centres, count)]
        along = rng.integers(0, 2, count)  # along the east-west or the north-south arterial
        at[np.arange(count), along] += rng.normal(0.0, _SHOP_SPREAD_M, count)
        _, hits = tree.query(at)
        shops[kind] = np.unique(arterial[np.asarray(hits, dtype=np.int64)])
    return shops
