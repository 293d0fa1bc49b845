"""Road graphs from OSMnx GraphML: reading, cleaning, the report, travel on the result.

The GraphML files are written by the tests, the way OSMnx's ``save_graphml``
writes them: every graph, node and edge attribute stringified, edges of a
``MultiDiGraph`` keyed, lists spelled as Python lists.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from dispatch.errors import FormatError, InvalidInputError
from dispatch.model import Location, TravelProfile
from dispatch.travel import Speeds
from dispatch.travel._osm import RoadNetwork, clean_road_graph, load_graphml

LAT0, LON0 = 31.2200, 121.4600
SEEDS = range(5)


def at(east_m: float, north_m: float) -> dict[str, float]:
    """Node attributes ``x``/``y`` of a point ``east_m``, ``north_m`` from the origin."""
    return {
        "x": LON0 + east_m / (111_320.0 * math.cos(math.radians(LAT0))),
        "y": LAT0 + north_m / 111_320.0,
    }


def save_like_osmnx(G: nx.MultiDiGraph, path: Path) -> Path:
    """Write ``G`` as OSMnx's ``save_graphml`` does: every attribute value as a string."""
    H = G.copy()
    H.graph.update({k: str(v) for k, v in H.graph.items()})
    for _, data in H.nodes(data=True):
        data.update({k: str(v) for k, v in data.items()})
    for _, _, data in H.edges(data=True):
        data.update({k: str(v) for k, v in data.items()})
    nx.write_graphml(H, path)
    return path


def street(G: nx.MultiDiGraph, u: int, v: int, *, oneway: bool = False, **extra: Any) -> None:
    """Add the street u-v (both directions unless ``oneway``), length from the coordinates."""
    a, b = G.nodes[u], G.nodes[v]
    length = round(
        math.hypot(
            (a["x"] - b["x"]) * 111_320.0 * math.cos(math.radians(LAT0)),
            (a["y"] - b["y"]) * 111_320.0,
        ),
        3,
    )
    attributes = {"osmid": 1000 + u, "length": length, "oneway": oneway, "highway": "residential"}
    attributes.update(extra)
    G.add_edge(u, v, **attributes)
    if not oneway:
        G.add_edge(v, u, **attributes, reversed=True)


def district() -> nx.MultiDiGraph:
    """A small OSMnx-like street network with every case the cleaning handles.

    Main network: a 2 x 3 grid of corners 1..6 (street 1-2 one-way eastwards,
    still reachable the long way round). Node 7 hangs off 6 by a one-way
    street out; node 8 reaches 1 by a one-way street in. Nodes 9-10 are an
    island. Corner 2 -> 3 has a parallel road (longer but faster); 4 has a
    self-loop; one street has a list-valued ``highway`` and ``osmid``.
    """
    G = nx.MultiDiGraph(crs="epsg:4326", created_with="OSMnx 1.9.4", simplified=True)
    corners = {1: (0, 0), 2: (150, 0), 3: (300, 0), 4: (0, 120), 5: (150, 120), 6: (300, 120)}
    for node, (east, north) in corners.items():
        G.add_node(node, osmid=node, street_count=3, **at(east, north))
    G.add_node(7, osmid=7, street_count=1, **at(420, 120))
    G.add_node(8, osmid=8, street_count=1, **at(-120, 0))
    G.add_node(9, osmid=9, street_count=1, **at(900, 900))
    G.add_node(10, osmid=10, street_count=1, **at(1000, 900))
    street(G, 1, 2, oneway=True, speed_kph=30.0, travel_time=18.0)
    street(G, 2, 3, speed_kph=30.0, travel_time=18.0)
    G.add_edge(2, 3, osmid=[55, 56], length=180.0, oneway=False, speed_kph=50.0, travel_time=13.0,
               highway=["residential", "tertiary"])  # fmt: skip
    street(G, 1, 4, speed_kph=30.0, travel_time=14.4)
    street(G, 4, 5, speed_kph=30.0, travel_time=18.0)
    street(G, 5, 6, speed_kph=30.0)  # no travel_time: from speed_kph
    street(G, 3, 6)  # neither: at the default car speed
    street(G, 2, 5, speed_kph=30.0, travel_time=14.4)
    G.add_edge(4, 4, osmid=77, length=40.0, oneway=False, speed_kph=30.0, travel_time=4.8)
    street(G, 6, 7, oneway=True, speed_kph=30.0, travel_time=14.4)
    street(G, 8, 1, oneway=True, speed_kph=30.0, travel_time=14.4)
    street(G, 9, 10, speed_kph=30.0, travel_time=12.0)
    return G


