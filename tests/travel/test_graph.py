"""Shortest-path matrices on road graphs and the RoadGraphTravel provider."""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pytest

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnreachableError
from dispatch.model import Location, TravelProfile
from dispatch.travel import (
    RoadGraphTravel,
    Speeds,
    TravelTimes,
    shortest_path_matrices,
    travel_time_matrix,
)

SEEDS = range(6)


def _weighted(G: nx.Graph, seed: int) -> nx.Graph:
    """Give every edge a random length (m) and travel_time (s)."""
    rng = random.Random(seed)
    for *_, data in G.edges(data=True):
        data["length"] = rng.uniform(20.0, 800.0)
        data["travel_time"] = rng.uniform(2.0, 90.0)
    return G


def random_digraph(seed: int, n: int = 14) -> nx.DiGraph:
    """A random street network where many streets are one-way (only one direction exists)."""
    G = nx.gnp_random_graph(n, 0.2, seed=seed, directed=True)
    return _weighted(G, seed)


def random_graph(seed: int, n: int = 14) -> nx.Graph:
    """A random undirected street network."""
    return _weighted(nx.gnp_random_graph(n, 0.2, seed=seed), seed)


def random_multidigraph(seed: int, n: int = 12) -> nx.MultiDiGraph:
    """A random MultiDiGraph (as OSMnx builds) with some parallel edges."""
    rng = random.Random(seed + 1000)
    G = nx.MultiDiGraph(nx.gnp_random_graph(n, 0.2, seed=seed, directed=True))
    for u, v in list(G.edges()):
        for _ in range(rng.randrange(3)):
            G.add_edge(u, v)
    return _weighted(G, seed)


def reference(
    G: nx.Graph, sources: Sequence[Hashable], targets: Sequence[Hashable], weight: Any
) -> np.ndarray:
    """Shortest-path weights from networkx's own Dijkstra (inf when unreachable)."""
    out = np.full((len(sources), len(targets)), math.inf)
    for i, s in enumerate(sources):
        lengths = nx.single_source_dijkstra_path_length(G, s, weight=weight)
        for j, t in enumerate(targets):
            out[i, j] = lengths.get(t, math.inf)
    return out


