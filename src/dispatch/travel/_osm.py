"""Road graphs from OpenStreetMap: GraphML saved by OSMnx, cleaned for routing.

:func:`load_graphml` reads a GraphML file as OSMnx's ``save_graphml`` writes it
(with networkx alone: OSMnx is not needed) and :func:`clean_road_graph` does
the same for a graph already in memory (for instance straight from
``osmnx.graph_from_place``). Both return a :class:`RoadNetwork`: the cleaned
graph, a :class:`~dispatch.travel.RoadGraphTravel` on it, and a
:class:`CleaningReport` saying what was dropped and why.

What OSMnx writes, and what we make of it:

========================  ===============================================================
attribute                 read as
========================  ===============================================================
node ``x``, ``y``         longitude, latitude (degrees, WGS84); required
edge ``length``           metres; required
edge ``travel_time``      seconds by car; when missing, ``length / speed_kph``, else
                          ``length / speeds.car_mps`` (counted in the report)
edge ``speed_kph``        km/h (a list of speeds counts as their mean)
edge ``oneway``           ``"True"``/``"False"`` (or a bool) as a bool
``"[...]"`` strings       lists (``highway="['residential', 'tertiary']"``), as OSMnx does
node ids                  ints when every id is an int (OSM ids), else strings
========================  ===============================================================

Every value may be a string (OSMnx stringifies all attributes before writing)
or already typed. Nothing here touches the network.
"""

from __future__ import annotations

import ast
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any, Literal

import attrs
import networkx as nx
import numpy as np

from dispatch.errors import FormatError, InvalidInputError
from dispatch.travel._graph import RoadGraphTravel, _is_degree
from dispatch.travel._speeds import Speeds

__all__ = ["CleaningReport", "RoadNetwork", "clean_road_graph", "load_graphml"]

logger = logging.getLogger(__name__)

_INT_ID = re.compile(r"-?[0-9]+")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
#: Graph attributes networkx's GraphML reader adds; not part of the road network.
_READER_KEYS = ("node_default", "edge_default")
#: Other attributes OSMnx types when it reads GraphML back; converted when they parse.
_NODE_TYPES = {
    "osmid": "int",
    "street_count": "int",
    "elevation": "float",
    "lat": "float",
    "lon": "float",
}
_EDGE_TYPES = {
    "osmid": "int",
    "bearing": "float",
    "grade": "float",
    "grade_abs": "float",
    "oneway": "flag",
    "reversed": "flag",
}
_GRAPH_TYPES = {"simplified": "flag"}