@pytest.fixture
def graphml(tmp_path: Path) -> Path:
    """The district saved like OSMnx saves it."""
    return save_like_osmnx(district(), tmp_path / "district.graphml")


def test_reads_osmnx_string_attributes_as_numbers_lists_and_flags(graphml: Path) -> None:
    """Node ids are ints, x/y/length/travel_time floats, oneway a bool, list strings lists."""
    G = load_graphml(graphml, weight="travel_time").graph
    assert isinstance(G, nx.MultiDiGraph)
    assert sorted(G.nodes) == [1, 2, 3, 4, 5, 6]
    assert G.graph["crs"] == "epsg:4326"
    node = G.nodes[2]
    assert isinstance(node["x"], float) and isinstance(node["y"], float)
    fast = G.edges[2, 3, 0]
    assert fast["length"] == 180.0 and fast["travel_time"] == 13.0 and fast["speed_kph"] == 50.0
    assert fast["highway"] == ["residential", "tertiary"] and fast["osmid"] == [55, 56]
    assert fast["oneway"] is False and G.edges[1, 2, 0]["oneway"] is True
    assert all("id" not in data for *_, data in G.edges(data=True))


def test_fills_in_missing_travel_times_from_speed_or_the_default_car_speed(graphml: Path) -> None:
    """travel_time = length / speed_kph, else length / speeds.car_mps; both counted."""
    network = load_graphml(graphml, speeds=Speeds(car_mps=10.0))
    G = network.graph
    e56, e36 = G.edges[5, 6, 0], G.edges[3, 6, 0]
    assert e56["travel_time"] == round(e56["length"] / (30.0 / 3.6), 2)
    assert e36["travel_time"] == round(e36["length"] / 10.0, 2)
    assert (network.report.time_from_speed, network.report.time_from_default) == (2, 2)


def test_report_names_the_dropped_nodes_and_why(graphml: Path) -> None:
    """Islands and one-way nodes are listed apart; every edge read is kept or accounted for."""
    report = load_graphml(graphml).report
    assert report.island_nodes == (9, 10) and report.islands == 1
    assert report.one_way_nodes == (7, 8)
    assert report.dropped_nodes == (9, 10, 7, 8)
    assert (report.nodes_read, report.nodes_kept) == (10, 6)
    assert (report.self_loops, report.parallel_edges) == (1, 1)
    assert report.component_edges == 4  # 6->7, 8->1, 9->10, 10->9
    assert report.edges_read == (
        report.edges_kept + report.component_edges + report.self_loops + report.parallel_edges
    )
    assert "2 nodes on 1 island" in report.summary()
    assert "2 nodes reachable only one way" in report.summary()


@pytest.mark.parametrize(("weight", "kept"), [("length", 150.0), ("travel_time", 180.0)])
def test_keeps_the_shortest_of_parallel_edges_by_the_weight(
    graphml: Path, weight: Any, kept: float
) -> None:
    """Of the two roads 2 -> 3 the shorter stays by length, the faster by travel time."""
    G = load_graphml(graphml, weight=weight).graph
    assert G.number_of_edges(2, 3) == 1
    assert G.edges[2, 3, 0]["length"] == pytest.approx(kept, abs=1.0)


def _reference_seconds(source: nx.MultiDiGraph, weight: str, speed_mps: float) -> Any:
    """networkx Dijkstra on the file's own (string) attributes: seconds between all nodes."""

    def cost(u: Hashable, v: Hashable, edges: dict[Any, dict[str, Any]]) -> float:
        return min(float(e[weight]) for e in edges.values())

    seconds = dict(nx.all_pairs_dijkstra_path_length(source, weight=cost))
    scale = 1.0 / speed_mps if weight == "length" else Speeds().car_mps / speed_mps
    return {u: {v: d * scale for v, d in row.items()} for u, row in seconds.items()}


