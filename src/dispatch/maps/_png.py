"""Maps as PNG pictures (matplotlib, the ``plot`` extra): :func:`plot_plan`, :func:`render_png`.

matplotlib is imported only when a map is drawn, on the non-interactive Agg
backend; without it drawing raises an ImportError naming the extra.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from dispatch._optional import pyplot
from dispatch.maps._layers import Line, MapLayers, Point, Shape, plan_layers
from dispatch.model import Problem
from dispatch.plan import Plan

__all__ = ["plot_plan", "render_png", "require_matplotlib"]

_PURPOSE = "drawing a map"
_ROAD_GREY = "#d4d4d4"
_METRES_PER_DEGREE = 111_195.0
_NICE_M = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


def _plain(text: str) -> str:
    """``text`` as matplotlib should show it: ``$`` would start mathtext."""
    return text.replace("$", r"\$")


def require_matplotlib() -> None:
    """Raise the ImportError of :func:`plot_plan` now when matplotlib is missing."""
    pyplot(_PURPOSE)


def plot_plan(
    problem: Problem,
    plan: Plan,
    path: str | Path,
    *,
    graph: nx.Graph | None = None,
    positions: Mapping[Hashable, Point] | None = None,
    follow_roads: bool = True,
    title: str | None = None,
    size_in: float = 8.0,
    dpi: int = 120,
) -> Path:
    """Draw a plan as a PNG map at ``path``; returns the path.

    Roads of ``graph`` are drawn faint underneath; each courier's route is a
    line in its own colour (along the roads when ``graph`` is given and
    ``follow_roads``), with its start a star, pickups squares, drop-offs
    circles, visits triangles and its own stops small diamonds; tasks left
    out are red crosses labelled with their id and reason (their pickups red
    squares, joined by a dashed line); couriers without a route grey stars.
    The legend, on the right, names each route with its tasks and length.

    Parameters
    ----------
    problem, plan
        The plan and the problem it solves.
    path
        Where to write the PNG.
    graph
        A road graph (nodes with ``x`` longitude and ``y`` latitude, as OSMnx,
        :func:`~dispatch.travel.load_graphml` and :mod:`dispatch.demo` give).
        It also places locations that have a node but no lat/lon.
    positions
        Planar ``(x, y)`` per location node, for problems without geography
        (e.g. ``BenchmarkInstance.coordinates`` of a Li & Lim or Solomon
        instance); they take precedence over lat/lon and the map is drawn on
        those axes.
    follow_roads
        Draw each leg along the shortest road path (on the edge weight the
        problem's :class:`~dispatch.travel.RoadGraphTravel` uses) instead of
        straight between stops.
    title
        Defaults to how many tasks are served, by how many couriers, and the distance.
    size_in, dpi
        Height in inches (the width adds room for the legend) and resolution.

    Raises
    ------
    ImportError
        matplotlib is not installed (install the ``plot`` extra).
    InvalidInputError
        A location has no lat/lon and no place in ``graph`` or ``positions``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch import SolveOptions, solve
    >>> from dispatch.demo import demo_district
    >>> d = demo_district(seed=0)
    >>> plan = solve(d.problem, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> png = plot_plan(d.problem, plan, pathlib.Path(tempfile.mkdtemp()) / "plan.png",
    ...                 graph=d.graph, size_in=4, dpi=50)
    >>> png.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    require_matplotlib()  # before any work: a missing extra fails fast
    layers = plan_layers(
        problem, plan, graph=graph, positions=positions, follow_roads=follow_roads, title=title
    )
    return render_png(
        layers, path, graph=graph, size_in=(size_in * 1.5, size_in), dpi=dpi, legend="right"
    )


def render_png(
    layers: MapLayers,
    path: str | Path,
    *,
    graph: nx.Graph | None = None,
    size_in: tuple[float, float] = (12.0, 8.0),
    dpi: int = 120,
    legend: Literal["right", "inside"] = "right",
) -> Path:
    """Draw ``layers`` (over the faint roads of ``graph``) as a PNG of exactly ``size_in * dpi``.

    Raises
    ------
    ImportError
        matplotlib is not installed (install the ``plot`` extra).
    """
    plt = pyplot(_PURPOSE)
    path = Path(path)
    figure = plt.figure(figsize=size_in, layout="constrained")
    try:
        axes = figure.add_subplot()
        if graph is not None:
            _draw_roads(axes, graph)
        _draw_lines(plt, figure, axes, layers)
        for k, group in enumerate(layers.markers):
            xs, ys = zip(*group.points, strict=True) if group.points else ((), ())
            axes.scatter(
                xs,
                ys,
                marker=group.shape.value,
                s=group.size,
                c=list(group.colours),
                edgecolors="none" if group.shape is Shape.CROSS else "black",
                linewidths=0.6,
                zorder=4 + k / 100,
            )
            if group.annotate:
                for point, name in zip(group.points, group.names, strict=True):
                    axes.annotate(
                        _plain(name),
                        point,
                        xytext=(6, 5),
                        textcoords="offset points",
                        fontsize="small",
                        fontweight="bold",
                        color=group.legend_colour,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "fc": "white",
                            "ec": "none",
                            "alpha": 0.85,
                        },
                        zorder=6,
                    )
        axes.set_title(_plain(layers.title), fontsize="medium")
        _frame(axes, layers)
        handles = _legend_handles(layers)
        if handles:
            if legend == "right":
                figure.legend(
                    handles=handles, loc="outside right upper", fontsize="small", frameon=False
                )
            else:
                axes.legend(handles=handles, loc="upper right", fontsize="small")
        figure.savefig(path, format="png", dpi=dpi)
    finally:
        plt.close(figure)
    return path


def _draw_roads(axes: Any, graph: nx.Graph) -> None:
    """Every edge whose ends have x/y, once per pair of nodes, as thin grey lines."""
    collections = importlib.import_module("matplotlib.collections")
    data = graph.nodes
    seen: set[frozenset[Hashable]] = set()
    segments = []
    for u, v in graph.edges():
        pair = frozenset((u, v))
        if pair in seen or not ({"x", "y"} <= data[u].keys() and {"x", "y"} <= data[v].keys()):
            continue
        seen.add(pair)
        segments.append(((data[u]["x"], data[u]["y"]), (data[v]["x"], data[v]["y"])))
    axes.add_collection(
        collections.LineCollection(segments, colors=_ROAD_GREY, linewidths=0.8, zorder=1)
    )


def _draw_lines(plt: Any, figure: Any, axes: Any, layers: MapLayers) -> None:
    """Routes side by side (each shifted a little, so shared streets show every colour); links."""
    transforms = importlib.import_module("matplotlib.transforms")
    n = len(layers.routes)
    step = min(1.2, 8.0 / (n - 1)) if n > 1 else 0.0
    for k, line in enumerate(layers.routes):
        shift = (k - (n - 1) / 2) * step
        transform = transforms.offset_copy(
            axes.transData, fig=figure, x=shift, y=-shift, units="points"
        )
        _plot_line(axes, line, transform=transform, width=2.2, zorder=2 + k / 100)
    for line in layers.links:
        _plot_line(axes, line, transform=axes.transData, width=1.2, zorder=3)


def _plot_line(axes: Any, line: Line, *, transform: Any, width: float, zorder: float) -> None:
    xs, ys = zip(*line.points, strict=True) if line.points else ((), ())
    axes.plot(
        xs,
        ys,
        color=line.colour,
        lw=width,
        alpha=0.9,
        transform=transform,
        linestyle=(0, (4, 3)) if line.dashed else "-",
        solid_capstyle="round",
        solid_joinstyle="round",
        zorder=zorder,
    )


def _frame(axes: Any, layers: MapLayers) -> None:
    """Limits with a margin, true proportions, no ticks on maps, a scale bar in metres."""
    points = layers.points()
    if not points:
        return
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    pad_x = (max(xs) - min(xs)) * 0.04 or 0.001
    pad_y = (max(ys) - min(ys)) * 0.04 or 0.001
    axes.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    axes.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    if not layers.geographic:
        axes.set_aspect("equal")
        return
    latitude = sum(ys) / len(ys)
    metres_per_lon = _METRES_PER_DEGREE * math.cos(math.radians(latitude))
    # Degrees of longitude are shorter than degrees of latitude away from the equator.
    axes.set_aspect(_METRES_PER_DEGREE / metres_per_lon)
    axes.set_xticks([])
    axes.set_yticks([])
    width_m = (max(xs) - min(xs) + 2 * pad_x) * metres_per_lon
    bar_m = max((m for m in _NICE_M if m <= width_m / 5), default=_NICE_M[0])
    bars = importlib.import_module("mpl_toolkits.axes_grid1.anchored_artists")
    label = f"{bar_m // 1000} km" if bar_m >= 1000 else f"{bar_m} m"
    axes.add_artist(
        bars.AnchoredSizeBar(
            axes.transData,
            bar_m / metres_per_lon,
            label,
            "lower left",
            pad=0.4,
            frameon=False,
            size_vertical=0,
            fontproperties={"size": 8},
        )
    )


def _legend_handles(layers: MapLayers) -> list[Any]:
    """One legend entry per route, per kind of link and per group of markers."""
    lines = importlib.import_module("matplotlib.lines")
    handles = [
        lines.Line2D([], [], color=line.colour, lw=2.2, label=_plain(line.label))
        for line in layers.routes
        if line.label
    ]
    handles.extend(
        lines.Line2D(
            [], [], color=line.colour, lw=1.2, linestyle=(0, (4, 3)), label=_plain(line.label)
        )
        for line in layers.links
        if line.label
    )
    handles.extend(
        lines.Line2D(
            [],
            [],
            linestyle="",
            marker=group.shape.value,
            markersize=math.sqrt(group.size) * 0.9,
            color=group.legend_colour,
            markeredgecolor="black" if group.shape is not Shape.CROSS else "none",
            markeredgewidth=0.6,
            label=_plain(group.label),
        )
        for group in layers.markers
    )
    return handles
