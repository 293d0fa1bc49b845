"""Elementwise pair lookups of every travel provider, their speed bounds and projections."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csgraph
from tests.strategies import examples

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnreachableError
from dispatch.model import Location, TravelProfile
from dispatch.travel import (
    HaversineTravel,
    MatrixTravel,
    PairLookup,
    PairTravel,
    RoadGraphTravel,
    Speeds,
    _graph,
    haversine_matrix_m,
    haversine_pairs_m,
    local_xy_m,
    shortest_path_matrices,
)
from dispatch.travel._rounding import ceil_seconds, round_metres

Draw = Callable[[st.SearchStrategy[Any]], Any]

PROFILES = st.sampled_from(list(TravelProfile))
WEIGHTS = st.sampled_from(["length", "travel_time"])
#: Edge lengths (m) or car times (s): round values make equally short paths (ties).
EDGE_VALUES = st.one_of(
    st.sampled_from([0.0, 100.0, 200.0, 300.0]),
    st.floats(0.5, 3000.0, allow_nan=False, allow_infinity=False),
)
SPEEDS = st.builds(
    Speeds,
    walk_mps=st.floats(0.5, 2.0),
    bike_mps=st.floats(2.0, 8.0),
    ebike_mps=st.floats(3.0, 10.0),
    car_mps=st.floats(4.0, 30.0),
)


def _wrap(lon: float) -> float:
    """Longitude brought back into [-180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


@st.composite
def places(draw: Draw, *, max_size: int = 10, extents: Sequence[float] = (0.05,)) -> list[Any]:
    """(lat, lon) pairs scattered in a box anywhere on Earth (across the antimeridian too)."""
    lat0 = draw(st.floats(-90.0, 90.0))
    lon0 = draw(st.floats(-180.0, 180.0))
    extent = draw(st.sampled_from(extents))
    offset = st.floats(-extent, extent)
    points = draw(st.lists(st.tuples(offset, offset), min_size=1, max_size=max_size))
    return [(min(90.0, max(-90.0, lat0 + dy)), _wrap(lon0 + dx)) for dy, dx in points]


@st.composite
def road_graphs(draw: Draw, *, max_nodes: int = 8) -> nx.Graph:
    """Small street networks: any kind of networkx graph, OSMnx-style x/y on the nodes,
    random lengths and car times (0 and ties included), unreachable parts likely."""
    kind = draw(st.sampled_from([nx.Graph, nx.DiGraph, nx.MultiDiGraph, nx.MultiGraph]))
    coordinates = draw(places(max_size=max_nodes, extents=(1e-4, 0.01, 0.05)))
    G = kind()
    for node, (lat, lon) in enumerate(coordinates):
        G.add_node(node, x=lon, y=lat)
    n = len(coordinates)
    end = st.integers(0, n - 1)
    for u, v, length, seconds in draw(
        st.lists(st.tuples(end, end, EDGE_VALUES, EDGE_VALUES), max_size=3 * n)
    ):
        G.add_edge(u, v, length=length, travel_time=seconds)
    return G


def all_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays asking every ordered pair among ``k`` locations, as a k x k block."""
    return np.arange(k)[:, None], np.arange(k)[None, :]


def graph_reference(
    travel: RoadGraphTravel, nodes: Sequence[Hashable], profile: TravelProfile
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Durations, distances and reachability among ``nodes`` as RoadGraphTravel.matrix rounds
    them, computed from the public shortest-path function (defined even when some pairs are
    unreachable, where the matrix itself raises)."""
    G, speeds = travel.graph, travel.speeds
    if travel.weight == "length":
        weights, _ = shortest_path_matrices(G, nodes, weight="length", measure="length")
        lengths, durations = weights, weights / speeds[profile]
    else:
        weights, lengths = shortest_path_matrices(G, nodes, weight="travel_time")
        durations = weights * (speeds.car_mps / speeds[profile])
    reach = np.isfinite(weights)
    seconds = np.where(reach, ceil_seconds(np.where(reach, durations, 0.0)), -1)
    metres = np.where(reach, round_metres(np.where(reach, lengths, 0.0)), -1)
    return seconds, metres, reach


# --- exact agreement with matrix() --------------------------------------------------------


@settings(max_examples=examples(100))
@given(
    size=st.integers(1, 6),
    data=st.data(),
    profile=PROFILES,
)
def test_matrix_pairs_equal_matrix(size: int, data: st.DataObject, profile: TravelProfile) -> None:
    """MatrixTravel lookups equal the entries of matrix() for every pair, in any order."""
    cells = st.integers(0, 10**6)
    durations = data.draw(
        st.lists(st.lists(cells, min_size=size, max_size=size), min_size=size, max_size=size)
    )
    distances = data.draw(
        st.lists(st.lists(cells, min_size=size, max_size=size), min_size=size, max_size=size)
    )
    travel = MatrixTravel(
        nodes=[f"n{i}" for i in range(size)],
        durations_s=np.array(durations),
        distances_m=np.array(distances),
    )
    keys = data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=8))
    locations = [Location(node=f"n{k}") for k in keys]
    lookup = travel.pairs(locations)
    m = travel.matrix(locations, profile)
    a, b = all_pairs(len(locations))
    np.testing.assert_array_equal(lookup.durations_s(a, b, profile), m.durations_s)
    np.testing.assert_array_equal(lookup.distances_m(a, b, profile), m.distances_m)
    assert lookup.speed_bound_mps(profile) is None


