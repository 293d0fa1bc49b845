"""Pausing Python's garbage collector around bulk work, and restoring it after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from dispatch._collector import collector_paused
from dispatch.incidental import Matcher, MatchOptions
from dispatch.incidental import _match as match_module
from dispatch.synthetic import incidental_district


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it on."""
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_restored_after() -> None:
    """Off inside the block, nested blocks included, and on again after the outer one."""
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: still off, and on only when the outer block ends
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_when_the_block_raises() -> None:
    """An exception in the block still turns the collector back on."""
    with pytest.raises(ZeroDivisionError), collector_paused():
        _ = 1 / 0
    assert gc.isenabled()


def test_a_collector_the_host_turned_off_stays_off() -> None:
    """A collector already off when the block starts is left off after it."""
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_not_pausing_leaves_the_collector_as_it_is() -> None:
    """``pause=False`` changes nothing, whether the collector is on or off."""
    with collector_paused(False):
        assert gc.isenabled()
    gc.disable()
    with collector_paused(False):
        assert not gc.isenabled()


def test_on_again_only_when_the_last_thread_leaves() -> None:
    """Two threads' blocks overlap: the first to leave does not turn the collector on."""
    entered, first_left = threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        with collector_paused():
            entered.set()
            first_left.wait(timeout=10)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())

    worker = threading.Thread(target=second)
    with collector_paused():
        worker.start()
        assert entered.wait(timeout=10)
    first_left.set()
    worker.join(timeout=10)
    assert seen == [False, True]


@pytest.mark.parametrize("pause", [True, False])
def test_matcher_pauses_the_collector_only_while_it_works(
    pause: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built and matching with the collector off (by default), and on again after."""
    problem = incidental_district(couriers=4, errands=8, seed=3).problem
    seen: list[bool] = []
    plan = match_module.Matcher._plan

    def watched(self: Matcher, *args: object) -> object:
        seen.append(gc.isenabled())
        return plan(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(match_module.Matcher, "_plan", watched)
    matcher = Matcher(problem, MatchOptions(pause_collector=pause))
    assert gc.isenabled()
    matcher.match()
    assert seen == [not pause]
    assert gc.isenabled()
