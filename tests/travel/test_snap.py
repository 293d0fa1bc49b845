"""Snapping locations to the nearest road node, and what happens when one is too far."""

from __future__ import annotations

import random
import warnings

import networkx as nx
import numpy as np
import pytest

from dispatch.demo import demo_district
from dispatch.errors import InvalidInputError
from dispatch.model import Location
from dispatch.travel import haversine_matrix_m
from dispatch.travel._snap import SnapWarning, snap_locations


def scattered(seed: int, n: int = 60) -> nx.Graph:
    """Nodes scattered over about 3 x 3 km of Shanghai."""
    rng = random.Random(seed)
    G = nx.Graph()
    for node in range(n):
        G.add_node(f"n{node}", x=121.44 + rng.uniform(0, 0.03), y=31.21 + rng.uniform(0, 0.027))
    return G


@pytest.mark.parametrize("seed", range(4))
def test_each_location_gets_the_node_nearest_by_great_circle(seed: int) -> None:
    """The snapped node is the great-circle nearest one (brute force) and the distance is it."""
    G = scattered(seed)
    rng = random.Random(100 + seed)
    points = [
        Location(lat=31.21 + rng.uniform(0, 0.027), lon=121.44 + rng.uniform(0, 0.03))
        for _ in range(40)
    ]
    snapped = snap_locations(G, points, max_snap_m=5000)
    nodes = list(G.nodes)
    lat = [G.nodes[n]["y"] for n in nodes] + [p.lat for p in points]
    lon = [G.nodes[n]["x"] for n in nodes] + [p.lon for p in points]
    d = haversine_matrix_m(lat, lon)[len(nodes) :, : len(nodes)]
    best = d.min(axis=1)
    chosen = d[np.arange(len(points)), [nodes.index(n) for n in snapped.nodes]]
    np.testing.assert_allclose(chosen, best, rtol=1e-3)  # ties and the projection's 0.1 %
    np.testing.assert_allclose(snapped.distances_m, chosen)
    assert [(p.lat, p.lon) for p in snapped.locations] == [(p.lat, p.lon) for p in points]


def test_demo_places_snap_back_to_their_own_corners() -> None:
    """Every place of the demo district lies on its corner: snapped there at distance 0."""
    district = demo_district(seed=0)
    places = [c.start for c in district.problem.couriers]
    places += [t.dropoff.location for t in district.problem.tasks if hasattr(t, "dropoff")]
    stripped = [Location(lat=p.lat, lon=p.lon) for p in places]
    snapped = snap_locations(district.graph, stripped)
    assert snapped.locations == tuple(places)
    assert float(snapped.distances_m.max()) == pytest.approx(0.0, abs=1e-6)
    assert snapped.too_far == ()


def test_a_far_location_raises_naming_it_and_the_distance() -> None:
    """By default a location beyond max_snap_m is an InvalidInputError naming it."""
    G = scattered(0)
    near = Location(lat=G.nodes["n0"]["y"], lon=G.nodes["n0"]["x"])
    far = Location(lat=31.40, lon=121.45)  # 18 km north
    with pytest.raises(InvalidInputError, match=r"^locations\[1\]: lies 1\d{4} m from"):
        snap_locations(G, [near, far])


def test_warn_policy_snaps_anyway_and_lists_the_far_ones() -> None:
    """too_far='warn' gives a SnapWarning and the result says which locations were too far."""
    G = scattered(0)
    points = [
        Location(lat=31.40, lon=121.45),
        Location(lat=G.nodes["n3"]["y"], lon=G.nodes["n3"]["x"]),
    ]
    with pytest.warns(SnapWarning, match=r"locations\[0\].*1 of 2 location"):
        snapped = snap_locations(G, points, max_snap_m=300, too_far="warn")
    assert snapped.too_far == (0,)
    assert all(n in G for n in snapped.nodes)


def test_no_warning_within_the_limit() -> None:
    """Locations within max_snap_m raise nothing and warn nothing."""
    G = scattered(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        snapped = snap_locations(G, [Location(lat=31.22, lon=121.45)], max_snap_m=2000)
    assert snapped.too_far == ()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_snap_m": -1}, r"max_snap_m: must be >= 0"),
        ({"max_snap_m": "far"}, r"max_snap_m: must be a number"),
        ({"too_far": "ignore"}, r"too_far: must be 'raise' or 'warn'"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], match: str) -> None:
    """A negative or non-numeric limit or an unknown policy is an InvalidInputError."""
    with pytest.raises(InvalidInputError, match=match):
        snap_locations(scattered(0), [Location(lat=31.22, lon=121.45)], **kwargs)  # type: ignore[arg-type]


def test_locations_need_coordinates_and_nodes_need_x_y() -> None:
    """A location without lat/lon, or a graph node without x/y, is named in the error."""
    G = scattered(0)
    with pytest.raises(InvalidInputError, match=r"locations\[0\]: has no lat/lon"):
        snap_locations(G, [Location(node="n1")])
    G.add_node("bare")
    with pytest.raises(InvalidInputError, match=r"node 'bare': needs x \(longitude\)"):
        snap_locations(G, [Location(lat=31.22, lon=121.45)])


def test_no_locations_give_an_empty_result() -> None:
    """Snapping nothing returns nothing."""
    snapped = snap_locations(scattered(0), [])
    assert snapped.locations == () and snapped.distances_m.shape == (0,)
