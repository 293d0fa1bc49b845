"""What a plan's map shows, before any drawing: lines, marks, places."""

from __future__ import annotations

import pytest
from tests.maps.world import SNEAKY_COURIER, SNEAKY_TASK, World, at, demo, tiny

from dispatch import Location, StopRole
from dispatch.errors import InvalidInputError
from dispatch.maps._layers import (
    UNASSIGNED_RED,
    Shape,
    Where,
    plan_layers,
    route_colours,
    stop_places,
)


@pytest.fixture(scope="module")
def world() -> World:
    """The tiny problem, solved."""
    return tiny()


def test_each_route_is_a_line_of_its_own_colour_through_its_stops(world: World) -> None:
    """One line per route, distinct colours (never red), through every located stop in order."""
    layers = plan_layers(world.problem, world.plan)
    assert len(layers.routes) == len(world.plan.routes) == 2
    colours = [line.colour for line in layers.routes]
    assert len(set(colours)) == 2 and UNASSIGNED_RED not in colours
    for line, route in zip(layers.routes, world.plan.routes, strict=True):
        places = stop_places(world.problem, route)
        assert line.points == tuple((loc.lon, loc.lat) for _, loc in places)
        assert line.label.startswith(route.courier_id)


def test_an_open_end_adds_no_point_and_a_closed_end_returns_home(world: World) -> None:
    """The open-ended courier's line ends at its last stop; the other's ends at its end."""
    rider = world.plan.route_of("rider")
    sneaky = world.plan.route_of(SNEAKY_COURIER)
    assert rider is not None and sneaky is not None
    assert stop_places(world.problem, rider)[-1][0].role is StopRole.END
    assert stop_places(world.problem, sneaky)[-1][0].role is StopRole.DROPOFF


def test_stops_are_marked_by_role_and_unassigned_tasks_highlighted(world: World) -> None:
    """Marks per role with the route's colour; unassigned crosses red and named by id."""
    layers = plan_layers(world.problem, world.plan)
    by_label = {m.label: m for m in layers.markers}
    assert by_label["pickup"].shape is Shape.SQUARE and len(by_label["pickup"].points) == 2
    assert by_label["drop-off"].shape is Shape.CIRCLE and len(by_label["drop-off"].points) == 2
    assert by_label["visit"].shape is Shape.TRIANGLE and len(by_label["visit"].points) == 1
    assert by_label["courier's own stop"].shape is Shape.DIAMOND
    assert len(by_label["courier start"].points) == 2
    assert by_label["courier without tasks"].names == ("idle: no tasks",)
    crosses = by_label["unassigned task"]
    assert crosses.shape is Shape.CROSS and crosses.annotate
    assert set(crosses.colours) == {UNASSIGNED_RED}
    assert sorted(crosses.names) == sorted([f"{SNEAKY_TASK} (skill)", "errand-dive (skill)"])
    assert all(": not served (skill): " in tip for tip in crosses.tips)
    assert len(by_label["unassigned: its pickup"].points) == 1
    (link,) = layers.links
    assert link.dashed and link.colour == UNASSIGNED_RED
    pickup, dropoff = at(-500, -400), at(-200, -600)
    assert link.points == ((pickup.lon, pickup.lat), (dropoff.lon, dropoff.lat))


def test_the_title_counts_served_and_unassigned_tasks(world: World) -> None:
    """The default title says 3 of 5 tasks served by 2 couriers, 2 unassigned."""
    title = plan_layers(world.problem, world.plan).title
    assert title.startswith("3 of 5 tasks served by 2 couriers, 2 unassigned; ")


def test_with_a_graph_routes_follow_the_roads() -> None:
    """On the demo streets, each leg between two corners passes the corners in between."""
    district, plan = demo()
    straight = plan_layers(district.problem, plan, graph=district.graph, follow_roads=False)
    along = plan_layers(district.problem, plan, graph=district.graph)
    for a, b in zip(straight.routes, along.routes, strict=True):
        assert len(b.points) > len(a.points)
        assert set(a.points) <= set(b.points)
    nodes = {(d["x"], d["y"]) for _, d in district.graph.nodes(data=True)}
    assert all(p in nodes for line in along.routes for p in line.points)
    for line in along.routes:  # consecutive corners are neighbours on the grid (or the same)
        for (x0, y0), (x1, y1) in zip(line.points, line.points[1:], strict=False):
            assert x0 == x1 or y0 == y1


def test_node_only_locations_take_the_graph_or_positions_place() -> None:
    """Without lat/lon a location is drawn at its node's x/y or planar position, else refused."""
    district, _ = demo()
    node = next(iter(district.graph.nodes))
    where = Where(district.graph)
    data = district.graph.nodes[node]
    assert where(Location(node=node), "here") == (data["x"], data["y"])
    assert Where(positions={"depot": (3, 4)})(Location(node="depot"), "here") == (3.0, 4.0)
    assert not Where(positions={}).geographic
    with pytest.raises(InvalidInputError, match=r"^pickup 'e1': a map needs its lat/lon"):
        Where()(Location(node="nowhere"), "pickup 'e1'")


def test_colours_repeat_only_after_eighteen_routes() -> None:
    """The palette gives 18 distinct colours, then starts again."""
    colours = route_colours(19)
    assert len(set(colours[:18])) == 18 and colours[18] == colours[0]
