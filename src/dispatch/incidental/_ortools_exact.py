"""Set packing with CP-SAT: the exact model behind :func:`dispatch.incidental.exact_match`.

Part of the OR-Tools translation layer: only modules named ``_ortools*.py``
import OR-Tools.
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from dispatch.errors import SolverError

__all__ = ["pack"]


def pack(
    owner: Sequence[int],
    members: Sequence[Sequence[int]],
    value: Sequence[int],
    n_owners: int,
    n_members: int,
    *,
    time_limit_s: float = 600.0,
) -> list[int]:
    """Indices of the sets to take: at most one per owner, each member at most once, max value.

    Examples
    --------
    >>> pack([0, 0, 1], [[0], [0, 1], [1]], [5, 7, 4], 2, 2)
    [0, 2]
    """
    model = cp_model.CpModel()
    take = [model.new_bool_var(f"s{k}") for k in range(len(value))]
    by_owner: list[list[cp_model.IntVar]] = [[] for _ in range(n_owners)]
    by_member: list[list[cp_model.IntVar]] = [[] for _ in range(n_members)]
    for k, (o, ms) in enumerate(zip(owner, members, strict=True)):
        by_owner[o].append(take[k])
        for m in ms:
            by_member[m].append(take[k])
    for group in (*by_owner, *by_member):
        if len(group) > 1:
            model.add_at_most_one(group)
    model.maximize(sum(v * t for v, t in zip(value, take, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status != cp_model.OPTIMAL:
        raise SolverError(
            f"the exact set packing was not solved to optimality: {solver.status_name(status)}"
        )
    return [k for k, t in enumerate(take) if solver.value(t)]