def _check_against_networkx(network: RoadNetwork, source: nx.MultiDiGraph, weight: str) -> None:
    """Every profile's matrix over the kept nodes agrees with networkx Dijkstra on the source."""
    nodes = sorted(network.graph.nodes)
    locations = [Location(node=n) for n in nodes]
    for profile in TravelProfile:
        got = network.travel.matrix(locations, profile).durations_s
        want = _reference_seconds(source, weight, Speeds()[profile])
        for (i, u), (j, v) in itertools.product(enumerate(nodes), repeat=2):
            exact = want[str(u)][str(v)]
            assert exact - 1e-6 <= got[i, j] < exact + 1, (profile, u, v)


@pytest.mark.parametrize("weight", ["length", "travel_time"])
def test_travel_times_agree_with_networkx_dijkstra_on_the_file(graphml: Path, weight: Any) -> None:
    """Durations between kept nodes are networkx's shortest paths on the raw file, rounded up."""
    source = nx.read_graphml(graphml, force_multigraph=True)
    for _, _, data in source.edges(data=True):  # the two travel times the loader fills in
        data.setdefault("travel_time", str(round(float(data["length"]) / 8.0, 2)))
    for u, v in (("5", "6"), ("6", "5")):
        data = source.edges[u, v, 0]
        data["travel_time"] = str(round(float(data["length"]) / (30 / 3.6), 2))
    _check_against_networkx(load_graphml(graphml, weight=weight), source, weight)


def random_osm_graph(seed: int, n: int = 30) -> nx.MultiDiGraph:
    """Random streets among random corners: some one-way, some doubled, pieces may fall off."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph(crs="epsg:4326")
    for node in range(n):
        G.add_node(1_000_000 + node, **at(rng.uniform(0, 2000), rng.uniform(0, 2000)))
    for u, v in nx.gnp_random_graph(n, 0.09, seed=seed).edges:
        u, v = 1_000_000 + u, 1_000_000 + v
        if rng.random() < 0.5:
            u, v = v, u
        kph = rng.choice([20.0, 30.0, 50.0])
        oneway = rng.random() < 0.35
        street(G, u, v, oneway=oneway, speed_kph=kph)
        for _, _, data in G.edges(u, data=True):
            data.setdefault("travel_time", round(data["length"] / (kph / 3.6), 2))
        if rng.random() < 0.2:  # a parallel road, longer but maybe faster
            G.add_edge(u, v, length=rng.uniform(300, 900), travel_time=rng.uniform(10, 60))
    for _, _, data in G.edges(data=True):
        data.setdefault("travel_time", round(data["length"] / 8.0, 2))
    return G


@pytest.mark.parametrize("seed", SEEDS)
def test_random_networks_keep_the_largest_strong_component_and_agree_with_networkx(
    seed: int, tmp_path: Path
) -> None:
    """Kept nodes are networkx's largest SCC; drops split into islands and one-way; times agree."""
    G = random_osm_graph(seed)
    path = save_like_osmnx(G, tmp_path / "random.graphml")
    network = load_graphml(path, weight="travel_time")
    largest = max(nx.strongly_connected_components(G), key=len)
    if len(largest) < 2:
        pytest.skip("this seed has no two nodes that reach each other")
    assert set(network.graph.nodes) == largest
    main_piece = nx.node_connected_component(G.to_undirected(), next(iter(largest)))
    report = network.report
    assert set(report.one_way_nodes) == main_piece - largest
    assert set(report.island_nodes) == set(G.nodes) - main_piece
    assert len(report.dropped_nodes) + report.nodes_kept == G.number_of_nodes()
    for u, v in network.graph.edges():
        assert network.graph.number_of_edges(u, v) == 1
    _check_against_networkx(network, nx.read_graphml(path, force_multigraph=True), "travel_time")


def test_typed_attributes_read_the_same_as_strings(tmp_path: Path) -> None:
    """A file with float, int and bool attribute types loads like the stringified one."""
    G = district()
    for _, _, data in G.edges(data=True):
        data["osmid"] = str(data["osmid"])
        data["highway"] = str(data.get("highway"))
    typed = tmp_path / "typed.graphml"
    nx.write_graphml(G, typed)
    a = load_graphml(typed, weight="travel_time")
    b = load_graphml(
        save_like_osmnx(district(), tmp_path / "strings.graphml"), weight="travel_time"
    )
    assert nx.utils.graphs_equal(a.graph, b.graph)
    assert a.report == b.report