@attrs.frozen(kw_only=True)
class CleaningReport:
    """What :func:`clean_road_graph` kept, dropped and filled in, and why.

    Nodes are dropped so that every kept node can reach every other one (the
    largest strongly connected component): ``island_nodes`` lie on pieces of
    road with no connection at all to the main network, ``one_way_nodes`` are
    connected to it but only one way (a one-way street out with no way back,
    or in with no way out). Edges are dropped with those nodes, when they
    start and end at one node (``self_loops``), or when a shorter edge joins
    the same two nodes in the same direction (``parallel_edges``; shorter by
    the network's weight, then length).

    Attributes
    ----------
    nodes_read, edges_read, nodes_kept, edges_kept
        Counts before and after (an undirected edge is read once per direction).
    island_nodes, islands
        Nodes dropped on pieces not connected to the main network, and how
        many pieces there were.
    one_way_nodes
        Nodes dropped because they connect to the main network one way only.
    component_edges, self_loops, parallel_edges
        Edges dropped with those nodes, as self-loops, as longer parallels.
    time_from_speed, time_from_default
        Edges (of those read) whose ``travel_time`` was missing and was set
        from ``speed_kph``, or at ``speeds.car_mps``.
    mean_car_mps
        Total length over total ``travel_time`` of the kept edges (None if 0):
        the network's average car speed.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([(n, {"x": 13.0 + n / 1000, "y": 52.0}) for n in range(4)])
    >>> _ = G.add_edge(0, 1, length="80.0")
    >>> _ = G.add_edge(1, 0, length="80.0")
    >>> _ = G.add_edge(1, 0, length="95.5")  # a longer parallel road
    >>> _ = G.add_edge(1, 2, length="70.0")  # one way out, no way back
    >>> report = clean_road_graph(G).report
    >>> report.one_way_nodes, report.island_nodes, report.parallel_edges
    ((2,), (3,), 1)
    >>> print(report.summary())
    kept 2 of 4 nodes and 2 of 4 edges; dropped 1 node on 1 island, 1 node reachable only one way,
    1 parallel edge; travel_time set at the default car speed on 4 edges
    """

    nodes_read: int
    edges_read: int
    nodes_kept: int
    edges_kept: int
    island_nodes: tuple[Hashable, ...]
    islands: int
    one_way_nodes: tuple[Hashable, ...]
    component_edges: int
    self_loops: int
    parallel_edges: int
    time_from_speed: int
    time_from_default: int
    mean_car_mps: float | None

    @property
    def dropped_nodes(self) -> tuple[Hashable, ...]:
        """Every node dropped: island nodes, then one-way nodes."""
        return self.island_nodes + self.one_way_nodes

    def summary(self) -> str:
        """One readable paragraph (wrapped at 100 characters)."""
        head = (
            f"kept {self.nodes_kept} of {self.nodes_read} nodes and "
            f"{self.edges_kept} of {self.edges_read} edges"
        )
        dropped = []
        if self.island_nodes:
            dropped.append(
                f"{_count(len(self.island_nodes), 'node')} on {_count(self.islands, 'island')}"
            )
        if self.one_way_nodes:
            dropped.append(f"{_count(len(self.one_way_nodes), 'node')} reachable only one way")
        if self.self_loops:
            dropped.append(_count(self.self_loops, "self-loop"))
        if self.parallel_edges:
            dropped.append(_count(self.parallel_edges, "parallel edge"))
        filled = []
        if self.time_from_speed:
            filled.append(f"from speed_kph on {_count(self.time_from_speed, 'edge')}")
        if self.time_from_default:
            filled.append(f"at the default car speed on {_count(self.time_from_default, 'edge')}")
        text = head + ("; dropped " + ", ".join(dropped) if dropped else "; nothing dropped")
        if filled:
            text += "; travel_time set " + " and ".join(filled)
        return _wrap(text, 100)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _wrap(text: str, width: int) -> str:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


@attrs.frozen(eq=False)
class RoadNetwork:
    """A cleaned road graph, travel on it, and the report of the cleaning.

    Attributes
    ----------
    graph
        A ``networkx.MultiDiGraph`` (as OSMnx builds), one edge per direction
        of a street (key 0) with float ``length`` (m) and ``travel_time`` (s
        by car); nodes have float ``x`` (longitude) and ``y`` (latitude).
        Every node can reach every other node.
    travel
        :class:`~dispatch.travel.RoadGraphTravel` on ``graph``; use it as a
        problem's travel, or precompute it with ``travel.table(profiles=...)``.
    report
        :class:`CleaningReport`.
    """

    graph: nx.MultiDiGraph
    travel: RoadGraphTravel
    report: CleaningReport


