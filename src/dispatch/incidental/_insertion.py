"""Cheapest feasible insertion of an errand's pickup and drop-off into couriers' current routes.

The kernel works on plain integer arrays, not on a :class:`~dispatch.model.Problem`, so the
matcher can feed it whatever it holds. A route is the courier's points ``0..m+1``: point 0 is
where the courier is now (it leaves at ``start_s[0]``), points ``1..m`` are the stops already
on the route in order (own stops and task stops), point ``m+1`` is the end (``courier.end``,
or for an open end a point at the last stop's location, 0 s of travel from it). Inserting an
errand "after ``i``, after ``j``" (``0 <= i <= j <= m``) puts its pickup right after point
``i`` and its drop-off right after point ``j``; ``i == j`` serves the two back to back
between points ``i`` and ``i+1``.

Schedule model
--------------
Earliest start, as the validator's rules allow: arrival = previous departure + travel, service
starts at ``max(arrival, earliest)``, departure = start + service; the courier waits only for
a window to open. The given ``start_s`` must be such a schedule. Each point ``k`` may start at
most at ``latest_s[k]``: for a stop with several windows, pass the end of the window that
contains ``start_s[k]``. This is conservative: a push past that end would move the stop into a
later window, which the kernel reports as infeasible instead. For the end point pass the shift
end (its start is its arrival). Point 0 is never moved; its ``latest_s`` is not used.

An insertion pushes the arrival at the point after the pickup by ``delta``. The forward slack
``F[k] = w[k] + min(latest[k] - start[k], F[k+1])`` (``w`` = current waiting, ``F[m+1]`` =
the end's slack) is the largest push of the arrival at ``k`` that keeps every later point
within its latest, waits absorbing pushes; it checks the push after the drop-off in O(1).
Between the pickup and the drop-off the push must stay within the range minimum of
``latest[k] - start[k] + W[k]`` over ``k = i+1..j`` (``W`` = prefix sums of waits, offset by
``W[i]``), kept as a running AND along ``j``; the push reaching the drop-off is
``max(delta - (W[j] - W[i]), 0)``. So each ``(i, j)`` costs O(1) after O(m) work per route
and candidate, every step vectorised over positions and candidates.

Travel that breaks the triangle inequality can make ``delta`` negative: the stops after the
pickup may then start earlier. With ``earliest_s`` (the opening of the window containing each
``start_s``) the kernel follows that exactly (a running maximum of ``earliest - start + W``);
without it, existing stops are taken never to start before their current ``start_s``, which is
exact whenever ``delta >= 0`` (always, under the triangle inequality) and conservative
otherwise.

Feasible means: the pickup and drop-off start inside their (single) windows, every existing
point and the end keep their latest, the errand's ride (drop-off start minus pickup departure)
is at most ``max_ride_s``, the load after the pickup and after each point up to the drop-off
plus the errand's load fits the capacity in every dimension, and the added busy time (travel
delta plus both services; the cost) is at most ``remaining_detour_s``. Ties go to the smallest
``i``, then the smallest ``j``. For a stop with several windows the caller loops over window
combinations.

Not checked: the maximum ride times of tasks already on the route. A push can lengthen their
rides; the matcher must re-verify the final route by exact simulation.

Performance
-----------
:func:`best_insertions` sorts candidates by route length and evaluates them in chunks of
``(m+1, m+1, C)`` arrays, the candidate axis last so that numpy's inner loops run over
candidates; the time, capacity and budget rules become bool grids. Measured on the 2-core
development machine (numpy 2.4), 100,000 candidates on 1,000 routes of 11-13 stops, default
``chunk_size`` 2048, best / median of 7 runs: 0.32 s / 0.34 s while the machine was nearly
idle (load 0.5), 0.42 s / 0.46 s while other jobs kept both cores busy (load 2); with
``earliest_s`` 0.35 s / 0.37 s and 0.52 s / 0.57 s. Building the arrays is not included.
``python -m tests.incidental.test_insertion`` measures it.

Examples
--------
On a line, one unit apart per second: the courier is at 0, has a stop at 10 and ends at 20; an
errand goes from 5 to 15. Picking up before the stop and dropping off after it costs nothing.

>>> route = RouteArrays(start_s=[0, 10, 20], latest_s=[0, 100, 50], service_s=[0, 0, 0],
...                     load_after=[[0], [0], [0]], capacity=[1], leg_s=[10, 10])
>>> errand = ErrandArrays(load=[1], to_pickup_s=[5, 5, 15], from_pickup_s=[5, 5, 15],
...                       to_dropoff_s=[15, 5, 5], from_dropoff_s=[15, 5, 5],
...                       pickup_to_dropoff_s=10)
>>> grid = insertion_grid(route, errand)
>>> grid.added_busy_s
array([[10,  0],
       [ 0, 10]])
>>> grid.best()
Insertion(reason=<InsertionReason.FEASIBLE: 0>, pickup_after=0, dropoff_after=1,
          added_busy_s=0, pickup_start_s=5, dropoff_start_s=15)
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError

__all__ = [
    "MAX_STOPS",
    "UNBOUNDED_S",
    "CandidateBatch",
    "ErrandArrays",
    "Insertion",
    "InsertionGrid",
    "InsertionReason",
    "InsertionResult",
    "RouteArrays",
    "RouteBatch",
    "best_insertions",
    "best_insertions_trusted",
    "insertion_grid",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

UNBOUNDED_S: Final = 2**40
"""Stands for "no limit" in latest times, windows, ride limits and detour budgets.

