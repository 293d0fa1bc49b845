"""All-pairs travel of a road graph, precomputed once for fast repeated matching."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError
from dispatch.model import Location, TravelProfile
from dispatch.travel._base import TravelMatrix
from dispatch.travel._graph import RoadGraphTravel, _nodes_of, _speed_bound, _unreachable
from dispatch.travel._pairs import (
    FloatArray,
    IndexArray,
    IntArray,
    PairLookup,
    pair_indices,
    profile_of,
    read_only,
)
from dispatch.travel._rounding import ceil_seconds, round_metres

__all__ = ["TravelTable"]

logger = logging.getLogger(__name__)

#: Marks an unreachable pair in the stored tables; never handed out.
UNREACHABLE = -1

_INT32_MAX = int(np.iinfo(np.int32).max)

#: One stored table: ``int32`` (``int64`` when an entry needs it), ``UNREACHABLE`` where no path.
IntTable = npt.NDArray[np.signedinteger[Any]]


def _road_graph(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, RoadGraphTravel):
        raise InvalidInputError("TravelTable.travel", f"expected a RoadGraphTravel, got {value!r}")


def _table_field(instance: TravelTable, attribute: attrs.Attribute[Any], value: Any) -> None:
    n = len(instance.travel._compiled.nodes)
    if not (
        isinstance(value, np.ndarray)
        and value.shape == (n, n)
        and value.dtype in (np.int32, np.int64)
    ):
        shape = getattr(value, "shape", None)
        raise InvalidInputError(
            f"TravelTable.{attribute.name}", f"must be an int32/int64 array {(n, n)}, got {shape}"
        )


def _durations_field(
    instance: TravelTable, attribute: attrs.Attribute[Any], value: Mapping[TravelProfile, Any]
) -> None:
    if not value:
        raise InvalidInputError("TravelTable.durations_s", "needs at least one profile")
    for profile, table in value.items():
        if not isinstance(profile, TravelProfile):
            raise InvalidInputError("TravelTable.durations_s", f"key {profile!r} is no profile")
        _table_field(instance, attribute, table)


@attrs.frozen(eq=False, repr=False)
class TravelTable:
    """Travel among all nodes of a road graph, precomputed per profile.

    Build it with :meth:`from_graph` (or :meth:`RoadGraphTravel.table`). It
    answers :meth:`matrix` exactly like the :class:`RoadGraphTravel` it was
    built from (it is a :class:`~dispatch.travel.TravelTimes`), and
    :meth:`pairs` exactly like :meth:`RoadGraphTravel.pairs`, but by looking
    entries up instead of running Dijkstra: worth it when many matchings run
    on one graph.

    The tables hold the rounded integers: per profile the durations (seconds,
    rounded up), and once the distances (metres), as ``int32``; pairs that
    cannot reach each other hold a sentinel inside and raise
    :class:`~dispatch.errors.UnreachableError` naming the nodes when asked for.

    Attributes
    ----------
    travel
        The :class:`RoadGraphTravel` the table was built from (graph, weight
        mode, speeds); it resolves locations and gives the speed bound.
    durations_s
        ``{profile: N x N array}`` of seconds, read-only, rows and columns in
        the graph's node order; -1 marks an unreachable pair.
    distances_m
        ``N x N`` array of metres, read-only; -1 marks an unreachable pair.

    Memory is ``4 N²`` bytes per table for ``N`` graph nodes, and there are
    ``len(profiles) + 1`` tables:

    ======  ============  ===========================
    N       one table     one profile (2 tables)
    ======  ============  ===========================
    1,000   4 MB          8 MB
    5,000   100 MB        200 MB
    10,000  400 MB        800 MB
    20,000  1.6 GB        3.2 GB
    ======  ============  ===========================

    Building runs Dijkstra from every node, in blocks of 16 MB, on one core.
    Measured on a 71 x 71 grid (5,041 nodes, 19,880 one-way edges with random
    lengths; AMD EPYC, shared and loaded, best of two): 3.3 s for
    ``weight="length"`` and one profile (Dijkstra alone: 2.9 s), 4.7 s for
    all four profiles; ``weight="travel_time"``: 6.3 s for one profile and
    8.2 s for four (the lengths along the fastest paths cost a pass over
    each shortest-path tree). Time grows about as ``N² log N``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edge("depot", "home", length=1200.0)
    >>> G.add_edge("home", "depot", length=1500.0)
    >>> G.add_node("island")
    >>> table = TravelTable.from_graph(RoadGraphTravel(G), profiles=["bike", "walk"])
    >>> table
    TravelTable(3 nodes, profiles=('bike', 'walk'), 108 bytes)
    >>> m = table.matrix([Location(node="depot"), Location(node="home")], "bike")
    >>> m.durations_s.tolist(), m.distances_m.tolist()
    ([[0, 300], [375, 0]], [[0, 1200], [1500, 0]])
    >>> table.matrix([Location(node="home"), Location(node="island")], "walk")
    Traceback (most recent call last):
    ...
    dispatch.errors.UnreachableError: 2 unreachable node pair(s): 'home'->'island', 'island'->'home'
    >>> table.matrix([Location(node="home")], "car")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: profile: 'car' is not in this table (built for bike, walk)
    """

    travel: RoadGraphTravel = attrs.field(validator=_road_graph)
    durations_s: Mapping[TravelProfile, IntTable] = attrs.field(validator=_durations_field)
    distances_m: IntTable = attrs.field(validator=_table_field)

    @classmethod
    def from_graph(
        cls, travel: RoadGraphTravel, *, profiles: Iterable[TravelProfile | str]
    ) -> TravelTable:
        """Run Dijkstra from every node of ``travel.graph`` and keep the rounded results.

        Parameters
        ----------
        travel
            The road graph, its weight mode and speeds.
        profiles
            The profiles to tabulate (each costs ``4 N²`` bytes); at least one.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.path_graph(3)
        >>> nx.set_edge_attributes(G, 100.0, "length")
        >>> table = TravelTable.from_graph(RoadGraphTravel(G), profiles=[TravelProfile.WALK])
        >>> table.durations_s[TravelProfile.WALK].tolist()
        [[0, 84, 167], [84, 0, 84], [167, 84, 0]]
        """
        _road_graph(cls, attrs.fields(cls).travel, travel)
        chosen = tuple(dict.fromkeys(profile_of(p) for p in profiles))
        if not chosen:
            raise InvalidInputError("profiles", "name at least one profile")
        started = time.perf_counter()
        compiled = travel._compiled
        n = len(compiled.nodes)
        durations = {p: np.empty((n, n), dtype=np.int32) for p in chosen}
        distances = np.empty((n, n), dtype=np.int32)
        measured = travel.weight == "travel_time"
        blocks = compiled.shortest_blocks(np.arange(n, dtype=np.intp), None, measured=measured)
        for block, weights, measures in blocks:
            unreachable = ~np.isfinite(weights)
            weights[unreachable] = 0.0  # fresh arrays: zero the gaps in place, keep the mask
            measures[unreachable] = 0.0
            for profile in chosen:
                # The very operations of RoadGraphTravel.matrix, entry for entry.
                speed_mps = travel.speeds[profile]
                if measured:
                    seconds = ceil_seconds(weights * (travel.speeds.car_mps / speed_mps))
                else:
                    seconds = ceil_seconds(weights / speed_mps)
                durations[profile] = _put(durations[profile], block, seconds, unreachable)
            distances = _put(distances, block, round_metres(measures), unreachable)
        table = cls(travel, {p: read_only(t) for p, t in durations.items()}, read_only(distances))
        logger.info(
            "travel table: %d nodes, %d profile(s), %.0f MB, built in %.1f s",
            n,
            len(chosen),
            table.nbytes / 1e6,
            time.perf_counter() - started,
        )
        return table

    @property
    def profiles(self) -> tuple[TravelProfile, ...]:
        """The profiles tabulated."""
        return tuple(self.durations_s)

    @property
    def nbytes(self) -> int:
        """Bytes held by the tables."""
        return int(self.distances_m.nbytes + sum(t.nbytes for t in self.durations_s.values()))

    def __repr__(self) -> str:
        names = tuple(p.value for p in self.profiles)
        nodes = len(self.travel._compiled.nodes)
        return f"TravelTable({nodes} nodes, profiles={names}, {self.nbytes} bytes)"

    def _durations(self, profile: TravelProfile | str) -> IntTable:
        chosen = profile_of(profile)
        try:
            return self.durations_s[chosen]
        except KeyError:
            built = ", ".join(p.value for p in self.profiles)
            raise InvalidInputError(
                "profile", f"{chosen.value!r} is not in this table (built for {built})"
            ) from None

    def _rows(self, locations: Sequence[Location]) -> IndexArray:
        return self.travel._compiled.rows(_nodes_of(locations))

    def matrix(self, locations: Sequence[Location], profile: TravelProfile | str) -> TravelMatrix:
        """Durations and distances among ``locations`` for ``profile``; see the class docstring."""
        durations = self._durations(profile)
        rows, inverse = np.unique(self._rows(locations), return_inverse=True)
        among = np.ix_(rows, rows)
        seconds = durations[among]
        bad = np.argwhere(seconds == UNREACHABLE)
        if bad.size:  # the error RoadGraphTravel.matrix raises, pair for pair
            raise _unreachable(rows[bad[:, 0]], rows[bad[:, 1]], self.travel._compiled.nodes)
        grid = np.ix_(inverse.reshape(-1), inverse.reshape(-1))
        return TravelMatrix(seconds[grid], self.distances_m[among][grid])

    def pairs(self, locations: Sequence[Location]) -> PairLookup:
        """Elementwise travel among ``locations``, as :meth:`RoadGraphTravel.pairs` gives it.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.DiGraph([(0, 1, {"length": 120.0})])
        >>> lookup = RoadGraphTravel(G).table(profiles=["walk"]).pairs(
        ...     [Location(node=0), Location(node=1)]
        ... )
        >>> lookup.durations_s([0, 0], [1, 0], "walk").tolist()
        [100, 0]
        >>> lookup.durations_s([1], [0], "walk")
        Traceback (most recent call last):
        ...
        dispatch.errors.UnreachableError: 1 unreachable node pair(s): 1->0
        """
        rows = read_only(np.array(self._rows(locations), dtype=np.intp))
        geometry = self.travel._geometry
        xy = None if geometry is None else read_only(geometry.node_xy_m[rows])
        return _TablePairs(self, rows, xy)


def _put(
    table: IntTable, block: slice, values: IntArray, unreachable: npt.NDArray[np.bool_]
) -> IntTable:
    """``table`` with rows ``block`` set to ``values`` (the sentinel where ``unreachable``).

    Widens the table to ``int64`` the first time a value does not fit ``int32``
    (68 years in seconds, 2 million km in metres).
    """
    values[unreachable] = UNREACHABLE
    if table.dtype == np.int32 and values.size and values.max() > _INT32_MAX:
        logger.warning("travel table entries exceed int32; storing int64 (twice the memory)")
        table = table.astype(np.int64)
    table[block] = values
    return table


@attrs.frozen(eq=False)
class _TablePairs:
    """:class:`~dispatch.travel.PairLookup` of a :class:`TravelTable`: a graph row per location."""

    table: TravelTable
    rows: IndexArray = attrs.field(repr=False)
    xy: FloatArray | None = attrs.field(repr=False)

    def __len__(self) -> int:
        return int(self.rows.size)

    def _lookup(self, stored: IntTable, a: npt.ArrayLike, b: npt.ArrayLike) -> IntArray:
        ia, ib = pair_indices(a, b, len(self))
        origins, targets = self.rows[ia], self.rows[ib]
        values = stored[origins, targets]
        bad = values == UNREACHABLE
        if bad.any():
            raise _unreachable(origins[bad], targets[bad], self.table.travel._compiled.nodes)
        return values.astype(np.int64)

    def durations_s(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Travel time from ``a`` to ``b`` (the profile must be in the table)."""
        return self._lookup(self.table._durations(profile), a, b)

    def distances_m(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Length of the path from ``a`` to ``b`` (the same for every profile)."""
        profile_of(profile)
        return self._lookup(self.table.distances_m, a, b)

    def speed_bound_mps(self, profile: TravelProfile | str) -> float | None:
        """As for :meth:`RoadGraphTravel.pairs` (the profile must be in the table)."""
        self.table._durations(profile)
        travel = self.table.travel
        return _speed_bound(travel._geometry, travel.weight, travel.speeds, profile)

    def xy_m(self) -> FloatArray | None:
        """Projected coordinates of each location's graph node, or ``None``."""
        return self.xy

    def places(self) -> IndexArray:
        """Each location's graph row in the table (see :class:`~dispatch.travel.PlaceLookup`)."""
        return self.rows

    def place_durations_s(self, profile: TravelProfile | str) -> IntTable:
        """The whole stored table of ``profile`` (read-only, ``-1`` = unreachable)."""
        return self.table._durations(profile)  # stored read-only