def load_graphml(
    path: str | Path,
    *,
    weight: Literal["length", "travel_time"] = "length",
    speeds: Speeds | None = None,
) -> RoadNetwork:
    """Read a road network saved by OSMnx (``ox.save_graphml``) and clean it for routing.

    Parameters
    ----------
    path
        The GraphML file. Its coordinates must be unprojected longitude and
        latitude (OSMnx's default, ``crs`` ``epsg:4326``).
    weight, speeds
        How :class:`~dispatch.travel.RoadGraphTravel` turns the streets into
        travel times for each :class:`~dispatch.model.TravelProfile`:
        ``"length"`` (default) divides the shortest path's length by the
        profile's speed in ``speeds``; ``"travel_time"`` takes the fastest
        path by car and scales the car time by ``speeds.car_mps /
        speeds[profile]``. ``speeds.car_mps`` also sets the ``travel_time``
        of edges that have neither ``travel_time`` nor ``speed_kph``.

    Returns
    -------
    RoadNetwork
        The graph after :func:`clean_road_graph`, travel on it, and the report.

    Raises
    ------
    FormatError
        The file is not GraphML, or a node or edge lacks a usable attribute
        (the message names the node or edge), or the graph is projected.
    InvalidInputError
        No two nodes of the graph can reach each other.

    Notes
    -----
    OSMnx's ``travel_time`` is free-flow driving at the speed limit
    (``speed_kph``); our default car speed (8 m/s) allows for junctions and
    parking. With ``weight="travel_time"`` the other profiles are scaled
    from the car time, so match them to the network:
    ``Speeds(car_mps=report.mean_car_mps)`` makes a bike keep its own
    average speed over the network (faster on fast roads, slower on slow
    ones). For couriers on foot or by bike ``weight="length"`` needs no such
    care.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import networkx as nx
    >>> from dispatch.model import Location
    >>> G = nx.MultiDiGraph(crs="epsg:4326")
    >>> G.add_node(101, x="13.400", y="52.500")
    >>> G.add_node(102, x="13.401", y="52.500")
    >>> _ = G.add_edge(101, 102, length="68.0", speed_kph="30.0", oneway="False")
    >>> _ = G.add_edge(102, 101, length="68.0", speed_kph="30.0", oneway="False")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "streets.graphml"
    >>> nx.write_graphml(G, path)
    >>> network = load_graphml(path)
    >>> sorted(network.graph.nodes), network.graph.edges[101, 102, 0]["travel_time"]
    ([101, 102], 8.16)
    >>> m = network.travel.matrix([Location(node=101), Location(node=102)], "walk")
    >>> m.durations_s.tolist()
    [[0, 57], [57, 0]]
    """
    path = Path(path)
    try:
        raw = nx.read_graphml(path, force_multigraph=True)
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError) as error:
        raise FormatError(str(path), None, f"not a GraphML road graph: {error}") from error
    for key in _READER_KEYS:
        raw.graph.pop(key, None)
    try:
        return clean_road_graph(_int_ids(raw), weight=weight, speeds=speeds)
    except InvalidInputError as error:
        if error.field == "graph":  # a fault of the whole network, not of the file's contents
            raise
        raise FormatError(str(path), None, str(error)) from error


def _int_ids(G: nx.MultiGraph) -> nx.MultiGraph:
    """``G`` with int node ids when every (string) id is an int and no two collide."""
    ids = list(G.nodes)
    if not ids or not all(isinstance(n, str) and _INT_ID.fullmatch(n) for n in ids):
        return G
    mapping = {n: int(n) for n in ids}
    if len(set(mapping.values())) != len(mapping):
        return G
    return nx.relabel_nodes(G, mapping, copy=True)


