"""write_map picks the format by suffix; check_map_path fails early with a readable error."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.maps.world import World, demo, hide_modules, node_only, tiny

from dispatch.errors import InvalidInputError
from dispatch.maps import MAP_SUFFIXES, check_map_path, write_map


@pytest.fixture(scope="module")
def world() -> World:
    """The tiny problem, solved."""
    return tiny()


def test_png_suffix_writes_a_png(world: World, tmp_path: Path) -> None:
    """A .png path (any case) gets a PNG file."""
    pytest.importorskip("matplotlib")
    path = write_map(world.problem, world.plan, tmp_path / "routes.PNG")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["routes.html", "routes.htm"])
def test_html_suffixes_write_a_page(world: World, tmp_path: Path, name: str) -> None:
    """.html and .htm paths get a Leaflet page."""
    pytest.importorskip("folium")
    page = write_map(world.problem, world.plan, tmp_path / name).read_text("utf-8")
    assert "L.polyline(" in page


def test_unknown_suffix_and_missing_folder_are_refused(world: World, tmp_path: Path) -> None:
    """A .svg path or a path in a folder that does not exist is an InvalidInputError naming it."""
    assert MAP_SUFFIXES == (".png", ".html", ".htm")
    with pytest.raises(InvalidInputError, match=r"routes\.svg: a map is written as \.png, \.html"):
        write_map(world.problem, world.plan, tmp_path / "routes.svg")
    with pytest.raises(InvalidInputError, match=r"no-such-dir.*its folder does not exist"):
        check_map_path(tmp_path / "no-such-dir" / "routes.png")
    assert list(tmp_path.iterdir()) == []


def test_planar_positions_give_a_page_on_a_plain_canvas(tmp_path: Path) -> None:
    """A node-only problem with x/y positions is drawn on Leaflet's x/y canvas, without tiles."""
    pytest.importorskip("folium")
    district, plan = demo()
    positions = {n: (float(n % 12), float(n // 12)) for n in district.graph.nodes}
    path = write_map(node_only(district.problem), plan, tmp_path / "xy.html", positions=positions)
    page = path.read_text("utf-8")
    assert "L.CRS.Simple" in page and "tile.openstreetmap" not in page


@pytest.mark.parametrize(("name", "extra"), [("r.png", "plot"), ("r.html", "map")])
def test_a_missing_library_is_named_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, extra: str
) -> None:
    """Without the library, check_map_path raises InvalidInputError naming the extra."""
    hide_modules(monkeypatch, "matplotlib", "folium")
    with pytest.raises(InvalidInputError, match=rf"pip install 'dispatch\[{extra}\]'"):
        check_map_path(tmp_path / name)
