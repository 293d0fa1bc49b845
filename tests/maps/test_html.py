"""HTML maps of plans: one Leaflet page with a line per route and every unassigned task named."""

from __future__ import annotations

import html
import re
import socket
from pathlib import Path

import pytest
from tests.maps.world import SNEAKY_COURIER, SNEAKY_TASK, World, demo, hide_modules, tiny

from dispatch.maps import plan_html
from dispatch.maps._layers import plan_layers

pytest.importorskip("folium")


@pytest.fixture(scope="module")
def world() -> World:
    """The tiny problem, solved."""
    return tiny()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an HTML map tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def polylines(page: str) -> list[str]:
    """The coordinate lists of the page's ``L.polyline`` calls."""
    return re.findall(r"L\.polyline\(\s*(\[\[.*?\]\])", page, re.S)


def test_a_polyline_per_route_and_the_unassigned_links(world: World, tmp_path: Path) -> None:
    """One polyline per route through its points, plus one dashed link per unassigned errand."""
    page = plan_html(world.problem, world.plan, tmp_path / "plan.html").read_text("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    layers = plan_layers(world.problem, world.plan)
    found = polylines(page)
    assert len(found) == len(layers.routes) + len(layers.links) == 3
    for line in (*layers.routes, *layers.links):
        lat, lon = line.points[1][1], line.points[1][0]
        assert any(f"[{lat}, {lon}]" in coords for coords in found), line.label
    assert page.count('"dashArray": "8 6"') == len(layers.links)


def test_every_mark_and_every_unassigned_task_is_on_the_page(world: World, tmp_path: Path) -> None:
    """A marker per marked point; each unassigned task's id and reason in a permanent tooltip."""
    page = plan_html(world.problem, world.plan, tmp_path / "plan.html").read_text("utf-8")
    layers = plan_layers(world.problem, world.plan)
    assert page.count("L.marker(") == sum(len(m.points) for m in layers.markers)
    for left in world.plan.unassigned:
        assert html.escape(left.task_id).replace("`", "&#96;").replace("$", "&#36;") in page
        assert f"not served ({left.reason.value})" in page
    assert page.count('"permanent": true') == 2
    assert "dispatch-legend" in page and "3 of 5 tasks served by 2 couriers" in page
    for label in ("pickup", "drop-off", "visit", "courier&#x27;s own stop", "unassigned task"):
        assert label in page


def test_names_are_escaped_for_html_and_javascript(world: World, tmp_path: Path) -> None:
    """Ids with markup, backticks and ${...} appear only escaped: no tag, no template code."""
    page = plan_html(world.problem, world.plan, tmp_path / "plan.html").read_text("utf-8")
    assert SNEAKY_COURIER not in page and "<img" not in page
    assert "`${alert" not in page and "${alert" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert SNEAKY_TASK not in page


def test_the_demo_district_follows_its_streets(tmp_path: Path) -> None:
    """With the demo street graph, route lines pass the corners between stops."""
    district, plan = demo()
    path = plan_html(district.problem, plan, tmp_path / "demo.html", graph=district.graph)
    page = path.read_text("utf-8")
    layers = plan_layers(district.problem, plan, graph=district.graph)
    found = polylines(page)
    assert len(found) == len(plan.routes) + len(layers.links)
    for route, line, coords in zip(plan.routes, layers.routes, found, strict=False):
        assert coords.count("[") - 1 == len(line.points) > len(route.stops)
    for left in plan.unassigned:
        assert left.task_id in page


def test_without_folium_the_error_names_the_map_extra(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without folium, plan_html raises ImportError telling to install dispatch[map]."""
    hide_modules(monkeypatch, "folium")
    with pytest.raises(ImportError, match=r"pip install 'dispatch\[map\]'"):
        plan_html(world.problem, world.plan, tmp_path / "plan.html")
    assert not (tmp_path / "plan.html").exists()
