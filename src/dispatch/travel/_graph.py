"""Travel on a road graph: shortest-path matrices and the :class:`RoadGraphTravel` provider.

The graph is compiled once into a SciPy sparse matrix with a fixed node order
(``list(G.nodes)``) and shortest paths are computed with
:func:`scipy.sparse.csgraph.dijkstra`, only from the rows that are needed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from functools import cached_property
from typing import Any, Literal

import attrs
import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnreachableError
from dispatch.model import Location, TravelProfile
from dispatch.travel._base import TravelMatrix
from dispatch.travel._rounding import ceil_seconds, round_metres
from dispatch.travel._speeds import Speeds

__all__ = ["RoadGraphTravel", "shortest_path_matrices", "travel_time_matrix"]

#: An edge attribute name, or ``weight(u, v, data) -> float | None`` called
#: with one edge's attribute dict (``None`` hides the edge, as in networkx).
Weight = str | Callable[[Any, Any, dict[str, Any]], "float | None"]

FloatMatrix = npt.NDArray[np.float64]
_Getter = Callable[[Any, Any, dict[str, Any]], Any]
_NODE = "road-graph node"


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

    def _along_tree(self, pred: npt.NDArray[np.int32]) -> FloatMatrix:
        """The measure summed from the root of a shortest-path tree to every node (0 off-tree).

        Pointer jumping: ``up[v]`` is an ancestor of ``v`` and ``total[v]`` the
        measure from ``up[v]`` down to ``v``; each round doubles the span, so
        ``log2(depth)`` vectorised rounds reach the root (whose ``up`` is itself).
        """
        n = len(self.nodes)
        node = np.arange(n, dtype=np.int64)
        up = pred.astype(np.int64)
        linked = up >= 0
        total = np.zeros(n)
        total[linked] = self.measure[np.searchsorted(self.keys, up[linked] * n + node[linked])]
        up[~linked] = node[~linked]
        while True:
            upper = up[up]
            if np.array_equal(upper, up):
                return total
            total += total[up]
            up = upper


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