def clean_road_graph(
    G: nx.Graph,
    *,
    weight: Literal["length", "travel_time"] = "length",
    speeds: Speeds | None = None,
) -> RoadNetwork:
    """Make a road graph ready for routing; the input graph is not changed.

    Reads the attributes as in :func:`load_graphml` (strings or typed
    values), drops self-loops, keeps only the shortest of parallel edges (by
    ``weight``, then ``length``), and keeps the largest strongly connected
    component so that every kept node can reach every other one. An
    undirected graph counts each edge in both directions.

    Parameters
    ----------
    G
        A networkx graph of any kind, nodes with ``x``/``y`` in degrees, edges
        with ``length`` in metres (OSMnx conventions).
    weight, speeds
        As in :func:`load_graphml`.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    InvalidInputError
        A node or edge lacks a usable attribute (named ``node 12`` or ``edge
        (1, 2, 0)``), or the graph is projected (``crs`` not WGS84), or no two
        nodes can reach each other (field ``graph``).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_node("a", x=13.40, y=52.50)
    >>> G.add_node("b", x=13.41, y=52.50)
    >>> G.add_edge("a", "b", length=700.0, travel_time=60.0)
    >>> network = clean_road_graph(G, weight="travel_time")
    >>> sorted(network.graph.edges), network.report.mean_car_mps
    ([('a', 'b', 0), ('b', 'a', 0)], 11.666666666666666)
    """
    if not isinstance(G, nx.Graph):
        raise InvalidInputError("G", f"expected a networkx graph, got {type(G).__name__}")
    if weight not in ("length", "travel_time"):
        raise InvalidInputError("weight", f"must be 'length' or 'travel_time', got {weight!r}")
    speeds = Speeds() if speeds is None else speeds
    if not isinstance(speeds, Speeds):
        raise InvalidInputError("speeds", f"expected Speeds, got {speeds!r}")
    _check_crs(G.graph.get("crs"))
    if G.number_of_nodes() == 0:
        raise InvalidInputError("graph", "has no nodes")
    nodes = {node: _node_attributes(node, data) for node, data in G.nodes(data=True)}

    edges_read = 0
    self_loops = 0
    from_speed = 0
    from_default = 0
    best: dict[tuple[Hashable, Hashable], tuple[float, float, dict[str, Any]]] = {}
    for u, v, key, data in _edges(G):
        edges_read += 1
        if u == v:
            self_loops += 1
            continue
        attributes, filled = _edge_attributes((u, v, key), data, speeds)
        from_speed += filled == "speed"
        from_default += filled == "default"
        rank = (attributes[weight], attributes["length"])
        kept = best.get((u, v))
        if kept is None or rank < kept[:2]:
            best[(u, v)] = (*rank, attributes)
    parallel = edges_read - self_loops - len(best)

    order = {node: k for k, node in enumerate(nodes)}
    directed = nx.DiGraph()
    directed.add_nodes_from(nodes)
    directed.add_edges_from(best)
    main = _largest_component(directed, order)
    if len(main) < 2:
        raise InvalidInputError(
            "graph", f"no two of its {len(nodes)} nodes can reach each other (one-way streets?)"
        )
    connected = nx.node_connected_component(directed.to_undirected(as_view=True), next(iter(main)))
    islands = [c for c in nx.weakly_connected_components(directed) if not c & main]
    island_nodes = sorted((n for c in islands for n in c), key=order.__getitem__)
    one_way = sorted(connected - main, key=order.__getitem__)

    out = nx.MultiDiGraph(**_retyped(G.graph, _GRAPH_TYPES))
    for key in _READER_KEYS:
        out.graph.pop(key, None)
    out.add_nodes_from((n, nodes[n]) for n in nodes if n in main)
    total_length = total_time = 0.0
    for (u, v), (_, _, attributes) in best.items():
        if u in main and v in main:
            out.add_edge(u, v, key=0, **attributes)
            total_length += attributes["length"]
            total_time += attributes["travel_time"]
    report = CleaningReport(
        nodes_read=len(nodes),
        edges_read=edges_read,
        nodes_kept=out.number_of_nodes(),
        edges_kept=out.number_of_edges(),
        island_nodes=tuple(island_nodes),
        islands=len(islands),
        one_way_nodes=tuple(one_way),
        component_edges=len(best) - out.number_of_edges(),
        self_loops=self_loops,
        parallel_edges=parallel,
        time_from_speed=from_speed,
        time_from_default=from_default,
        mean_car_mps=total_length / total_time if total_time > 0 else None,
    )
    logger.info("road graph: %s", report.summary().replace("\n", " "))
    return RoadNetwork(out, RoadGraphTravel(out, weight=weight, speeds=speeds), report)


def _check_crs(crs: object) -> None:
    if crs is not None and "4326" not in str(crs):
        raise InvalidInputError(
            "graph.crs",
            f"is {crs!s}: save the graph unprojected, in longitude/latitude (EPSG:4326)",
        )


def _edges(G: nx.Graph) -> Iterable[tuple[Hashable, Hashable, Any, dict[str, Any]]]:
    """``(u, v, key, data)`` of every edge; both directions of an undirected one."""
    if G.is_multigraph():
        triples = G.edges(keys=True, data=True)
    else:
        triples = ((u, v, 0, data) for u, v, data in G.edges(data=True))
    for u, v, key, data in triples:
        yield u, v, key, data
        if not G.is_directed() and u != v:
            yield v, u, key, data