@settings(max_examples=examples(200))
@given(
    points=places(extents=(1e-6, 0.01, 1.0, 30.0, 180.0)),
    detour=st.floats(1.0, 3.0),
    speeds=SPEEDS,
    profile=PROFILES,
    data=st.data(),
)
def test_haversine_pairs_equal_matrix(
    points: list[tuple[float, float]],
    detour: float,
    speeds: Speeds,
    profile: TravelProfile,
    data: st.DataObject,
) -> None:
    """HaversineTravel lookups equal matrix() bit for bit, whatever pairs are asked and how."""
    travel = HaversineTravel(detour_factor=detour, speeds=speeds)
    locations = [Location(lat=lat, lon=lon) for lat, lon in points]
    lookup = travel.pairs(locations)
    m = travel.matrix(locations, profile)
    a, b = all_pairs(len(locations))
    np.testing.assert_array_equal(lookup.durations_s(a, b, profile), m.durations_s)
    np.testing.assert_array_equal(lookup.distances_m(a, b, profile), m.distances_m)
    index = st.integers(0, len(locations) - 1)
    some = data.draw(st.lists(st.tuples(index, index), max_size=12))
    ia = np.array([i for i, _ in some], dtype=np.intp)
    ib = np.array([j for _, j in some], dtype=np.intp)
    np.testing.assert_array_equal(lookup.durations_s(ia, ib, profile), m.durations_s[ia, ib])
    lat = [p[0] for p in points]
    lon = [p[1] for p in points]
    np.testing.assert_array_equal(haversine_pairs_m(lat, lon, a, b), haversine_matrix_m(lat, lon))


@settings(max_examples=examples(300), deadline=None)
@given(G=road_graphs(), weight=WEIGHTS, speeds=SPEEDS, profile=PROFILES, data=st.data())
def test_graph_pairs_equal_matrix(
    G: nx.Graph,
    weight: str,
    speeds: Speeds,
    profile: TravelProfile,
    data: st.DataObject,
) -> None:
    """RoadGraphTravel lookups equal matrix() exactly; unreachable pairs raise, naming them."""
    travel = RoadGraphTravel(G, weight=weight, speeds=speeds)  # type: ignore[arg-type]
    nodes = data.draw(st.lists(st.sampled_from(list(G.nodes)), min_size=1, max_size=8))
    locations = [Location(node=v) for v in nodes]
    lookup = travel.pairs(locations)
    k = len(locations)
    # Ask a few pairs first, so later answers come partly from the lookup's cache.
    first = data.draw(st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1))))
    seconds, metres, reach = graph_reference(travel, nodes, profile)
    for i, j in first:
        if reach[i, j]:
            assert lookup.durations_s(i, j, profile) == seconds[i, j]
    a, b = all_pairs(k)
    try:
        m = travel.matrix(locations, profile)
    except UnreachableError as err:
        with pytest.raises(UnreachableError) as caught:
            lookup.durations_s(a, b, profile)
        assert caught.value.count == err.count
        assert set(caught.value.pairs) == set(err.pairs)
    else:
        np.testing.assert_array_equal(lookup.durations_s(a, b, profile), m.durations_s)
        np.testing.assert_array_equal(lookup.distances_m(a, b, profile), m.distances_m)
    ri, rj = np.nonzero(reach)
    np.testing.assert_array_equal(lookup.durations_s(ri, rj, profile), seconds[ri, rj])
    np.testing.assert_array_equal(lookup.distances_m(ri, rj, profile), metres[ri, rj])
    for i, j in zip(*np.nonzero(~reach), strict=True):
        with pytest.raises(UnreachableError) as caught:
            lookup.distances_m([i], [j], profile)
        assert caught.value.pairs == [(nodes[i], nodes[j])]


