"""A map of the day's routes as a PNG picture: :func:`plot_day`.

matplotlib is an optional dependency (the ``plot`` extra); it is imported
only when a map is drawn, with the non-interactive Agg backend.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import networkx as nx

from dispatch.eldercare._day import DayPlan
from dispatch.errors import InvalidInputError
from dispatch.model import Location, MealDelivery, Visit
from dispatch.plan import StopRole

__all__ = ["plot_day", "require_matplotlib"]


def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or a clear ImportError naming the extra."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError as error:
        raise ImportError(
            "drawing a map needs matplotlib, an optional dependency: "
            "pip install 'dispatch[plot]' (or pip install matplotlib)"
        ) from error
    matplotlib.use("Agg", force=True)
    return importlib.import_module("matplotlib.pyplot")


def require_matplotlib() -> None:
    """Raise the :func:`plot_day` ImportError now when matplotlib is missing."""
    _pyplot()


def _lon_lat(location: Location) -> tuple[float, float]:
    if location.lat is None or location.lon is None:
        raise InvalidInputError("location", f"a map needs lat/lon, got {location!r}")
    return location.lon, location.lat


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
    plt = _pyplot()
    path = Path(path)
    figure, axes = plt.subplots(figsize=(size_in, size_in))
    try:
        if graph is not None:
            for u, v in graph.edges():
                a, b = graph.nodes[u], graph.nodes[v]
                axes.plot([a["x"], b["x"]], [a["y"], b["y"]], color="#dddddd", lw=0.6, zorder=1)
        colours = plt.get_cmap("tab20")
        for k, route in enumerate(day.plan.routes):
            courier = day.problem.courier(route.courier_id)
            points = []
            for stop in route.stops:
                if stop.role is StopRole.START:
                    points.append(_lon_lat(courier.start))
                elif stop.role is StopRole.END:
                    if courier.end is not None:
                        points.append(_lon_lat(courier.end))
                elif stop.role is StopRole.OWN:
                    own = next(o for o in courier.own_stops if o.id == stop.ref)
                    points.append(_lon_lat(own.stop.location))
                else:
                    task = day.problem.task(stop.ref)
                    if isinstance(task, Visit):
                        where = task.stop.location
                    else:
                        where = (
                            task.pickup if stop.role is StopRole.PICKUP else task.dropoff
                        ).location
                    points.append(_lon_lat(where))
            xs, ys = zip(*points, strict=True)
            axes.plot(xs, ys, color=colours(k % 20), lw=1.2, alpha=0.85, zorder=2)
        routed = set(day.plan.assigned_task_ids())
        homes = [_lon_lat(t.dropoff.location) for t in day.problem.tasks
                 if isinstance(t, MealDelivery) and t.id in routed]  # fmt: skip
        visits = [_lon_lat(t.stop.location) for t in day.problem.tasks
                  if isinstance(t, Visit) and t.id in routed]  # fmt: skip
        missed = [_lon_lat(day.elders[i.elder_id].home) for i in day.issues]
        kitchens = [_lon_lat(k.location) for k in day.kitchens.values()]
        for points, marker, colour, label, size in (
            (homes, "o", "#1f5fa8", "meal delivered", 10),
            (visits, "^", "#2a8a3a", "check-in", 22),
            (missed, "x", "#d62728", "not served", 30),
            (kitchens, "s", "#000000", "kitchen", 40),
        ):
            if points:
                xs, ys = zip(*points, strict=True)
                axes.scatter(xs, ys, marker=marker, s=size, c=colour, label=label, zorder=3)
        axes.set_title(
            f"Meals and check-ins, {day.day:%a %Y-%m-%d}: {len(day.plan.routes)} routes, "
            f"{day.plan.distance_m / 1000:.0f} km"
        )
        axes.set_xlabel("longitude")
        axes.set_ylabel("latitude")
        latitudes = [lat for _, lat in kitchens] or [0.0]
        # Degrees of longitude are shorter than degrees of latitude away from the equator.
        axes.set_aspect(1.0 / math.cos(math.radians(sum(latitudes) / len(latitudes))))
        axes.legend(loc="upper right", fontsize="small")
        figure.tight_layout()
        figure.savefig(path, format="png", dpi=dpi)
    finally:
        plt.close(figure)
    return path
