"""What a map of a plan shows, whatever draws it: lines and groups of marked points.

:func:`plan_layers` turns a problem and its plan into :class:`MapLayers`: one
coloured line per route (along the roads when a graph is given), the stops
marked by what happens there, the tasks left out highlighted. The PNG
(:mod:`dispatch.maps._png`) and HTML (:mod:`dispatch.maps._html`) renderers
draw the same layers, and other maps (the eldercare day map) build their own.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping

import attrs
import networkx as nx

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model import Courier, Location, Problem, Stop, Visit
from dispatch.plan import Plan, PlannedStop, Route, StopRole
from dispatch.travel import RoadGraphTravel, TravelTable

__all__ = [
    "UNASSIGNED_RED",
    "Line",
    "MapLayers",
    "Markers",
    "Point",
    "Shape",
    "Where",
    "clock",
    "plan_layers",
    "route_colours",
    "route_line",
    "stop_places",
]

#: ``(x, y)``: longitude and latitude in degrees, or planar coordinates.
Point = tuple[float, float]

#: The colour of everything not served; no route gets it.
UNASSIGNED_RED = "#d62728"

#: Route colours: matplotlib's tab10 then tab20's light shades, reds left out.
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_LIGHT = ("#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7")
_PALETTE: tuple[str, ...] = (*_TAB10, "#bcbd22", "#17becf", *_LIGHT, "#dbdb8d", "#9edae5")


class Shape(enum.Enum):
    """How a point is marked; the value is the matplotlib marker."""

    CIRCLE = "o"
    SQUARE = "s"
    TRIANGLE = "^"
    DIAMOND = "D"
    CROSS = "X"
    STAR = "*"

    @property
    def glyph(self) -> str:
        """The same shape as a character, for HTML maps."""
        return {"o": "●", "s": "■", "^": "▲", "D": "◆", "X": "✖", "*": "★"}[self.value]


@attrs.frozen(kw_only=True)
class Line:
    """A polyline: a route, or a link between an unassigned task's two stops."""

    label: str
    colour: str
    points: tuple[Point, ...]
    dashed: bool = False


@attrs.frozen(kw_only=True)
class Markers:
    """Points marked alike (one legend entry), each with its own colour and name.

    ``names`` are short (with ``annotate`` the PNG writes them beside the
    points); ``tips`` optionally longer, the HTML map's tooltips (else the
    names). ``size`` is the marker's area in points squared.
    """

    label: str
    shape: Shape
    size: float
    points: tuple[Point, ...]
    colours: tuple[str, ...]
    names: tuple[str, ...]
    legend_colour: str = "#555555"
    annotate: bool = False
    tips: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not len(self.points) == len(self.colours) == len(self.names):
            raise InvalidInputError(
                f"Markers {self.label!r}", "needs one colour and one name per point"
            )
        if self.tips and len(self.tips) != len(self.points):
            raise InvalidInputError(f"Markers {self.label!r}", "needs one tip per point")

    def tip(self, k: int) -> str:
        """The longer text of point ``k`` (its name when there is none)."""
        return self.tips[k] if self.tips else self.names[k]


@attrs.frozen(kw_only=True)
class MapLayers:
    """Everything one map shows. ``geographic``: points are longitude/latitude degrees."""

    title: str
    routes: tuple[Line, ...]
    links: tuple[Line, ...]
    markers: tuple[Markers, ...]
    geographic: bool = True

    def points(self) -> list[Point]:
        """Every point of every line and marker group."""
        out = [p for line in (*self.routes, *self.links) for p in line.points]
        out.extend(p for group in self.markers for p in group.points)
        return out


def route_colours(count: int) -> list[str]:
    """``count`` route colours, distinct up to 18, never the unassigned red.

    Examples
    --------
    >>> route_colours(3)
    ['#1f77b4', '#ff7f0e', '#2ca02c']
    """
    return [_PALETTE[k % len(_PALETTE)] for k in range(count)]


def clock(t_s: int) -> str:
    """Seconds from the start of the day as ``HH:MM``.

    >>> clock(9 * 3600 + 5 * 60 + 59)
    '09:05'
    """
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


@attrs.frozen(eq=False)
class Where:
    """Where locations are drawn.

    At ``positions[node]`` when given (planar ``(x, y)``, e.g. the
    coordinates of a benchmark instance), else at the location's lat/lon,
    else at its node's ``x``/``y`` in ``graph`` (longitude, latitude; OSMnx
    convention).
    """

    graph: nx.Graph | None = None
    positions: Mapping[Hashable, Point] | None = None

    @property
    def geographic(self) -> bool:
        """False when planar positions are in use."""
        return self.positions is None

    def __call__(self, location: Location, what: str) -> Point:
        """The point of ``location``; ``what`` names it in the error when it has none."""
        node = location.node
        if self.positions is not None and node in self.positions:
            x, y = self.positions[node]
            return (float(x), float(y))
        if location.lat is not None and location.lon is not None:
            return (location.lon, location.lat)
        if self.graph is not None and node in self.graph:
            data = self.graph.nodes[node]
            if "x" in data and "y" in data:
                return (float(data["x"]), float(data["y"]))
        raise InvalidInputError(
            what, f"a map needs its lat/lon (or its node's x/y in a graph), got {location!r}"
        )


