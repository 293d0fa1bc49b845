"""The simulated morning of ``dispatch demo``: the whole loop, told, in well under a minute."""

from __future__ import annotations

import time

import pytest

from dispatch.errors import InvalidInputError
from dispatch.simulate._demo import demo_morning


def test_morning_tells_the_whole_loop_quickly() -> None:
    """Orders, offers, accepts, declines, staff, hazards, the meal round, check-ins and points."""
    began = time.perf_counter()
    text = demo_morning(seed=1)
    assert time.perf_counter() - began < 60
    for phrase in (
        "order t1:",
        "offer ",
        " accepts ",
        " declines ",
        "an incidental errand on their way",
        " delivers ",
        "goes to the community staff",
        "meal round:",
        "checks in on",
        "hazard h1",
        "The morning in figures:",
        "points ledger booked",
    ):
        assert phrase in text, phrase
    assert text == demo_morning(seed=1)  # one seed, one morning


def test_bad_seed_is_refused() -> None:
    """A negative seed raises InvalidInputError naming it."""
    with pytest.raises(InvalidInputError, match="seed"):
        demo_morning(seed=-1)
