"""Zones of a city by recursive weighted bisection: :class:`Zones`.

A set of weighted points is cut along its wider side where the weight on
one side comes closest to its share, again and again, until there are as
many groups as zones asked for. The cuts are kept as a tree, so a point
that took no part in the fit (a courier's own stop, tomorrow's errand)
is placed by the same cuts: zones are regions, not just labels.

The fit measures spread and order in metric ``points`` and places each
cut's threshold in ``coords`` (by default the points themselves), which
must order the points along each axis as ``points`` does: zones of
places are fitted on :func:`~dispatch.travel.local_xy_m` metres and kept
in longitude/latitude degrees, so they do not depend on the projection
of the problem they were fitted on.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError

__all__ = ["Zones"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@attrs.frozen(kw_only=True)
class _Cut:
    """An inner node: coordinate ``axis`` below each threshold goes to that child."""

    axis: int
    thresholds: tuple[float, ...]
    children: tuple[int, ...]  # node indices, one more than thresholds


def _as_points(name: str, value: npt.ArrayLike) -> FloatArray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InvalidInputError(name, f"must have shape (n, 2), got {array.shape}")
    if not np.isfinite(array).all():
        raise InvalidInputError(name, "must be finite")
    return array


def _threshold(coords: FloatArray, axis: int, below: int, above: int) -> float:
    """Midway between two neighbouring points' coordinates (equal when they tie)."""
    return float((coords[below, axis] + coords[above, axis]) / 2.0)


