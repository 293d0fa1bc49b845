"""PNG maps of plans: a PNG of the asked size, every route colour in it, red for unassigned."""

from __future__ import annotations

import importlib
import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest
from tests.maps.world import World, demo, hide_modules, node_only, tiny

from dispatch import SolveOptions, solve, validate
from dispatch.demo import demo_district
from dispatch.errors import InvalidInputError
from dispatch.maps import plot_plan
from dispatch.maps._layers import UNASSIGNED_RED, plan_layers

pytest.importorskip("matplotlib")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plan_map.py"


@pytest.fixture(scope="module")
def world() -> World:
    """The tiny problem, solved."""
    return tiny()


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header, checking its signature, IHDR first and IEND last."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pixels(path: Path) -> np.ndarray:
    """The image as an (h, w, 3) array of 0-255 ints, read back by matplotlib."""
    image = importlib.import_module("matplotlib.image").imread(path)
    return np.rint(np.asarray(image)[:, :, :3] * 255).astype(int)


def shows(image: np.ndarray, colour: str, *, alpha: float = 1.0, tolerance: int = 10) -> bool:
    """Whether some pixel has ``colour`` drawn at ``alpha`` over white."""
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    seen = alpha * rgb + (1 - alpha) * 255
    return bool((np.abs(image - seen).max(axis=2) <= tolerance).any())


def test_a_png_of_the_asked_size_with_every_route_colour_and_red(
    world: World, tmp_path: Path
) -> None:
    """The file is a PNG of 1.5 x size_in by size_in inches; each route's colour and red show."""
    path = plot_plan(world.problem, world.plan, tmp_path / "plan.png", size_in=4, dpi=60)
    assert path == tmp_path / "plan.png"
    assert png_size(path) == (360, 240)
    image = pixels(path)
    assert image.shape == (240, 360, 3)
    for line in plan_layers(world.problem, world.plan).routes:
        assert shows(image, line.colour, alpha=0.9), line.label
    assert shows(image, UNASSIGNED_RED)


def test_the_example_draws_the_demo_district_over_its_streets(tmp_path: Path) -> None:
    """examples/plan_map.py writes the README's picture: 1440 x 960, grey roads, every route."""
    spec = importlib.util.spec_from_file_location("plan_map", EXAMPLE)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    path = example.main(tmp_path / "plan.png")
    assert png_size(path) == (1440, 960)
    image = pixels(path)
    assert shows(image, "#d4d4d4", tolerance=4)  # the roads
    district = demo_district(seed=0)
    plan = solve(district.problem, SolveOptions(time_limit_s=None, solution_limit=30, seed=0))
    assert validate(district.problem, plan) == []
    for line in plan_layers(district.problem, plan).routes:  # the example's plan, re-solved
        assert shows(image, line.colour, alpha=0.9)
    assert shows(image, UNASSIGNED_RED) == bool(plan.unassigned)  # red only if some task is


def test_planar_positions_draw_problems_without_geography(tmp_path: Path) -> None:
    """Node-only locations are drawn at given x/y positions, and refused without them."""
    district, plan = demo()
    positions = {n: (float(n % 12), float(n // 12)) for n in district.graph.nodes}
    stripped = node_only(district.problem)
    path = plot_plan(stripped, plan, tmp_path / "xy.png", positions=positions, dpi=30)
    assert png_size(path) == (360, 240)
    with pytest.raises(InvalidInputError, match=r"a map needs its lat/lon"):
        plot_plan(stripped, plan, tmp_path / "nowhere.png")


def test_without_matplotlib_the_error_names_the_plot_extra(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without matplotlib, plot_plan raises ImportError telling to install dispatch[plot]."""
    hide_modules(monkeypatch, "matplotlib")
    with pytest.raises(ImportError, match=r"pip install 'dispatch\[plot\]'"):
        plot_plan(world.problem, world.plan, tmp_path / "plan.png")
    assert not (tmp_path / "plan.png").exists()
