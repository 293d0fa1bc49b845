"""The core solver: ``solve(problem, options) -> Plan`` on OR-Tools' routing library.

Only ``dispatch.solver._ortools`` imports OR-Tools; everything else works on
our own compiled, index-based form of the problem.
"""

from dispatch.solver._ortools import FIRST_SOLUTION_STRATEGIES, METAHEURISTICS
from dispatch.solver._portfolio import start_workers
from dispatch.solver._progress import SearchProgress
from dispatch.solver._solve import SolveOptions, solve

__all__ = [
    "FIRST_SOLUTION_STRATEGIES",
    "METAHEURISTICS",
    "SearchProgress",
    "SolveOptions",
    "solve",
    "start_workers",
]
