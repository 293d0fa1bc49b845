"""Travel on a road graph: shortest-path matrices and the :class:`RoadGraphTravel` provider.

The graph is compiled once into a SciPy sparse matrix with a fixed node order
(``list(G.nodes)``) and shortest paths are computed with
:func:`scipy.sparse.csgraph.dijkstra`, only from the rows that are needed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import attrs
import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnreachableError
from dispatch.model import Location, TravelProfile
from dispatch.travel._base import TravelMatrix
from dispatch.travel._haversine import _haversine_rad, local_xy_m
from dispatch.travel._pairs import (
    BOUND_MARGIN,
    FloatArray,
    IndexArray,
    IntArray,
    PairLookup,
    pair_indices,
    profile_of,
    read_only,
)
from dispatch.travel._rounding import ceil_seconds, round_metres
from dispatch.travel._speeds import Speeds

if TYPE_CHECKING:
    from dispatch.travel._table import TravelTable

__all__ = ["RoadGraphTravel", "shortest_path_matrices", "travel_time_matrix"]

#: An edge attribute name, or ``weight(u, v, data) -> float | None`` called
#: with one edge's attribute dict (``None`` hides the edge, as in networkx).
Weight = str | Callable[[Any, Any, dict[str, Any]], "float | None"]

FloatMatrix = npt.NDArray[np.float64]
_Getter = Callable[[Any, Any, dict[str, Any]], Any]
_NODE = "road-graph node"

#: Float64 entries of one block of shortest-path rows (16 MB): Dijkstra from many
#: origins runs in blocks of ``_BLOCK_ENTRIES // len(G)`` origins to bound memory.
_BLOCK_ENTRIES = 2**21

logger = logging.getLogger(__name__)


def _getter(weight: Weight, role: str) -> _Getter:
    if callable(weight):
        return weight
    if not isinstance(weight, str):
        raise InvalidInputError(
            role, f"must be an edge attribute name or a callable, got {weight!r}"
        )

    def _attribute(u: Any, v: Any, data: dict[str, Any]) -> Any:
        value = data.get(weight)
        if value is None:
            raise InvalidInputError(
                f"edge ({u!r}, {v!r})", f"has no {weight!r} attribute (the {role})"
            )
        return value

    return _attribute


def _values(raw: list[Any], edges: list[tuple[Any, Any]], role: str) -> FloatMatrix:
    """``raw`` as floats, or an error naming the first edge whose value is not a number >= 0."""
    arr = np.array(raw)
    if arr.size and arr.dtype.kind not in "biuf":
        for (u, v), value in zip(edges, raw, strict=True):
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise InvalidInputError(f"edge ({u!r}, {v!r})", f"{role} {value!r} is not a number")
    values = arr.astype(np.float64)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        k = int(np.argmax(bad))
        u, v = edges[k]
        raise InvalidInputError(
            f"edge ({u!r}, {v!r})", f"{role} must be finite and >= 0, got {raw[k]!r}"
        )
    return values


@attrs.frozen(eq=False)
class _CompiledGraph:
    """A graph as a CSR matrix of edge weights, plus a second measure per edge.

    Parallel edges are collapsed to the one of least weight (ties: least
    measure); ``measure[k]`` belongs to the edge stored at ``weights.data[k]``
    (it is the weight itself when no other measure was asked for).
    ``keys = row * n + col`` of every stored edge, sorted, to find an edge's slot.
    """

    nodes: tuple[Hashable, ...]
    index: dict[Hashable, int]
    weights: csr_array
    keys: npt.NDArray[np.int64]
    measure: FloatMatrix

    def rows(self, nodes: Iterable[Hashable]) -> npt.NDArray[np.intp]:
        """The matrix row of each node; :class:`UnknownReferenceError` for a node not in G."""
        out = []
        for node in nodes:
            try:
                out.append(self.index[node])
            except (KeyError, TypeError):
                raise UnknownReferenceError(_NODE, node) from None
        return np.asarray(out, dtype=np.intp)

    def shortest(self, sources: npt.NDArray[np.intp], targets: npt.NDArray[np.intp]) -> FloatMatrix:
        """Least total weight from each source row to each target row (``inf`` if unreachable)."""
        unique, inverse = np.unique(sources, return_inverse=True)
        if unique.size == 0 or targets.size == 0:
            return np.zeros((sources.size, targets.size))
        dist: FloatMatrix = dijkstra(self.weights, directed=True, indices=unique)
        return dist[:, targets][inverse]

    def shortest_measured(
        self, sources: npt.NDArray[np.intp], targets: npt.NDArray[np.intp]
    ) -> tuple[FloatMatrix, FloatMatrix]:
        """:meth:`shortest`, and the measure summed along the paths Dijkstra chose
        (0 if unreachable)."""
        unique, inverse = np.unique(sources, return_inverse=True)
        if unique.size == 0 or targets.size == 0:
            return np.zeros((sources.size, targets.size)), np.zeros((sources.size, targets.size))
        dist, pred = dijkstra(self.weights, directed=True, indices=unique, return_predecessors=True)
        weights = dist[:, targets]
        measures = np.zeros(weights.shape)
        for k in range(unique.size):
            measures[k] = self._along_tree(pred[k])[targets]
        return weights[inverse], measures[inverse]

    def edge_list(self) -> tuple[IndexArray, IndexArray, FloatArray]:
        """Tail row, head row and weight of every stored edge (read from the CSR matrix)."""
        n = len(self.nodes)
        tails = np.repeat(np.arange(n, dtype=np.intp), np.diff(self.weights.indptr))
        heads = np.asarray(self.weights.indices, dtype=np.intp)
        return tails, heads, np.asarray(self.weights.data, dtype=np.float64)

    def shortest_blocks(
        self, sources: IndexArray, targets: IndexArray | None, *, measured: bool
    ) -> Iterator[tuple[slice, FloatMatrix, FloatMatrix]]:
        """Shortest paths from ``sources``, in blocks of rows that fit :data:`_BLOCK_ENTRIES`.

        Yields ``(block, weights, measures)``: the slice of ``sources`` done,
        and their rows restricted to the ``targets`` columns (all nodes when
        ``None``). ``measures`` is the measure along the paths, ``inf`` where
        unreachable, when ``measured``; else it is ``weights`` itself. The
        arrays are fresh: the caller may change them. Every row is the very
        row :meth:`shortest` / :meth:`shortest_measured` give for that source:
        Dijkstra runs from each source independently.
        """
        step = max(1, _BLOCK_ENTRIES // max(1, len(self.nodes)))
        for start in range(0, sources.size, step):
            block = slice(start, min(start + step, sources.size))
            if not measured:
                dist = dijkstra(self.weights, directed=True, indices=sources[block])
                weights = dist if targets is None else dist[:, targets]
                yield block, weights, weights
                continue
            dist, pred = dijkstra(
                self.weights, directed=True, indices=sources[block], return_predecessors=True
            )
            weights = dist if targets is None else dist[:, targets]
            measures = np.empty(weights.shape)
            for k in range(weights.shape[0]):
                along = self._along_tree(pred[k])
                measures[k] = along if targets is None else along[targets]
            measures[~np.isfinite(weights)] = np.inf
            yield block, weights, measures

    def _along_tree(
        self, pred: npt.NDArray[np.int32], among: IndexArray | None = None
    ) -> FloatMatrix:
        """The measure summed from the root of a shortest-path tree to every node (0 off-tree).

        Pointer jumping: ``up[v]`` is an ancestor of ``v`` and ``total[v]`` the
        measure from ``up[v]`` down to ``v``; each round doubles the span, so
        ``log2(depth)`` vectorised rounds reach the root (whose ``up`` is itself).
        With ``among`` (sorted rows closed under ``pred``: a node's predecessor is
        among them too) only those nodes are summed, and the result is indexed
        like ``among``. A node's sum depends on its own ancestors only, added in
        the same order either way, so its value is the same bit for bit.
        """
        n = len(self.nodes)
        node = np.arange(n, dtype=np.int64) if among is None else among.astype(np.int64)
        up = pred.astype(np.int64) if among is None else pred[among].astype(np.int64)
        linked = up >= 0
        total = np.zeros(node.size)
        total[linked] = self.measure[np.searchsorted(self.keys, up[linked] * n + node[linked])]
        if among is None:
            up[~linked] = node[~linked]
        else:
            up[linked] = np.searchsorted(among, up[linked])
            up[~linked] = np.flatnonzero(~linked)
        while True:
            upper = up[up]
            if np.array_equal(upper, up):
                return total
            total += total[up]
            up = upper

    def measures_within(self, source: int, targets: IndexArray, limit: float) -> FloatArray:
        """The measure along the shortest path from ``source`` to each target.

        Every target must be at most ``limit`` (total weight) from ``source``:
        Dijkstra stops there, so a short leg costs a small ball around its
        start, not a sweep of the whole graph. Nodes within the limit get the
        same predecessors as in a full run (they are settled in the same
        order), so the values equal :meth:`shortest_blocks`' bit for bit.
        """
        dist, pred = dijkstra(
            self.weights, directed=True, indices=source, limit=limit, return_predecessors=True
        )
        ball = np.flatnonzero(np.isfinite(dist))
        along = self._along_tree(pred, ball)
        found: FloatArray = along[np.searchsorted(ball, targets)]
        return found


def _compile(G: nx.Graph, weight: Weight, measure: Weight | None = None) -> _CompiledGraph:
    """Compile ``G`` into a :class:`_CompiledGraph` (one pass over its edges).

    We build the CSR matrix ourselves rather than with
    :func:`networkx.to_scipy_sparse_array`, which sums parallel edges and
    accepts no callable weight. Undirected edges are stored in both
    directions; self-loops are dropped (they never shorten a path).
    """
    if not isinstance(G, nx.Graph):
        raise InvalidInputError("G", f"expected a networkx graph, got {type(G).__name__}")
    get_weight = _getter(weight, "weight")
    get_measure = None if measure is None else _getter(measure, "measure")
    nodes = tuple(G.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    both_ways = not G.is_directed()
    edges: list[tuple[Any, Any]] = []
    raw_w: list[Any] = []
    raw_m: list[Any] = []
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        for a, b in ((u, v), (v, u)) if both_ways else ((u, v),):
            w = get_weight(a, b, data)
            if w is None:
                continue
            edges.append((a, b))
            raw_w.append(w)
            if get_measure is not None:
                raw_m.append(get_measure(a, b, data))
    n = len(nodes)
    row = np.fromiter((index[a] for a, _ in edges), dtype=np.int64, count=len(edges))
    col = np.fromiter((index[b] for _, b in edges), dtype=np.int64, count=len(edges))
    w_arr = _values(raw_w, edges, "weight")
    m_arr = w_arr if get_measure is None else _values(raw_m, edges, "measure")
    order = np.lexsort((m_arr, w_arr, col, row))
    row, col, w_arr, m_arr = row[order], col[order], w_arr[order], m_arr[order]
    first = np.ones(row.size, dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    row, col, w_arr, m_arr = row[first], col[first], w_arr[first], m_arr[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    matrix = csr_array((w_arr, col, indptr), shape=(n, n))
    return _CompiledGraph(nodes, index, matrix, row * n + col, m_arr)


def travel_time_matrix(
    G: nx.Graph,
    sources: Iterable[Hashable],
    targets: Iterable[Hashable] | None = None,
    *,
    weight: Weight = "travel_time",
) -> FloatMatrix:
    """Shortest-path weights from every source node to every target node.

    Dijkstra runs only from the distinct sources, on a sparse matrix of ``G``.
    Directed graphs are followed in edge direction (one-way streets);
    undirected graphs are symmetric. Between parallel edges of a multigraph
    the one of least weight counts.

    Parameters
    ----------
    G
        A networkx ``Graph``, ``DiGraph``, ``MultiGraph`` or ``MultiDiGraph``
        (OSMnx graphs are ``MultiDiGraph``).
    sources, targets
        Nodes of ``G``; repeats are fine. ``targets=None`` means ``sources``.
    weight
        An edge attribute name (every edge needs it, a number >= 0; unlike
        networkx a missing or ``None`` attribute is an error, not a default
        of 1 or a hidden edge), or a callable ``weight(u, v, data)`` returning
        a number >= 0 or ``None`` to hide the edge. Unlike networkx, the
        callable is given one edge's own attribute dict even in multigraphs
        (and is called for each parallel edge); for undirected graphs it is
        called once per direction.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(len(sources), len(targets))``; ``inf``
        where a target cannot be reached.

    Raises
    ------
    UnknownReferenceError
        A source or target is not a node of ``G``.
    InvalidInputError
        An edge lacks the weight attribute or has a negative or non-numeric weight.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", travel_time=30)
    >>> G.add_edge("b", "c", travel_time=45)
    >>> G.add_edge("a", "c", travel_time=90)
    >>> travel_time_matrix(G, ["a", "c"], ["b", "c"])
    array([[30., 75.],
           [inf,  0.]])
    >>> travel_time_matrix(G, ["a"], weight=lambda u, v, d: 2 * d["travel_time"])
    array([[0.]])
    """
    compiled = _compile(G, weight)
    rows = compiled.rows(sources)
    cols = rows if targets is None else compiled.rows(targets)
    return compiled.shortest(rows, cols)


def shortest_path_matrices(
    G: nx.Graph,
    sources: Iterable[Hashable],
    targets: Iterable[Hashable] | None = None,
    *,
    weight: Weight = "travel_time",
    measure: Weight = "length",
) -> tuple[FloatMatrix, FloatMatrix]:
    """Least ``weight`` between nodes, and the ``measure`` summed along those paths.

    Typically the fastest travel time and the length of the fastest path. The
    paths are Dijkstra's shortest-path tree for ``weight``; among equally short
    paths which one is measured is unspecified. Between parallel edges the one
    of least weight counts (ties: least measure).

    Parameters
    ----------
    G, sources, targets, weight
        As in :func:`travel_time_matrix`.
    measure
        An edge attribute name or callable, like ``weight``; every edge kept
        by ``weight`` needs a number >= 0.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``float64`` arrays of shape ``(len(sources), len(targets))``: the
        weights (``inf`` when unreachable) and the measures (0 when unreachable).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge(0, 1, travel_time=60, length=500)
    >>> _ = G.add_edge(0, 1, travel_time=40, length=700)  # a faster, longer road
    >>> _ = G.add_edge(1, 2, travel_time=10, length=100)
    >>> times, lengths = shortest_path_matrices(G, [0], [1, 2])
    >>> times.tolist(), lengths.tolist()
    ([[40.0, 50.0]], [[700.0, 800.0]])
    """
    compiled = _compile(G, weight, measure)
    rows = compiled.rows(sources)
    cols = rows if targets is None else compiled.rows(targets)
    return compiled.shortest_measured(rows, cols)


def _graph(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, nx.Graph):
        raise InvalidInputError(
            "RoadGraphTravel.graph", f"expected a networkx graph, got {type(value).__name__}"
        )


def _weight_mode(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in ("length", "travel_time"):
        raise InvalidInputError(
            "RoadGraphTravel.weight", f"must be 'length' or 'travel_time', got {value!r}"
        )


def _speeds(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Speeds):
        raise InvalidInputError("RoadGraphTravel.speeds", f"expected Speeds, got {value!r}")


@attrs.frozen(eq=False)
class RoadGraphTravel:
    """Travel times along the shortest paths of a road graph (e.g. from OSMnx).

    Each :class:`Location` is placed at the graph node ``location.node``.

    Parameters
    ----------
    graph
        A networkx graph; directed graphs respect one-way streets, for every
        profile (use a walking network, e.g. OSMnx ``network_type="walk"``,
        for couriers on foot). Compiled on first use: do not change it afterwards.
    weight
        What the edges carry, with OSMnx attribute names:

        ``"length"`` (default)
            metres. The route is the shortest one; its duration is its
            length divided by the profile's speed.
        ``"travel_time"``
            seconds by car. The route is the fastest one for a car; its
            duration is the car time for :attr:`TravelProfile.CAR` and the
            car time times ``speeds.car_mps / speeds[profile]`` for other
            profiles (a bike at half the car's speed takes twice as long on
            the same streets). Its distance is the ``length`` (metres) summed
            along that fastest path, so every edge also needs ``length``.
    speeds
        Speed of each profile in m/s (:class:`Speeds`).

    Notes
    -----
    Durations are rounded **up** to whole seconds, so a schedule that is
    feasible with the integer matrix is feasible in real time too; distances
    are rounded to the nearest metre. Pairs of locations that cannot reach
    each other raise :class:`UnreachableError` listing their node ids; the
    matrix never holds stand-in "huge" numbers.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edge("depot", "home", length=1200.0)
    >>> G.add_edge("home", "depot", length=1500.0)  # one-way streets force a detour
    >>> travel = RoadGraphTravel(G)
    >>> m = travel.matrix([Location(node="depot"), Location(node="home")], TravelProfile.BIKE)
    >>> m.durations_s.tolist(), m.distances_m.tolist()
    ([[0, 300], [375, 0]], [[0, 1200], [1500, 0]])
    >>> G.add_node("island")
    >>> RoadGraphTravel(G).matrix([Location(node="home"), Location(node="island")], "walk")
    Traceback (most recent call last):
    ...
    dispatch.errors.UnreachableError: 2 unreachable node pair(s): 'home'->'island', 'island'->'home'
    """

    graph: nx.Graph = attrs.field(validator=_graph)
    weight: Literal["length", "travel_time"] = attrs.field(
        default="length", kw_only=True, validator=_weight_mode
    )
    speeds: Speeds = attrs.field(factory=Speeds, kw_only=True, validator=_speeds)

    @cached_property
    def _compiled(self) -> _CompiledGraph:
        if self.weight == "length":
            return _compile(self.graph, "length")
        return _compile(self.graph, "travel_time", "length")

    def matrix(self, locations: Sequence[Location], profile: TravelProfile | str) -> TravelMatrix:
        """Durations and distances among ``locations`` for ``profile``.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.Graph([(1, 2, {"length": 100.0, "travel_time": 12.5})])
        >>> travel = RoadGraphTravel(G, weight="travel_time")
        >>> travel.matrix([Location(node=1), Location(node=2)], "car").durations_s.tolist()
        [[0, 13], [13, 0]]
        >>> travel.matrix([Location(node=1), Location(node=2)], "walk").durations_s.tolist()
        [[0, 84], [84, 0]]
        """
        speed_mps = self.speeds[profile]
        graph = self._compiled
        rows, inverse = np.unique(graph.rows(_nodes_of(locations)), return_inverse=True)
        if self.weight == "length":
            lengths = graph.shortest(rows, rows)
            _raise_unreachable(lengths, [graph.nodes[r] for r in rows])
            durations = lengths / speed_mps
        else:
            seconds, lengths = graph.shortest_measured(rows, rows)
            _raise_unreachable(seconds, [graph.nodes[r] for r in rows])
            durations = seconds * (self.speeds.car_mps / speed_mps)
        grid = np.ix_(inverse, inverse)
        return TravelMatrix(ceil_seconds(durations)[grid], round_metres(lengths)[grid])

    @cached_property
    def _geometry(self) -> _Geometry | None:
        return _node_geometry(self.graph, self._compiled)

    def pairs(self, locations: Sequence[Location]) -> PairLookup:
        """Elementwise travel among ``locations`` (see :class:`~dispatch.travel.PairLookup`).

        Entries are bit for bit those of :meth:`matrix`. Dijkstra runs only
        from the distinct origin nodes that are asked for, when first asked;
        their rows (to the locations' nodes only) are kept in the lookup, so
        asking again costs a gather. Memory: 8 bytes per (origin asked,
        distinct location node). With ``weight="travel_time"``,
        ``distances_m`` (the length along the fastest path) runs per origin a
        Dijkstra bounded by the largest travel weight asked from it, so a
        route's short legs cost small balls of the graph, and keeps each pair
        asked. As its caches grow, do not share one lookup between threads;
        make one per thread (binding is cheap).

        The speed bound and ``xy_m`` use the coordinates of the **graph
        nodes** (OSMnx convention: node attributes ``x`` = longitude, ``y`` =
        latitude, in degrees), not the locations' own ``lat``/``lon``, which
        may differ; prune with ``xy_m()``. With ``kappa`` the largest ratio,
        over the edges, of the straight line between their end nodes (the
        greater of the great circle and the :func:`~dispatch.travel.local_xy_m`
        distance) to their weight, the bound is ``kappa * speeds[profile]``
        for ``weight="length"`` and ``kappa * speeds[profile] /
        speeds.car_mps`` for ``weight="travel_time"``: every path is at least
        as long as the straight line between its ends (triangle inequality),
        and the projection is computed once for all nodes, so it holds for
        every pair. Both are ``None`` when a node lacks numeric ``x``/``y``
        in degrees (e.g. an OSMnx graph projected to metres), and the bound
        is ``None`` when an edge of weight 0 joins two distinct points.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.Graph()
        >>> G.add_nodes_from([(0, {"x": 13.0, "y": 52.0}), (1, {"x": 13.01, "y": 52.0})])
        >>> G.add_edge(0, 1, length=800.0)  # the straight line is 684.4 m
        >>> lookup = RoadGraphTravel(G).pairs([Location(node=0), Location(node=1)])
        >>> lookup.durations_s([0, 1], [1, 1], "walk").tolist()
        [667, 0]
        >>> round(lookup.speed_bound_mps("walk"), 4)  # 1.2 m/s * 684.6 / 800
        1.0269
        """
        compiled = self._compiled
        rows, inverse = np.unique(compiled.rows(_nodes_of(locations)), return_inverse=True)
        geometry = self._geometry
        xy = None if geometry is None else read_only(geometry.node_xy_m[rows[inverse]])
        return _GraphPairs(self, rows, inverse.reshape(-1), xy)

    def table(self, *, profiles: Iterable[TravelProfile | str]) -> TravelTable:
        """All-pairs travel precomputed for ``profiles``: a :class:`~dispatch.travel.TravelTable`.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.Graph([(1, 2, {"length": 100.0})])
        >>> table = RoadGraphTravel(G).table(profiles=["bike"])
        >>> table.matrix([Location(node=1), Location(node=2)], "bike").durations_s.tolist()
        [[0, 25], [25, 0]]
        """
        from dispatch.travel._table import TravelTable  # _table builds on this module

        return TravelTable.from_graph(self, profiles=profiles)


@attrs.frozen(eq=False)
class _Geometry:
    """Where a graph's nodes lie, for straight-line bounds.

    ``node_xy_m`` is :func:`local_xy_m` of every node (graph order); ``kappa``
    is the largest straight-line metres per unit of edge weight over the
    edges (``inf`` if an edge of weight 0 moves, 0 if no edge moves).
    """

    node_xy_m: FloatArray
    kappa: float


def _node_geometry(G: nx.Graph, compiled: _CompiledGraph) -> _Geometry | None:
    """Node coordinates and edge straightness of ``G``; ``None`` if some node has no lat/lon."""
    crs = G.graph.get("crs")
    if crs is not None and "4326" not in str(crs):
        logger.debug("no straight-line bound: graph CRS %s is not WGS84 degrees", crs)
        return None
    lat = np.empty(len(compiled.nodes))
    lon = np.empty(len(compiled.nodes))
    for i, node in enumerate(compiled.nodes):
        data = G.nodes[node]
        x, y = data.get("x"), data.get("y")
        if not (_is_degree(y, 90.0) and _is_degree(x, 180.0)):
            logger.debug("no straight-line bound: node %r has no x/y in degrees", node)
            return None
        lat[i], lon[i] = y, x
    xy = local_xy_m(lat, lon)
    if xy is None:
        logger.debug("no straight-line bound: the graph spans 180 degrees of longitude or more")
        return None
    tails, heads, weights = compiled.edge_list()
    phi = np.radians(lat)
    great = _haversine_rad(phi, np.radians(lon), np.cos(phi), tails, heads)
    planar = np.hypot(xy[tails, 0] - xy[heads, 0], xy[tails, 1] - xy[heads, 1])
    straight = np.maximum(great, planar)
    ratio = np.zeros(straight.shape)
    moving = straight > 0
    with np.errstate(divide="ignore"):
        ratio[moving] = straight[moving] / weights[moving]
    return _Geometry(read_only(xy), float(ratio.max()) if ratio.size else 0.0)


def _is_degree(value: object, limit: float) -> bool:
    """``value`` is a real number (not a bool) within ``[-limit, limit]``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return False
    number = float(value)
    return math.isfinite(number) and abs(number) <= limit


def _speed_bound(
    geometry: _Geometry | None,
    weight: Literal["length", "travel_time"],
    speeds: Speeds,
    profile: TravelProfile | str,
) -> float | None:
    """The speed bound of :meth:`RoadGraphTravel.pairs` (``None`` when there is none)."""
    speed_mps = speeds[profile]
    if geometry is None or not math.isfinite(geometry.kappa):
        return None
    # kappa == 0: no edge moves, every reachable pair shares its point; any v > 0 holds.
    kappa = max(geometry.kappa, float(np.finfo(np.float64).tiny))
    per_unit = speed_mps if weight == "length" else speed_mps / speeds.car_mps
    return kappa * per_unit * (1.0 + BOUND_MARGIN)


def _unreachable(
    sources: IndexArray, targets: IndexArray, nodes: Sequence[Hashable]
) -> UnreachableError:
    """The error for unreachable pairs ``nodes[sources[k]] -> nodes[targets[k]]`` (deduplicated)."""
    pairs = np.unique(np.stack([sources.reshape(-1), targets.reshape(-1)], axis=1), axis=0)
    return UnreachableError([(nodes[i], nodes[j]) for i, j in pairs[:20]], count=len(pairs))


@attrs.define(eq=False)
class _RowCache:
    """Shortest-path rows from some origins to fixed targets, computed once (grows by doubling).

    Origins and targets are indices of a lookup's distinct nodes; ``slot[o]``
    is the row of origin ``o`` in ``values``, -1 until it is computed.
    """

    slot: IndexArray
    values: FloatMatrix
    size: int = 0

    @classmethod
    def empty(cls, count: int) -> _RowCache:
        return cls(np.full(count, -1, dtype=np.intp), np.empty((0, count)))

    def missing(self, origins: IndexArray) -> IndexArray:
        """The distinct ``origins`` whose rows are not computed yet."""
        distinct = np.unique(origins)
        return distinct[self.slot[distinct] < 0]

    def store(self, origins: IndexArray, rows: FloatMatrix) -> None:
        """Keep ``rows[k]`` as the row of ``origins[k]`` (origins already kept are skipped)."""
        new = self.slot[origins] < 0
        origins, rows = origins[new], rows[new]
        end = self.size + origins.size
        if end > self.values.shape[0]:
            grown = np.empty((max(end, 2 * self.values.shape[0]), self.values.shape[1]))
            grown[: self.size] = self.values[: self.size]
            self.values = grown
        self.values[self.size : end] = rows
        self.slot[origins] = np.arange(self.size, end)
        self.size = end

    def get(self, origins: IndexArray, targets: IndexArray) -> FloatMatrix:
        """Entries ``(origins[k], targets[k])``, all of whose origins are kept."""
        found: FloatMatrix = self.values[self.slot[origins], targets]
        return found


@attrs.define(eq=False)
class _GraphPairs:
    """:class:`~dispatch.travel.PairLookup` of :class:`RoadGraphTravel`.

    ``rows`` are the graph rows of the locations' distinct nodes (sorted),
    ``inverse[k]`` the distinct node of location ``k``. ``weights`` keeps the
    rows of the graph's weight (length or car time); ``lengths`` the length
    along the fastest paths, per pair asked, when ``weight="travel_time"``.
    """

    travel: RoadGraphTravel
    rows: IndexArray = attrs.field(repr=False)
    inverse: IndexArray = attrs.field(repr=False)
    xy: FloatArray | None = attrs.field(repr=False)
    weights: _RowCache = attrs.field(init=False, repr=False)
    lengths: dict[tuple[int, int], float] = attrs.field(init=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        self.weights = _RowCache.empty(self.rows.size)

    def __len__(self) -> int:
        return int(self.inverse.size)

    def _lookup(self, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
        """Shortest-path weights from ``a`` to ``b`` (rows computed once, kept)."""
        ia, ib = pair_indices(a, b, len(self))
        origins, targets = self.inverse[ia], self.inverse[ib]
        missing = self.weights.missing(origins)
        blocks = self.travel._compiled.shortest_blocks(
            self.rows[missing], self.rows, measured=False
        )
        for block, weights, _ in blocks:
            self.weights.store(missing[block], weights)
        values = self.weights.get(origins, targets)
        bad = ~np.isfinite(values)
        if bad.any():
            raise _unreachable(
                self.rows[origins[bad]], self.rows[targets[bad]], self.travel._compiled.nodes
            )
        return values

    def _lengths(self, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
        """Length along the fastest path from ``a`` to ``b`` (``weight="travel_time"``).

        Per origin, one Dijkstra bounded by the largest travel weight asked
        from it (:meth:`_CompiledGraph.measures_within`): legs of routes are
        short next to a city, so this costs a small ball, not a sweep of the
        graph. Pairs are kept once computed.
        """
        weights = self._lookup(a, b).ravel()  # raises for unreachable pairs
        ia, ib = pair_indices(a, b, len(self))
        shape = np.shape(ia)
        origins, targets = self.inverse[ia].ravel(), self.inverse[ib].ravel()
        values = np.empty(origins.size)
        todo: dict[int, list[int]] = {}
        for k, pair in enumerate(zip(origins.tolist(), targets.tolist(), strict=True)):
            known = self.lengths.get(pair)
            if known is None:
                todo.setdefault(pair[0], []).append(k)
            else:
                values[k] = known
        graph = self.travel._compiled
        for origin, ks in todo.items():
            picked = np.asarray(ks, dtype=np.intp)
            limit = float(weights[picked].max())
            found = graph.measures_within(
                int(self.rows[origin]),
                self.rows[targets[picked]],
                limit + max(1e-9, limit * 1e-12),
            )
            values[picked] = found
            for k, value in zip(ks, found.tolist(), strict=True):
                self.lengths[(origin, int(targets[k]))] = value
        return values.reshape(shape)

    def durations_s(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Travel time from ``a`` to ``b``, as :meth:`RoadGraphTravel.matrix` computes it."""
        speed_mps = self.travel.speeds[profile]
        weights = self._lookup(a, b)
        if self.travel.weight == "length":
            return ceil_seconds(weights / speed_mps)
        return ceil_seconds(weights * (self.travel.speeds.car_mps / speed_mps))

    def distances_m(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Length of the path from ``a`` to ``b`` (the same for every profile)."""
        profile_of(profile)
        if self.travel.weight == "travel_time":
            return round_metres(self._lengths(a, b))
        return round_metres(self._lookup(a, b))

    def speed_bound_mps(self, profile: TravelProfile | str) -> float | None:
        """See :meth:`RoadGraphTravel.pairs`."""
        return _speed_bound(self.travel._geometry, self.travel.weight, self.travel.speeds, profile)

    def xy_m(self) -> FloatArray | None:
        """Projected coordinates of each location's graph node, or ``None``."""
        return self.xy


def _nodes_of(locations: Sequence[Location]) -> list[Hashable]:
    nodes: list[Hashable] = []
    for k, loc in enumerate(locations):
        if not isinstance(loc, Location):
            raise InvalidInputError(f"locations[{k}]", f"expected a Location, got {loc!r}")
        if loc.node is None:
            raise InvalidInputError(f"locations[{k}]", f"has no road-graph node: {loc!r}")
        nodes.append(loc.node)
    return nodes


def _raise_unreachable(weights: FloatMatrix, nodes: Sequence[Hashable]) -> None:
    bad = np.argwhere(~np.isfinite(weights))
    if bad.size:
        pairs = [(nodes[i], nodes[j]) for i, j in bad[:20]]
        raise UnreachableError(pairs, count=len(bad))
