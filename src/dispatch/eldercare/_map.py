"""A map of the day's routes as a PNG picture: :func:`plot_day`.

The day's own marks (kitchens, delivered homes, check-ins, what was not
served) on the generic map of :mod:`dispatch.maps`. matplotlib is an optional
dependency (the ``plot`` extra); it is imported only when a map is drawn, with
the non-interactive Agg backend.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from dispatch.eldercare._day import DayPlan
from dispatch.maps._layers import (
    UNASSIGNED_RED,
    MapLayers,
    Markers,
    Point,
    Shape,
    Where,
    route_colours,
    route_line,
)
from dispatch.maps._png import render_png, require_matplotlib
from dispatch.model import MealDelivery, Visit

__all__ = ["plot_day", "require_matplotlib"]


def _marks(label: str, shape: Shape, colour: str, size: float, points: list[Point]) -> Markers:
    return Markers(
        label=label,
        shape=shape,
        size=size,
        points=tuple(points),
        colours=(colour,) * len(points),
        names=(label,) * len(points),
        legend_colour=colour,
    )


def _day_layers(day: DayPlan, where: Where) -> MapLayers:
    """Straight route lines, homes served, check-ins, elders not served, kitchens."""
    plan, problem = day.plan, day.problem
    colours = route_colours(len(plan.routes))
    routes = tuple(
        route_line(problem, route, colour=colour, label="", where=where)
        for route, colour in zip(plan.routes, colours, strict=True)
    )
    routed = set(plan.assigned_task_ids())
    homes = [where(t.dropoff.location, f"meal {t.id!r}") for t in problem.tasks
             if isinstance(t, MealDelivery) and t.id in routed]  # fmt: skip
    visits = [where(t.stop.location, f"check-in {t.id!r}") for t in problem.tasks
              if isinstance(t, Visit) and t.id in routed]  # fmt: skip
    missed = [where(day.elders[i.elder_id].home, f"elder {i.elder_id!r}") for i in day.issues]
    kitchens = [where(k.location, f"kitchen {k.id!r}") for k in day.kitchens.values()]
    groups = (
        ("meal delivered", Shape.CIRCLE, "#1f5fa8", 10.0, homes),
        ("check-in", Shape.TRIANGLE, "#2a8a3a", 22.0, visits),
        ("not served", Shape.CROSS, UNASSIGNED_RED, 30.0, missed),
        ("kitchen", Shape.SQUARE, "#000000", 40.0, kitchens),
    )
    return MapLayers(
        title=(
            f"Meals and check-ins, {day.day:%a %Y-%m-%d}: {len(plan.routes)} routes, "
            f"{plan.distance_m / 1000:.0f} km"
        ),
        routes=routes,
        links=(),
        markers=tuple(_marks(*group) for group in groups if group[-1]),
    )


def plot_day(
    day: DayPlan,
    path: str | Path,
    *,
    graph: nx.Graph | None = None,
    size_in: float = 9.0,
    dpi: int = 110,
) -> Path:
    """Draw the day's routes, kitchens, homes and check-ins; save as PNG at ``path``.

    Each route is a coloured line through its stops (straight between
    stops); kitchens are squares, delivered homes dots, check-ins triangles,
    meals and check-ins left out red crosses. ``graph`` (nodes with ``x``
    and ``y``, as OSMnx and :func:`~dispatch.synthetic.street_grid` give)
    draws the streets underneath. Every location needs lat/lon.

    Raises
    ------
    ImportError
        matplotlib is not installed (install the ``plot`` extra).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch import SolveOptions
    >>> from dispatch.eldercare import DayOptions, eldercare_district, plan_day
    >>> d = eldercare_district(seed=1, scale=0.02)
    >>> day = plan_day(d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers,
    ...                travel=d.travel, options=DayOptions(solve=SolveOptions(
    ...                    time_limit_s=None, solution_limit=10, metaheuristic="greedy_descent")))
    >>> png = plot_day(day, pathlib.Path(tempfile.mkdtemp()) / "day.png", graph=d.graph)
    >>> png.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    layers = _day_layers(day, Where(graph))
    return render_png(
        layers, path, graph=graph, size_in=(size_in, size_in), dpi=dpi, legend="inside"
    )
