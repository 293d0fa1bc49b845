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
and candidate.

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
The kernel is compiled (:mod:`dispatch.incidental._kernels`, numba): per candidate, O(m)
arrays over positions, then the cells row by row, each row ending at the first ``j`` whose
push some point ``i+1..j`` cannot absorb, and skipping rows and cells that cannot beat the
cheapest cell found. On the 2-core development machine, 100,000 candidates on 1,000 routes
of 11-13 stops take 0.19 s (median of 7 runs, 70 % feasible, both cores busy with other
jobs, load 3.3), against 0.42-0.46 s for the earlier numpy kernel at load 2; the first call
in a process loads the compiled code from numba's cache (or compiles it, see
:mod:`dispatch.incidental._kernels`). ``python -m tests.incidental.test_insertion``
measures it.

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
    "DenseTravel",
    "ErrandArrays",
    "Insertion",
    "InsertionGrid",
    "InsertionReason",
    "InsertionResult",
    "RouteArrays",
    "RouteBatch",
    "best_insertions",
    "best_insertions_dense",
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


def _pick(
    time_ok: BoolArray, capacity_ok: BoolArray, budget_ok: BoolArray, key: IntArray
) -> tuple[npt.NDArray[np.int8], IntArray]:
    """Reason and smallest feasible key (``cost * n * n + i * n + j``) per candidate, from
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


#: Travel read from a dense table inside the kernel: ``(table, transposed, place, points,
#: pickup, dropoff)`` as :func:`dispatch.incidental._kernels.insertions` takes them.
DenseTravel = tuple[
    npt.NDArray[np.signedinteger[Any]],
    npt.NDArray[np.signedinteger[Any]],
    npt.NDArray[np.integer[Any]],
    IntArray,
    IntArray,
    IntArray,
]


def _run_kernel(
    routes: RouteBatch,
    cands: CandidateBatch,
    grid: tuple[npt.NDArray[np.int8], IntArray, IntArray, IntArray] | None = None,
    dense: DenseTravel | None = None,
) -> tuple[npt.NDArray[np.int8], IntArray, IntArray, IntArray, IntArray, IntArray, int]:
    """The compiled kernel (:func:`dispatch.incidental._kernels.insertions`) on the batches.

    ``grid``: ``(n, n)`` reason, cost and drop-off start and ``(n,)`` pickup start arrays
    to fill for a single candidate. ``dense``: read the travel from a dense table instead
    of the candidates' travel arrays (the last value returned is then the smallest travel
    read; negative: a pair has no path).
    """
    from dispatch.incidental import _kernels  # numba: imported on first use, not with dispatch

    has_earliest = routes.earliest_s is not None
    earliest = routes.start_s if routes.earliest_s is None else routes.earliest_s
    c = np.ascontiguousarray  # one compiled signature: C-contiguous arrays only
    tables = _kernels.route_tables(
        c(routes.n_stops),
        c(routes.start_s),
        c(routes.latest_s),
        c(routes.service_s),
        c(routes.leg_s),
        c(earliest),
    )
    has_arrival_from = cands.arrival_from_s is not None
    arrival_from = cands.pickup_window_s if cands.arrival_from_s is None else cands.arrival_from_s
    if grid is None:
        empty = np.zeros((0, 0), np.int64)
        grid = (np.zeros((0, 0), np.int8), empty, np.zeros(0, np.int64), empty)
    grid_reason, grid_cost, grid_pickup, grid_dropoff = grid
    if dense is None:
        no_table = _kernels.read_only(np.zeros((0, 0), np.int32))
        none = np.zeros(0, np.int64)
        dense = (no_table, no_table, none, np.zeros((0, 0), np.int64), none, none)
    table, transposed, place, points, pickup, dropoff = dense
    result: tuple[npt.NDArray[np.int8], IntArray, IntArray, IntArray, IntArray, IntArray, int] = (
        _kernels.insertions(
            c(cands.route),
            c(routes.n_stops),
            c(routes.start_s),
            c(routes.service_s),
            c(routes.leg_s),
            c(routes.load_after),
            c(routes.capacity),
            c(routes.remaining_detour_s),
            tables,
            has_earliest,
            c(cands.pickup_window_s),
            c(cands.dropoff_window_s),
            c(cands.pickup_service_s),
            c(cands.dropoff_service_s),
            c(cands.load),
            c(cands.max_ride_s),
            c(cands.to_pickup_s),
            c(cands.from_pickup_s),
            c(cands.to_dropoff_s),
            c(cands.from_dropoff_s),
            c(cands.pickup_to_dropoff_s),
            c(arrival_from),
            has_arrival_from,
            grid_reason,
            grid_cost,
            grid_pickup,
            grid_dropoff,
            table,
            transposed,
            c(place),
            c(points),
            c(pickup),
            c(dropoff),
        )
    )
    return result


def best_insertions(routes: RouteBatch, candidates: CandidateBatch) -> InsertionResult:
    """The cheapest feasible insertion of every candidate.

    Each candidate's cells ``(i, j)`` are scanned row by row in compiled code
    (:mod:`dispatch.incidental._kernels`), with the rules of the module docstring.

    Parameters
    ----------
    routes
        The routes, one row each.
    candidates
        The (errand, route row) pairs; travel arrays as wide as ``routes``.

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
    _check_pairing(routes, candidates)
    return best_insertions_trusted(routes, candidates)


def best_insertions_trusted(routes: RouteBatch, candidates: CandidateBatch) -> InsertionResult:
    """:func:`best_insertions` without checking that the candidates fit the routes.

    For callers that build both batches themselves (see :meth:`RouteBatch.trusted`).
    """
    if len(candidates) == 0:
        zeros = np.zeros(0, dtype=np.int64)
        return InsertionResult(
            reason=np.zeros(0, dtype=np.int8),
            pickup_after=zeros,
            dropoff_after=zeros,
            added_busy_s=zeros,
            pickup_start_s=zeros,
            dropoff_start_s=zeros,
        )
    return best_insertions_dense(routes, candidates, None)[0]


def best_insertions_dense(
    routes: RouteBatch, candidates: CandidateBatch, dense: DenseTravel | None
) -> tuple[InsertionResult, int]:
    """:func:`best_insertions_trusted` with the travel read from one profile's dense table
    in the kernel (``dense``, see :data:`DenseTravel`; the candidates' travel arrays are
    then not read), and the smallest travel read: negative when a pair has no path, and
    the result is then not to be used."""
    reason, i, j, cost, pickup_start, dropoff_start, smallest = _run_kernel(
        routes, candidates, dense=dense
    )
    result = InsertionResult(
        reason=reason,
        pickup_after=i,
        dropoff_after=j,
        added_busy_s=cost,
        pickup_start_s=pickup_start,
        dropoff_start_s=dropoff_start,
    )
    return result, int(smallest)


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
    reason = np.full((n, n), InsertionReason.ORDER, dtype=np.int8)
    cost = np.zeros((n, n), dtype=np.int64)
    pickup_start = np.zeros(n, dtype=np.int64)
    dropoff_start = np.zeros((n, n), dtype=np.int64)
    _run_kernel(routes, candidates, (reason, cost, pickup_start, dropoff_start))
    return InsertionGrid(
        reason=reason,
        added_busy_s=cost,
        pickup_start_s=pickup_start,
        dropoff_start_s=dropoff_start,
    )
