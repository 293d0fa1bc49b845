"""Reading and writing problems and plans: literature benchmarks and our JSON format.

- :func:`read_lilim`, :func:`read_solomon`, :func:`read_sartori` translate the
  benchmark sets into a :class:`BenchmarkInstance` (a problem plus what is
  needed to score routes the way the literature does), and
  :func:`best_known` looks up the best-known solutions.
- :func:`problem_to_dict` / :func:`problem_from_dict` (and the ``dump_`` /
  ``load_`` file versions) are our JSON problem format; ``plan_*`` the same for
  plans. See ``docs/json-format.md``.
"""

from dispatch.io._euclidean import TIME_SCALE
from dispatch.io._instance import BenchmarkInstance, BenchmarkKind, BestKnown, best_known
from dispatch.io._json import (
    JSON_VERSION,
    PLAN_FORMAT,
    PROBLEM_FORMAT,
    dump_plan,
    dump_problem,
    load_plan,
    load_problem,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
)
from dispatch.io._lilim import read_lilim
from dispatch.io._sartori import SARTORI_TIME_SCALE, read_sartori
from dispatch.io._solomon import read_solomon

__all__ = [
    "JSON_VERSION",
    "PLAN_FORMAT",
    "PROBLEM_FORMAT",
    "SARTORI_TIME_SCALE",
    "TIME_SCALE",
    "BenchmarkInstance",
    "BenchmarkKind",
    "BestKnown",
    "best_known",
    "dump_plan",
    "dump_problem",
    "load_plan",
    "load_problem",
    "plan_from_dict",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
    "read_lilim",
    "read_sartori",
    "read_solomon",
]