def pick_nodes(G: nx.Graph, seed: int, k: int) -> list[Hashable]:
    """``k`` nodes of ``G`` drawn with repetition."""
    rng = random.Random(seed)
    nodes = list(G.nodes)
    return [rng.choice(nodes) for _ in range(k)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weight", ["length", "travel_time"])
def test_directed_matches_networkx(seed: int, weight: str) -> None:
    """On random one-way street networks the matrix equals networkx's Dijkstra, inf included."""
    G = random_digraph(seed)
    sources, targets = pick_nodes(G, seed, 6), pick_nodes(G, seed + 1, 9)
    got = travel_time_matrix(G, sources, targets, weight=weight)
    np.testing.assert_allclose(got, reference(G, sources, targets, weight), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_undirected_matches_networkx_and_is_symmetric(seed: int) -> None:
    """On random undirected graphs the matrix equals networkx's and is symmetric."""
    G = random_graph(seed)
    nodes = list(G.nodes)
    got = travel_time_matrix(G, nodes)
    np.testing.assert_allclose(got, reference(G, nodes, nodes, "travel_time"), rtol=1e-12)
    np.testing.assert_allclose(got, got.T, rtol=1e-12)


def test_one_way_street_is_respected() -> None:
    """A one-way street is used only in its direction; the way back takes the detour."""
    G = nx.DiGraph()
    G.add_edge("a", "b", travel_time=10)
    G.add_edge("b", "c", travel_time=20)
    G.add_edge("c", "a", travel_time=30)
    got = travel_time_matrix(G, ["a", "b"])
    np.testing.assert_array_equal(got, [[0, 10], [50, 0]])


@pytest.mark.parametrize("seed", SEEDS)
def test_callable_weight_matches_networkx(seed: int) -> None:
    """A callable weight gives the same matrix as networkx with that callable."""
    G = random_digraph(seed)

    def weight(u: Any, v: Any, d: dict[str, Any]) -> float:
        return float(d["length"] / 4.0 + 3.0)

    nodes = list(G.nodes)
    got = travel_time_matrix(G, nodes, weight=weight)
    np.testing.assert_allclose(got, reference(G, nodes, nodes, weight), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_direction_dependent_callable_on_undirected_graph(seed: int) -> None:
    """On undirected graphs the callable is asked per direction, as networkx does."""
    G = random_graph(seed)

    def uphill(u: Any, v: Any, d: dict[str, Any]) -> float:
        return float(d["length"] * (3.0 if u < v else 1.0))

    nodes = list(G.nodes)
    got = travel_time_matrix(G, nodes, weight=uphill)
    np.testing.assert_allclose(got, reference(G, nodes, nodes, uphill), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_callable_returning_none_hides_edges(seed: int) -> None:
    """Edges for which the callable returns None are not used, as in networkx."""
    G = random_digraph(seed)

    def no_long_streets(u: Any, v: Any, d: dict[str, Any]) -> float | None:
        return None if d["length"] > 500 else float(d["travel_time"])

    nodes = list(G.nodes)
    got = travel_time_matrix(G, nodes, weight=no_long_streets)
    np.testing.assert_allclose(got, reference(G, nodes, nodes, no_long_streets), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_multidigraph_uses_cheapest_parallel_edge(seed: int) -> None:
    """With parallel edges the least weight counts, matching networkx on MultiDiGraphs."""
    G = random_multidigraph(seed)
    nodes = list(G.nodes)
    got = travel_time_matrix(G, nodes, weight="travel_time")
    np.testing.assert_allclose(got, reference(G, nodes, nodes, "travel_time"), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_multidigraph_callable_sees_each_parallel_edge(seed: int) -> None:
    """A callable is applied to each parallel edge's own data and the minimum is used."""
    G = random_multidigraph(seed)

    def cost(u: Any, v: Any, d: dict[str, Any]) -> float:
        return float(d["travel_time"] + d["length"] / 100.0)

    def nx_cost(u: Any, v: Any, keyed: dict[Any, dict[str, Any]]) -> float:
        return min(cost(u, v, d) for d in keyed.values())

    nodes = list(G.nodes)
    got = travel_time_matrix(G, nodes, weight=cost)
    np.testing.assert_allclose(got, reference(G, nodes, nodes, nx_cost), rtol=1e-12)


def length_along_fastest(G: nx.Graph, s: Hashable, t: Hashable) -> float:
    """Length (m) of networkx's fastest path, using the fastest of any parallel edges."""
    path = nx.dijkstra_path(G, s, t, weight="travel_time")
    total = 0.0
    for u, v in itertools.pairwise(path):
        edges = G[u][v].values() if G.is_multigraph() else [G[u][v]]
        total += min(edges, key=lambda d: d["travel_time"])["length"]
    return total


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("make", [random_digraph, random_graph, random_multidigraph])
def test_measure_is_summed_along_the_fastest_path(seed: int, make: Callable[..., nx.Graph]) -> None:
    """shortest_path_matrices gives the fastest times and the length of those fastest paths."""
    G = make(seed)
    nodes = list(G.nodes)
    times, lengths = shortest_path_matrices(G, nodes, weight="travel_time", measure="length")
    np.testing.assert_allclose(times, reference(G, nodes, nodes, "travel_time"), rtol=1e-12)
    for i, s in enumerate(nodes):
        for j, t in enumerate(nodes):
            if math.isinf(times[i, j]):
                assert lengths[i, j] == 0
            else:
                assert lengths[i, j] == pytest.approx(length_along_fastest(G, s, t), rel=1e-12)


def test_targets_default_to_sources_and_repeats_are_fine() -> None:
    """targets=None means the sources, and a repeated node gives repeated rows."""
    G = nx.Graph([(1, 2, {"travel_time": 5.0}), (2, 3, {"travel_time": 7.0})])
    got = travel_time_matrix(G, [3, 1, 3])
    np.testing.assert_array_equal(got, [[0, 12, 0], [12, 0, 12], [0, 12, 0]])


def test_unreachable_pairs_are_inf_in_the_plain_function() -> None:
    """The plain function reports unreachable pairs as inf, like networkx's missing keys."""
    G = nx.DiGraph([(1, 2, {"travel_time": 5.0})])
    G.add_node(3)
    got = travel_time_matrix(G, [1, 2, 3])
    assert np.isinf(got[1, 0]) and np.isinf(got[0, 2]) and got[0, 1] == 5.0


def test_zero_weight_edges_are_edges() -> None:
    """An edge of weight 0 still connects its ends (not dropped as a sparse zero)."""
    G = nx.DiGraph([("a", "b", {"travel_time": 0}), ("b", "c", {"travel_time": 4})])
    np.testing.assert_array_equal(travel_time_matrix(G, ["a"], ["b", "c"]), [[0, 4]])


def test_empty_sources_give_an_empty_matrix() -> None:
    """No sources give a 0 x m matrix."""
    G = nx.Graph([(1, 2, {"travel_time": 5.0})])
    assert travel_time_matrix(G, [], [1, 2]).shape == (0, 2)


def test_unknown_node_is_named() -> None:
    """A source that is not a node raises UnknownReferenceError naming it."""
    G = nx.Graph([(1, 2, {"travel_time": 5.0})])
    with pytest.raises(UnknownReferenceError, match="road-graph node 99"):
        travel_time_matrix(G, [1, 99])


def test_missing_weight_attribute_names_the_edge() -> None:
    """An edge without the weight attribute raises InvalidInputError naming the edge."""
    G = nx.DiGraph([(1, 2, {"travel_time": 5.0}), (2, 3, {})])
    with pytest.raises(InvalidInputError, match=r"edge \(2, 3\): has no 'travel_time'"):
        travel_time_matrix(G, [1])


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "12", None])
def test_bad_weight_values_name_the_edge(bad: Any) -> None:
    """Negative, NaN, infinite, string and None weights raise InvalidInputError naming the edge."""
    G = nx.DiGraph([(1, 2, {"travel_time": 5.0}), (2, 3, {"travel_time": bad})])
    with pytest.raises(InvalidInputError, match=r"edge \(2, 3\)"):
        travel_time_matrix(G, [1])


def test_not_a_graph_is_rejected() -> None:
    """Passing something other than a networkx graph raises InvalidInputError."""
    with pytest.raises(InvalidInputError, match="networkx graph"):
        travel_time_matrix({1: {2: {}}}, [1])


def test_bad_weight_spec_is_rejected() -> None:
    """A weight that is neither an attribute name nor a callable raises InvalidInputError."""
    G = nx.Graph([(1, 2, {"travel_time": 5.0})])
    with pytest.raises(InvalidInputError, match="attribute name or a callable"):
        travel_time_matrix(G, [1], weight=3)  # type: ignore[arg-type]


# --- RoadGraphTravel ---------------------------------------------------------------------------


def locations_of(nodes: Sequence[Hashable]) -> list[Location]:
    """One Location per node."""
    return [Location(node=node) for node in nodes]


def strongly_connected(seed: int) -> nx.DiGraph:
    """The largest strongly connected part of a random one-way network (all pairs reachable)."""
    G = random_digraph(seed, n=20)
    part = max(nx.strongly_connected_components(G), key=len)
    return G.subgraph(part).copy()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("profile", list(TravelProfile))
def test_length_mode_divides_shortest_length_by_speed(seed: int, profile: TravelProfile) -> None:
    """weight="length": distance is the shortest length, duration its ceil(length / speed)."""
    G = strongly_connected(seed)
    nodes = pick_nodes(G, seed, 7)
    m = RoadGraphTravel(G).matrix(locations_of(nodes), profile)
    length = reference(G, nodes, nodes, "length")
    np.testing.assert_array_equal(m.distances_m, np.floor(length + 0.5).astype(np.int64))
    np.testing.assert_array_equal(
        m.durations_s, np.ceil(length / Speeds()[profile] - 1e-6).astype(np.int64)
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("profile", list(TravelProfile))
def test_travel_time_mode_scales_car_time_by_speed_ratio(seed: int, profile: TravelProfile) -> None:
    """weight="travel_time": car time scaled by car/profile speed; length of the fastest path."""
    G = strongly_connected(seed)
    nodes = pick_nodes(G, seed, 7)
    speeds = Speeds(car_mps=10.0)
    m = RoadGraphTravel(G, weight="travel_time", speeds=speeds).matrix(locations_of(nodes), profile)
    seconds = reference(G, nodes, nodes, "travel_time") * (10.0 / speeds[profile])
    metres = np.array([[length_along_fastest(G, s, t) for t in nodes] for s in nodes])
    np.testing.assert_array_equal(m.durations_s, np.ceil(seconds - 1e-6).astype(np.int64))
    np.testing.assert_array_equal(m.distances_m, np.floor(metres + 0.5).astype(np.int64))


def test_car_times_are_rounded_up_not_down() -> None:
    """A car time of 12.1 s becomes 13 s, an exact 12.0 s stays 12 s."""
    G = nx.DiGraph()
    G.add_edge(1, 2, travel_time=12.1, length=100.0)
    G.add_edge(2, 1, travel_time=12.0, length=100.0)
    m = RoadGraphTravel(G, weight="travel_time").matrix(locations_of([1, 2]), TravelProfile.CAR)
    assert m.durations_s.tolist() == [[0, 13], [12, 0]]


def test_division_noise_does_not_add_a_second() -> None:
    """120 m at 1.2 m/s is exactly 100 s, not 101 s from floating-point noise."""
    G = nx.Graph([(1, 2, {"length": 120.0})])
    m = RoadGraphTravel(G).matrix(locations_of([1, 2]), TravelProfile.WALK)
    assert m.durations_s[0, 1] == 100


def test_duplicate_locations_are_fine() -> None:
    """The same node twice gives equal rows and a zero between the two."""
    G = nx.Graph([(1, 2, {"length": 400.0})])
    m = RoadGraphTravel(G).matrix(locations_of([1, 2, 1]), TravelProfile.BIKE)
    assert m.durations_s.tolist() == [[0, 100, 0], [100, 0, 100], [0, 100, 0]]


def test_empty_location_list() -> None:
    """No locations give a 0 x 0 matrix."""
    G = nx.Graph([(1, 2, {"length": 400.0})])
    assert len(RoadGraphTravel(G).matrix([], TravelProfile.BIKE)) == 0


def test_unreachable_pairs_raise_with_their_node_ids() -> None:
    """Unreachable pairs raise UnreachableError listing the (from, to) node ids, once each."""
    G = nx.DiGraph([("a", "b", {"length": 100.0})])
    G.add_node("c")
    with pytest.raises(UnreachableError) as info:
        RoadGraphTravel(G).matrix(locations_of(["a", "b", "c", "a"]), TravelProfile.WALK)
    assert set(info.value.pairs) == {("b", "a"), ("a", "c"), ("c", "a"), ("b", "c"), ("c", "b")}
    assert info.value.count == 5


def test_unreachable_error_keeps_first_twenty_pairs() -> None:
    """Many unreachable pairs are counted in full but only 20 are listed."""
    G = nx.DiGraph()
    G.add_nodes_from(range(6))
    with pytest.raises(UnreachableError) as info:
        RoadGraphTravel(G).matrix(locations_of(range(6)), TravelProfile.WALK)
    assert info.value.count == 30 and len(info.value.pairs) == 20


def test_location_without_node_names_its_index() -> None:
    """A location with coordinates only raises InvalidInputError naming its index."""
    G = nx.Graph([(1, 2, {"length": 400.0})])
    locations = [Location(node=1), Location(lat=1.0, lon=2.0)]
    with pytest.raises(InvalidInputError, match=r"locations\[1\]: has no road-graph node"):
        RoadGraphTravel(G).matrix(locations, TravelProfile.BIKE)


def test_location_with_unknown_node_names_the_node() -> None:
    """A node not in the graph raises UnknownReferenceError naming the node."""
    G = nx.Graph([(1, 2, {"length": 400.0})])
    with pytest.raises(UnknownReferenceError, match="road-graph node 7"):
        RoadGraphTravel(G).matrix(locations_of([1, 7]), TravelProfile.BIKE)


def test_travel_time_mode_needs_lengths() -> None:
    """weight="travel_time" needs a length on every edge, and says which one lacks it."""
    G = nx.Graph([(1, 2, {"travel_time": 4.0})])
    with pytest.raises(InvalidInputError, match=r"edge \(1, 2\): has no 'length'"):
        RoadGraphTravel(G, weight="travel_time").matrix(locations_of([1, 2]), TravelProfile.CAR)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight": "speed"}, "RoadGraphTravel.weight"),
        ({"speeds": {"car": 3.0}}, "RoadGraphTravel.speeds"),
    ],
)
def test_bad_options_are_rejected(kwargs: dict[str, Any], field: str) -> None:
    """Unknown weight modes and non-Speeds speeds raise InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError, match=re.escape(field)):
        RoadGraphTravel(nx.Graph(), **kwargs)


def test_graph_must_be_a_networkx_graph() -> None:
    """A non-graph raises InvalidInputError naming RoadGraphTravel.graph."""
    with pytest.raises(InvalidInputError, match=r"RoadGraphTravel\.graph"):
        RoadGraphTravel([(1, 2)])


def test_unknown_profile_is_rejected() -> None:
    """A profile name that does not exist raises InvalidInputError listing the choices."""
    G = nx.Graph([(1, 2, {"length": 400.0})])
    with pytest.raises(InvalidInputError, match="'scooter' is not one of"):
        RoadGraphTravel(G).matrix(locations_of([1, 2]), "scooter")


def test_is_a_travel_times_provider_and_compiles_once() -> None:
    """RoadGraphTravel satisfies TravelTimes and reuses its compiled sparse graph."""
    G = nx.Graph([(1, 2, {"length": 400.0})])
    travel = RoadGraphTravel(G)
    assert isinstance(travel, TravelTimes)
    travel.matrix(locations_of([1, 2]), TravelProfile.CAR)
    first = travel._compiled
    travel.matrix(locations_of([2]), TravelProfile.WALK)
    assert travel._compiled is first
