"""Transportation problems of the elder-care plan, solved as min-cost flows by OR-Tools.

Part of the OR-Tools translation layer: only modules named ``_ortools*.py``
import OR-Tools.

Why a min-cost flow
-------------------
Giving each meal order a kitchen is a transportation problem: orders supply
one unit each, a kitchen's slot takes at most its capacity, an order may go
only to kitchens that cook its diet and reach the home hot, and the cost is
the kitchen-to-home travel time. Its constraint matrix is totally
unimodular, so the network simplex of ``SimpleMinCostFlow`` gives an
integral optimum directly, in milliseconds for thousands of orders and
hundreds of thousands of candidate pairs; a MIP (CP-SAT, SCIP) would find
the same optimum much more slowly, and a greedy nearest-kitchen rule is not
optimal once capacities bind (it fills a kitchen with orders that had other
options and strands the ones that had none). ``solve_max_flow_with_min_cost``
first serves as many orders as the capacities allow and only then minimises
travel, so no order is left out to save minutes elsewhere. The same shape
spreads couriers over the parts of the district (quotas per part, cost the
distance from each courier's start).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from dispatch.errors import InvalidInputError, SolverError

__all__ = ["transport"]

IntArray = npt.NDArray[np.int64]


def transport(
    rows: int, row: IntArray, column: IntArray, cost: IntArray, capacity: IntArray
) -> IntArray:
    """Give each row at most one column: as many rows as possible, then the least total cost.

    Parameters
    ----------
    rows
        Number of rows (each supplies one unit).
    row, column, cost
        ``(K,)`` the allowed pairs and their integer costs (>= 0).
    capacity
        ``(C,)`` units each column takes.

    Returns
    -------
    numpy.ndarray
        ``(rows,)`` the column given to each row, -1 for none.

    Examples
    --------
    Two orders, one kitchen place each at kitchens 0 and 1; order 1 can only go
    to kitchen 0, so order 0 takes the longer trip to kitchen 1:

    >>> transport(2, np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([5, 9, 7]),
    ...           np.array([1, 1])).tolist()
    [1, 0]
    >>> transport(2, np.array([0, 1]), np.array([0, 0]), np.array([5, 1]), np.array([1])).tolist()
    [-1, 0]
    """
    row = np.asarray(row, dtype=np.int64)
    column = np.asarray(column, dtype=np.int64)
    cost = np.asarray(cost, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64)
    if not (row.shape == column.shape == cost.shape) or row.ndim != 1:
        raise InvalidInputError("row/column/cost", "must be 1-D arrays of equal length")
    if cost.size and cost.min() < 0:
        raise InvalidInputError("cost", "must be >= 0")
    chosen = np.full(rows, -1, dtype=np.int64)
    if row.size == 0 or rows == 0:
        return chosen
    columns = capacity.size
    source, sink = rows + columns, rows + columns + 1
    tails = np.concatenate(
        [np.full(rows, source), row, rows + np.arange(columns, dtype=np.int64)]
    ).astype(np.int64)
    heads = np.concatenate(
        [np.arange(rows, dtype=np.int64), rows + column, np.full(columns, sink)]
    ).astype(np.int64)
    caps = np.concatenate(
        [np.ones(rows, np.int64), np.ones(row.size, np.int64), np.maximum(capacity, 0)]
    )
    costs = np.concatenate([np.zeros(rows, np.int64), cost, np.zeros(columns, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([rows, -rows]))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise SolverError(f"the transportation flow did not solve: status {status}")
    pair_arcs = np.arange(rows, rows + row.size)
    used = flow.flows(pair_arcs) > 0
    chosen[row[used]] = column[used]
    return chosen
