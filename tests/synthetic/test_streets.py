"""The synthetic street grid: OSMnx attributes, geometry, connectivity, seeds, bad arguments."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import examples

from dispatch import InvalidInputError, Location, RoadGraphTravel, TravelProfile
from dispatch.synthetic import ARTERIAL_KPH, RESIDENTIAL_KPH, street_grid
from dispatch.travel import haversine_matrix_m

_GRIDS = st.fixed_dictionaries(
    {
        "width_m": st.floats(200.0, 2500.0),
        "height_m": st.floats(200.0, 2500.0),
        "seed": st.integers(0, 2**32),
        "spacing_m": st.sampled_from([100.0, 150.0, 200.0]),
        "arterial_every": st.integers(1, 6),
        "one_way_share": st.floats(0.0, 1.0),
        "jitter": st.floats(0.0, 0.25),
        "removed_share": st.floats(0.0, 0.5),
    }
)


def _straight_m(G: nx.MultiDiGraph, u: Any, v: Any) -> float:
    lat = [G.nodes[u]["y"], G.nodes[v]["y"]]
    lon = [G.nodes[u]["x"], G.nodes[v]["x"]]
    return float(haversine_matrix_m(lat, lon)[0, 1])


def test_nodes_and_edges_carry_the_osmnx_attributes() -> None:
    """Nodes have x (lon) and y (lat); edges length, speed_kph, travel_time, highway, oneway."""
    G = street_grid(width_m=3000, height_m=2000, seed=1, origin=(31.2, 121.4))
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "epsg:4326"
    for _, data in G.nodes(data=True):
        assert 121.39 < data["x"] < 121.44 and 31.19 < data["y"] < 31.22
    for u, v, key, data in G.edges(keys=True, data=True):
        assert key == 0 and u != v
        assert set(data) == {"length", "speed_kph", "travel_time", "highway", "oneway"}
        assert data["travel_time"] == pytest.approx(data["length"] / (data["speed_kph"] / 3.6))
        low, high = ARTERIAL_KPH if data["highway"] == "primary" else RESIDENTIAL_KPH
        assert data["highway"] in ("primary", "residential")
        assert low <= data["speed_kph"] <= high
        assert data["oneway"] == (not G.has_edge(v, u))


def test_grid_size_follows_extent_and_spacing() -> None:
    """Columns and rows are extent // spacing + 1; node ids run row by row from the south-west."""
    G = street_grid(width_m=1000, height_m=500, seed=0, spacing_m=250, removed_share=0, jitter=0)
    assert (G.graph["rows"], G.graph["columns"]) == (3, 5)
    assert sorted(G.nodes) == list(range(15))
    assert G.nodes[0]["x"] < G.nodes[4]["x"] and G.nodes[0]["y"] < G.nodes[10]["y"]
    assert _straight_m(G, 0, 4) == pytest.approx(1000, rel=0.01)
    assert _straight_m(G, 0, 10) == pytest.approx(500, rel=0.01)


def test_arterials_are_two_way_and_some_side_streets_one_way() -> None:
    """Only residential streets are one-way, and with the default share some are."""
    G = street_grid(width_m=4000, height_m=4000, seed=5)
    one_way = [d["highway"] for _, _, d in G.edges(data=True) if d["oneway"]]
    assert one_way and set(one_way) == {"residential"}
    primary = sum(1 for *_, d in G.edges(data=True) if d["highway"] == "primary")
    assert primary > 0


def test_removed_segments_are_residential() -> None:
    """Removing a share of segments keeps every arterial segment and drops side-street ones."""
    kept = street_grid(width_m=3000, height_m=3000, seed=2, removed_share=0.0, one_way_share=0)
    cut = street_grid(width_m=3000, height_m=3000, seed=2, removed_share=0.3, one_way_share=0)

    def count(G: nx.MultiDiGraph, highway: str) -> int:
        return sum(1 for *_, d in G.edges(data=True) if d["highway"] == highway)

    assert count(cut, "primary") == count(kept, "primary")
    assert count(cut, "residential") < 0.8 * count(kept, "residential")


