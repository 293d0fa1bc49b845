"""Fixtures of the solver tests.

Most of them solve in a forked child (:mod:`tests.solver.isolated`) with a timeout, and
the default search runs the compiled kernels: compiled with no cache they take about half
a minute, which a child would spend inside its timeout. They are compiled (or loaded)
once per test process, before any fork, so every child inherits them.
"""

from __future__ import annotations

import pytest

from dispatch.solver._sisr import warm_up


@pytest.fixture(autouse=True, scope="session")
def _kernels_loaded() -> None:
    """Load (or compile) the compiled search once, before the first forked solve."""
    warm_up()
