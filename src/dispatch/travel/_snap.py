"""Snap locations to the nearest node of a road graph: :func:`snap_locations`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import attrs
import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from dispatch.errors import DispatchWarning, InvalidInputError
from dispatch.model import Location
from dispatch.travel._graph import _is_degree
from dispatch.travel._haversine import coordinates_of, haversine_pairs_m, local_xy_m
from dispatch.travel._pairs import FloatArray, read_only

__all__ = ["SnapWarning", "Snapped", "snap_locations"]

#: How far (m) a location may lie from its road node before :func:`snap_locations` objects.
DEFAULT_MAX_SNAP_M = 250.0


class SnapWarning(DispatchWarning):
    """A location lies farther from every road node than the snapping limit."""


@attrs.frozen(eq=False)
class Snapped:
    """Locations placed on a road graph, and how far each one moved.

    Attributes
    ----------
    locations
        The input locations, in order, each with ``node`` set to its nearest
        road node (``lat``/``lon`` unchanged).
    distances_m
        Great-circle metres from each location to its node (read-only array).
    max_snap_m
        The limit the snapping was done with.
    """

    locations: tuple[Location, ...]
    distances_m: FloatArray
    max_snap_m: float

    @property
    def nodes(self) -> tuple[Hashable, ...]:
        """The road node of each location."""
        return tuple(loc.node for loc in self.locations)

    @property
    def too_far(self) -> tuple[int, ...]:
        """Indices of the locations farther from their node than ``max_snap_m``."""
        return tuple(int(k) for k in np.flatnonzero(self.distances_m > self.max_snap_m))


def snap_locations(
    G: nx.Graph,
    locations: Sequence[Location],
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    too_far: Literal["raise", "warn"] = "raise",
) -> Snapped:
    """Place each location at the nearest node of a road graph.

    The nearest node is found with a k-d tree on planar coordinates (a local
    projection of the graph's and the locations' longitudes and latitudes,
    :func:`~dispatch.travel.local_xy_m`); the distance reported is the great
    circle from the location to that node.

    Parameters
    ----------
    G
        A road graph whose nodes have ``x`` (longitude) and ``y`` (latitude)
        in degrees, as OSMnx, :func:`~dispatch.travel.load_graphml` and
        :func:`dispatch.demo.demo_district` give. Snap to a graph cleaned by
        :func:`~dispatch.travel.clean_road_graph`, so that every node can
        reach every other.
    locations
        Locations with ``lat``/``lon``; a ``node`` they already have is replaced.
    max_snap_m
        A location farther than this from every node is probably wrong
        (swapped coordinates, outside the area the graph covers).
    too_far
        What to do then: ``"raise"`` an :class:`InvalidInputError` naming the
        first such location, or ``"warn"`` with a :class:`SnapWarning` naming
        them and snap them anyway (see :attr:`Snapped.too_far`).

    Returns
    -------
    Snapped

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from([("a", {"x": 13.400, "y": 52.5}), ("b", {"x": 13.401, "y": 52.5})])
    >>> home = Location(lat=52.5001, lon=13.4008)
    >>> snapped = snap_locations(G, [home])
    >>> snapped.nodes, snapped.distances_m.round(1).tolist()
    (('b',), [17.5])
    >>> snap_locations(G, [Location(lat=52.51, lon=13.4)])
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: locations[0]: lies 1112 m from the nearest road node 'a', \
more than max_snap_m=250 (1 of 1 location(s) too far)
    """
    if isinstance(max_snap_m, bool) or not isinstance(max_snap_m, int | float):
        raise InvalidInputError("max_snap_m", f"must be a number of metres, got {max_snap_m!r}")
    if not (max_snap_m >= 0 and not math.isnan(max_snap_m)):
        raise InvalidInputError("max_snap_m", f"must be >= 0, got {max_snap_m!r}")
    if too_far not in ("raise", "warn"):
        raise InvalidInputError("too_far", f"must be 'raise' or 'warn', got {too_far!r}")
    nodes, node_lat, node_lon = _node_coordinates(G)
    coordinates = coordinates_of(locations, required=True)
    if coordinates is None:  # not reached: required=True raises first
        raise InvalidInputError("locations", "need lat/lon")
    lat = np.concatenate([node_lat, coordinates[0]])
    lon = np.concatenate([node_lon, coordinates[1]])
    xy = local_xy_m(lat, lon)
    if xy is None:
        raise InvalidInputError(
            "locations", "with the graph, span 180 degrees of longitude or more"
        )
    n = len(nodes)
    _, nearest = cKDTree(xy[:n]).query(xy[n:])
    nearest = np.asarray(nearest, dtype=np.intp).reshape(-1)
    distances = haversine_pairs_m(lat, lon, nearest, np.arange(n, n + len(locations)))
    snapped = Snapped(
        tuple(attrs.evolve(loc, node=nodes[i]) for loc, i in zip(locations, nearest, strict=True)),
        read_only(distances),
        float(max_snap_m),
    )
    far = snapped.too_far
    if far:
        k = far[0]
        message = (
            f"lies {distances[k]:.0f} m from the nearest road node {nodes[nearest[k]]!r}, "
            f"more than max_snap_m={max_snap_m:g} ({len(far)} of {len(locations)} location(s) "
            "too far)"
        )
        if too_far == "raise":
            raise InvalidInputError(f"locations[{k}]", message)
        warnings.warn(SnapWarning(f"locations[{k}]: {message}"), stacklevel=2)
    return snapped


def _node_coordinates(G: nx.Graph) -> tuple[list[Hashable], FloatArray, FloatArray]:
    """The nodes of ``G`` and their latitudes and longitudes."""
    if not isinstance(G, nx.Graph):
        raise InvalidInputError("G", f"expected a networkx graph, got {type(G).__name__}")
    nodes = list(G.nodes)
    if not nodes:
        raise InvalidInputError("G", "has no nodes to snap to")
    lat = np.empty(len(nodes))
    lon = np.empty(len(nodes))
    for k, node in enumerate(nodes):
        data: dict[str, Any] = G.nodes[node]
        x, y = data.get("x"), data.get("y")
        if not (_is_degree(x, 180.0) and _is_degree(y, 90.0)):
            raise InvalidInputError(
                f"node {node!r}",
                f"needs x (longitude) and y (latitude) in degrees, got {x!r}, {y!r}",
            )
        lat[k], lon[k] = y, x
    return nodes, lat, lon
