"""A seeded synthetic street grid in the OSMnx convention: :func:`street_grid`.

The grid stands in for a city district when no OpenStreetMap extract is at
hand (tests, benchmarks, the simulator). It is a directed multigraph like the
ones OSMnx returns, so the same code runs on synthetic and real streets.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from dispatch.errors import InvalidInputError
from dispatch.synthetic._args import check_count, check_origin, check_real, check_seed
from dispatch.travel import haversine_matrix_m

__all__ = [
    "ARTERIAL_KPH",
    "RESIDENTIAL_KPH",
    "node_positions_m",
    "street_grid",
]

ARTERIAL_KPH = (36.0, 44.0)
"""Range of car speeds on arterial roads (``highway="primary"``), km/h, drawn per road."""

RESIDENTIAL_KPH = (20.0, 25.0)
"""Range of car speeds on residential streets, km/h, drawn per street."""

_METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)
_MAX_NODES = 1_000_000
_CURVE = {"primary": (1.0, 1.02), "residential": (1.0, 1.05)}  # length over straight line
_COORDINATE_DIGITS = 7  # about a centimetre


def street_grid(
    *,
    width_m: float,
    height_m: float,
    seed: int,
    spacing_m: float = 250.0,
    arterial_every: int = 4,
    origin: tuple[float, float] = (31.2, 121.4),
    one_way_share: float = 0.2,
    jitter: float = 0.1,
    removed_share: float = 0.05,
) -> nx.MultiDiGraph:
    """A street grid with arterials, one-way streets and a few merged blocks.

    Intersections sit on a grid ``spacing_m`` apart, each moved at random by
    up to ``jitter * spacing_m`` east-west and north-south. Every
    ``arterial_every``-th street in each direction is a two-way arterial
    (``highway="primary"``, 36-44 km/h); the others are residential streets
    (20-25 km/h, one speed per street), of which a share ``one_way_share`` is
    one-way along its whole length (direction at random). A share
    ``removed_share`` of residential street segments is removed, merging two
    blocks into one (a gated compound, a park), but never so that an
    intersection is left with fewer than two streets.

    The result is made strongly connected: while it is not, one-way segments
    between strongly connected components get their opposite direction (a
    short two-way stretch); if that still leaves more than one component,
    only the largest is kept and ``G.graph["dropped_nodes"]`` says how many
    intersections were dropped (in practice 0).

    Parameters
    ----------
    width_m, height_m
        Extent east-west and north-south, at least ``spacing_m`` each.
    seed
        Any int >= 0; the same arguments always give the same graph.
    spacing_m
        Distance between neighbouring streets before jitter (>= 10).
    arterial_every
        Every this many streets is an arterial (>= 1; 1 makes every street one).
    origin
        ``(lat, lon)`` of the south-west corner, degrees.
    one_way_share
        Share of residential streets that are one-way, in [0, 1].
    jitter
        Largest move of an intersection as a share of ``spacing_m``, in [0, 0.25].
    removed_share
        Share of residential segments removed, in [0, 0.5].

    Returns
    -------
    networkx.MultiDiGraph
        Nodes are ints ``row * columns + column`` (row 0 in the south) with
        ``x`` (longitude) and ``y`` (latitude). Each edge (key 0) carries
        ``length`` (m, at least the haversine distance between its ends, as
        :func:`dispatch.travel.haversine_matrix_m` computes it from the node
        coordinates), ``speed_kph``, ``travel_time`` (s by car, ``length /
        speed``), ``highway`` and ``oneway``; a two-way street is two edges.
        ``G.graph`` holds ``crs`` (``"epsg:4326"``), ``seed``, ``spacing_m``,
        ``rows``, ``columns``, ``origin`` and ``dropped_nodes``. Ready for
        ``RoadGraphTravel(G, weight="travel_time")``.

    Raises
    ------
    InvalidInputError
        A parameter is out of range; the error names it.

    Examples
    --------
    >>> import networkx as nx
    >>> G = street_grid(width_m=2000, height_m=1000, seed=3)
    >>> G.graph["rows"], G.graph["columns"], nx.is_strongly_connected(G)
    (5, 9, True)
    >>> sorted({d["highway"] for _, _, d in G.edges(data=True)})
    ['primary', 'residential']
    >>> from dispatch import Location, RoadGraphTravel
    >>> travel = RoadGraphTravel(G, weight="travel_time")
    >>> m = travel.matrix([Location(node=0), Location(node=44)], "car")
    >>> 150 < int(m.durations_s[0, 1]) < 600  # about 2.2 km straight, 3 km along the streets
    True
    >>> street_grid(width_m=100, height_m=1000, seed=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: width_m: must be at least spacing_m (250.0), got 100
    """
    seed = check_seed(seed)
    spacing_m = check_real("spacing_m", spacing_m, low=10.0)
    width_m = _extent("width_m", width_m, spacing_m)
    height_m = _extent("height_m", height_m, spacing_m)
    arterial_every = check_count("arterial_every", arterial_every, minimum=1)
    lat0, lon0 = check_origin(origin)
    one_way_share = check_real("one_way_share", one_way_share, low=0.0, high=1.0)
    jitter = check_real("jitter", jitter, low=0.0, high=0.25)
    removed_share = check_real("removed_share", removed_share, low=0.0, high=0.5)
    rows = int(height_m // spacing_m) + 1
    columns = int(width_m // spacing_m) + 1
    if rows * columns > _MAX_NODES:
        raise InvalidInputError(
            "spacing_m", f"gives {rows * columns} intersections; at most {_MAX_NODES} are allowed"
        )
    rng = np.random.default_rng(seed)

    # Intersections: jittered plane positions, then WGS84 degrees (equirectangular).
    east_m = (
        np.arange(columns) * spacing_m + rng.uniform(-jitter, jitter, (rows, columns)) * spacing_m
    )
    north_m = (
        np.arange(rows)[:, None] * spacing_m
        + rng.uniform(-jitter, jitter, (rows, columns)) * spacing_m
    )
    lat = np.round(lat0 + north_m / _METRES_PER_DEGREE, _COORDINATE_DIGITS)
    lon = np.round(
        lon0 + east_m / (_METRES_PER_DEGREE * math.cos(math.radians(lat0))), _COORDINATE_DIGITS
    )
    if lon.max() > 180.0 or lat.max() > 85.0:
        raise InvalidInputError("origin", f"the grid would cross the date line or a pole: {origin}")

    # Streets: rows run east-west (line index = row), columns north-south (= column).
    ids = np.arange(rows * columns).reshape(rows, columns)
    row_kind = _kinds(rows, arterial_every)
    column_kind = _kinds(columns, arterial_every)
    row_kph = _line_speeds(row_kind, rng)
    column_kph = _line_speeds(column_kind, rng)
    row_way = _line_directions(row_kind, one_way_share, rng)
    column_way = _line_directions(column_kind, one_way_share, rng)

    # Segments: along rows (u west of v), then along columns (u south of v).
    u = np.concatenate((ids[:, :-1].ravel(), ids[:-1, :].ravel()))
    v = np.concatenate((ids[:, 1:].ravel(), ids[1:, :].ravel()))
    straight_m = np.concatenate(
        (
            np.concatenate(
                [np.diagonal(haversine_matrix_m(lat[r], lon[r]), 1) for r in range(rows)]
            ),
            np.concatenate(
                [np.diagonal(haversine_matrix_m(lat[:, c], lon[:, c]), 1) for c in range(columns)]
            )
            .reshape(columns, rows - 1)
            .T.ravel(),
        )
    )
    arterial = np.concatenate((np.repeat(row_kind, columns - 1), np.tile(column_kind, rows - 1)))
    kph = np.concatenate((np.repeat(row_kph, columns - 1), np.tile(column_kph, rows - 1)))
    way = np.concatenate((np.repeat(row_way, columns - 1), np.tile(column_way, rows - 1)))
    curve = np.where(
        arterial,
        rng.uniform(*_CURVE["primary"], u.size),
        rng.uniform(*_CURVE["residential"], u.size),
    )
    kept = np.flatnonzero(_keep_segments(u, v, arterial, removed_share, rows * columns, rng))
    # Directed edges as segment numbers: forward along two-way and +1 streets, back along -1.
    forward = kept[way[kept] >= 0]
    backward = kept[way[kept] <= 0]
    segment = np.concatenate((forward, backward))
    heads = np.concatenate((u[forward], v[backward]))
    tails = np.concatenate((v[forward], u[backward]))
    two_way = way == 0
    segment, heads, tails, alive = _strongly_connect(segment, heads, tails, two_way, rows * columns)

    G = nx.MultiDiGraph(
        crs="epsg:4326",
        name="synthetic street grid",
        seed=seed,
        spacing_m=spacing_m,
        rows=rows,
        columns=columns,
        origin=(lat0, lon0),
        dropped_nodes=int(alive.size - alive.sum()),
    )
    G.add_nodes_from(
        (n, {"x": x, "y": y})
        for n, x, y in zip(
            ids.ravel()[alive].tolist(),
            lon.ravel()[alive].tolist(),
            lat.ravel()[alive].tolist(),
            strict=True,
        )
    )
    length_m = straight_m * curve
    data = [
        {
            "length": length,
            "speed_kph": speed,
            "travel_time": length / (speed / 3.6),
            "highway": "primary" if main else "residential",
            "oneway": not both,
        }
        for length, speed, main, both in zip(
            length_m.tolist(), kph.tolist(), arterial.tolist(), two_way.tolist(), strict=True
        )
    ]
    G.add_edges_from(
        (a, b, 0, dict(data[k]))
        for a, b, k in zip(heads.tolist(), tails.tolist(), segment.tolist(), strict=True)
    )
    return G


def _extent(name: str, value: object, spacing_m: float) -> float:
    number = check_real(name, value, low=0.0, low_open=True)
    if number < spacing_m:
        raise InvalidInputError(name, f"must be at least spacing_m ({spacing_m}), got {value!r}")
    return number


def _kinds(count: int, every: int) -> npt.NDArray[np.bool_]:
    """Which of ``count`` parallel streets are arterials (True), away from the edge of the map."""
    arterial: npt.NDArray[np.bool_] = (np.arange(count) - every // 2) % every == 0
    return arterial


def _line_speeds(
    arterial: npt.NDArray[np.bool_], rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    fast = rng.uniform(*ARTERIAL_KPH, arterial.size)
    slow = rng.uniform(*RESIDENTIAL_KPH, arterial.size)
    kph = np.where(arterial, fast, slow).astype(np.float64)
    return np.round(kph, 1)


def _line_directions(
    arterial: npt.NDArray[np.bool_], share: float, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """0 for a two-way street, +1 one-way east/north, -1 one-way west/south."""
    one_way = (rng.random(arterial.size) < share) & ~arterial
    sign = rng.choice(np.array([-1, 1]), arterial.size)
    return np.where(one_way, sign, 0).astype(np.int64)


def _keep_segments(
    u: npt.NDArray[np.int64],
    v: npt.NDArray[np.int64],
    arterial: npt.NDArray[np.bool_],
    share: float,
    nodes: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.bool_]:
    """Mask of the segments kept after removing a share of residential ones.

    Candidates are tried in random order; one is removed only when both its
    intersections keep at least two streets.
    """
    kept = np.ones(u.size, dtype=bool)
    candidates = np.flatnonzero(~arterial)
    target = round(share * candidates.size)
    if target == 0:
        return kept
    degree = np.bincount(u, minlength=nodes) + np.bincount(v, minlength=nodes)
    removed = 0
    for k in rng.permutation(candidates).tolist():
        if removed == target:
            break
        a, b = int(u[k]), int(v[k])
        if degree[a] > 2 and degree[b] > 2:
            kept[k] = False
            degree[a] -= 1
            degree[b] -= 1
            removed += 1
    return kept


def _strongly_connect(
    segment: npt.NDArray[np.int64],
    heads: npt.NDArray[np.int64],
    tails: npt.NDArray[np.int64],
    two_way: npt.NDArray[np.bool_],
    nodes: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]
]:
    """Make the directed edges strongly connected; return them and the mask of nodes kept.

    While there is more than one strongly connected component, one-way
    segments between two components are opened both ways (``two_way`` is
    updated in place). If that is not enough (segments removed around a
    node), only the largest component is kept.
    """
    while True:
        graph = csr_array((np.ones(heads.size), (heads, tails)), shape=(nodes, nodes))
        count, label = connected_components(graph, directed=True, connection="strong")
        if count == 1:
            return segment, heads, tails, np.ones(nodes, dtype=bool)
        crossing = np.flatnonzero((label[heads] != label[tails]) & ~two_way[segment])
        if crossing.size == 0:
            break
        two_way[segment[crossing]] = True
        segment = np.concatenate((segment, segment[crossing]))
        heads, tails = (
            np.concatenate((heads, tails[crossing])),
            np.concatenate((tails, heads[crossing])),
        )
    alive = label == np.argmax(np.bincount(label))
    keep = alive[heads] & alive[tails]
    return segment[keep], heads[keep], tails[keep], alive


def node_positions_m(G: nx.Graph) -> tuple[list[Any], npt.NDArray[np.float64]]:
    """The nodes of ``G`` and their ``(east, north)`` positions in metres (equirectangular).

    Relative to the south-west corner of the nodes' bounding box; good to a
    fraction of a per cent over a city, enough to sample nearby places.

    Examples
    --------
    >>> nodes, xy = node_positions_m(street_grid(width_m=500, height_m=500, seed=0, jitter=0))
    >>> len(nodes), xy.shape, [round(float(c)) for c in xy[-1]]
    (9, (9, 2), [500, 500])
    """
    nodes = list(G.nodes)
    lon = np.fromiter((G.nodes[n]["x"] for n in nodes), dtype=np.float64, count=len(nodes))
    lat = np.fromiter((G.nodes[n]["y"] for n in nodes), dtype=np.float64, count=len(nodes))
    if not nodes:
        return nodes, np.zeros((0, 2))
    scale = math.cos(math.radians(float(lat.mean())))
    east = (lon - lon.min()) * _METRES_PER_DEGREE * scale
    north = (lat - lat.min()) * _METRES_PER_DEGREE
    return nodes, np.column_stack((east, north))
