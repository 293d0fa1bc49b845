"""Hypothesis settings profiles for the whole test suite.

``HYPOTHESIS_PROFILE`` selects the profile: ``dev`` (default, quick) or ``ci``
(twice as many examples, and a reproduction blob on failure). Property
tests state their budget relative to ``dev`` with
:func:`tests.strategies.solver_settings`, so ``ci`` scales every test at once
while each test keeps its own cost in check.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=100)
settings.register_profile("ci", max_examples=200, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
