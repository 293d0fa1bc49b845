"""Simulated days shared by the tests of :mod:`dispatch.simulate` (each run once per session)."""

from __future__ import annotations

import pytest

from dispatch.eldercare import DayOptions
from dispatch.simulate import (
    DistrictScenario,
    SimulationOptions,
    SimulationResult,
    district_scenario,
    simulate,
)
from dispatch.solver import SolveOptions

FIRST_SOLUTION = DayOptions(solve=SolveOptions(time_limit_s=None, solution_limit=1))
"""Plan the meal round fast and deterministically (the first solution of each part)."""


@pytest.fixture(scope="session")
def scenario() -> DistrictScenario:
    """A small district with enough errands and hazards to exercise every path."""
    return district_scenario(seed=5, scale=0.05, errands=70, hazards=8)


@pytest.fixture(scope="session")
def audited(scenario: DistrictScenario) -> SimulationResult:
    """The whole day of ``scenario`` with the dispatcher's invariants checked after each command."""
    return simulate(scenario, SimulationOptions(audit=True, meals=FIRST_SOLUTION))