def _number(value: Any) -> float | None:
    """``value`` as a float (a number or a string of one), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _typed(value: Any, kind: str) -> Any:
    """``value`` (or each item of a list) as an int, float or bool; unchanged if it is not one."""
    if isinstance(value, list):
        return [_typed(item, kind) for item in value]
    if kind == "flag":
        return _flag(value)
    number = _number(value)
    if number is None:
        return value
    if kind == "int":
        return int(number) if number.is_integer() else value
    return number


def _retyped(data: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """``data`` with ``"[...]"`` strings as lists and the attributes in ``types`` typed."""
    out = {name: _literal(value) for name, value in data.items() if name != "id"}
    for name in out.keys() & types.keys():
        out[name] = _typed(out[name], types[name])
    return out


def _node_attributes(node: Hashable, data: dict[str, Any]) -> dict[str, Any]:
    attributes = _retyped(data, _NODE_TYPES)
    for name, limit in (("x", 180.0), ("y", 90.0)):
        number = _number(data.get(name))
        if number is None or not _is_degree(number, limit):
            what = "longitude" if name == "x" else "latitude"
            raise InvalidInputError(
                f"node {node!r}", f"{name} must be a {what} in degrees, got {data.get(name)!r}"
            )
        attributes[name] = number
    return attributes


def _literal(value: Any) -> Any:
    """A ``"[...]"`` string as the list it spells (as OSMnx reads it back); else ``value``."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)
        except (SyntaxError, ValueError):
            return value
        if isinstance(parsed, list):
            return parsed
    return value


def _flag(value: Any) -> Any:
    """``oneway``-style values as a bool when they read as one; else unchanged."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value


def _metric(edge: tuple[Hashable, Hashable, Any], name: str, value: Any) -> float:
    number = _number(value)
    if number is None or not (math.isfinite(number) and number >= 0):
        raise InvalidInputError(f"edge {edge!r}", f"{name} must be a number >= 0, got {value!r}")
    return number


def _speed_kph(edge: tuple[Hashable, Hashable, Any], value: Any) -> float | None:
    """``speed_kph`` (the mean of a list), or None when missing."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    speeds = [_metric(edge, "speed_kph", item) for item in items]
    if not speeds or min(speeds) <= 0:
        raise InvalidInputError(f"edge {edge!r}", f"speed_kph must be > 0, got {value!r}")
    return sum(speeds) / len(speeds)


def _edge_attributes(
    edge: tuple[Hashable, Hashable, Any], data: dict[str, Any], speeds: Speeds
) -> tuple[dict[str, Any], str | None]:
    """The edge's attributes typed, and how its travel time was filled in (if it was)."""
    attributes = _retyped(data, _EDGE_TYPES)
    if "length" not in attributes:
        raise InvalidInputError(f"edge {edge!r}", "has no length (metres)")
    length_m = _metric(edge, "length", attributes["length"])
    attributes["length"] = length_m
    speed_kph = _speed_kph(edge, attributes.get("speed_kph"))
    if speed_kph is not None:
        attributes["speed_kph"] = speed_kph
    filled = None
    if attributes.get("travel_time") is not None:
        attributes["travel_time"] = _metric(edge, "travel_time", attributes["travel_time"])
    elif speed_kph is not None:
        attributes["travel_time"] = round(length_m / (speed_kph / 3.6), 2)
        filled = "speed"
    else:
        attributes["travel_time"] = round(length_m / speeds.car_mps, 2)
        filled = "default"
    return attributes, filled


def _largest_component(directed: nx.DiGraph, order: dict[Hashable, int]) -> set[Hashable]:
    """The largest strongly connected component (ties: the one with the earliest node)."""
    return max(
        nx.strongly_connected_components(directed),
        key=lambda c: (len(c), -min(order[n] for n in c)),
    )
