"""A map of a plan in the format its file name asks for: :func:`write_map`."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Protocol

import networkx as nx

from dispatch.errors import InvalidInputError
from dispatch.maps._html import plan_html, require_folium
from dispatch.maps._layers import Point
from dispatch.maps._png import plot_plan, require_matplotlib
from dispatch.model import Problem
from dispatch.plan import Plan

__all__ = ["MAP_SUFFIXES", "check_map_path", "write_map"]


class _Draw(Protocol):
    """:func:`~dispatch.maps.plot_plan` and :func:`~dispatch.maps.plan_html` alike."""

    def __call__(
        self,
        problem: Problem,
        plan: Plan,
        path: str | Path,
        *,
        graph: nx.Graph | None = ...,
        positions: Mapping[Hashable, Point] | None = ...,
        title: str | None = ...,
    ) -> Path: ...


#: Per suffix: what checks that the library is there, and what draws.
_WRITERS: Mapping[str, tuple[Callable[[], None], _Draw]] = {
    ".png": (require_matplotlib, plot_plan),
    ".html": (require_folium, plan_html),
    ".htm": (require_folium, plan_html),
}

#: File suffixes :func:`write_map` knows.
MAP_SUFFIXES = tuple(_WRITERS)


def _writer(path: Path) -> tuple[Callable[[], None], _Draw]:
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        known = ", ".join(MAP_SUFFIXES)
        raise InvalidInputError(str(path), f"a map is written as {known}, not {path.suffix!r}")
    return writer


def check_map_path(path: str | Path) -> None:
    """Check, before a long solve, that a map can be written at ``path``.

    Raises
    ------
    InvalidInputError
        The suffix is none of :data:`MAP_SUFFIXES`, its folder does not
        exist, or the library it needs is not installed (the message names
        the extra: ``plot`` for PNG, ``map`` for HTML).

    Examples
    --------
    >>> check_map_path("routes.svg")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: routes.svg: a map is written as .png, .html, .htm, not '.svg'
    """
    path = Path(path)
    require, _ = _writer(path)
    if not path.parent.is_dir():
        raise InvalidInputError(str(path), "its folder does not exist")
    try:
        require()
    except ImportError as error:
        raise InvalidInputError(str(path), str(error)) from None


def write_map(
    problem: Problem,
    plan: Plan,
    path: str | Path,
    *,
    graph: nx.Graph | None = None,
    positions: Mapping[Hashable, Point] | None = None,
    title: str | None = None,
) -> Path:
    """Draw ``plan`` as a PNG (``.png``) or HTML (``.html``, ``.htm``) map at ``path``.

    ``graph``, ``positions`` and ``title`` are as in :func:`~dispatch.maps.plot_plan`.
    Returns the path written.

    Raises
    ------
    InvalidInputError
        Unknown suffix, missing folder or library (see :func:`check_map_path`),
        or a location the map cannot place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch import SolveOptions, solve
    >>> from dispatch.demo import demo_district
    >>> d = demo_district(seed=0)
    >>> plan = solve(d.problem, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> write_map(d.problem, plan, pathlib.Path(tempfile.mkdtemp()) / "plan.png").suffix
    '.png'
    """
    path = Path(path)
    check_map_path(path)
    _, draw = _writer(path)
    return draw(problem, plan, path, graph=graph, positions=positions, title=title)