Larger limits are clipped to it (and earliest times below ``-UNBOUNDED_S`` to that); every
other time must lie within ``[-UNBOUNDED_S, UNBOUNDED_S]``, which keeps int64 sums exact.
"""

MAX_STOPS: Final = 1000
"""Most stops a route may have (the kernel's work grows with the square of it)."""

_HUGE: Final = 2**62  # masks range minima and maxima; never added to anything
_NO_COST: Final = np.iinfo(np.int64).max


class InsertionReason(enum.IntEnum):
    """How far a candidate (or one grid cell) got; stored as int8 in result arrays."""

    FEASIBLE = 0
    """Some position passes every check."""
    TIME = 1
    """No position meets the time rules: the errand's windows, the latest start of every
    existing point and of the end, and the errand's maximum ride time."""
    CAPACITY = 2
    """Some position meets the time rules, but the load exceeds the capacity at each of them."""
    DETOUR = 3
    """Some position meets time and capacity, but each such position costs more added busy
    time than the remaining detour budget."""
    ORDER = 4
    """Grid cells only: drop-off before pickup (``j < i``), not a position."""


# --- input conversion and checks ---------------------------------------------------------------


def _as_int64(value: npt.ArrayLike) -> IntArray:
    """``value`` as an int64 array when it holds integers; other input is left to the validator."""
    array: npt.NDArray[Any] = np.asarray(value)
    if array.dtype.kind in "iu" or (array.size == 0 and array.dtype.kind == "f"):
        return array.astype(np.int64, copy=False)
    return array


def _as_limit(value: npt.ArrayLike) -> IntArray:
    """Like :func:`_as_int64`, with values clipped to ``[-UNBOUNDED_S, UNBOUNDED_S]``."""
    array = _as_int64(value)
    if array.dtype != np.int64:
        return array
    return np.clip(array, -UNBOUNDED_S, UNBOUNDED_S)


def _as_optional_int64(value: npt.ArrayLike | None) -> IntArray | None:
    """None stays None; anything else as :func:`_as_int64`."""
    return None if value is None else _as_int64(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _as_int(value: Any) -> Any:
    """numpy integers as ``int``; anything else unchanged, for the validator."""
    return int(value) if _is_int(value) else value


def _as_optional_int(value: Any) -> Any:
    """None stays None; else as :func:`_as_int`."""
    return None if value is None else _as_int(value)


def _as_window(value: Any) -> Any:
    """None (any time) as ``(-UNBOUNDED_S, UNBOUNDED_S)``; int bounds clipped to that range;
    anything else unchanged, for the validator."""
    if value is None:
        return (-UNBOUNDED_S, UNBOUNDED_S)
    bounds = tuple(value)
    if len(bounds) != 2 or not all(_is_int(b) for b in bounds):
        return bounds
    return (max(int(bounds[0]), -UNBOUNDED_S), min(int(bounds[1]), UNBOUNDED_S))


def _label(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _ints(ndim: int) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    """Validator: an int64 numpy array with ``ndim`` dimensions (None passes)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, np.ndarray) or value.dtype != np.int64 or value.ndim != ndim:
            got = (
                f"a {value.ndim}-d array of {value.dtype}"
                if isinstance(value, np.ndarray)
                else repr(value)
            )
            raise InvalidInputError(
                _label(instance, attribute), f"must be a {ndim}-d array of integers, got {got}"
            )

    return check


def _int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An int (not bool)."""
    if not _is_int(value):
        raise InvalidInputError(_label(instance, attribute), f"must be an int, got {value!r}")


def _optional_int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """None or an int (not bool)."""
    if value is not None:
        _int(instance, attribute, value)


def _window(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A pair of ints (earliest, latest)."""
    if not (isinstance(value, tuple) and len(value) == 2 and all(_is_int(v) for v in value)):
        raise InvalidInputError(
            _label(instance, attribute), f"must be None or (earliest, latest) ints, got {value!r}"
        )


def _require(ok: BoolArray, field: str, axes: Sequence[str | None], message: str) -> None:
    """Raise :class:`InvalidInputError` naming ``field`` and the first index where ``ok`` fails.

    ``axes`` names the dimensions of ``ok`` (None: not shown).
    """
    if ok.all():
        return
    first = [int(x) for x in np.argwhere(~ok)[0]]
    shown = ", ".join(f"{name} {k}" for name, k in zip(axes, first, strict=True) if name)
    raise InvalidInputError(f"{field} ({shown})" if shown else field, message)


_Built = TypeVar("_Built")


def _trusted(cls: type[_Built], fields: dict[str, Any]) -> _Built:
    """An instance of the frozen ``cls`` made from ``fields`` without conversion or checks.

    For callers that assemble the arrays from routes they simulated themselves
    (the matcher's hot loop): int64 arrays, limits already within
    ``±UNBOUNDED_S``, shapes as documented. Everyone else uses the constructor.
    """
    built = object.__new__(cls)
    for field in attrs.fields(cls):  # type: ignore[arg-type]
        value = fields.get(field.name, field.default)
        if value is attrs.NOTHING:
            raise TypeError(f"{cls.__name__}.trusted() needs {field.name}")
        object.__setattr__(built, field.name, value)
    return built


def _require_shape(array: npt.NDArray[Any], shape: tuple[int, ...], field: str) -> None:
    if array.shape != shape:
        raise InvalidInputError(field, f"must have shape {shape}, has {array.shape}")


def _check_routes(
    owner: str,
    axes: tuple[str | None, str],
    *,
    n_stops: IntArray,
    start_s: IntArray,
    latest_s: IntArray,
    service_s: IntArray,
    load_after: IntArray,
    capacity: IntArray,
    leg_s: IntArray,
    earliest_s: IntArray | None,
) -> None:
    """Shapes, ranges and schedule consistency of padded route arrays (one row per route)."""
    n_routes, width = start_s.shape
    route_axis = axes[:1]
    if width < 2:
        raise InvalidInputError(f"{owner}.start_s", f"needs at least 2 points, has {width}")
    _require(n_stops >= 0, f"{owner}.n_stops", route_axis, "must be >= 0")
    _require(n_stops + 2 <= width, f"{owner}.n_stops", route_axis, "exceeds the array width - 2")
    _require(n_stops <= MAX_STOPS, f"{owner}.n_stops", route_axis, f"exceeds {MAX_STOPS}")
    for name, array in (("latest_s", latest_s), ("service_s", service_s)):
        _require_shape(array, (n_routes, width), f"{owner}.{name}")
    if earliest_s is not None:
        _require_shape(earliest_s, (n_routes, width), f"{owner}.earliest_s")
    _require_shape(leg_s, (n_routes, width - 1), f"{owner}.leg_s")
    if capacity.shape[:1] != (n_routes,) or capacity.ndim != 2 or capacity.shape[1] < 1:
        raise InvalidInputError(
            f"{owner}.capacity", f"must have one entry per load dimension, has {capacity.shape}"
        )
    _require_shape(load_after, (n_routes, width, capacity.shape[1]), f"{owner}.load_after")
    live = np.arange(width)[None, :] <= n_stops[:, None] + 1
    checked: list[tuple[str, IntArray | None]] = [
        ("start_s", start_s),
        ("service_s", service_s),
        ("earliest_s", earliest_s),
    ]
    for name, values in checked:
        if values is not None:
            within = (np.abs(values) <= UNBOUNDED_S) | ~live
            _require(within, f"{owner}.{name}", axes, "must lie within ±UNBOUNDED_S")
    _require((service_s >= 0) | ~live, f"{owner}.service_s", axes, "must be >= 0")
    leg_live = live[:, 1:]
    leg_ok = (leg_s >= 0) & (leg_s <= UNBOUNDED_S) | ~leg_live
    _require(leg_ok, f"{owner}.leg_s", (axes[0], "leg"), "must lie within [0, UNBOUNDED_S]")
    _require(capacity >= 0, f"{owner}.capacity", (axes[0], "dimension"), "must be >= 0")
    arrival = start_s[:, :-1] + service_s[:, :-1] + leg_s
    point_axes = (axes[0], "point")

    def from_point_1(ok: BoolArray) -> BoolArray:  # (R, W-1) over points 1.. -> (R, W)
        return np.concatenate([np.ones((n_routes, 1), dtype=bool), ok], axis=1)

    _require(
        from_point_1((start_s[:, 1:] >= arrival) | ~leg_live),
        f"{owner}.start_s",
        point_axes,
        "a service starts before the courier can arrive (previous start + service + leg)",
    )
    is_end = np.arange(1, width)[None, :] == n_stops[:, None] + 1
    _require(
        from_point_1((start_s[:, 1:] == arrival) | ~is_end),
        f"{owner}.start_s",
        point_axes,
        "the end point must start on arrival",
    )
    _require(
        from_point_1((start_s[:, 1:] <= latest_s[:, 1:]) | ~leg_live),
        f"{owner}.start_s",
        point_axes,
        "starts after its latest_s: the current route is already infeasible",
    )
    if earliest_s is not None:
        stop = leg_live & ~is_end
        waits = start_s[:, 1:] > arrival
        _require(
            from_point_1((earliest_s[:, 1:] <= start_s[:, 1:]) | ~stop),
            f"{owner}.earliest_s",
            point_axes,
            "must not exceed start_s",
        )
        _require(
            from_point_1((earliest_s[:, 1:] == start_s[:, 1:]) | ~(stop & waits)),
            f"{owner}.earliest_s",
            point_axes,
            "a stop that waits must start when its window opens (earliest_s == start_s)",
        )


def _check_errands(
    owner: str,
    axis: str | None,
    *,
    pickup_window_s: IntArray,
    dropoff_window_s: IntArray,
    pickup_service_s: IntArray,
    dropoff_service_s: IntArray,
    max_ride_s: IntArray,
    pickup_to_dropoff_s: IntArray,
    load: IntArray,
) -> None:
    """Shapes and ranges of errand fields (one row per errand; windows ``(K, 2)``)."""
    count = len(pickup_service_s)
    for name, window in (
        ("pickup_window_s", pickup_window_s),
        ("dropoff_window_s", dropoff_window_s),
    ):
        _require_shape(window, (count, 2), f"{owner}.{name}")
        _require(window[:, 0] <= window[:, 1], f"{owner}.{name}", (axis,), "empty window")
    scalars = (
        ("pickup_service_s", pickup_service_s),
        ("dropoff_service_s", dropoff_service_s),
        ("max_ride_s", max_ride_s),
        ("pickup_to_dropoff_s", pickup_to_dropoff_s),
    )
    for name, values in scalars:
        _require_shape(values, (count,), f"{owner}.{name}")
        within = (values >= 0) & (values <= UNBOUNDED_S)
        _require(within, f"{owner}.{name}", (axis,), "must lie within [0, UNBOUNDED_S]")
    if load.shape[:1] != (count,) or load.shape[1] < 1:
        raise InvalidInputError(f"{owner}.load", f"needs one entry per dimension, has {load.shape}")
    _require(load >= 0, f"{owner}.load", (axis, "dimension"), "must be >= 0")


# --- one route, one errand -------------------------------------------------------------------


@attrs.frozen(kw_only=True, eq=False)
class RouteArrays:
    """One courier's current route as arrays over its points ``0..m+1`` (see the module doc).

    Parameters
    ----------
    start_s
        ``(m+2,)`` service start of each point in the current earliest-start schedule; point 0:
        the time the courier leaves where it is now; the end: its arrival.
    latest_s
        ``(m+2,)`` latest allowed start: the end of the window containing ``start_s[k]`` (or
        :data:`UNBOUNDED_S` for a stop without windows); the shift end for the end point;
        ignored for point 0.
    service_s
        ``(m+2,)`` service seconds (0 for point 0 and the end).
    load_after
        ``(m+2, dims)`` load when leaving each point.
    capacity
        ``(dims,)`` the courier's capacity.
    leg_s
        ``(m+1,)`` travel seconds from point ``k`` to point ``k+1`` (0 into an open end).
    remaining_detour_s
        Detour budget minus the detour already used; None: unlimited.
    earliest_s
        Optional ``(m+2,)`` opening of the window containing ``start_s[k]`` (``start_s[k]``
        itself, or less, for a stop without windows; points 0 and ``m+1`` are not used).
        Needed only to follow stops that start earlier when travel breaks the triangle
        inequality; without it they keep their current starts at the earliest.

    Examples
    --------
    >>> RouteArrays(start_s=[0, 10], latest_s=[0, 9], service_s=[0, 0], load_after=[[0], [0]],
    ...             capacity=[1], leg_s=[10])
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: RouteArrays.start_s (point 1): starts after its ...
    """

    start_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    latest_s: IntArray = attrs.field(converter=_as_limit, validator=_ints(1))
    service_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    load_after: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    capacity: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    leg_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    remaining_detour_s: int | None = attrs.field(
        default=None, converter=_as_optional_int, validator=_optional_int
    )
    earliest_s: IntArray | None = attrs.field(
        default=None, converter=_as_optional_int64, validator=_ints(1)
    )

    @property
    def n_stops(self) -> int:
        """``m``, the number of stops between point 0 and the end."""
        return len(self.start_s) - 2

    def __attrs_post_init__(self) -> None:
        _check_routes(
            "RouteArrays",
            (None, "point"),
            n_stops=np.array([self.n_stops], dtype=np.int64),
            start_s=self.start_s[None, :],
            latest_s=self.latest_s[None, :],
            service_s=self.service_s[None, :],
            load_after=self.load_after[None, :, :],
            capacity=self.capacity[None, :],
            leg_s=self.leg_s[None, :],
            earliest_s=None if self.earliest_s is None else self.earliest_s[None, :],
        )


@attrs.frozen(kw_only=True, eq=False)
class ErrandArrays:
    """One errand seen from one route (whose points are ``0..m+1``).

    Parameters
    ----------
    pickup_window_s, dropoff_window_s
        ``(earliest, latest)`` service start of each; None: any time. One window each; for
        stops with several windows the caller tries each combination.
    pickup_service_s, dropoff_service_s
        Service seconds.
    load
        ``(dims,)`` the errand's load (>= 0), carried from pickup to drop-off.
    max_ride_s
        Limit on drop-off start minus pickup departure; None: no limit.
    to_pickup_s
        ``(m+2,)``: entry ``k`` = travel from point ``k`` to the pickup, for ``k = 0..m``
        (entry ``m+1`` is not used).
    from_pickup_s
        ``(m+2,)``: entry ``k`` = travel from the pickup to point ``k``, for ``k = 1..m+1``
        (0 to an open end; entry 0 is not used).
    to_dropoff_s, from_dropoff_s
        Likewise for the drop-off.
    pickup_to_dropoff_s
        Travel from the pickup to the drop-off.
    """

    load: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    to_pickup_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    from_pickup_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    to_dropoff_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    from_dropoff_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    pickup_to_dropoff_s: int = attrs.field(converter=_as_int, validator=_int)
    pickup_window_s: tuple[int, int] = attrs.field(
        default=None, converter=_as_window, validator=_window
    )
    dropoff_window_s: tuple[int, int] = attrs.field(
        default=None, converter=_as_window, validator=_window
    )
    pickup_service_s: int = attrs.field(default=0, converter=_as_int, validator=_int)
    dropoff_service_s: int = attrs.field(default=0, converter=_as_int, validator=_int)
    max_ride_s: int | None = attrs.field(
        default=None, converter=_as_optional_int, validator=_optional_int
    )

    def __attrs_post_init__(self) -> None:
        def one(value: int | None) -> IntArray:
            return np.array([UNBOUNDED_S if value is None else min(value, UNBOUNDED_S)])

        _check_errands(
            "ErrandArrays",
            None,
            pickup_window_s=np.array([self.pickup_window_s]),
            dropoff_window_s=np.array([self.dropoff_window_s]),
            pickup_service_s=one(self.pickup_service_s),
            dropoff_service_s=one(self.dropoff_service_s),
            max_ride_s=one(self.max_ride_s),
            pickup_to_dropoff_s=one(self.pickup_to_dropoff_s),
            load=self.load[None, :],
        )
        points = len(self.to_pickup_s)
        if points < 2:
            raise InvalidInputError("ErrandArrays.to_pickup_s", f"needs >= 2 points, has {points}")
        for name in ("to_pickup_s", "from_pickup_s", "to_dropoff_s", "from_dropoff_s"):
            travel: IntArray = getattr(self, name)
            _require_shape(travel, (points,), f"ErrandArrays.{name}")
            within = (travel >= 0) & (travel <= UNBOUNDED_S)
            _require(within, f"ErrandArrays.{name}", ("point",), "must lie within [0, UNBOUNDED_S]")


# --- batches -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, eq=False)
class RouteBatch:
    """``R`` routes padded to a common width ``W`` (at least the longest route's ``m + 2``).

    Row ``r`` holds route ``r``'s points ``0..n_stops[r]+1``; entries beyond are ignored.
    Fields as in :class:`RouteArrays`, with a leading route axis: ``start_s``, ``latest_s``,
    ``service_s``, ``earliest_s`` ``(R, W)``; ``leg_s`` ``(R, W-1)``; ``load_after``
    ``(R, W, dims)``; ``capacity`` ``(R, dims)``; ``n_stops`` and ``remaining_detour_s``
    ``(R,)`` (:data:`UNBOUNDED_S` for no budget). All int64; at most :data:`MAX_STOPS` stops
    per route. Build one with :meth:`stack` or directly from arrays (cheaper for large
    batches). Checked at construction: shapes, ranges, and that ``start_s`` is an
    earliest-start schedule within ``latest_s`` (and ``earliest_s``, if given, consistent
    with it).

    Examples
    --------
    >>> one = RouteArrays(start_s=[0, 5], latest_s=[0, 60], service_s=[0, 0],
    ...                   load_after=[[0], [0]], capacity=[2], leg_s=[5])
    >>> two = RouteArrays(start_s=[0, 4, 9], latest_s=[0, 8, 60], service_s=[0, 1, 0],
    ...                   load_after=[[0], [1], [1]], capacity=[2], leg_s=[4, 4])
    >>> batch = RouteBatch.stack([one, two])
    >>> batch.n_stops, batch.start_s
    (array([0, 1]), array([[0, 5, 0],
           [0, 4, 9]]))
    """

    n_stops: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    start_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    latest_s: IntArray = attrs.field(converter=_as_limit, validator=_ints(2))
    service_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    load_after: IntArray = attrs.field(converter=_as_int64, validator=_ints(3))
    capacity: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    leg_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    remaining_detour_s: IntArray = attrs.field(converter=_as_limit, validator=_ints(1))
    earliest_s: IntArray | None = attrs.field(
        default=None, converter=_as_optional_int64, validator=_ints(2)
    )

    def __attrs_post_init__(self) -> None:
        _require_shape(self.n_stops, self.start_s.shape[:1], "RouteBatch.n_stops")
        _require_shape(
            self.remaining_detour_s, self.start_s.shape[:1], "RouteBatch.remaining_detour_s"
        )
        _check_routes(
            "RouteBatch",
            ("route", "point"),
            n_stops=self.n_stops,
            start_s=self.start_s,
            latest_s=self.latest_s,
            service_s=self.service_s,
            load_after=self.load_after,
            capacity=self.capacity,
            leg_s=self.leg_s,
            earliest_s=self.earliest_s,
        )

    @classmethod
    def trusted(cls, **fields: Any) -> RouteBatch:
        """A batch from arrays the caller guarantees (see :func:`_trusted`); no checks."""
        return _trusted(cls, fields)

    @property
    def width(self) -> int:
        """``W``, the padded number of points."""
        return int(self.start_s.shape[1])

    def __len__(self) -> int:
        return int(self.start_s.shape[0])

    @classmethod
    def stack(cls, routes: Sequence[RouteArrays]) -> RouteBatch:
        """Pad ``routes`` to the longest one (zeros beyond each route's end).

        ``earliest_s`` is kept when any route has it; routes without it use their ``start_s``
        (the same meaning as leaving it out).
        """
        if not routes:
            raise InvalidInputError("RouteBatch.stack", "needs at least one route")
        width = max(len(r.start_s) for r in routes)
        dims = len(routes[0].capacity)
        for k, route in enumerate(routes):
            if len(route.capacity) != dims:
                raise InvalidInputError(
                    f"RouteBatch.stack (route {k})",
                    f"has {len(route.capacity)} load dimensions, route 0 has {dims}",
                )
        n = len(routes)
        start, latest, service = (np.zeros((n, width), np.int64) for _ in range(3))
        leg = np.zeros((n, width - 1), np.int64)
        load = np.zeros((n, width, dims), np.int64)
        earliest = np.zeros((n, width), np.int64)
        for k, route in enumerate(routes):
            points = len(route.start_s)
            start[k, :points] = route.start_s
            latest[k, :points] = route.latest_s
            service[k, :points] = route.service_s
            leg[k, : points - 1] = route.leg_s
            load[k, :points] = route.load_after
            earliest[k, :points] = route.start_s if route.earliest_s is None else route.earliest_s
        return cls(
            n_stops=np.array([r.n_stops for r in routes], dtype=np.int64),
            start_s=start,
            latest_s=latest,
            service_s=service,
            load_after=load,
            capacity=np.array([r.capacity for r in routes], dtype=np.int64),
            leg_s=leg,
            remaining_detour_s=np.array(
                [
                    UNBOUNDED_S if r.remaining_detour_s is None else r.remaining_detour_s
                    for r in routes
                ],
                dtype=np.int64,
            ),
            earliest_s=earliest if any(r.earliest_s is not None for r in routes) else None,
        )


@attrs.frozen(kw_only=True, eq=False)
class CandidateBatch:
    """``K`` (errand, route) candidates against one :class:`RouteBatch` of width ``W``.

    Fields as in :class:`ErrandArrays`, with a leading candidate axis: ``route`` ``(K,)`` the
    candidate's row of the route batch; ``pickup_window_s``, ``dropoff_window_s`` ``(K, 2)``
    (earliest, latest); ``pickup_service_s``, ``dropoff_service_s``, ``max_ride_s``
    (:data:`UNBOUNDED_S` for no limit), ``pickup_to_dropoff_s`` ``(K,)``; ``load``
    ``(K, dims)``; ``to_pickup_s``, ``from_pickup_s``, ``to_dropoff_s``, ``from_dropoff_s``
    ``(K, W)`` indexed by the point of the candidate's route (entries not used by the route
    are ignored). All int64.

    ``arrival_from_s`` ``(K, 2)`` (optional) is, for the pickup and the drop-off, the
    earliest *arrival* at which the given window is the one an earliest-start schedule
    uses: a stop with several windows is served in the first window still open when the
    courier arrives, so a candidate that prices a later window must arrive after the
    earlier ones have closed (the previous window's latest + 1; ``-UNBOUNDED_S`` for the
    first window). Without it any arrival may wait for the given window.
    """

    route: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    pickup_window_s: IntArray = attrs.field(converter=_as_limit, validator=_ints(2))
    dropoff_window_s: IntArray = attrs.field(converter=_as_limit, validator=_ints(2))
    pickup_service_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    dropoff_service_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    load: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    max_ride_s: IntArray = attrs.field(converter=_as_limit, validator=_ints(1))
    to_pickup_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    from_pickup_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    to_dropoff_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    from_dropoff_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(2))
    pickup_to_dropoff_s: IntArray = attrs.field(converter=_as_int64, validator=_ints(1))
    arrival_from_s: IntArray | None = attrs.field(
        default=None, converter=attrs.converters.optional(_as_limit), validator=_ints(2)
    )

    def __attrs_post_init__(self) -> None:
        if self.arrival_from_s is not None:
            _require_shape(
                self.arrival_from_s, (len(self.route), 2), "CandidateBatch.arrival_from_s"
            )
        _check_errands(
            "CandidateBatch",
            "candidate",
            pickup_window_s=self.pickup_window_s,
            dropoff_window_s=self.dropoff_window_s,
            pickup_service_s=self.pickup_service_s,
            dropoff_service_s=self.dropoff_service_s,
            max_ride_s=self.max_ride_s,
            pickup_to_dropoff_s=self.pickup_to_dropoff_s,
            load=self.load,
        )
        shape = (len(self.route), self.to_pickup_s.shape[1])
        for name in ("to_pickup_s", "from_pickup_s", "to_dropoff_s", "from_dropoff_s"):
            _require_shape(getattr(self, name), shape, f"CandidateBatch.{name}")

    def __len__(self) -> int:
        return int(self.route.shape[0])

    @classmethod
    def trusted(cls, **fields: Any) -> CandidateBatch:
        """Candidates from arrays the caller guarantees (see :func:`_trusted`); no checks."""
        return _trusted(cls, fields)

    @classmethod
    def stack(
        cls, routes: RouteBatch, route: Sequence[int], errands: Sequence[ErrandArrays]
    ) -> CandidateBatch:
        """Candidates ``(errands[k], routes row route[k])``, travel arrays padded to its width."""
        if len(route) != len(errands):
            raise InvalidInputError(
                "CandidateBatch.stack", f"{len(route)} route rows for {len(errands)} errands"
            )
        width = routes.width
        travel = {
            name: np.zeros((len(errands), width), np.int64)
            for name in ("to_pickup_s", "from_pickup_s", "to_dropoff_s", "from_dropoff_s")
        }
        for k, (row, errand) in enumerate(zip(route, errands, strict=True)):
            if not 0 <= row < len(routes):
                raise InvalidInputError(f"CandidateBatch.stack (candidate {k})", f"no route {row}")
            points = int(routes.n_stops[row]) + 2
            if len(errand.to_pickup_s) != points:
                raise InvalidInputError(
                    f"CandidateBatch.stack (candidate {k})",
                    f"travel arrays have {len(errand.to_pickup_s)} points, route {row} has "
                    f"{points}",
                )
            for name, array in travel.items():
                array[k, :points] = getattr(errand, name)
        return cls(
            route=np.asarray(route, dtype=np.int64),
            pickup_window_s=np.array([e.pickup_window_s for e in errands], np.int64).reshape(-1, 2),
            dropoff_window_s=np.array([e.dropoff_window_s for e in errands], np.int64).reshape(
                -1, 2
            ),
            pickup_service_s=np.array([e.pickup_service_s for e in errands], np.int64),
            dropoff_service_s=np.array([e.dropoff_service_s for e in errands], np.int64),
            load=np.array([e.load for e in errands], np.int64).reshape(
                len(errands), routes.capacity.shape[1]
            ),
            max_ride_s=np.array(
                [UNBOUNDED_S if e.max_ride_s is None else e.max_ride_s for e in errands], np.int64
            ),
            pickup_to_dropoff_s=np.array([e.pickup_to_dropoff_s for e in errands], np.int64),
            **travel,
        )


def _check_pairing(routes: RouteBatch, candidates: CandidateBatch) -> None:
    """Candidates that fit the route batch: rows, widths, dimensions, travel ranges."""
    _require(
        (candidates.route >= 0) & (candidates.route < len(routes)),
        "CandidateBatch.route",
        ("candidate",),
        f"must name a row of the route batch (0..{len(routes) - 1})",
    )
    if candidates.to_pickup_s.shape[1] != routes.width:
        raise InvalidInputError(
            "CandidateBatch.to_pickup_s",
            f"has width {candidates.to_pickup_s.shape[1]}, the route batch {routes.width}",
        )
    if candidates.load.shape[1] != routes.capacity.shape[1]:
        raise InvalidInputError(
            "CandidateBatch.load",
            f"has {candidates.load.shape[1]} dimensions, the routes {routes.capacity.shape[1]}",
        )
    live = np.arange(routes.width)[None, :] <= routes.n_stops[candidates.route][:, None] + 1
    for name in ("to_pickup_s", "from_pickup_s", "to_dropoff_s", "from_dropoff_s"):
        array: IntArray = getattr(candidates, name)
        within = (array >= 0) & (array <= UNBOUNDED_S) | ~live
        _require(
            within, f"CandidateBatch.{name}", ("candidate", "point"), "must be in [0, UNBOUNDED_S]"
        )


# --- results -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Insertion:
    """The best insertion of one candidate (positions -1 and times 0 when infeasible).

    Examples
    --------
    >>> Insertion(reason=InsertionReason.CAPACITY, pickup_after=-1, dropoff_after=-1,
    ...           added_busy_s=0, pickup_start_s=0, dropoff_start_s=0).feasible
    False
    """

    reason: InsertionReason
    pickup_after: int
    dropoff_after: int
    added_busy_s: int
    pickup_start_s: int
    dropoff_start_s: int

    @property
    def feasible(self) -> bool:
        """Whether some position passes every check."""
        return self.reason is InsertionReason.FEASIBLE


@attrs.frozen(kw_only=True, eq=False)
class InsertionResult:
    """Best insertion per candidate of a :class:`CandidateBatch`, as ``(K,)`` arrays.

    Parameters
    ----------
    reason
        int8 :class:`InsertionReason` values.
    pickup_after, dropoff_after
        int64 ``i`` and ``j`` (-1 where infeasible).
    added_busy_s
        int64 cost: added travel plus both services (0 where infeasible; may be negative when
        travel breaks the triangle inequality).
    pickup_start_s, dropoff_start_s
        int64 service starts of the pickup and drop-off (0 where infeasible).
    """

    reason: npt.NDArray[np.int8]
    pickup_after: IntArray
    dropoff_after: IntArray
    added_busy_s: IntArray
    pickup_start_s: IntArray
    dropoff_start_s: IntArray

    @property
    def feasible(self) -> BoolArray:
        """``(K,)`` bool: whether each candidate has a feasible position."""
        return np.equal(self.reason, int(InsertionReason.FEASIBLE))

    def __len__(self) -> int:
        return int(self.reason.shape[0])

    def take(self, rows: npt.ArrayLike) -> InsertionResult:
        """The results of the candidates at ``rows`` (an index array), in that order."""
        index = np.asarray(rows, dtype=np.intp)
        return InsertionResult(
            reason=self.reason[index],
            pickup_after=self.pickup_after[index],
            dropoff_after=self.dropoff_after[index],
            added_busy_s=self.added_busy_s[index],
            pickup_start_s=self.pickup_start_s[index],
            dropoff_start_s=self.dropoff_start_s[index],
        )

    def at(self, k: int) -> Insertion:
        """Candidate ``k``'s result as an :class:`Insertion`."""
        return Insertion(
            reason=InsertionReason(int(self.reason[k])),
            pickup_after=int(self.pickup_after[k]),
            dropoff_after=int(self.dropoff_after[k]),
            added_busy_s=int(self.added_busy_s[k]),
            pickup_start_s=int(self.pickup_start_s[k]),
            dropoff_start_s=int(self.dropoff_start_s[k]),
        )


@attrs.frozen(kw_only=True, eq=False)
class InsertionGrid:
    """Every ``(i, j)`` of one candidate; ``n = m + 1`` positions each way.

    Parameters
    ----------
    reason
        ``(n, n)`` int8 :class:`InsertionReason` of each cell: the first check it fails, or
        FEASIBLE; ORDER below the diagonal.
    added_busy_s
        ``(n, n)`` int64 cost of each cell whether feasible or not (0 below the diagonal).
    pickup_start_s
        ``(n,)`` int64 earliest pickup start after point ``i`` (may lie past its window).
    dropoff_start_s
        ``(n, n)`` int64 earliest drop-off start; meaningful where the cell is not TIME.
    """

    reason: npt.NDArray[np.int8]
    added_busy_s: IntArray
    pickup_start_s: IntArray
    dropoff_start_s: IntArray

    @property
    def feasible(self) -> BoolArray:
        """``(n, n)`` bool: the feasible cells."""
        return np.equal(self.reason, int(InsertionReason.FEASIBLE))

    def best(self) -> Insertion:
        """The cheapest feasible cell (smallest ``i``, then ``j``), as :func:`best_insertions`."""
        reached = self.reason[:, :, None]
        n = self.reason.shape[0]
        key = self.added_busy_s * (n * n) + np.arange(n * n).reshape(n, n)
        reason, best = _pick(
            np.isin(reached, _PAST_TIME),
            np.isin(reached, _PAST_CAPACITY),
            reached == InsertionReason.FEASIBLE,
            key[:, :, None],
        )
        if reason[0] != InsertionReason.FEASIBLE:
            return _infeasible(InsertionReason(int(reason[0])))
        i, j = divmod(int(best[0]) % (n * n), n)
        return Insertion(
            reason=InsertionReason.FEASIBLE,
            pickup_after=i,
            dropoff_after=j,
            added_busy_s=int(self.added_busy_s[i, j]),
            pickup_start_s=int(self.pickup_start_s[i]),
            dropoff_start_s=int(self.dropoff_start_s[i, j]),
        )


_PAST_TIME: Final = [InsertionReason.CAPACITY, InsertionReason.DETOUR, InsertionReason.FEASIBLE]
_PAST_CAPACITY: Final = [InsertionReason.DETOUR, InsertionReason.FEASIBLE]


def _infeasible(reason: InsertionReason) -> Insertion:
    return Insertion(
        reason=reason,
        pickup_after=-1,
        dropoff_after=-1,
        added_busy_s=0,
        pickup_start_s=0,
        dropoff_start_s=0,
    )


# --- the kernel ----------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Tables:
    """Derived route arrays, transposed to ``(W, R)`` so that gathering the routes of a chunk
    gives contiguous ``(n, C)`` arrays; likewise the candidates' travel, ``(W, K)``."""

    departure_s: IntArray  # start + service of each point
    leg_s: IntArray  # (W-1, R)
    arrival_s: IntArray  # arrival at each point (point 0: its start)
    prefix_wait_s: IntArray  # W[k]: waiting at points 1..k
    forward_slack_s: IntArray  # F[k]: largest push of the arrival at k
    slack_key: IntArray  # latest - start + W: a push (plus W[i]) must not exceed it up to j
    early_key: IntArray | None  # earliest - start + W, range-maximised; None: no earliest_s
    headroom_after: IntArray  # (dims, W, R): capacity - load_after
    to_pickup_s: IntArray
    from_pickup_s: IntArray
    to_dropoff_s: IntArray
    from_dropoff_s: IntArray


def _tables(routes: RouteBatch, cands: CandidateBatch) -> _Tables:
    start = routes.start_s
    n_routes, width = start.shape
    live = np.arange(width)[None, :] <= routes.n_stops[:, None] + 1
    arrival = start.copy()
    arrival[:, 1:] = start[:, :-1] + routes.service_s[:, :-1] + routes.leg_s
    wait = np.where(live, start - arrival, 0)
    prefix = np.cumsum(wait, axis=1)
    slack = routes.latest_s - start
    forward = np.empty_like(start)
    after = np.full(n_routes, _HUGE, dtype=np.int64)
    for k in range(width - 1, -1, -1):
        after = np.where(live[:, k], wait[:, k] + np.minimum(slack[:, k], after), _HUGE)
        forward[:, k] = after
    early = None if routes.earliest_s is None else routes.earliest_s - start + prefix

    def t(array: IntArray) -> IntArray:
        return np.ascontiguousarray(array.T)

    return _Tables(
        departure_s=t(start + routes.service_s),
        leg_s=t(routes.leg_s),
        arrival_s=t(arrival),
        prefix_wait_s=t(prefix),
        forward_slack_s=t(forward),
        slack_key=t(slack + prefix),
        early_key=None if early is None else t(early),
        headroom_after=np.ascontiguousarray(
            (routes.capacity[:, None, :] - routes.load_after).transpose(2, 1, 0)
        ),
        to_pickup_s=t(cands.to_pickup_s),
        from_pickup_s=t(cands.from_pickup_s),
        to_dropoff_s=t(cands.to_dropoff_s),
        from_dropoff_s=t(cands.from_dropoff_s),
    )


@attrs.frozen(eq=False)
class _Chunk:
    """The cells ``(i, j)`` of ``C`` candidates, ``n`` positions each way.

    The candidate axis comes last, so that numpy's inner loops run over candidates: grids are
    ``(n, n, C)`` (``[i, j, c]``), per-position arrays ``(n, C)``. The drop-off after
    ``j > i`` is reached at ``max(push_key[i], reach[i, j]) + dropoff_offset[j]``; right after
    the pickup (``i == j``) at ``together_arrival_s[i]``.
    """

    valid: BoolArray  # i <= j <= m
    time_ok: BoolArray  # time rules hold (false outside valid)
    capacity_ok: BoolArray
    remaining_s: IntArray  # (C,) detour budget left
    pickup_cost: IntArray  # added busy time of the pickup after i, plus both services
    dropoff_cost: IntArray  # added busy time of the drop-off after j (apart from the pickup)
    together_cost: IntArray  # added busy time of both, back to back, after i
    pickup_start_s: IntArray
    push_key: IntArray  # push of the arrival at i+1 by the pickup, plus W[i]
    reach: IntArray | None  # grid: range max of earliest - start + W over i+1..j; None: W[j]
    prefix_wait_s: IntArray  # W
    dropoff_offset: IntArray  # departure from j - W[j] + travel j -> drop-off
    together_arrival_s: IntArray
    dropoff_opens_s: IntArray  # (C,)

    def budget_ok(self) -> BoolArray:
        """``(n, n, C)``: the cell's added busy time fits the remaining detour budget."""
        n = self.pickup_cost.shape[0]
        pos = np.arange(n)
        ok = self.dropoff_cost[None, :, :] <= (self.remaining_s - self.pickup_cost)[:, None, :]
        ok[pos, pos, :] = self.together_cost <= self.remaining_s
        return ok

    def cost(self, *, keyed: bool = False) -> IntArray:
        """``(n, n, C)`` added busy time of every cell.

        ``keyed``: times ``n * n`` plus the cell's index ``i * n + j``, so that the minimum
        key names the cheapest cell, the first in row-major order on ties (no overflow:
        costs stay below 2**43 and ``n <= MAX_STOPS + 1``).
        """
        n = self.pickup_cost.shape[0]
        pos = np.arange(n)
        scale, row, col = (n * n, pos * n, pos) if keyed else (1, 0 * pos, 0 * pos)
        per_i = self.pickup_cost * scale + row[:, None]
        per_j = self.dropoff_cost * scale + col[:, None]
        cost = per_i[:, None, :] + per_j[None, :, :]
        cost[pos, pos, :] = self.together_cost * scale + (row + col)[:, None]
        return cost

    def dropoff_start_s(self, i: IntArray, j: IntArray, c: IntArray) -> IntArray:
        """Drop-off starts of cells ``(i, j, c)`` (broadcast index arrays)."""
        reach = self.prefix_wait_s[j, c] if self.reach is None else self.reach[i, j, c]
        apart = np.maximum(self.push_key[i, c], reach) + self.dropoff_offset[j, c]
        arrival = np.where(i == j, self.together_arrival_s[i, c], apart)
        start: IntArray = np.maximum(arrival, self.dropoff_opens_s[c])
        return start


def _running(op: np.ufunc, grid: npt.NDArray[Any]) -> None:
    """``op.accumulate(grid, axis=1)`` in place, a column at a time: for ``(n, n, C)`` grids
    with short ``n`` this is many times faster than numpy's accumulate along a middle axis."""
    for j in range(1, grid.shape[1]):
        op(grid[:, j - 1], grid[:, j], out=grid[:, j])


def _evaluate(
    routes: RouteBatch, tables: _Tables, cands: CandidateBatch, rows: IntArray, n: int
) -> _Chunk:
    """Every ``(i, j)`` in ``0..n-1`` of candidates ``rows`` (routes of at most n-1 stops).

    Each time rule becomes a comparison of a per-``i`` with a per-``j`` array (or a running
    AND along ``j``), so the grids are bool; only routes with ``earliest_s`` need an int64
    range maximum.
    """
    r = cands.route[rows]

    def route_points(table: IntArray, first: int = 0) -> IntArray:  # (W, R) -> (n, C)
        return np.take(table[first : first + n], r, axis=1)

    def errand_points(table: IntArray, first: int = 0) -> IntArray:  # (W, K) -> (n, C)
        return np.take(table[first : first + n], rows, axis=1)

    pos = np.arange(n)
    upper = (pos[:, None] < pos[None, :])[:, :, None]  # i < j
    diag = (pos, pos, slice(None))

    dep = route_points(tables.departure_s)  # leaving i (or j)
    leg = route_points(tables.leg_s)  # travel i -> i+1 now
    arrival_next = route_points(tables.arrival_s, 1)  # arrival at i+1 now
    slack_next = route_points(tables.forward_slack_s, 1)
    prefix = route_points(tables.prefix_wait_s)
    to_p, from_p = errand_points(tables.to_pickup_s), errand_points(tables.from_pickup_s, 1)
    to_d, from_d = errand_points(tables.to_dropoff_s), errand_points(tables.from_dropoff_s, 1)
    service_p, service_d = cands.pickup_service_s[rows], cands.dropoff_service_s[rows]
    pickup_to_dropoff = cands.pickup_to_dropoff_s[rows]
    opens_d, closes_d = cands.dropoff_window_s[rows, 0], cands.dropoff_window_s[rows, 1]

    pickup_start = np.maximum(dep + to_p, cands.pickup_window_s[rows, 0])
    pickup_done = pickup_start + service_p
    push_key = pickup_done + from_p - arrival_next + prefix

    # Latest drop-off start allowed by the pickup side (its window, the ride; -HUGE when the
    # pickup misses its window) and by the route after j (the forward slack at j+1).
    before = np.minimum(closes_d, pickup_done + cands.max_ride_s[rows])
    pickup_ok = (pickup_start <= cands.pickup_window_s[rows, 1]) & (opens_d <= before)
    arrive_from = None if cands.arrival_from_s is None else cands.arrival_from_s[rows]
    if arrive_from is not None:  # an earlier window still open on arrival is used instead
        pickup_ok &= dep + to_p >= arrive_from[:, 0]
    before = np.where(pickup_ok, before, -_HUGE)
    after = slack_next + arrival_next - service_d - from_d
    after = np.where(opens_d <= after, after, -_HUGE)

    # i < j: points i+1..j absorb the push while it fits latest - start + W (a running AND
    # along j), and the drop-off is reached at max(push_key[i], reach[i, j]) + offset[j],
    # where reach = W[j] without earliest_s.
    offset = dep - prefix + to_d
    time_ok = route_points(tables.slack_key)[None, :, :] >= push_key[:, None, :]
    time_ok |= ~upper
    _running(np.logical_and, time_ok)
    reach: IntArray | None = None
    if tables.early_key is None:
        unpushed = dep + to_d  # the drop-off arrival when the push is absorbed before j
        bound = np.where(unpushed <= after, after - offset, -_HUGE)
        time_ok &= push_key[:, None, :] <= bound[None, :, :]
        time_ok &= offset[None, :, :] <= (before - push_key)[:, None, :]
        time_ok &= unpushed[None, :, :] <= before[:, None, :]
        if arrive_from is not None:  # the drop-off arrival is max(push + offset, unpushed)
            time_ok &= (push_key[:, None, :] + offset[None, :, :] >= arrive_from[:, 1]) | (
                unpushed[None, :, :] >= arrive_from[:, 1]
            )
    else:
        early = route_points(tables.early_key)
        reach = np.where(upper, early[None, :, :], -_HUGE)
        _running(np.maximum, reach)
        arrival = np.maximum(reach, push_key[:, None, :]) + offset[None, :, :]
        time_ok &= arrival <= before[:, None, :]
        time_ok &= arrival <= after[None, :, :]
        if arrive_from is not None:
            time_ok &= arrival >= arrive_from[:, 1]
    together_arrival = pickup_done + pickup_to_dropoff
    together_start = np.maximum(together_arrival, opens_d)
    time_ok[diag] = (together_start <= before) & (together_start <= after)
    if arrive_from is not None:
        time_ok[diag] &= together_arrival >= arrive_from[:, 1]
    valid = ~upper.transpose(1, 0, 2) & (pos[None, :, None] <= routes.n_stops[r])
    time_ok &= valid

    fits = np.ones((n, len(rows)), dtype=bool)
    for d in range(cands.load.shape[1]):
        fits &= cands.load[rows, d] <= route_points(tables.headroom_after[d])
    first_misfit = np.full((n + 1, len(rows)), n)  # first k >= i where the load does not fit
    for i in range(n - 1, -1, -1):
        first_misfit[i] = np.where(fits[i], first_misfit[i + 1], i)
    capacity_ok = pos[None, :, None] < first_misfit[:n, None, :]

    services = service_p + service_d
    pickup_cost = to_p + from_p - leg + services
    dropoff_cost = to_d + from_d - leg
    together_cost = to_p + pickup_to_dropoff + from_d - leg + services
    remaining = routes.remaining_detour_s[r]

    return _Chunk(
        valid=valid,
        time_ok=time_ok,
        capacity_ok=capacity_ok,
        remaining_s=remaining,
        pickup_cost=pickup_cost,
        dropoff_cost=dropoff_cost,
        together_cost=together_cost,
        pickup_start_s=pickup_start,
        push_key=push_key,
        reach=reach,
        prefix_wait_s=prefix,
        dropoff_offset=offset,
        together_arrival_s=together_arrival,
        dropoff_opens_s=opens_d,
    )


def _pick(
    time_ok: BoolArray, capacity_ok: BoolArray, budget_ok: BoolArray, key: IntArray
) -> tuple[npt.NDArray[np.int8], IntArray]:
    """Reason and smallest feasible key (see :meth:`_Chunk.cost`) per candidate, from
    ``(n, n, C)`` grids (the key is meaningless where not feasible)."""
    cells = time_ok.shape[0] * time_ok.shape[1]
    passed = time_ok.reshape(cells, -1)
    any_time = passed.any(axis=0)
    passed = passed & capacity_ok.reshape(cells, -1)
    any_capacity = passed.any(axis=0)
    passed &= budget_ok.reshape(cells, -1)
    feasible = passed.any(axis=0)
    reason = np.select(
        [feasible, any_capacity, any_time],
        [InsertionReason.FEASIBLE, InsertionReason.DETOUR, InsertionReason.CAPACITY],
        InsertionReason.TIME,
    ).astype(np.int8)
    best: IntArray = np.min(key.reshape(cells, -1), axis=0, where=passed, initial=_NO_COST)
    return reason, best


def _pick_within_budget(
    time_ok: BoolArray, capacity_ok: BoolArray, key: IntArray, remaining_s: IntArray
) -> tuple[npt.NDArray[np.int8], IntArray]:
    """As :func:`_pick` with the budget rule "cost <= ``remaining_s``" (per candidate).

    A cell passes the budget exactly when its cost is at most the remaining budget, so the
    cheapest cell meeting time and capacity is feasible if any is, and is then the one
    :func:`_pick` finds: no budget grid is needed.
    """
    cells = time_ok.shape[0] * time_ok.shape[1]
    passed = time_ok.reshape(cells, -1)
    any_time = passed.any(axis=0)
    passed = passed & capacity_ok.reshape(cells, -1)
    any_capacity = passed.any(axis=0)
    best: IntArray = np.min(key.reshape(cells, -1), axis=0, where=passed, initial=_NO_COST)
    feasible = any_capacity & (best // cells <= remaining_s)
    reason = np.select(
        [feasible, any_capacity, any_time],
        [InsertionReason.FEASIBLE, InsertionReason.DETOUR, InsertionReason.CAPACITY],
        InsertionReason.TIME,
    ).astype(np.int8)
    return reason, best


def best_insertions(
    routes: RouteBatch, candidates: CandidateBatch, *, chunk_size: int = 2048
) -> InsertionResult:
    """The cheapest feasible insertion of every candidate, evaluated in vectorised chunks.

    Candidates are sorted by route length and taken ``chunk_size`` at a time, each chunk
    padded to its longest route: ``(m+1, m+1, chunk_size)`` arrays per step.

    Parameters
    ----------
    routes
        The routes, one row each.
    candidates
        The (errand, route row) pairs; travel arrays as wide as ``routes``.
    chunk_size
        Candidates per vectorised step; memory is about 20 bytes per cell (40 with
        ``earliest_s``), ``chunk_size * (m+1)**2`` cells.

    Returns
    -------
    InsertionResult
        ``(K,)`` arrays in candidate order.

    Examples
    --------
    The route and errand of the module example; then the same errand with at most 5 s of
    ride (it needs 10 s), and with a load of 2 (the capacity is 1).

    >>> route = RouteArrays(start_s=[0, 10, 20], latest_s=[0, 100, 50], service_s=[0, 0, 0],
    ...                     load_after=[[0], [0], [0]], capacity=[1], leg_s=[10, 10])
    >>> travel = dict(to_pickup_s=[5, 5, 15], from_pickup_s=[5, 5, 15],
    ...               to_dropoff_s=[15, 5, 5], from_dropoff_s=[15, 5, 5], pickup_to_dropoff_s=10)
    >>> errands = [ErrandArrays(load=[1], **travel),
    ...            ErrandArrays(load=[1], max_ride_s=5, **travel),
    ...            ErrandArrays(load=[2], **travel)]
    >>> routes = RouteBatch.stack([route])
    >>> result = best_insertions(routes, CandidateBatch.stack(routes, [0, 0, 0], errands))
    >>> [InsertionReason(x).name for x in result.reason]
    ['FEASIBLE', 'TIME', 'CAPACITY']
    >>> result.pickup_after.tolist(), result.dropoff_after.tolist()
    ([0, -1, -1], [1, -1, -1])
    >>> result.added_busy_s.tolist(), result.dropoff_start_s.tolist()
    ([0, 0, 0], [15, 0, 0])
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InvalidInputError("chunk_size", f"must be an int >= 1, got {chunk_size!r}")
    _check_pairing(routes, candidates)
    return best_insertions_trusted(routes, candidates, chunk_size=chunk_size)


def best_insertions_trusted(
    routes: RouteBatch, candidates: CandidateBatch, *, chunk_size: int = 2048
) -> InsertionResult:
    """:func:`best_insertions` without checking that the candidates fit the routes.

    For callers that build both batches themselves (see :meth:`RouteBatch.trusted`).
    """
    count = len(candidates)
    reason = np.zeros(count, dtype=np.int8)
    out = {
        name: np.zeros(count, dtype=np.int64)
        for name in (
            "pickup_after",
            "dropoff_after",
            "added_busy_s",
            "pickup_start_s",
            "dropoff_start_s",
        )
    }
    if count == 0:
        return InsertionResult(reason=reason, **out)
    tables = _tables(routes, candidates)
    lengths = routes.n_stops[candidates.route]
    order = np.argsort(lengths, kind="stable")
    for low in range(0, count, chunk_size):
        rows = order[low : low + chunk_size]
        n = int(lengths[rows[-1]]) + 1
        chunk = _evaluate(routes, tables, candidates, rows, n)
        key = chunk.cost(keyed=True)
        part, best = _pick_within_budget(chunk.time_ok, chunk.capacity_ok, key, chunk.remaining_s)
        feasible = part == InsertionReason.FEASIBLE
        c = np.arange(len(rows))
        cost, cell = np.divmod(np.where(feasible, best, 0), n * n)
        i, j = np.divmod(cell, n)
        reason[rows] = part
        found = {
            "pickup_after": i,
            "dropoff_after": j,
            "added_busy_s": cost,
            "pickup_start_s": chunk.pickup_start_s[i, c],
            "dropoff_start_s": chunk.dropoff_start_s(i, j, c),
        }
        for name, values in found.items():
            blank = -1 if name.endswith("_after") else 0
            out[name][rows] = np.where(feasible, values, blank)
    return InsertionResult(reason=reason, **out)


def insertion_grid(route: RouteArrays, errand: ErrandArrays) -> InsertionGrid:
    """Cost and outcome of every ``(i, j)`` for one errand on one route.

    Parameters
    ----------
    route
        The courier's route (``m`` stops).
    errand
        The errand, with travel arrays over the route's ``m + 2`` points.

    Returns
    -------
    InsertionGrid
        ``(m+1, m+1)`` cells; :meth:`InsertionGrid.best` gives what :func:`best_insertions`
        would.

    Examples
    --------
    A courier about to leave for a stop 10 s away that must start by 12 s: an errand taking
    6 s of service on the way (pickup at 2, drop-off at 4 on the line, stop at 10) delays the
    stop to 16 s, too late; after the stop it fits, but its load of 2 only fits from there on.

    >>> route = RouteArrays(start_s=[0, 10, 20], latest_s=[0, 12, 100], service_s=[0, 0, 0],
    ...                     load_after=[[1], [0], [0]], capacity=[2], leg_s=[10, 10])
    >>> errand = ErrandArrays(load=[2], pickup_service_s=3, dropoff_service_s=3,
    ...                       to_pickup_s=[2, 8, 18], from_pickup_s=[2, 8, 18],
    ...                       to_dropoff_s=[4, 6, 16], from_dropoff_s=[4, 6, 16],
    ...                       pickup_to_dropoff_s=2)
    >>> grid = insertion_grid(route, errand)
    >>> [[InsertionReason(x).name for x in row] for row in grid.reason]
    [['TIME', 'TIME'], ['ORDER', 'FEASIBLE']]
    >>> grid.best().added_busy_s, grid.best().dropoff_start_s
    (22, 23)
    """
    routes = RouteBatch.stack([route])
    candidates = CandidateBatch.stack(routes, [0], [errand])
    _check_pairing(routes, candidates)
    n = route.n_stops + 1
    rows = np.zeros(1, dtype=np.int64)
    chunk = _evaluate(routes, _tables(routes, candidates), candidates, rows, n)
    valid, time_ok = chunk.valid[:, :, 0], chunk.time_ok[:, :, 0]
    capacity_ok = time_ok & chunk.capacity_ok[:, :, 0]
    reason = np.select(
        [~valid, ~time_ok, ~capacity_ok, ~chunk.budget_ok()[:, :, 0]],
        [
            InsertionReason.ORDER,
            InsertionReason.TIME,
            InsertionReason.CAPACITY,
            InsertionReason.DETOUR,
        ],
        InsertionReason.FEASIBLE,
    ).astype(np.int8)
    pos = np.arange(n)
    zero = np.zeros(1, dtype=np.int64)
    dropoff_start = chunk.dropoff_start_s(pos[:, None], pos[None, :], zero)
    return InsertionGrid(
        reason=reason,
        added_busy_s=np.where(valid, chunk.cost()[:, :, 0], 0),
        pickup_start_s=chunk.pickup_start_s[:, 0],
        dropoff_start_s=np.where(valid, dropoff_start, 0),
    )
