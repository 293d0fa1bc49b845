"""Reader for the Sartori & Buriol (2020) pickup-and-delivery instances on real road networks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dispatch.errors import InvalidInputError
from dispatch.io._instance import BenchmarkInstance, fleet_problem, node_travel
from dispatch.io._nodes import NodeRow, errands_from_pairs, read_node_rows
from dispatch.io._text import Line, TextFile
from dispatch.model import Location, TimeWindow

__all__ = ["SARTORI_TIME_SCALE", "read_sartori"]

SARTORI_TIME_SCALE = 60
"""Seconds per minute, the time unit of Sartori instances."""

_REQUIRED = ("SIZE", "ROUTE-TIME", "CAPACITY")


def _header(text: TextFile) -> tuple[dict[str, str], dict[str, Line]]:
    values: dict[str, str] = {}
    lines: dict[str, Line] = {}
    while True:
        line = text.next("the header lines and 'NODES'")
        if line.text.upper() == "NODES":
            break
        key, sep, value = line.text.partition(":")
        key = key.strip().upper()
        if not sep or not key:
            raise line.error(f"expected 'KEY: value' or 'NODES', got {line.text[:40]!r}")
        if key in values:
            raise line.error(f"header key {key} repeats")
        values[key] = value.strip()
        lines[key] = line
    for key in _REQUIRED:
        if key not in values:
            raise line.error(f"the header before NODES lacks {key}")
    return values, lines


def _header_int(values: dict[str, str], lines: dict[str, Line], key: str, minimum: int) -> int:
    number = lines[key].int_field(values[key], key)
    if number < minimum:
        raise lines[key].error(f"{key} must be >= {minimum}, got {number}")
    return number


def _matrix_row(line: Line, size: int, row: int) -> list[int]:
    fields = line.fields
    if len(fields) != size:
        raise line.error(f"matrix row {row} has {len(fields)} entries, expected SIZE = {size}")
    try:
        values = [int(f) for f in fields]
    except ValueError:
        bad = next(f for f in fields if not f.lstrip("-").isdigit())
        raise line.error(f"matrix row {row}: {bad!r} is not an integer") from None
    if min(values) < 0:
        raise line.error(f"matrix row {row} holds a negative travel time {min(values)}")
    return values


def read_sartori(path: str | Path) -> BenchmarkInstance:
    """Read a Sartori & Buriol PDPTW instance (``bar-n100-1.txt`` ...).

    The file has ``KEY: value`` header lines (SIZE, ROUTE-TIME, CAPACITY ...),
    ``NODES`` and SIZE rows ``id lat lon demand earliest latest service pickup
    delivery``, ``EDGES`` and a SIZE x SIZE matrix of integer travel minutes
    (OSRM, asymmetric), and ``EOF``.

    Mapping to the model:

    - minutes become seconds (times 60, exact): windows, service times, the
      matrix, and the depot window ``[0, ROUTE-TIME]``;
    - travel is a :class:`~dispatch.travel.MatrixTravel` over the instance
      node ids with ``durations_s = distances_m = minutes * 60``. The objective
      of this set is travel time, so here ``distances_m`` holds travel
      *seconds*;
    - each request (pickup ``p`` and the delivery its ``delivery`` field names)
      is an :class:`~dispatch.model.Errand` ``r<p>``; locations carry both the
      lat/lon and the node id;
    - the number of vehicles is not given (it is minimised): there are as many
      cars ``v1``, ``v2``, ... as requests (an upper bound), each with the
      capacity of the header and the fixed cost
      ``(SIZE + cars) * max(durations_s)``, more than any plan's travel time,
      so one car fewer always wins, as in the literature.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "tiny.txt"
    >>> _ = path.write_text('''NAME: tiny
    ... SIZE: 3
    ... ROUTE-TIME: 100
    ... CAPACITY: 10
    ... NODES
    ... 0 41.39 2.12 0 0 100 0 0 0
    ... 1 41.40 2.11 4 0 90 5 0 2
    ... 2 41.41 2.13 -4 0 90 5 1 0
    ... EDGES
    ... 0 7 9
    ... 8 0 3
    ... 9 4 0
    ... EOF
    ... ''')
    >>> inst = read_sartori(path)
    >>> [(t.id, t.load) for t in inst.problem.tasks], inst.problem.couriers[0].shift
    ([('r1', (4,))], TimeWindow(earliest_s=0, latest_s=6000))
    >>> inst.objective_distance([[1, 2]])  # 7 + 3 + 9 minutes
    19.0
    >>> tmp.cleanup()
    """
    text = TextFile(path)
    values, lines = _header(text)
    size = _header_int(values, lines, "SIZE", 3)
    if size % 2 != 1:
        raise lines["SIZE"].error(f"SIZE must be odd (depot + pickups + deliveries), got {size}")
    horizon = _header_int(values, lines, "ROUTE-TIME", 0)
    capacity = _header_int(values, lines, "CAPACITY", 0)
    rows = read_node_rows(text, paired=True, count=size, until="EDGES")
    depot = rows[0]
    if depot.pickup or depot.delivery:
        raise depot.line.error("the depot (node 0) must have pickup and delivery fields 0")
    locations = [_location(r) for r in rows]
    text.expect_keyword("EDGES")
    minutes = np.array(
        [_matrix_row(text.next(f"{size} matrix rows"), size, i) for i in range(size)],
        dtype=np.int64,
    )
    text.expect_keyword("EOF")
    text.expect_end()
    seconds = minutes * SARTORI_TIME_SCALE
    travel = node_travel(seconds, seconds)
    errands, node_of = errands_from_pairs(rows, lambda r: locations[r.id], SARTORI_TIME_SCALE)
    shift = TimeWindow(0, horizon * SARTORI_TIME_SCALE)
    problem = fleet_problem(
        errands,
        vehicles=len(errands),
        depot=locations[0],
        shift=shift,
        capacity=capacity,
        travel=travel,
        line=lines["CAPACITY"],
    )
    return BenchmarkInstance(
        name=values.get("NAME") or Path(path).stem,
        kind="sartori",
        problem=problem,
        node_of=node_of,
        coordinates=[(r.x, r.y) for r in rows],
        cost=minutes,
    )


def _location(row: NodeRow) -> Location:
    try:
        return Location(lat=row.x, lon=row.y, node=row.id)
    except InvalidInputError as err:
        raise row.line.error(str(err)) from None