@settings(max_examples=examples(40), deadline=None)
@given(_GRIDS)
def test_any_grid_is_strongly_connected_with_lengths_above_the_straight_line(
    kwargs: dict[str, Any],
) -> None:
    """Strongly connected whatever the shares; each length >= the haversine between its ends."""
    G = street_grid(**kwargs)
    assert nx.is_strongly_connected(G)
    full = G.graph["rows"] * G.graph["columns"]
    assert G.number_of_nodes() == full - G.graph["dropped_nodes"]
    for u, v, data in G.edges(data=True):
        assert data["length"] >= _straight_m(G, u, v) - 1e-9
        assert data["length"] <= 1.06 * _straight_m(G, u, v) + 1e-9


def test_extreme_shares_still_give_a_strongly_connected_grid() -> None:
    """All side streets one-way and half their segments removed: still strongly connected."""
    for seed in range(5):
        G = street_grid(
            width_m=2000, height_m=2000, seed=seed, one_way_share=1.0, removed_share=0.5
        )
        assert nx.is_strongly_connected(G)


def test_same_seed_same_grid_other_seed_other_grid() -> None:
    """The same arguments give an identical graph; another seed moves the intersections."""
    a = street_grid(width_m=1500, height_m=1500, seed=11)
    b = street_grid(width_m=1500, height_m=1500, seed=11)
    c = street_grid(width_m=1500, height_m=1500, seed=12)
    assert nx.utils.graphs_equal(a, b)
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert not nx.utils.graphs_equal(a, c)


def test_road_graph_travel_uses_the_grid() -> None:
    """RoadGraphTravel by travel time: finite durations, no faster than the fastest arterial."""
    G = street_grid(width_m=2500, height_m=2500, seed=4)
    nodes = list(G.nodes)[::7]
    places = [Location(lat=G.nodes[n]["y"], lon=G.nodes[n]["x"], node=n) for n in nodes]
    matrix = RoadGraphTravel(G, weight="travel_time").matrix(places, TravelProfile.CAR)
    lat = [G.nodes[n]["y"] for n in nodes]
    lon = [G.nodes[n]["x"] for n in nodes]
    straight = haversine_matrix_m(lat, lon)
    assert np.all(matrix.durations_s >= np.floor(straight / (ARTERIAL_KPH[1] / 3.6)))
    assert np.all(matrix.distances_m >= np.floor(straight))
    off_diagonal = ~np.eye(len(nodes), dtype=bool)
    assert np.all(matrix.durations_s[off_diagonal] > 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"width_m": 100.0}, "width_m"),
        ({"height_m": math.nan}, "height_m"),
        ({"width_m": "wide"}, "width_m"),
        ({"spacing_m": 0}, "spacing_m"),
        ({"spacing_m": 1.0}, "spacing_m"),
        ({"arterial_every": 0}, "arterial_every"),
        ({"arterial_every": 2.5}, "arterial_every"),
        ({"arterial_every": True}, "arterial_every"),
        ({"seed": -1}, "seed"),
        ({"seed": None}, "seed"),
        ({"seed": 1.0}, "seed"),
        ({"origin": (95.0, 0.0)}, "origin"),
        ({"origin": (31.2,)}, "origin"),
        ({"origin": (31.2, 179.99), "width_m": 5000.0}, "origin"),
        ({"one_way_share": 1.5}, "one_way_share"),
        ({"jitter": 0.3}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"removed_share": 0.6}, "removed_share"),
        ({"width_m": 1e7, "height_m": 1e7, "spacing_m": 10.0}, "spacing_m"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, Any], field: str) -> None:
    """Each out-of-range argument raises InvalidInputError naming that argument."""
    arguments: dict[str, Any] = {"width_m": 1000.0, "height_m": 1000.0, "seed": 0, **kwargs}
    with pytest.raises(InvalidInputError) as info:
        street_grid(**arguments)
    assert info.value.field == field
