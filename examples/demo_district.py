"""Route the demo district's community tasks with couriers already on their rounds.

Builds the seeded demo district (a 12 x 12 street grid; five couriers with their
own paid stops; elder meals, errands and check-in visits), solves it, checks the
plan with the independent validator and prints each courier's stops.

Run it with ``python examples/demo_district.py [seed]``. The ``dispatch demo``
command prints the same plan as fuller tables.
"""

from __future__ import annotations

import sys

from dispatch import SolveOptions, StopRole, check, solve
from dispatch.demo import demo_district


def clock(t_s: int) -> str:
    """Seconds from midnight as HH:MM."""
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


def main(seed: int = 0) -> None:
    """Build, solve, check and print the demo district for ``seed``."""
    district = demo_district(seed)
    problem = district.problem
    plan = solve(problem, SolveOptions(time_limit_s=5, seed=seed))
    check(problem, plan)  # raises PlanViolationError listing every broken rule

    for route in plan.routes:
        courier = problem.courier(route.courier_id)
        role = district.courier_roles[courier.id]
        print(f"{courier.id}, {role}: {route.distance_m / 1000:.1f} km")
        for stop in route.stops:
            if stop.role in (StopRole.START, StopRole.END):
                print(f"  {clock(stop.start_s)}  {stop.role.value}")
            else:
                print(f"  {clock(stop.start_s)}  {stop.role.value:<8} {stop.ref}")
    for left in plan.unassigned:
        print(f"not served: {left.task_id} ({left.reason.value}): {left.detail}")
    served = sum(len(route.task_ids) for route in plan.routes)
    print(f"{served} of {len(problem.tasks)} tasks served, {plan.distance_m / 1000:.1f} km in all")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
