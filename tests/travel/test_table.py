"""TravelTable: all-pairs road-graph travel, precomputed per profile."""

from __future__ import annotations

import logging

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import examples
from tests.travel.test_pairs import PROFILES, SPEEDS, WEIGHTS, road_graphs

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnreachableError
from dispatch.model import Location, TravelProfile
from dispatch.travel import (
    PairLookup,
    PairTravel,
    RoadGraphTravel,
    Speeds,
    TravelTable,
    TravelTimes,
    _graph,
)

PROFILE_SETS = st.sets(st.sampled_from(list(TravelProfile)), min_size=1)


def _graph_of_three() -> nx.DiGraph:
    """depot <-> home (one-way streets of different lengths) and an unconnected island."""
    G = nx.DiGraph()
    G.add_edge("depot", "home", length=1200.0, travel_time=100.0)
    G.add_edge("home", "depot", length=1500.0, travel_time=150.0)
    G.add_node("island")
    return G


@settings(max_examples=examples(200), deadline=None)
@given(
    G=road_graphs(),
    weight=WEIGHTS,
    speeds=SPEEDS,
    profile=PROFILES,
    others=PROFILE_SETS,
    data=st.data(),
)
def test_table_matrix_equals_graph_matrix(
    G: nx.Graph,
    weight: str,
    speeds: Speeds,
    profile: TravelProfile,
    others: set[TravelProfile],
    data: st.DataObject,
) -> None:
    """TravelTable.matrix gives RoadGraphTravel.matrix exactly, or the very same error."""
    travel = RoadGraphTravel(G, weight=weight, speeds=speeds)  # type: ignore[arg-type]
    table = travel.table(profiles=[profile, *others])
    nodes = data.draw(st.lists(st.sampled_from(list(G.nodes)), max_size=8))
    locations = [Location(node=v) for v in nodes]
    try:
        expected = travel.matrix(locations, profile)
    except UnreachableError as err:
        with pytest.raises(UnreachableError) as caught:
            table.matrix(locations, profile)
        assert str(caught.value) == str(err)
        return
    got = table.matrix(locations, profile)
    np.testing.assert_array_equal(got.durations_s, expected.durations_s)
    np.testing.assert_array_equal(got.distances_m, expected.distances_m)
    assert got.durations_s.dtype == np.int64


@settings(max_examples=examples(200), deadline=None)
@given(G=road_graphs(), weight=WEIGHTS, speeds=SPEEDS, profile=PROFILES, data=st.data())
def test_table_pairs_equal_graph_pairs(
    G: nx.Graph, weight: str, speeds: Speeds, profile: TravelProfile, data: st.DataObject
) -> None:
    """Table lookups answer every pair as the graph's lookup does: same numbers, same
    unreachable pairs, same speed bound and coordinates."""
    travel = RoadGraphTravel(G, weight=weight, speeds=speeds)  # type: ignore[arg-type]
    table = travel.table(profiles=[profile])
    nodes = data.draw(st.lists(st.sampled_from(list(G.nodes)), min_size=1, max_size=8))
    locations = [Location(node=v) for v in nodes]
    direct, tabled = travel.pairs(locations), table.pairs(locations)
    assert tabled.speed_bound_mps(profile) == direct.speed_bound_mps(profile)
    np.testing.assert_array_equal(np.asarray(tabled.xy_m()), np.asarray(direct.xy_m()))
    for ask in ("durations_s", "distances_m"):
        for i in range(len(nodes)):
            for j in range(len(nodes)):
                try:
                    expected = getattr(direct, ask)(i, j, profile)
                except UnreachableError as err:
                    with pytest.raises(UnreachableError) as caught:
                        getattr(tabled, ask)([i], [j], profile)
                    assert caught.value.pairs == err.pairs == [(nodes[i], nodes[j])]
                else:
                    assert getattr(tabled, ask)(i, j, profile) == expected


def test_tables_hold_int32_and_report_their_memory() -> None:
    """Each table is a read-only int32 N x N array: 4 N² bytes, one per profile plus the
    distances."""
    G = nx.grid_2d_graph(4, 5)
    nx.set_edge_attributes(G, 75.0, "length")
    table = RoadGraphTravel(G).table(profiles=["walk", "bike", "walk"])
    assert table.profiles == (TravelProfile.WALK, TravelProfile.BIKE)
    assert table.distances_m.dtype == np.int32
    assert all(t.dtype == np.int32 for t in table.durations_s.values())
    assert table.nbytes == 3 * 4 * 20**2
    assert not table.distances_m.flags.writeable
    assert not table.durations_s[TravelProfile.BIKE].flags.writeable
    assert repr(table) == "TravelTable(20 nodes, profiles=('walk', 'bike'), 4800 bytes)"


