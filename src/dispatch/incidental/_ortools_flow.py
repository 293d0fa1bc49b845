"""Choose which courier takes which errand: a min-cost flow solved by OR-Tools.

Part of the OR-Tools translation layer: only modules named ``_ortools*.py``
import OR-Tools.

Why a flow and not CP-SAT
-------------------------
Each errand goes to at most one courier, each courier takes at most as many
errands as their caps leave, and every (errand, courier) pair has a value
(priority-weighted service minus the detour the insertion kernel priced).
That is a bipartite b-matching, which a min-cost flow solves exactly and in
milliseconds for hundreds of thousands of candidate pairs; integrality comes
free. What the flow cannot see is that two errands on the same courier share
one detour budget and one timeline. CP-SAT could add a knapsack per courier,
but the real interaction is not additive either (two errands on the same
street cost less together than apart; two in opposite directions more), so
any linear model is an approximation that must be repaired anyway. The
matcher therefore repairs exactly: each courier's errands are inserted one
by one, best first, with a full re-check, and errands that no longer fit go
back into the next round's flow against the updated routes. The quality
benchmark (``benchmarks/incidental.py``) measures the gap this leaves against
an exact set-packing model.

Fairness enters as a convex cost on each courier's outflow: the ``k``-th
errand a courier takes in this round costs ``fairness_s * (recent + k)``
seconds, so a volunteer who already ran many errands is chosen only when
clearly better.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from dispatch.errors import SolverError
from dispatch.incidental._arrays import distinct

__all__ = ["assign"]

IntArray = npt.NDArray[np.int64]


def assign(
    errand: IntArray,
    courier: IntArray,
    value: IntArray,
    room: IntArray,
    *,
    fairness_s: int = 0,
    recent: IntArray | None = None,
) -> npt.NDArray[np.bool_]:
    """Which candidate pairs to take: at most one per errand, ``room[c]`` per courier.

    Maximises the summed ``value`` of the chosen pairs minus the fairness
    costs; pairs with ``value <= 0`` are never chosen.

    Parameters
    ----------
    errand, courier
        ``(K,)`` the pair's errand and courier indices.
    value
        ``(K,)`` integer value of each pair.
    room
        ``(C,)`` errands each courier may still take.
    fairness_s, recent
        Cost per errand already run: the ``k``-th errand (from 0) a courier
        takes here costs ``fairness_s * (recent[c] + k)``.

    Examples
    --------
    Both errands want courier 0, who has room for one; courier 1 can take only
    errand 0, and is worth less for it. Courier 0 goes to errand 0 unless errand
    1 gains more there than errand 0 loses by moving.

    >>> pairs = np.array([0, 0, 1]), np.array([0, 1, 0])
    >>> assign(*pairs, np.array([90, 30, 50]), np.array([1, 1])).tolist()
    [True, False, False]
    >>> assign(*pairs, np.array([90, 30, 80]), np.array([1, 1])).tolist()
    [False, True, True]
    """
    k = errand.shape[0]
    chosen = np.zeros(k, dtype=bool)
    useful = np.flatnonzero(value > 0)
    if useful.size == 0:
        return chosen
    errands, e_index = distinct(errand[useful])
    couriers, c_index = distinct(courier[useful], room.size)
    n_e, n_c = errands.size, couriers.size
    source, sink = 0, 1 + n_e + n_c
    e_node = 1 + e_index
    c_node = 1 + n_e + c_index
    caps = np.minimum(room[couriers], n_e)
    recent_c = np.zeros(n_c, dtype=np.int64) if recent is None else recent[couriers]

    tails: list[IntArray] = [np.zeros(n_e, np.int64), e_node.astype(np.int64)]
    heads: list[IntArray] = [1 + np.arange(n_e, dtype=np.int64), c_node.astype(np.int64)]
    capacity: list[IntArray] = [np.ones(n_e, np.int64), np.ones(useful.size, np.int64)]
    cost: list[IntArray] = [np.zeros(n_e, np.int64), -value[useful].astype(np.int64)]
    # Courier -> sink: one unit arc per slot, the k-th slot costing the fairness term.
    slots = np.repeat(np.arange(n_c), caps)
    rank = np.arange(slots.size) - np.repeat(np.cumsum(caps) - caps, caps)
    tails.append(1 + n_e + slots)
    heads.append(np.full(slots.size, sink, np.int64))
    capacity.append(np.ones(slots.size, np.int64))
    cost.append(fairness_s * (recent_c[slots] + rank))
    # Errands may also stay unassigned at no cost.
    tails.append(np.array([source], np.int64))
    heads.append(np.array([sink], np.int64))
    capacity.append(np.array([n_e], np.int64))
    cost.append(np.array([0], np.int64))

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails),
        np.concatenate(heads),
        np.concatenate(capacity),
        np.concatenate(cost),
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n_e, -n_e]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"the assignment flow did not solve: status {status}")
    pair_arcs = np.arange(n_e, n_e + useful.size)
    chosen[useful] = flow.flows(pair_arcs) > 0
    return chosen
