"""The core solver: ``solve(problem, options) -> Plan`` on OR-Tools' routing library.

Only ``dispatch.solver._ortools`` imports OR-Tools; everything else works on
our own compiled, index-based form of the problem.
"""

from dispatch.solver._fill import FLEET_BUSY, fill_leftovers
from dispatch.solver._ortools import FIRST_SOLUTION_STRATEGIES, METAHEURISTICS
from dispatch.solver._portfolio import start_workers
from dispatch.solver._progress import SearchProgress
from dispatch.solver._solve import SolveOptions, solve

__all__ = [
    "FIRST_SOLUTION_STRATEGIES",
    "FLEET_BUSY",
    "METAHEURISTICS",
    "SearchProgress",
    "SolveOptions",
    "fill_leftovers",
    "solve",
    "start_workers",
]
