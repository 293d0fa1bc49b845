"""Reader for the Li & Lim (2001) pickup-and-delivery benchmark files."""

from __future__ import annotations

from pathlib import Path

from dispatch.io._euclidean import TIME_SCALE, euclidean, euclidean_travel
from dispatch.io._instance import BenchmarkInstance, fleet_problem
from dispatch.io._nodes import errands_from_pairs, read_node_rows
from dispatch.io._text import TextFile
from dispatch.model import Location, TimeWindow

__all__ = ["read_lilim"]


def read_lilim(path: str | Path) -> BenchmarkInstance:
    """Read a Li & Lim PDPTW instance (``lc101.txt`` ...).

    The file has a line ``K Q S`` (vehicles, capacity, an ignored number),
    then one line per node ``id x y demand earliest latest service pickup
    delivery``; node 0 is the depot and its window the horizon.

    Mapping to the model:

    - one time unit is ``TIME_SCALE = 1000`` seconds: windows, service times and
      the horizon are multiplied by 1000;
    - travel is a :class:`~dispatch.travel.MatrixTravel` over the instance node
      ids with ``durations_s = ceil(d * 1000 - 1e-6)`` and
      ``distances_m = round(d * 1000)`` (halves up) for the Euclidean distance ``d``;
    - each request (pickup ``p``, delivery ``d``) is an :class:`~dispatch.model.Errand`
      ``r<p>`` whose load is the pickup's demand;
    - ``K`` identical cars ``v1``..``v<K>`` start and end at the depot, shift =
      the depot window, capacity ``Q``, and the fixed cost
      ``(nodes + K) * max(distances_m)`` (nodes counting the depot). That is
      more than the total distance of any plan, so one car fewer always beats
      any saving in distance: the literature's "fewest vehicles first, then
      least distance".

    Raises :class:`~dispatch.errors.FormatError` naming file and line for a
    malformed file (wrong field counts, non-numbers, ids out of order, a
    pickup without its delivery ...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "tiny.txt"
    >>> _ = path.write_text('''2 10 0
    ... 0 0 0 0 0 100 0 0 0
    ... 1 3 4 5 0 50 1 0 2
    ... 2 0 4 -5 0 60 1 1 0
    ... ''')
    >>> inst = read_lilim(path)
    >>> [(t.id, t.load, t.pickup.windows[0].latest_s) for t in inst.problem.tasks]
    [('r1', (5,), 50000)]
    >>> inst.travel.durations_s.tolist()
    [[0, 5000, 4000], [5000, 0, 3000], [4000, 3000, 0]]
    >>> inst.objective_distance([[1, 2]])
    12.0
    >>> tmp.cleanup()
    """
    text = TextFile(path)
    header = text.next("the header line 'vehicles capacity speed'")
    k_field, q_field, _ = header.expect_fields(3, "vehicles capacity speed")
    vehicles = header.int_field(k_field, "vehicles")
    capacity = header.int_field(q_field, "capacity")
    if vehicles < 1 or capacity < 0:
        raise header.error(f"need vehicles >= 1 and capacity >= 0, got {vehicles} and {capacity}")
    rows = read_node_rows(text, paired=True)
    depot = rows[0]
    if depot.pickup or depot.delivery:
        raise depot.line.error("the depot (node 0) must have pickup and delivery fields 0")
    cost = euclidean(rows)
    travel = euclidean_travel(cost)
    locations = [Location(node=r.id) for r in rows]
    errands, node_of = errands_from_pairs(rows, lambda r: locations[r.id], TIME_SCALE)
    shift = TimeWindow(depot.earliest * TIME_SCALE, depot.latest * TIME_SCALE)
    problem = fleet_problem(
        errands,
        vehicles=vehicles,
        depot=locations[0],
        shift=shift,
        capacity=capacity,
        travel=travel,
        line=header,
    )
    return BenchmarkInstance(
        name=Path(path).stem,
        kind="lilim",
        problem=problem,
        node_of=node_of,
        coordinates=[(r.x, r.y) for r in rows],
        cost=cost,
    )