def test_undirected_graphml_counts_each_street_both_ways(tmp_path: Path) -> None:
    """An undirected file gives a street in each direction, with the same length."""
    G = nx.Graph(crs="epsg:4326")
    G.add_node("a", **at(0, 0))
    G.add_node("b", **at(100, 0))
    G.add_node("c", **at(100, 100))
    G.add_edge("a", "b", length="100.0")
    G.add_edge("b", "c", length="100.0")
    path = tmp_path / "undirected.graphml"
    nx.write_graphml(G, path)
    network = load_graphml(path)
    assert sorted(network.graph.edges()) == [("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")]
    m = network.travel.matrix([Location(node="a"), Location(node="c")], "walk")
    assert m.distances_m.tolist() == [[0, 200], [200, 0]]


def test_the_network_plugs_into_the_travel_table(graphml: Path) -> None:
    """A TravelTable built on the loaded network answers exactly like its RoadGraphTravel."""
    network = load_graphml(graphml, weight="travel_time")
    locations = [Location(node=n) for n in network.graph.nodes]
    table = network.travel.table(profiles=["bike", "car"])
    for profile in ("bike", "car"):
        a = table.matrix(locations, profile)
        b = network.travel.matrix(locations, profile)
        assert np.array_equal(a.durations_s, b.durations_s)
        assert np.array_equal(a.distances_m, b.distances_m)


def test_clean_road_graph_leaves_its_input_alone() -> None:
    """Cleaning an in-memory graph returns a new graph and does not change the old one."""
    G = district()
    before = nx.MultiDiGraph(G)
    network = clean_road_graph(G)
    assert nx.utils.graphs_equal(G, before)
    assert network.graph is not G and 9 in G


@pytest.mark.parametrize(
    ("spoil", "match"),
    [
        (lambda G: G.edges[1, 2, 0].pop("length"), r"edge \(1, 2, 0\): has no length"),
        (lambda G: G.edges[1, 2, 0].update(length="far"), r"length must be a number >= 0"),
        (lambda G: G.edges[2, 3, 0].update(travel_time="-3"), r"travel_time must be a number"),
        (lambda G: G.nodes[3].update(y="95.0"), r"node 3: y must be a latitude"),
        (lambda G: G.nodes[3].pop("x"), r"node 3: x must be a longitude"),
        (lambda G: G.graph.update(crs="EPSG:32651"), r"graph.crs: is EPSG:32651.*EPSG:4326"),
    ],
)
def test_bad_attributes_are_format_errors_naming_the_file_and_the_culprit(
    tmp_path: Path, spoil: Any, match: str
) -> None:
    """A missing or unusable attribute, or a projected graph, is a FormatError naming it."""
    G = district()
    spoil(G)
    path = save_like_osmnx(G, tmp_path / "bad.graphml")
    with pytest.raises(FormatError, match=match) as caught:
        load_graphml(path)
    assert caught.value.source == str(path)


def test_a_file_that_is_not_graphml_is_a_format_error(tmp_path: Path) -> None:
    """Text that is not XML is reported as a FormatError naming the file."""
    path = tmp_path / "streets.graphml"
    path.write_text("node,x,y\n1,2,3\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"streets.graphml: not a GraphML road graph"):
        load_graphml(path)


def test_a_graph_where_no_two_nodes_reach_each_other_is_refused(tmp_path: Path) -> None:
    """All one-way streets with no way back: InvalidInputError on the graph, not the file."""
    G = nx.MultiDiGraph(crs="epsg:4326")
    for node in range(3):
        G.add_node(node, **at(100 * node, 0))
    G.add_edge(0, 1, length=100.0)
    G.add_edge(1, 2, length=100.0)
    with pytest.raises(InvalidInputError, match=r"^graph: no two of its 3 nodes") as caught:
        load_graphml(save_like_osmnx(G, tmp_path / "oneway.graphml"))
    assert not isinstance(caught.value, FormatError)