# --- speed bounds -------------------------------------------------------------------------


def assert_bound(durations: np.ndarray, straight_m: np.ndarray, v: float) -> None:
    """durations >= straight / v wherever the duration is at least 1 s; a 0 s pair's straight
    line takes under 2 microseconds (the noise ceil_seconds forgives)."""
    lower = straight_m / v
    ok = (durations >= lower) | ((durations == 0) & (lower < 2e-6))
    assert ok.all(), (durations[~ok], lower[~ok])


def planar_m(xy: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Straight-line distances between projected points."""
    distances: np.ndarray = np.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])
    return distances


@settings(max_examples=examples(200))
@given(
    points=places(extents=(1e-6, 1e-3, 0.05, 1.0, 30.0, 180.0)),
    detour=st.floats(1.0, 3.0),
    speeds=SPEEDS,
    profile=PROFILES,
)
def test_haversine_speed_bound_holds(
    points: list[tuple[float, float]], detour: float, speeds: Speeds, profile: TravelProfile
) -> None:
    """HaversineTravel durations are never below straight line over the bound, great-circle
    or projected."""
    travel = HaversineTravel(detour_factor=detour, speeds=speeds)
    lookup = travel.pairs([Location(lat=lat, lon=lon) for lat, lon in points])
    v = lookup.speed_bound_mps(profile)
    assert v is not None
    assert v == pytest.approx(speeds[profile] / detour, rel=1e-5)
    a, b = (x.ravel() for x in np.meshgrid(np.arange(len(points)), np.arange(len(points))))
    durations = lookup.durations_s(a, b, profile)
    lat, lon = [p[0] for p in points], [p[1] for p in points]
    assert_bound(durations, haversine_pairs_m(lat, lon, a, b), v)
    xy = lookup.xy_m()
    if xy is not None:
        assert xy.shape == (len(points), 2)
        assert_bound(durations, planar_m(xy, a, b), v)


def _moving_zero_edge(G: nx.Graph, weight: str) -> bool:
    """Some edge of weight 0 joins two distinct points."""
    return any(
        data[weight] == 0
        and (G.nodes[u]["x"], G.nodes[u]["y"]) != (G.nodes[v]["x"], G.nodes[v]["y"])
        for u, v, data in G.edges(data=True)
        if u != v
    )


@settings(max_examples=examples(300), deadline=None)
@given(G=road_graphs(), weight=WEIGHTS, speeds=SPEEDS, profile=PROFILES)
def test_graph_speed_bound_holds(
    G: nx.Graph, weight: str, speeds: Speeds, profile: TravelProfile
) -> None:
    """Road-graph durations are never below the projected (or great-circle) straight line
    between the nodes over the speed bound, for every reachable pair."""
    travel = RoadGraphTravel(G, weight=weight, speeds=speeds)  # type: ignore[arg-type]
    nodes = list(G.nodes)
    lookup = travel.pairs([Location(node=v) for v in nodes])
    v = lookup.speed_bound_mps(profile)
    xy = lookup.xy_m()
    assert xy is not None
    if v is None:
        assert _moving_zero_edge(G, weight)
        return
    _, _, reach = graph_reference(travel, nodes, profile)
    a, b = np.nonzero(reach)
    durations = lookup.durations_s(a, b, profile)
    assert_bound(durations, planar_m(xy, a, b), v)
    lat = [G.nodes[n]["y"] for n in nodes]
    lon = [G.nodes[n]["x"] for n in nodes]
    assert_bound(durations, haversine_pairs_m(lat, lon, a, b), v)


def test_graph_speed_bound_formula() -> None:
    """The bound is the straightest edge's straight-line/weight ratio times the speed, scaled
    by speed/car speed for travel_time graphs."""
    G = nx.DiGraph()
    G.add_node("a", x=0.0, y=0.0)
    G.add_node("b", x=0.0, y=0.01)  # 1111.95 m north
    G.add_node("c", x=0.01, y=0.01)
    G.add_edge("a", "b", length=1500.0, travel_time=100.0)
    G.add_edge("b", "c", length=2000.0, travel_time=300.0)
    straight = float(haversine_matrix_m([0.0, 0.01], [0.0, 0.0])[0, 1])
    by_length = RoadGraphTravel(G).pairs([Location(node="a")])
    assert by_length.speed_bound_mps("bike") == pytest.approx(straight / 1500.0 * 4.0, rel=1e-5)
    by_time = RoadGraphTravel(G, weight="travel_time").pairs([Location(node="a")])
    expected = straight / 100.0 * 4.0 / 8.0
    assert by_time.speed_bound_mps("bike") == pytest.approx(expected, rel=1e-5)


def test_graph_bound_uses_node_coordinates_not_location_coordinates() -> None:
    """xy_m places a location at its graph node's x/y, whatever lat/lon the location carries."""
    G = nx.Graph()
    G.add_node(1, x=13.0, y=52.0)
    G.add_node(2, x=13.01, y=52.0)
    G.add_edge(1, 2, length=700.0)
    far_away = Location(lat=-33.9, lon=151.2, node=2)  # Sydney, but placed at node 2
    lookup = RoadGraphTravel(G).pairs([Location(node=1), far_away])
    xy = lookup.xy_m()
    assert xy is not None
    assert float(np.hypot(*(xy[1] - xy[0]))) == pytest.approx(684.59, abs=0.01)


@pytest.mark.parametrize(
    ("nodes", "graph_attrs"),
    [
        ({1: {"x": 13.0, "y": 52.0}, 2: {"x": 13.0}}, {}),  # a node without y
        ({1: {"x": 13.0, "y": 52.0}, 2: {"x": "13.1", "y": 52.0}}, {}),  # not a number
        ({1: {"x": 390_000.0, "y": 5_800_000.0}, 2: {"x": 390_500.0, "y": 5_800_000.0}}, {}),
        ({1: {"x": 13.0, "y": 52.0}, 2: {"x": 13.01, "y": 52.0}}, {"crs": "EPSG:32633"}),
    ],
)
def test_graph_without_degrees_has_no_bound(
    nodes: dict[int, dict[str, Any]], graph_attrs: dict[str, Any]
) -> None:
    """Nodes lacking x/y in degrees (missing, not numbers, metres, projected CRS): no bound,
    no coordinates; lookups still work."""
    G = nx.Graph(**graph_attrs)
    G.add_nodes_from(nodes.items())
    G.add_edge(1, 2, length=500.0)
    lookup = RoadGraphTravel(G).pairs([Location(node=1), Location(node=2)])
    assert lookup.speed_bound_mps("walk") is None
    assert lookup.xy_m() is None
    assert lookup.durations_s(0, 1, "walk") == 417


def test_zero_length_edge_between_distinct_points_has_no_bound() -> None:
    """An edge of length 0 between two distinct points allows no finite speed bound; between
    coincident points it is harmless."""
    G = nx.Graph()
    G.add_node(1, x=13.0, y=52.0)
    G.add_node(2, x=13.0, y=52.0)
    G.add_node(3, x=13.001, y=52.0)
    G.add_edge(1, 2, length=0.0)
    G.add_edge(2, 3, length=80.0)
    assert RoadGraphTravel(G).pairs([Location(node=1)]).speed_bound_mps("car") is not None
    G.add_edge(1, 3, length=0.0)
    assert RoadGraphTravel(G).pairs([Location(node=1)]).speed_bound_mps("car") is None


def test_matrix_lookup_coordinates() -> None:
    """MatrixTravel gives projected coordinates when every location has lat/lon, never a bound."""
    travel = MatrixTravel(nodes=["a", "b"], durations_s=[[0, 5], [5, 0]])
    with_coords = [Location(lat=52.0, lon=13.0, node="a"), Location(lat=52.01, lon=13.0, node="b")]
    xy = travel.pairs(with_coords).xy_m()
    assert xy is not None
    assert float(np.hypot(*(xy[1] - xy[0]))) == pytest.approx(1111.95, abs=0.01)
    assert travel.pairs([with_coords[0], Location(node="b")]).xy_m() is None
    assert travel.pairs(with_coords).speed_bound_mps("walk") is None


# --- the projection -----------------------------------------------------------------------


@settings(max_examples=examples(300))
@given(points=places(max_size=12, extents=(1e-6, 1e-3, 0.1, 2.0, 20.0, 89.0)))
def test_projection_never_overstates(points: list[tuple[float, float]]) -> None:
    """Projected distances never exceed great-circle ones (up to nanometres of rounding)."""
    lat, lon = [p[0] for p in points], [p[1] for p in points]
    xy = local_xy_m(lat, lon)
    if xy is None:
        return
    a, b = (x.ravel() for x in np.meshgrid(np.arange(len(points)), np.arange(len(points))))
    great = haversine_pairs_m(lat, lon, a, b)
    assert (planar_m(xy, a, b) <= great * (1 + 1e-12) + 1e-8).all()


@settings(max_examples=examples(200))
@given(
    lat0=st.floats(-70.0, 70.0),
    lon0=st.floats(-180.0, 180.0),
    offsets=st.lists(st.tuples(st.floats(-0.25, 0.25), st.floats(-0.25, 0.25)), min_size=2),
)
def test_projection_error_at_city_scale(
    lat0: float, lon0: float, offsets: list[tuple[float, float]]
) -> None:
    """In a city-sized box the projection understates by at most 1 - cos φ*/cos φ_0 (the
    documented east-west shrink), plus a relative 1e-4 for the sphere's curvature."""
    lat = np.array([lat0 + dy for dy, _ in offsets])
    lon = np.array([_wrap(lon0 + dx) for _, dx in offsets])
    xy = local_xy_m(lat, lon)
    assert xy is not None
    phi_far = math.radians(float(np.abs(lat).max()))
    east = (lon - lon[0] + 180.0) % 360.0 - 180.0
    span = math.radians(float(east.max() - east.min()))
    phi_star = math.atan(math.tan(phi_far) / math.cos(span / 2))
    phi_0 = 0.0 if lat.min() <= 0 <= lat.max() else math.radians(float(np.abs(lat).min()))
    shrink = math.cos(phi_star) / math.cos(phi_0)
    a, b = (x.ravel() for x in np.meshgrid(np.arange(lat.size), np.arange(lat.size)))
    great = haversine_pairs_m(lat, lon, a, b)
    assert (planar_m(xy, a, b) >= great * shrink * (1 - 1e-4) - 1e-6).all()


def test_projection_documented_error_examples() -> None:
    """A city 30 km tall at 50° N loses under 0.6 % east-west; 50 km at 60° N under 1.4 %."""
    for lat_deg, height_m, limit in ((50.0, 30_000.0, 0.006), (60.0, 50_000.0, 0.014)):
        dlat = math.degrees(height_m / 6_371_008.8)
        lat = [lat_deg - dlat / 2, lat_deg - dlat / 2, lat_deg + dlat / 2]
        lon = [10.0, 10.3, 10.0]
        xy = local_xy_m(lat, lon)
        assert xy is not None
        east_west = float(np.hypot(*(xy[1] - xy[0])))
        great = float(haversine_matrix_m(lat[:2], lon[:2])[0, 1])
        assert 1 - limit < east_west / great <= 1


def test_projection_keeps_an_antimeridian_town_together() -> None:
    """Points on both sides of 180° longitude stay close; a ring round the globe has no
    projection."""
    xy = local_xy_m([0.0, 0.0], [179.995, -179.995])
    assert xy is not None
    assert float(np.hypot(*(xy[1] - xy[0]))) == pytest.approx(1111.95, abs=0.01)
    assert local_xy_m([0.0, 0.0, 0.0], [-120.0, 0.0, 120.0]) is None
    assert local_xy_m([], []) is not None


# --- caching, shapes, errors --------------------------------------------------------------


def test_graph_lookup_runs_dijkstra_only_from_new_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dijkstra runs once per distinct origin node asked, never again for the same origin."""
    G = nx.path_graph(30)
    nx.set_edge_attributes(G, 50.0, "length")
    runs: list[list[int]] = []
    real = csgraph.dijkstra

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs.append(list(np.atleast_1d(kwargs["indices"])))
        return real(*args, **kwargs)

    monkeypatch.setattr(_graph, "dijkstra", counting)
    locations = [Location(node=v) for v in (3, 7, 7, 12, 3, 20)]
    lookup = RoadGraphTravel(G).pairs(locations)
    assert runs == []
    assert lookup.durations_s([0, 4, 1], [1, 2, 3], "walk").tolist() == [167, 167, 209]
    assert sorted(G_row for run in runs for G_row in run) == [3, 7]  # nodes 3 and 7 (locs 0, 4, 1)
    lookup.durations_s([[0], [1]], [0, 1, 2, 3, 4, 5], "car")
    lookup.distances_m([4, 2], [5, 0], "walk")
    assert sorted(G_row for run in runs for G_row in run) == [3, 7]


def test_graph_lookup_blocks_of_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many new origins are solved in blocks of bounded memory and still give the matrix."""
    monkeypatch.setattr(_graph, "_BLOCK_ENTRIES", 25)  # 25 // 10 nodes = 2 origins per block
    G = nx.cycle_graph(10, create_using=nx.DiGraph)
    nx.set_edge_attributes(G, 100.0, "length")
    nx.set_edge_attributes(G, 10.0, "travel_time")
    locations = [Location(node=v) for v in range(10)]
    for weight in ("length", "travel_time"):
        travel = RoadGraphTravel(G, weight=weight)
        m = travel.matrix(locations, "ebike")
        a, b = all_pairs(10)
        lookup = travel.pairs(locations)
        np.testing.assert_array_equal(lookup.durations_s(a, b, "ebike"), m.durations_s)
        np.testing.assert_array_equal(lookup.distances_m(a, b, "ebike"), m.distances_m)


def test_lookups_broadcast_and_keep_shape() -> None:
    """a and b broadcast like numpy arrays; the answer has their broadcast shape."""
    travel = HaversineTravel()
    locations = [Location(lat=52.0 + 0.01 * k, lon=13.0) for k in range(4)]
    lookup = travel.pairs(locations)
    m = travel.matrix(locations, "bike")
    block = lookup.durations_s(np.array([[0], [3]]), np.array([1, 2, 3]), "bike")
    assert block.shape == (2, 3)
    np.testing.assert_array_equal(block, m.durations_s[np.ix_([0, 3], [1, 2, 3])])
    assert lookup.durations_s([], [], "bike").shape == (0,)
    assert lookup.durations_s(np.zeros((2, 0), dtype=int), 1, "bike").shape == (2, 0)


PROVIDERS: list[tuple[str, PairTravel, list[Location]]] = [
    (
        "matrix",
        MatrixTravel(nodes=[1, 2], durations_s=[[0, 3], [4, 0]]),
        [Location(node=1), Location(node=2)],
    ),
    ("haversine", HaversineTravel(), [Location(lat=1.0, lon=2.0), Location(lat=1.1, lon=2.0)]),
    (
        "graph",
        RoadGraphTravel(nx.Graph([(1, 2, {"length": 10.0})])),
        [Location(node=1), Location(node=2)],
    ),
]


@pytest.mark.parametrize(("name", "travel", "locations"), PROVIDERS)
def test_providers_follow_the_protocols(
    name: str, travel: PairTravel, locations: list[Location]
) -> None:
    """Every provider is a PairTravel and its lookup a PairLookup with one entry per location."""
    assert isinstance(travel, PairTravel)
    lookup = travel.pairs(locations)
    assert isinstance(lookup, PairLookup)
    assert len(lookup) == len(locations)
    assert lookup.durations_s(np.array([0, 1]), np.array([1, 0]), "walk").dtype == np.int64
    assert lookup.distances_m(np.array([0, 1]), np.array([1, 0]), "walk").dtype == np.int64


@pytest.mark.parametrize(("name", "travel", "locations"), PROVIDERS)
@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ([-1], [0], "a: indices must lie in [0, 2), got -1"),
        ([0], [2], "b: indices must lie in [0, 2), got 2"),
        ([0.0], [1], "a: must hold integer indices, got dtype float64"),
        ([True], [1], "a: must hold integer indices, got dtype bool"),
        ([0, 1, 0], [1, 0], "a/b: shapes (3,) and (2,) do not broadcast"),
    ],
)
def test_bad_indices_are_refused(
    name: str, travel: PairTravel, locations: list[Location], a: Any, b: Any, message: str
) -> None:
    """Indices out of range (negative ones too), non-integers and mismatched shapes are refused."""
    lookup = travel.pairs(locations)
    for ask in (lookup.durations_s, lookup.distances_m):
        with pytest.raises(InvalidInputError) as caught:
            ask(a, b, "walk")
        assert str(caught.value) == message