def _served(problem: Problem, courier: Courier, stop: PlannedStop) -> Stop | None:
    """The problem's stop a planned stop serves; None for the route's start and end."""
    if stop.role is StopRole.OWN:
        for own in courier.own_stops:
            if own.id == stop.ref:
                return own.stop
        raise UnknownReferenceError(f"own stop of {courier.id}", stop.ref)
    if stop.role in (StopRole.START, StopRole.END):
        return None
    task = problem.task(stop.ref)
    if isinstance(task, Visit):
        return task.stop
    return task.pickup if stop.role is StopRole.PICKUP else task.dropoff


def stop_places(problem: Problem, route: Route) -> list[tuple[PlannedStop, Location]]:
    """Each planned stop of ``route`` with its location; an open end (no location) is left out.

    Examples
    --------
    >>> from dispatch.demo import demo_district
    >>> from dispatch import SolveOptions, solve
    >>> d = demo_district(seed=0)
    >>> plan = solve(d.problem, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> stop, location = stop_places(d.problem, plan.routes[0])[0]
    >>> stop.role.value, location == d.problem.courier(stop.ref).start
    ('start', True)
    """
    courier = problem.courier(route.courier_id)
    out: list[tuple[PlannedStop, Location]] = []
    for stop in route.stops:
        served = _served(problem, courier, stop)
        if served is not None:
            out.append((stop, served.location))
        elif stop.role is StopRole.START:
            out.append((stop, courier.start))
        elif courier.end is not None:
            out.append((stop, courier.end))
    return out


def _road_weight(problem: Problem) -> str:
    """The edge attribute the problem's travel routes on (``"length"`` when it is no graph)."""
    travel = problem.travel
    if isinstance(travel, TravelTable):
        travel = travel.travel
    return travel.weight if isinstance(travel, RoadGraphTravel) else "length"


@attrs.define
class _Roads:
    """Shortest paths on a graph between the nodes of consecutive stops (cached)."""

    graph: nx.Graph
    weight: str
    found: dict[tuple[Hashable, Hashable], list[Point]] = attrs.field(factory=dict)

    def between(self, a: Location, b: Location) -> list[Point]:
        """The graph nodes' points along the path from ``a``'s node to ``b``'s (empty if none)."""
        u, v = a.node, b.node
        if u is None or v is None or u == v or u not in self.graph or v not in self.graph:
            return []
        if (u, v) not in self.found:
            try:
                nodes = nx.shortest_path(self.graph, u, v, weight=self.weight)
            except nx.NetworkXNoPath:
                nodes = []
            data = self.graph.nodes
            self.found[(u, v)] = [(float(data[n]["x"]), float(data[n]["y"])) for n in nodes]
        return self.found[(u, v)]


def route_line(
    problem: Problem,
    route: Route,
    *,
    colour: str,
    label: str,
    where: Where,
    follow_roads: bool = False,
) -> Line:
    """The line of ``route`` through its stops, along the roads of ``where.graph`` if asked.

    Legs whose stops have no node in the graph, or no path between them,
    are drawn straight.
    """
    roads = _Roads(where.graph, _road_weight(problem)) if follow_roads and where.graph else None
    places = stop_places(problem, route)
    points: list[Point] = []
    for k, (stop, location) in enumerate(places):
        if k and roads is not None:
            points.extend(roads.between(places[k - 1][1], location))
        points.append(where(location, f"{stop.role.value} {stop.ref!r}"))
    return Line(label=label, colour=colour, points=tuple(points))


_ROLE_MARKS = {
    StopRole.START: ("courier start", Shape.STAR, 150.0),
    StopRole.PICKUP: ("pickup", Shape.SQUARE, 40.0),
    StopRole.DROPOFF: ("drop-off", Shape.CIRCLE, 45.0),
    StopRole.VISIT: ("visit", Shape.TRIANGLE, 55.0),
    StopRole.OWN: ("courier's own stop", Shape.DIAMOND, 22.0),
}


def _km(distance_m: int) -> str:
    return f"{distance_m / 1000:.1f} km"


