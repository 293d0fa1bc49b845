"""A benchmark instance read into the model, its literature objective and best-known solutions."""

from __future__ import annotations

import csv
import types
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import FormatError, InvalidInputError, UnknownReferenceError
from dispatch.io._text import Line
from dispatch.model import Courier, Location, Problem, Task, TimeWindow, TravelProfile
from dispatch.plan import Route, StopRole
from dispatch.travel import MatrixTravel

__all__ = ["BenchmarkInstance", "BenchmarkKind", "BestKnown", "best_known"]

BenchmarkKind = Literal["lilim", "solomon", "sartori"]

_TASK_ROLES = (StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT)


def _read_only(value: Mapping[tuple[str, StopRole], int]) -> Mapping[tuple[str, StopRole], int]:
    return types.MappingProxyType(dict(value))


def _coordinates(value: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    return tuple((float(a), float(b)) for a, b in value)


def _float_matrix(value: object) -> npt.NDArray[np.float64]:
    arr = np.array(value, dtype=np.float64)
    arr.flags.writeable = False
    return arr


def _square(instance: object, attribute: attrs.Attribute[Any], value: npt.NDArray[Any]) -> None:
    if value.ndim != 2 or value.shape[0] != value.shape[1]:
        raise InvalidInputError(
            f"BenchmarkInstance.{attribute.name}", f"must be square, got shape {value.shape}"
        )


@attrs.frozen(kw_only=True, eq=False)
class BenchmarkInstance:
    """A literature benchmark instance translated into a :class:`~dispatch.model.Problem`.

    Parameters
    ----------
    name
        The instance name (``lc101``, ``C101``, ``bar-n100-1``).
    kind
        ``"lilim"``, ``"solomon"`` or ``"sartori"``.
    problem
        The instance in our model (see the readers for the exact mapping).
    node_of
        ``(task id, role) -> instance node id``, so routes can be written the
        way the literature writes them.
    coordinates
        Per instance node id: ``(x, y)`` for Li & Lim and Solomon, ``(lat, lon)``
        for Sartori. Node ``depot`` is the depot.
    cost
        The literature's cost between instance node ids: the unrounded
        Euclidean distance (Li & Lim, Solomon) or the integer travel minutes
        (Sartori).
    depot
        The depot's node id (0 in every set).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch.io import read_solomon
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "tiny.txt"
    >>> _ = path.write_text('''TINY
    ... VEHICLE
    ... NUMBER CAPACITY
    ... 2 10
    ... CUSTOMER
    ... CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME
    ... 0 0 0 0 0 100 0
    ... 1 3 4 2 0 50 5
    ... 2 0 4 3 0 60 5
    ... ''')
    >>> inst = read_solomon(path)
    >>> inst.node_of[("c2", StopRole.VISIT)]
    2
    >>> inst.objective_distance([[1, 2]])  # 5 + 3 + 4
    12.0
    >>> tmp.cleanup()
    """

    name: str
    kind: BenchmarkKind = attrs.field(
        validator=attrs.validators.in_(("lilim", "solomon", "sartori"))
    )
    problem: Problem = attrs.field(validator=attrs.validators.instance_of(Problem))
    node_of: Mapping[tuple[str, StopRole], int] = attrs.field(converter=_read_only)
    coordinates: tuple[tuple[float, float], ...] = attrs.field(converter=_coordinates)
    cost: npt.NDArray[np.float64] = attrs.field(converter=_float_matrix, validator=_square)
    depot: int = 0

    def __attrs_post_init__(self) -> None:
        n = self.cost.shape[0]
        if len(self.coordinates) != n:
            raise InvalidInputError(
                "BenchmarkInstance.coordinates", f"has {len(self.coordinates)} nodes, cost has {n}"
            )
        if not 0 <= self.depot < n:
            raise InvalidInputError("BenchmarkInstance.depot", f"{self.depot} is not a node")
        if not isinstance(self.problem.travel, MatrixTravel):
            raise InvalidInputError(
                "BenchmarkInstance.problem", "travel must be a MatrixTravel over the node ids"
            )

    @property
    def travel(self) -> MatrixTravel:
        """The problem's travel matrix, whose nodes are the instance node ids."""
        return cast(MatrixTravel, self.problem.travel)  # checked at construction

    @property
    def node_count(self) -> int:
        """Number of instance nodes, the depot included."""
        return int(self.cost.shape[0])

    def route_nodes(self, route: Route) -> list[int]:
        """The instance node ids a route visits, in order (depot, own stops excluded).

        Examples
        --------
        >>> from dispatch import MatrixTravel, PlannedStop
        >>> EMPTY = Problem(tasks=[], couriers=[],
        ...                 travel=MatrixTravel(nodes=[0], durations_s=[[0]]))
        >>> def stop(role, ref):
        ...     return PlannedStop(role=role, ref=ref, arrival_s=0, start_s=0, departure_s=0,
        ...                        load_after=(0,))
        >>> route = Route(courier_id="v1", distance_m=0, duration_s=0, stops=(
        ...     stop(StopRole.START, "v1"), stop(StopRole.PICKUP, "r3"),
        ...     stop(StopRole.DROPOFF, "r3"), stop(StopRole.END, "v1")))
        >>> inst = BenchmarkInstance(
        ...     name="toy", kind="lilim", problem=EMPTY,
        ...     node_of={("r3", StopRole.PICKUP): 3, ("r3", StopRole.DROPOFF): 1},
        ...     coordinates=[(0, 0)] * 4, cost=np.zeros((4, 4)))
        >>> inst.route_nodes(route)
        [3, 1]
        """
        nodes: list[int] = []
        for stop in route.stops:
            if stop.role not in _TASK_ROLES:
                continue
            try:
                nodes.append(self.node_of[(stop.ref, stop.role)])
            except KeyError:
                raise UnknownReferenceError(
                    f"{stop.role.value} stop of instance {self.name}", stop.ref
                ) from None
        return nodes

    def objective_distance(self, routes_nodes: Sequence[Sequence[int]]) -> float:
        """The literature objective of routes given as instance node ids (depot excluded).

        Each route runs depot -> nodes -> depot; the cost of a leg is
        :attr:`cost` (unrounded Euclidean for Li & Lim and Solomon, integer
        minutes for Sartori). Empty routes cost nothing.

        Examples
        --------
        >>> from dispatch import MatrixTravel
        >>> EMPTY = Problem(tasks=[], couriers=[],
        ...                 travel=MatrixTravel(nodes=[0], durations_s=[[0]]))
        >>> inst = BenchmarkInstance(
        ...     name="toy", kind="solomon", problem=EMPTY,
        ...     node_of={}, coordinates=[(0, 0), (3, 4), (0, 4)],
        ...     cost=[[0, 5, 4], [5, 0, 3], [4, 3, 0]])
        >>> inst.objective_distance([[1, 2], [], [2]])
        20.0
        >>> inst.objective_distance([[0, 1]])
        Traceback (most recent call last):
        ...
        dispatch.errors.InvalidInputError: routes_nodes[0][0]: the depot (node 0) is implied, \
leave it out
        """
        n = self.node_count
        total = 0.0
        for r, route in enumerate(routes_nodes):
            previous = self.depot
            length = 0.0
            for k, node in enumerate(route):
                where = f"routes_nodes[{r}][{k}]"
                if isinstance(node, bool) or not isinstance(node, int | np.integer):
                    raise InvalidInputError(where, f"must be a node id (int), got {node!r}")
                if node == self.depot:
                    raise InvalidInputError(
                        where, f"the depot (node {self.depot}) is implied, leave it out"
                    )
                if not 0 <= node < n:
                    raise InvalidInputError(where, f"node {node} is not in 0..{n - 1}")
                length += float(self.cost[previous, node])
                previous = int(node)
            if route:
                length += float(self.cost[previous, self.depot])
            total += length
        return total


@attrs.frozen
class BestKnown:
    """A best-known solution's size: vehicles used and total distance (or travel minutes).

    Examples
    --------
    >>> BestKnown(10, 828.9369)
    BestKnown(vehicles=10, distance=828.9369)
    """

    vehicles: int
    distance: float


_BKS_FILES = ("bks.csv", "bks.dat")
_CSV_HEADER = ["instance", "vehicles", "distance"]
_DAT_HEADER = ["instance", "size", "vehicles", "cost", "reference", "date"]


def _bks_rows(path: Path) -> dict[str, tuple[int, list[str]]]:
    """``{instance name (lower case): (line number, fields)}`` of a BKS table."""
    source = str(path)
    if path.suffix == ".csv":
        delimiter, header = ",", _CSV_HEADER
    elif path.suffix == ".dat":
        delimiter, header = ";", _DAT_HEADER
    else:
        raise FormatError(source, None, "a BKS table must be a .csv or .dat file")
    rows: dict[str, tuple[int, list[str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        first = next(reader, None)
        if first is None or [f.strip().lower() for f in first] != header:
            raise FormatError(source, 1, f"expected the header {delimiter.join(header)!r}")
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise FormatError(source, line, f"expected {len(header)} fields, got {len(fields)}")
            key = fields[0].strip().lower()
            if key in rows:
                raise FormatError(source, line, f"instance {fields[0]!r} repeats")
            rows[key] = (line, [f.strip() for f in fields])
    return rows


def best_known(folder_or_file: str | Path, name: str) -> BestKnown | None:
    """The best-known solution of instance ``name``, or None when the table lacks it.

    Parameters
    ----------
    folder_or_file
        A benchmark folder holding ``bks.csv`` (Li & Lim, Solomon:
        ``instance,vehicles,distance``) or ``bks.dat`` (Sartori:
        ``instance;size;vehicles;cost;reference;date``, cost in minutes), or
        that file itself.
    name
        The instance name, matched case-insensitively (``C101`` finds ``c101``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> _ = (folder / "bks.csv").write_text("instance,vehicles,distance\\nlc101,10,828.9369\\n")
    >>> best_known(folder, "LC101")
    BestKnown(vehicles=10, distance=828.9369)
    >>> best_known(folder, "lc999") is None
    True
    >>> tmp.cleanup()
    """
    path = Path(folder_or_file)
    if not path.exists():
        raise FileNotFoundError(f"no BKS folder or file at {path}")
    if path.is_dir():
        found = [path / f for f in _BKS_FILES if (path / f).is_file()]
        if not found:
            raise InvalidInputError("folder_or_file", f"{path} holds no {' or '.join(_BKS_FILES)}")
        path = found[0]
    rows = _bks_rows(path)
    row = rows.get(name.strip().lower())
    if row is None:
        return None
    line, fields = row
    vehicles_field, distance_field = (1, 2) if path.suffix == ".csv" else (2, 3)
    try:
        vehicles = int(fields[vehicles_field])
        distance = float(fields[distance_field])
    except ValueError:
        raise FormatError(
            str(path), line, f"vehicles must be an integer and distance a number, got {fields}"
        ) from None
    return BestKnown(vehicles, distance)


def node_travel(
    durations_s: npt.NDArray[np.int64], distances_m: npt.NDArray[np.int64]
) -> MatrixTravel:
    """A :class:`MatrixTravel` over the instance node ids ``0 .. n-1``."""
    nodes = range(int(durations_s.shape[0]))
    return MatrixTravel(nodes=nodes, durations_s=durations_s, distances_m=distances_m)


def fleet_problem(
    tasks: Sequence[Task],
    *,
    vehicles: int,
    depot: Location,
    shift: TimeWindow,
    capacity: int,
    travel: MatrixTravel,
    line: Line,
) -> Problem:
    """The problem with ``vehicles`` identical cars ``v1``, ``v2``, ... based at ``depot``.

    Each car has the fixed cost ``(nodes + vehicles) * max(distances_m)``,
    more than the total distance of any plan (at most ``nodes - 1 + vehicles``
    legs, none longer than the maximum): one car fewer always beats any saving
    in distance, as in the literature's hierarchical objective. Model errors
    are reported at ``line``.
    """
    distances = travel.durations_s if travel.distances_m is None else travel.distances_m
    longest = int(distances.max()) if distances.size else 0
    fixed_cost = (len(travel.nodes) + vehicles) * max(longest, 1)
    try:
        couriers = [
            Courier(
                id=f"v{k}",
                start=depot,
                end=depot,
                shift=shift,
                capacity=capacity,
                profile=TravelProfile.CAR,
                fixed_cost=fixed_cost,
            )
            for k in range(1, vehicles + 1)
        ]
        return Problem(tasks=tasks, couriers=couriers, travel=travel)
    except InvalidInputError as err:
        raise line.error(str(err)) from None