@pytest.mark.parametrize(("name", "travel", "locations"), PROVIDERS)
def test_unknown_profile_is_refused(
    name: str, travel: PairTravel, locations: list[Location]
) -> None:
    """A profile name that names no profile is an InvalidInputError, for every question."""
    lookup = travel.pairs(locations)
    with pytest.raises(InvalidInputError, match="'rocket' is not one of"):
        lookup.durations_s([0], [1], "rocket")
    with pytest.raises(InvalidInputError, match="'rocket' is not one of"):
        lookup.distances_m([0], [1], "rocket")
    with pytest.raises(InvalidInputError, match="'rocket' is not one of"):
        lookup.speed_bound_mps("rocket")


def test_bad_locations_are_refused_when_binding() -> None:
    """Binding resolves each location once: unknown nodes and missing coordinates fail there."""
    with pytest.raises(UnknownReferenceError, match="unknown travel-matrix node 'z'"):
        MatrixTravel(nodes=["a"], durations_s=[[0]]).pairs([Location(node="z")])
    with pytest.raises(InvalidInputError, match=r"locations\[1\]: has no lat/lon"):
        HaversineTravel().pairs([Location(lat=0.0, lon=0.0), Location(node=3)])
    G = nx.Graph([(1, 2, {"length": 1.0})])
    with pytest.raises(UnknownReferenceError, match="unknown road-graph node 9"):
        RoadGraphTravel(G).pairs([Location(node=9)])
    with pytest.raises(InvalidInputError, match=r"locations\[0\]: has no road-graph node"):
        RoadGraphTravel(G).pairs([Location(lat=0.0, lon=0.0)])