@attrs.frozen(kw_only=True)
class Zones:
    """Regions of the plane cut by recursive weighted bisection.

    Build with :meth:`fit`. ``labels`` are the zones of the fitted points
    (by the fit's own order, so points tied on a cut coordinate may lie on
    either side); :meth:`locate` places any point by the thresholds (a point
    on a threshold goes to the upper side). Zones are numbered by the first
    fitted point in them.

    Attributes
    ----------
    count
        Number of zones (fewer than asked when there are fewer points).
    labels
        Zone of each fitted point.

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0], [20.0, 0.0]])
    >>> zones = Zones.fit(pts, np.ones(5), 2)
    >>> zones.count, zones.labels.tolist()
    (2, [0, 0, 1, 1, 1])
    >>> zones.locate([[4.0, 3.0], [7.0, -1.0]]).tolist()
    [0, 1]
    >>> zones.bounds(0)
    ((-inf, 5.5), (-inf, inf))
    """

    count: int
    labels: IntArray = attrs.field(eq=False)
    _nodes: tuple[_Cut | int, ...] = attrs.field(alias="nodes")  # a cut, or a zone (leaf)

    @classmethod
    def fit(
        cls,
        points: npt.ArrayLike,
        weights: npt.ArrayLike,
        parts: int,
        *,
        coords: npt.ArrayLike | None = None,
    ) -> Zones:
        """Cut ``points`` into ``parts`` groups of about equal weight.

        A group to be cut into ``k`` is cut along its wider side (in
        ``points``) where the weight on one side comes closest to
        ``floor(k/2)/k`` of the group's; a group of at most ``k`` points
        becomes one zone per point. Fewer zones come out when there are
        fewer points than parts.

        Parameters
        ----------
        points
            ``(n, 2)`` metric coordinates (metres east and north).
        weights
            ``n`` non-negative weights.
        parts
            Zones wanted (>= 1).
        coords
            ``(n, 2)`` coordinates to keep the cuts in (e.g. longitude and
            latitude for metric ``points``), ordered like ``points`` along
            each axis; default ``points``.

        Examples
        --------
        >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0], [20.0, 0.0]])
        >>> Zones.fit(pts, np.ones(5), 3).labels.tolist()
        [0, 0, 1, 2, 2]
        >>> Zones.fit(pts, np.ones(4), 2)
        Traceback (most recent call last):
        ...
        dispatch.errors.InvalidInputError: weights: needs one weight per point, got 4 for 5
        """
        xy = _as_points("points", points)
        at = xy if coords is None else _as_points("coords", coords)
        weight = np.asarray(weights, dtype=np.float64).reshape(-1)
        if at.shape != xy.shape:
            raise InvalidInputError("coords", f"must have the shape of points {xy.shape}")
        if weight.size != len(xy):
            raise InvalidInputError(
                "weights", f"needs one weight per point, got {weight.size} for {len(xy)}"
            )
        if not (np.isfinite(weight).all() and (weight >= 0).all()):
            raise InvalidInputError("weights", "must be finite and >= 0")
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise InvalidInputError("parts", f"must be an int >= 1, got {parts!r}")
        nodes: list[_Cut | int | None] = [None]
        members_of: dict[int, IntArray] = {}  # leaf node -> its fitted points
        pending: list[tuple[int, IntArray, int]] = [(0, np.arange(len(xy)), parts)]
        while pending:
            node, members, k = pending.pop()
            if k <= 1 or len(members) <= 1:
                members_of[node] = members
                continue
            spread = xy[members].max(axis=0) - xy[members].min(axis=0)
            axis = int(np.argmax(spread))
            order = members[np.argsort(xy[members, axis], kind="stable")]
            if len(members) <= k:  # one zone per point, in order along the axis
                children = list(range(len(nodes), len(nodes) + len(order)))
                nodes.extend([None] * len(order))
                for child, member in zip(children, order.tolist(), strict=True):
                    members_of[child] = np.array([member], dtype=np.int64)
                cuts = [_threshold(at, axis, a, b) for a, b in itertools.pairwise(order)]
                nodes[node] = _Cut(axis=axis, thresholds=tuple(cuts), children=tuple(children))
                continue
            left = k // 2
            cumulative = np.cumsum(weight[order])
            # Members on the left: where the cumulative weight comes closest to its share.
            miss = np.abs(cumulative - cumulative[-1] * left / k)
            cut = min(max(int(np.argmin(miss)) + 1, left), len(order) - (k - left))
            low, high = len(nodes), len(nodes) + 1
            nodes.extend([None, None])
            threshold = _threshold(at, axis, int(order[cut - 1]), int(order[cut]))
            nodes[node] = _Cut(axis=axis, thresholds=(threshold,), children=(low, high))
            pending.append((high, order[cut:], k - left))
            pending.append((low, order[:cut], left))
        # Zones numbered by their first fitted point (empty ones, from no points, last).
        leaves = sorted(members_of, key=lambda n: (int(members_of[n].min(initial=len(xy))), n))
        labels = np.zeros(len(xy), dtype=np.int64)
        for label, leaf in enumerate(leaves):
            labels[members_of[leaf]] = label
            nodes[leaf] = label
        done = tuple(n for n in nodes if n is not None)
        if len(done) != len(nodes):  # pragma: no cover - every node is a cut or a leaf
            raise AssertionError("unfilled zone tree node")
        return cls(count=len(leaves), labels=labels, nodes=done)

    def locate(self, coords: npt.ArrayLike) -> IntArray:
        """The zone of each point ``(n, 2)``, in the coordinates the cuts are kept in."""
        at = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        out = np.zeros(len(at), dtype=np.int64)
        stack: list[tuple[int, IntArray]] = [(0, np.arange(len(at)))]
        while stack:
            node, rows = stack.pop()
            entry = self._nodes[node]
            if isinstance(entry, int):
                out[rows] = entry
                continue
            side = np.searchsorted(np.array(entry.thresholds), at[rows, entry.axis], side="right")
            for k, child in enumerate(entry.children):
                chosen = rows[side == k]
                if chosen.size:
                    stack.append((child, chosen))
        return out

    def bounds(self, zone: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """``((low, high) of axis 0, (low, high) of axis 1)``: the zone's box (may be infinite)."""
        boxes = self._boxes()
        if not 0 <= zone < self.count:
            raise InvalidInputError("zone", f"must be in [0, {self.count}), got {zone!r}")
        return boxes[zone]

    def _boxes(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        out: list[tuple[tuple[float, float], tuple[float, float]]] = [
            ((-np.inf, np.inf), (-np.inf, np.inf))
        ] * self.count
        stack: list[tuple[int, list[list[float]]]] = [(0, [[-np.inf, np.inf], [-np.inf, np.inf]])]
        while stack:
            node, box = stack.pop()
            entry = self._nodes[node]
            if isinstance(entry, int):
                out[entry] = ((box[0][0], box[0][1]), (box[1][0], box[1][1]))
                continue
            edges: Sequence[float] = (-np.inf, *entry.thresholds, np.inf)
            for k, child in enumerate(entry.children):
                inner = [list(box[0]), list(box[1])]
                low, high = inner[entry.axis]
                inner[entry.axis] = [max(low, edges[k]), min(high, edges[k + 1])]
                stack.append((child, inner))
        return out

    def clamp(self, coords: npt.ArrayLike, zone: int) -> FloatArray:
        """Each point moved to the nearest point of ``zone``'s box (itself when inside)."""
        (x0, x1), (y0, y1) = self.bounds(zone)
        at = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        return np.stack([np.clip(at[:, 0], x0, x1), np.clip(at[:, 1], y0, y1)], axis=1)