def plan_layers(
    problem: Problem,
    plan: Plan,
    *,
    graph: nx.Graph | None = None,
    positions: Mapping[Hashable, Point] | None = None,
    follow_roads: bool = True,
    title: str | None = None,
) -> MapLayers:
    """The layers of a plan's map.

    Each route is a line in its courier's colour (along the shortest paths of
    ``graph`` between its stops when ``follow_roads``, on the edge weight
    the problem's road-graph travel uses); its start is a star, pickups
    squares, drop-offs circles, visits triangles and the courier's own stops
    small diamonds, all in its colour. Couriers without a route are grey
    stars. Unassigned tasks are red crosses where they would be delivered
    (or visited), named with their id and reason, their pickups red squares
    joined to them by a dashed red line.

    Examples
    --------
    >>> from dispatch.demo import demo_district
    >>> from dispatch import SolveOptions, solve
    >>> d = demo_district(seed=0)
    >>> plan = solve(d.problem, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> layers = plan_layers(d.problem, plan, graph=d.graph)
    >>> len(layers.routes) == len(plan.routes), [m.label for m in layers.markers][:3]
    (True, ['courier start', 'pickup', 'drop-off'])
    """
    where = Where(graph, positions)
    ids = [r.courier_id for r in plan.routes]
    colours = dict(zip(ids, route_colours(len(ids)), strict=True))
    routes = []
    grouped: dict[StopRole, list[tuple[Point, str, str]]] = {role: [] for role in _ROLE_MARKS}
    for route in plan.routes:
        courier = problem.courier(route.courier_id)
        colour = colours[route.courier_id]
        label = (
            f"{courier.id} ({courier.profile.value}): {len(route.task_ids)} tasks, "
            f"{_km(route.distance_m)}"
        )
        routes.append(
            route_line(
                problem, route, colour=colour, label=label, where=where, follow_roads=follow_roads
            )
        )
        for stop, location in stop_places(problem, route):
            if stop.role in grouped:
                text = f"{stop.ref}: {_ROLE_MARKS[stop.role][0]}"
                if stop.role is not StopRole.START:
                    text += f" by {courier.id}"
                point = where(location, f"{stop.role.value} {stop.ref!r}")
                grouped[stop.role].append((point, colour, f"{text} at {clock(stop.start_s)}"))
    markers = [
        Markers(
            label=label,
            shape=shape,
            size=size,
            points=tuple(p for p, _, _ in grouped[role]),
            colours=tuple(c for _, c, _ in grouped[role]),
            names=tuple(n for _, _, n in grouped[role]),
        )
        for role, (label, shape, size) in _ROLE_MARKS.items()
        if grouped[role]
    ]
    idle = [c for c in problem.couriers if c.id not in colours]
    if idle:
        markers.append(
            Markers(
                label="courier without tasks",
                shape=Shape.STAR,
                size=110.0,
                points=tuple(where(c.start, f"courier {c.id!r} start") for c in idle),
                colours=("#bbbbbb",) * len(idle),
                names=tuple(f"{c.id}: no tasks" for c in idle),
                legend_colour="#bbbbbb",
            )
        )
    links, extra = _unassigned(problem, plan, where)
    markers.extend(extra)
    served = sum(len(r.task_ids) for r in plan.routes)
    if title is None:
        title = (
            f"{served} of {len(problem.tasks)} tasks served by {len(plan.routes)} couriers, "
            f"{len(plan.unassigned)} unassigned; {_km(plan.distance_m)}"
        )
    return MapLayers(
        title=title,
        routes=tuple(routes),
        links=links,
        markers=tuple(markers),
        geographic=where.geographic,
    )


def _unassigned(
    problem: Problem, plan: Plan, where: Where
) -> tuple[tuple[Line, ...], list[Markers]]:
    """The dashed links, crosses and pickup squares of the unassigned tasks."""
    links: list[Line] = []
    goals: list[tuple[Point, str, str]] = []
    pickups: list[tuple[Point, str, str]] = []
    for left in plan.unassigned:
        task = problem.task(left.task_id)
        name = f"{task.id} ({left.reason.value})"
        tip = f"{task.id}: not served ({left.reason.value}): {left.detail}"
        if isinstance(task, Visit):
            goals.append((where(task.stop.location, f"visit {task.id!r}"), name, tip))
            continue
        start = where(task.pickup.location, f"pickup {task.id!r}")
        goal = where(task.dropoff.location, f"drop-off {task.id!r}")
        goals.append((goal, name, tip))
        pickups.append((start, f"{task.id}: its pickup", tip))
        label = "" if links else "unassigned: pickup to drop-off"
        links.append(Line(label=label, colour=UNASSIGNED_RED, points=(start, goal), dashed=True))
    markers = []
    for group, label, shape, size, annotate in (
        (pickups, "unassigned: its pickup", Shape.SQUARE, 30.0, False),
        (goals, "unassigned task", Shape.CROSS, 110.0, True),
    ):
        if group:
            markers.append(
                Markers(
                    label=label,
                    shape=shape,
                    size=size,
                    points=tuple(p for p, _, _ in group),
                    colours=(UNASSIGNED_RED,) * len(group),
                    names=tuple(n for _, n, _ in group),
                    tips=tuple(t for _, _, t in group),
                    legend_colour=UNASSIGNED_RED,
                    annotate=annotate,
                )
            )
    return tuple(links), markers
