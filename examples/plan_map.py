"""Draw the demo district's plan as a map: a PNG, or an HTML page with ``.html``.

Builds the seeded demo district, solves it (deterministically: bounded by
solution count, not time), checks the plan, and draws the routes over the
streets: each courier in its own colour, pickups, drop-offs, visits and the
couriers' own stops marked, the tasks left out in red.

Run it with ``python examples/plan_map.py [OUT.png|OUT.html] [seed]``
(default ``plan.png``, seed 0); the README's picture is
``python examples/plan_map.py docs/images/plan.png``. PNG needs the ``plot``
extra (matplotlib), HTML the ``map`` extra (folium).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dispatch import SolveOptions, check, solve
from dispatch.demo import demo_district
from dispatch.maps import write_map


def main(path: str | Path = "plan.png", seed: int = 0) -> Path:
    """Build, solve, check and draw the demo district for ``seed``; returns the file written."""
    district = demo_district(seed)
    plan = solve(district.problem, SolveOptions(time_limit_s=None, solution_limit=30, seed=seed))
    check(district.problem, plan)  # raises PlanViolationError listing every broken rule
    return write_map(district.problem, plan, path, graph=district.graph)


if __name__ == "__main__":
    out = main(*sys.argv[1:2], *(int(a) for a in sys.argv[2:3]))
    print(f"wrote {out}")