def test_table_widens_to_int64_when_needed(caplog: pytest.LogCaptureFixture) -> None:
    """Durations beyond int32 (68 years) are kept as int64, still equal to the matrix."""
    G = nx.Graph([(0, 1, {"length": 3e9})])  # 2.5e9 s on foot
    travel = RoadGraphTravel(G)
    with caplog.at_level(logging.WARNING):
        table = travel.table(profiles=["walk", "car"])
    assert table.durations_s[TravelProfile.WALK].dtype == np.int64
    assert table.durations_s[TravelProfile.CAR].dtype == np.int32
    assert "exceed int32" in caplog.text
    locations = [Location(node=0), Location(node=1)]
    for profile in ("walk", "car"):
        got, expected = table.matrix(locations, profile), travel.matrix(locations, profile)
        np.testing.assert_array_equal(got.durations_s, expected.durations_s)
        np.testing.assert_array_equal(got.distances_m, expected.distances_m)


def test_table_built_in_blocks_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building with tiny blocks of origins gives the same tables."""
    G = nx.gnp_random_graph(12, 0.3, seed=4, directed=True)
    for k, (_, _, data) in enumerate(G.edges(data=True)):
        data["length"] = 50.0 + 37.0 * (k % 7)
        data["travel_time"] = 5.0 + 3.0 * (k % 5)
    for weight in ("length", "travel_time"):
        travel = RoadGraphTravel(G, weight=weight)
        whole = travel.table(profiles=["bike"])
        with monkeypatch.context() as patch:
            patch.setattr(_graph, "_BLOCK_ENTRIES", 30)  # 2 origins per block
            blocked = travel.table(profiles=["bike"])
        np.testing.assert_array_equal(
            whole.durations_s[TravelProfile.BIKE], blocked.durations_s[TravelProfile.BIKE]
        )
        np.testing.assert_array_equal(whole.distances_m, blocked.distances_m)


def test_profile_not_in_table_is_refused() -> None:
    """Asking a profile the table was not built for names the ones it was built for."""
    table = RoadGraphTravel(_graph_of_three()).table(profiles=["bike"])
    message = r"profile: 'car' is not in this table \(built for bike\)"
    with pytest.raises(InvalidInputError, match=message):
        table.matrix([Location(node="home")], TravelProfile.CAR)
    lookup = table.pairs([Location(node="home")])
    with pytest.raises(InvalidInputError, match=message):
        lookup.durations_s([0], [0], "car")
    with pytest.raises(InvalidInputError, match=message):
        lookup.speed_bound_mps("car")
    assert lookup.distances_m([0], [0], "car").tolist() == [0]  # distances are profile-free


def test_bad_build_arguments_are_refused() -> None:
    """No profiles, an unknown profile, or a travel that is not a road graph are refused."""
    travel = RoadGraphTravel(_graph_of_three())
    with pytest.raises(InvalidInputError, match="profiles: name at least one profile"):
        travel.table(profiles=[])
    with pytest.raises(InvalidInputError, match="'rocket' is not one of"):
        travel.table(profiles=["rocket"])
    with pytest.raises(InvalidInputError, match=r"TravelTable\.travel: expected a RoadGraphTravel"):
        TravelTable.from_graph(_graph_of_three(), profiles=["bike"])


def test_table_follows_the_protocols() -> None:
    """A table is a TravelTimes and a PairTravel; its lookups are PairLookups."""
    table = RoadGraphTravel(_graph_of_three()).table(profiles=["walk"])
    assert isinstance(table, TravelTimes)
    assert isinstance(table, PairTravel)
    assert isinstance(table.pairs([Location(node="home")]), PairLookup)


def test_unreachable_pairs_never_leak_the_sentinel() -> None:
    """Unreachable pairs raise UnreachableError naming the nodes; reachable ones are >= 0."""
    table = RoadGraphTravel(_graph_of_three()).table(profiles=["walk"])
    lookup = table.pairs([Location(node=v) for v in ("depot", "home", "island")])
    assert lookup.durations_s([0, 1], [1, 0], "walk").tolist() == [1000, 1250]
    with pytest.raises(UnreachableError) as caught:
        lookup.distances_m([0, 2, 2], [2, 1, 1], "walk")
    assert caught.value.pairs == [("depot", "island"), ("island", "home")]
    assert caught.value.count == 2


def test_unknown_nodes_and_bad_locations_are_refused() -> None:
    """Locations are resolved against the graph the table was built from."""
    table = RoadGraphTravel(_graph_of_three()).table(profiles=["walk"])
    with pytest.raises(UnknownReferenceError, match="unknown road-graph node 'shop'"):
        table.matrix([Location(node="shop")], "walk")
    with pytest.raises(InvalidInputError, match="has no road-graph node"):
        table.pairs([Location(lat=1.0, lon=1.0)])


def test_empty_graph_and_empty_location_list() -> None:
    """An empty graph gives an empty table, and no locations an empty matrix."""
    table = RoadGraphTravel(nx.DiGraph()).table(profiles=["walk"])
    assert table.nbytes == 0
    assert len(table.matrix([], "walk")) == 0


def test_build_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Building logs the node count, memory and time at INFO."""
    with caplog.at_level(logging.INFO, logger="dispatch.travel._table"):
        RoadGraphTravel(_graph_of_three()).table(profiles=["walk"])
    assert "travel table: 3 nodes, 1 profile(s)" in caplog.text