def test_unreachable_pairs_name_their_nodes_once() -> None:
    """Asking unreachable pairs raises UnreachableError listing each node pair once."""
    G = nx.DiGraph()
    G.add_edge("depot", "home", length=100.0)
    G.add_node("island")
    lookup = RoadGraphTravel(G).pairs([Location(node=v) for v in ("depot", "home", "island")])
    assert lookup.durations_s([0], [1], "walk").tolist() == [84]
    with pytest.raises(UnreachableError) as caught:
        lookup.durations_s([1, 1, 0, 2], [0, 0, 2, 2], "walk")
    assert caught.value.count == 2
    assert caught.value.pairs == [("depot", "island"), ("home", "depot")]


def test_cached_arrays_are_read_only() -> None:
    """The coordinates a lookup hands out cannot be changed behind its back."""
    lookup = HaversineTravel().pairs([Location(lat=1.0, lon=2.0)])
    xy = lookup.xy_m()
    assert xy is not None
    with pytest.raises(ValueError, match="read-only"):
        xy[0, 0] = 5.0


def test_graph_lengths_of_single_short_legs_equal_the_matrix_under_ties() -> None:
    """Lengths of single pairs (a Dijkstra bounded by the pair's time) equal matrix entries.

    Every edge takes the same time and lengths vary, so fastest paths tie
    everywhere and a different choice among them would show as another length.
    """
    rng = np.random.default_rng(1)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(12, 12))
    for _, _, edge in G.edges(data=True):
        edge["travel_time"] = 1.0
        edge["length"] = float(rng.integers(5, 15))
    travel = RoadGraphTravel(G, weight="travel_time")
    locations = [Location(node=n) for n in range(0, 144, 5)]
    matrix = travel.matrix(locations, "car").distances_m
    for _ in range(60):
        i, j = (int(x) for x in rng.integers(len(locations), size=2))
        fresh = travel.pairs(locations)  # nothing cached: the bounded search alone
        assert fresh.distances_m([i], [j], "car")[0] == matrix[i, j], (i, j)
