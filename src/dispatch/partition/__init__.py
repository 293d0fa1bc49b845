"""Partitioned solving: a city cut into zones, solved in parallel, merged into one plan.

When one process is not enough, :func:`solve_partitioned` cuts the problem
into zones, solves them apart on any :class:`concurrent.futures.Executor`
(a pool of processes by default; Dask's ``Client.get_executor()`` to scale
out), offers the leftovers across the borders, and merges everything into
one :class:`~dispatch.plan.Plan` of the whole problem, which
:func:`dispatch.validate` checks like any other.

**Zones.** Tasks carry no community in the model, so zones are drawn on
the map: recursive weighted bisection (:class:`Zones`) of the tasks' first
stops and the couriers' starts, one weight each, cut along the wider side
each time. Zones fitted once can be passed in again, so districts stay put.

**Border rules** (:func:`partition`). A task belongs to the zone of its
first stop (an errand's or a meal's pickup, a visit's stop). A courier
belongs to exactly one zone, the one where its own round spends the most
time (service plus half of each straight-line leg; ties: the zone of its
start), never to two parts at once. In the **border rounds**, each zone's
leftovers are offered to couriers of other zones with room left (below
their task cap and detour budget) whose round passes within ``border_m``
of one of their stops. In round ``r`` a courier is offered to one zone
only, the ``r``-th nearest other one, so the border parts of a round are
disjoint as well. Couriers keep what they already carry.

**Parts** (:class:`Part`) are picklable value objects: the part's tasks and
couriers with the whole problem's travel model (which is pickled with each
part: a :class:`~dispatch.travel.RoadGraphTravel` sends its graph and runs
Dijkstra in the worker; a precomputed :class:`~dispatch.travel.TravelTable`
would send all of its table). A **part solver** is a picklable callable:
:class:`SolveParts` (the core solver, :func:`dispatch.solve`) or
:class:`MatchParts` (the incidental matcher).

**Failures.** An attempt that raises or runs over ``part_timeout_s`` is
retried ``retries`` times; a zone part that still fails leaves its tasks
unassigned with the detail ``"partition failed: <errors>"`` and its
couriers on their own rounds, and is listed in
:attr:`Partitioned.failures`. Nothing goes missing silently.

**Dask.** Install the ``dask`` extra and pass the client's executor::

    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=4, threads_per_worker=1) as cluster, Client(cluster) as client:
        done = solve_partitioned(problem, MatchParts(), PartitionOptions(workers=4),
                                 executor=client.get_executor(pure=False))

(``pure=False`` spares Dask hashing every part to name its task; each
attempt is a distinct call either way, so a retry is never answered from
Dask's memory of the failed one.) Set ``workers`` to the cluster's threads.
Dask runs parts in worker threads, which cannot be interrupted: a part over
``part_timeout_s`` is abandoned, not stopped.

The same seed (``SolveOptions.seed`` with a solution limit and no time
limit; the matcher is deterministic) gives the same merged plan, however
the parts are scheduled.
"""

from dispatch.partition._assign import Partition, partition
from dispatch.partition._parts import (
    MatchParts,
    Part,
    PartResult,
    PartSolver,
    PartStage,
    SolveParts,
    freeze,
)
from dispatch.partition._run import PartReport
from dispatch.partition._solve import (
    PARTITION_FAILED,
    Partitioned,
    PartitionOptions,
    solve_partitioned,
)
from dispatch.partition._zones import Zones

__all__ = [
    "PARTITION_FAILED",
    "MatchParts",
    "Part",
    "PartReport",
    "PartResult",
    "PartSolver",
    "PartStage",
    "Partition",
    "PartitionOptions",
    "Partitioned",
    "SolveParts",
    "Zones",
    "freeze",
    "partition",
    "solve_partitioned",
]
