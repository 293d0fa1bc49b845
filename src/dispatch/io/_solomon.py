"""Reader for the Solomon (1987) vehicle-routing-with-time-windows benchmark files."""

from __future__ import annotations

from pathlib import Path

from dispatch.io._euclidean import TIME_SCALE, euclidean, euclidean_travel
from dispatch.io._instance import BenchmarkInstance, fleet_problem
from dispatch.io._nodes import read_node_rows, scaled_stop
from dispatch.io._text import TextFile
from dispatch.model import Location, TimeWindow, Visit
from dispatch.plan import StopRole

__all__ = ["read_solomon"]


def read_solomon(path: str | Path) -> BenchmarkInstance:
    """Read a Solomon VRPTW instance (``c101.txt`` ...).

    The file holds the instance name, a ``VEHICLE`` block (a header line, then
    ``NUMBER CAPACITY``), and a ``CUSTOMER`` block (a header line, then one
    row per node ``id x y demand ready due service``; node 0 is the depot and
    its due date the horizon).

    The mapping to the model is that of :func:`read_lilim`, except that each
    customer ``i`` is a :class:`~dispatch.model.Visit` ``c<i>`` whose load is
    its demand (a visit adds its load, which the courier carries back to the
    depot, so the capacity check is the classic one). The instance name is
    the file's first line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "tiny.txt"
    >>> _ = path.write_text('''TINY
    ... VEHICLE
    ... NUMBER CAPACITY
    ... 3 10
    ... CUSTOMER
    ... CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME
    ... 0 0 0 0 0 100 0
    ... 1 3 4 2 10 50 5
    ... ''')
    >>> inst = read_solomon(path)
    >>> inst.name, [c.id for c in inst.problem.couriers]
    ('TINY', ['v1', 'v2', 'v3'])
    >>> visit = inst.problem.tasks[0]
    >>> visit.id, visit.load, visit.stop.windows[0], visit.stop.service_s
    ('c1', (2,), TimeWindow(earliest_s=10000, latest_s=50000), 5000)
    >>> tmp.cleanup()
    """
    text = TextFile(path)
    name = text.next("the instance name").text
    text.expect_keyword("VEHICLE")
    columns = text.next("the vehicle columns 'NUMBER CAPACITY'")
    if columns.fields[:1] != ["NUMBER"]:
        raise columns.error(f"expected the column names 'NUMBER CAPACITY', got {columns.text!r}")
    fleet_line = text.next("'number capacity'")
    k_field, q_field = fleet_line.expect_fields(2, "number capacity")
    vehicles = fleet_line.int_field(k_field, "number")
    capacity = fleet_line.int_field(q_field, "capacity")
    if vehicles < 1 or capacity < 0:
        raise fleet_line.error(f"need number >= 1 and capacity >= 0, got {vehicles} and {capacity}")
    text.expect_keyword("CUSTOMER")
    columns = text.next("the customer column names")
    if columns.fields[:1] != ["CUST"]:
        raise columns.error(f"expected the customer column names, got {columns.text!r}")
    rows = read_node_rows(text, paired=False)
    cost = euclidean(rows)
    travel = euclidean_travel(cost)
    locations = [Location(node=r.id) for r in rows]
    visits: list[Visit] = []
    node_of: dict[tuple[str, StopRole], int] = {}
    for row in rows[1:]:
        if row.demand < 0:
            raise row.line.error(f"demand must be >= 0, got {row.demand}")
        task_id = f"c{row.id}"
        stop = scaled_stop(row, locations[row.id], TIME_SCALE)
        visits.append(Visit(id=task_id, stop=stop, load=row.demand))
        node_of[(task_id, StopRole.VISIT)] = row.id
    depot = rows[0]
    shift = TimeWindow(depot.earliest * TIME_SCALE, depot.latest * TIME_SCALE)
    problem = fleet_problem(
        visits,
        vehicles=vehicles,
        depot=locations[0],
        shift=shift,
        capacity=capacity,
        travel=travel,
        line=fleet_line,
    )
    return BenchmarkInstance(
        name=name,
        kind="solomon",
        problem=problem,
        node_of=node_of,
        coordinates=[(r.x, r.y) for r in rows],
        cost=cost,
    )
