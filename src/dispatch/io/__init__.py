"""Reading and writing problems and plans: literature benchmarks, our JSON format and VROOM's.

- :func:`read_lilim`, :func:`read_solomon`, :func:`read_sartori` translate the
  benchmark sets into a :class:`BenchmarkInstance` (a problem plus what is
  needed to score routes the way the literature does), and
  :func:`best_known` looks up the best-known solutions.
- :func:`problem_to_dict` / :func:`problem_from_dict` (and the ``dump_`` /
  ``load_`` file versions) are our JSON problem format; ``plan_*`` the same for
  plans. See ``docs/json-format.md``.
- :func:`read_vroom` reads a VROOM input document into a problem and a
  :class:`VroomMapping`; :func:`write_vroom_solution` and
  :func:`read_vroom_solution` write and read VROOM solution documents in the
  document's ids. :func:`is_vroom_document` and :func:`sniff_vroom` tell VROOM
  documents from ours.
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
from dispatch.io._vroom_read import is_vroom_document, read_vroom, sniff_vroom
from dispatch.io._vroom_solution import read_vroom_solution, write_vroom_solution
from dispatch.io._vroom_types import (
    VroomMapping,
    VroomMatrices,
    VroomPlace,
    VroomTask,
    VroomVehicle,
)

__all__ = [
    "JSON_VERSION",
    "PLAN_FORMAT",
    "PROBLEM_FORMAT",
    "SARTORI_TIME_SCALE",
    "TIME_SCALE",
    "BenchmarkInstance",
    "BenchmarkKind",
    "BestKnown",
    "VroomMapping",
    "VroomMatrices",
    "VroomPlace",
    "VroomTask",
    "VroomVehicle",
    "best_known",
    "dump_plan",
    "dump_problem",
    "is_vroom_document",
    "load_plan",
    "load_problem",
    "plan_from_dict",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
    "read_lilim",
    "read_sartori",
    "read_solomon",
    "read_vroom",
    "read_vroom_solution",
    "sniff_vroom",
    "write_vroom_solution",
]
