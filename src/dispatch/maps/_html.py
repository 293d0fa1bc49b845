"""Maps as HTML pages (Leaflet via folium, the ``map`` extra): :func:`plan_html`.

The page is one file. Leaflet's scripts and the map tiles load from the web
when a person opens it; writing it touches no network.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from dispatch._optional import optional_import
from dispatch.maps._layers import Line, MapLayers, Markers, Point, plan_layers
from dispatch.model import Problem
from dispatch.plan import Plan

__all__ = ["plan_html", "render_html", "require_folium"]

_PURPOSE = "an HTML map"


def _folium() -> Any:
    return optional_import("folium", extra="map", purpose=_PURPOSE)


def require_folium() -> None:
    """Raise the ImportError of :func:`plan_html` now when folium is missing."""
    _folium()


def plan_html(
    problem: Problem,
    plan: Plan,
    path: str | Path,
    *,
    graph: nx.Graph | None = None,
    positions: Mapping[Hashable, Point] | None = None,
    follow_roads: bool = True,
    title: str | None = None,
    tiles: str | None = "OpenStreetMap",
) -> Path:
    """Write a plan as an interactive HTML map at ``path``; returns the path.

    The same layers as :func:`~dispatch.maps.plot_plan`: a line per route in
    its courier's colour (along the roads of ``graph`` when given and
    ``follow_roads``), stops marked by what happens there (tooltips give the
    task, courier and time), unassigned tasks as red crosses labelled with
    their id and reason. Each route and each kind of mark is a layer that
    can be switched off; a legend names them.

    Parameters
    ----------
    problem, plan
        The plan and the problem it solves; locations need lat/lon (or a
        node with ``x``/``y`` in ``graph``).
    path
        Where to write the page.
    graph
        A road graph (OSMnx conventions) for routes along the roads and to
        place locations that have only a node.
    positions
        Planar ``(x, y)`` per location node, as in
        :func:`~dispatch.maps.plot_plan`; the page is then a plain x/y canvas
        (no background map).
    follow_roads, title
        As in :func:`~dispatch.maps.plot_plan`.
    tiles
        A folium tile set name (``"OpenStreetMap"``, ``"CartoDB positron"``),
        or None for no background map.

    Raises
    ------
    ImportError
        folium is not installed (install the ``map`` extra).
    InvalidInputError
        A location has no lat/lon and no place in ``graph``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch import SolveOptions, solve
    >>> from dispatch.demo import demo_district
    >>> d = demo_district(seed=0)
    >>> plan = solve(d.problem, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> page = plan_html(d.problem, plan, pathlib.Path(tempfile.mkdtemp()) / "plan.html")
    >>> page.read_text(encoding="utf-8").count("L.polyline(") >= len(plan.routes)
    True
    """
    require_folium()  # before any work: a missing extra fails fast
    layers = plan_layers(
        problem, plan, graph=graph, positions=positions, follow_roads=follow_roads, title=title
    )
    return render_html(layers, path, tiles=tiles)


def _text(value: str) -> str:
    """``value`` safe inside HTML and inside the JavaScript template strings folium writes."""
    return html.escape(value, quote=True).replace("`", "&#96;").replace("$", "&#36;")


def render_html(
    layers: MapLayers, path: str | Path, *, tiles: str | None = "OpenStreetMap"
) -> Path:
    """Write ``layers`` as a Leaflet page at ``path``.

    Longitude/latitude layers go on the ``tiles``; planar ones on a plain
    x/y canvas (Leaflet's ``CRS.Simple``, no tiles).

    Raises
    ------
    ImportError
        folium is not installed (install the ``map`` extra).
    """
    folium = _folium()
    path = Path(path)
    points = layers.points()
    lats = [y for _, y in points] or [0.0]
    lons = [x for x, _ in points] or [0.0]
    centre = (sum(lats) / len(lats), sum(lons) / len(lons))
    if layers.geographic:
        page = folium.Map(location=centre, tiles=tiles, control_scale=True, zoom_start=15)
    else:
        page = folium.Map(location=centre, crs="Simple", tiles=None, min_zoom=-12, zoom_start=0)
    page.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))])
    for line in layers.routes:
        group = folium.FeatureGroup(name=_swatch(line) + " " + _text(line.label))
        _polyline(folium, line, weight=5).add_to(group)
        group.add_to(page)
    if layers.links:
        group = folium.FeatureGroup(name=_text(layers.links[0].label or "unassigned links"))
        for line in layers.links:
            _polyline(folium, line, weight=2).add_to(group)
        group.add_to(page)
    for markers in layers.markers:
        group = folium.FeatureGroup(name=_glyph(markers) + " " + _text(markers.label))
        for k in range(len(markers.points)):
            _marker(folium, markers, k).add_to(group)
        group.add_to(page)
    folium.LayerControl(collapsed=True).add_to(page)
    page.get_root().html.add_child(folium.Element(_legend(layers)))
    page.save(str(path))
    return path


def _polyline(folium: Any, line: Line, *, weight: int) -> Any:
    return folium.PolyLine(
        [(lat, lon) for lon, lat in line.points],
        color=line.colour,
        weight=weight,
        opacity=0.85,
        dash_array="8 6" if line.dashed else None,
        tooltip=_text(line.label) if line.label else None,
    )


def _pixels(markers: Markers) -> int:
    return max(12, round(math.sqrt(markers.size) * 1.9))


def _marker(folium: Any, markers: Markers, k: int) -> Any:
    lon, lat = markers.points[k]
    px = _pixels(markers)
    icon = folium.DivIcon(
        html=(
            f'<div style="color:{markers.colours[k]};font-size:{px}px;line-height:{px}px;'
            'text-align:center;text-shadow:0 0 2px #000,0 0 1px #000">'
            f"{markers.shape.glyph}</div>"
        ),
        icon_size=(px, px),
        icon_anchor=(px // 2, px // 2),
    )
    tooltip = folium.Tooltip(_text(markers.tip(k)), permanent=markers.annotate)
    return folium.Marker((lat, lon), icon=icon, tooltip=tooltip)


def _swatch(line: Line) -> str:
    style = "dashed" if line.dashed else "solid"
    return (
        '<span style="display:inline-block;width:22px;height:0;vertical-align:middle;'
        f'border-top:4px {style} {line.colour}"></span>'
    )


def _glyph(markers: Markers) -> str:
    return (
        f'<span style="color:{markers.legend_colour};text-shadow:0 0 1px #000">'
        f"{markers.shape.glyph}</span>"
    )


def _legend(layers: MapLayers) -> str:
    """A fixed box with the title and one line per route, link kind and kind of mark."""
    rows = [f"<b>{_text(layers.title)}</b>"]
    rows += [f"{_swatch(line)} {_text(line.label)}" for line in layers.routes if line.label]
    rows += [f"{_swatch(line)} {_text(line.label)}" for line in layers.links if line.label]
    rows += [f"{_glyph(m)} {_text(m.label)}" for m in layers.markers]
    return (
        '<div class="dispatch-legend" style="position:fixed;bottom:28px;left:10px;z-index:1000;'
        "background:rgba(255,255,255,0.92);padding:6px 9px;border-radius:4px;"
        'box-shadow:0 1px 4px rgba(0,0,0,0.35);font:12px/1.5 sans-serif;max-width:380px">'
        + "<br>".join(rows)
        + "</div>"
    )
