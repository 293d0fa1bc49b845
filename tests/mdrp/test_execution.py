"""The fleet's execution rules, its commitments, and the independent check of executions."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from tests.mdrp.test_metrics import hand_day
from tests.mdrp.tiny import hand_instance

from dispatch.errors import InvalidInputError
from dispatch.mdrp import Assignment, Execution, Fleet, check_execution, read_mdrp
from dispatch.plan import StopRole

P, D = StopRole.PICKUP, StopRole.DROPOFF


def test_hand_day_is_feasible(tmp_path: Path) -> None:
    """The hand-made day breaks no rule of the evaluator."""
    instance, execution = hand_day(tmp_path)
    assert check_execution(instance, execution) == []


def test_no_diversion_and_anchor(tmp_path: Path) -> None:
    """A courier on the way to a stop is next free after it; later stops can still change."""
    instance = read_mdrp(hand_instance(tmp_path))
    fleet = Fleet(instance)
    fleet.advance(5 * 60)
    fleet.commit("c1", [(P, "o1"), (D, "o1")], now_s=5 * 60)
    fleet.advance(6 * 60)  # left at 5 for r1 (arrives 6, waits for 10, leaves 12)
    assert fleet.anchor("c1", 6 * 60) == ("r:r1", 12 * 60)
    assert fleet.queue("c1") == ((D, "o1"),)
    # o2 (ready at 12) joins the visit under way: one pickup, at 12
    fleet.commit("c1", [(P, "o2"), (D, "o1"), (D, "o2")], now_s=6 * 60)
    assert fleet.anchor("c1", 6 * 60) == ("r:r1", 14 * 60)
    fleet.flush()
    visits = [
        (s.role, s.orders, s.arrival_s // 60, s.handover_s // 60) for s in fleet.execution().stops
    ]
    assert visits[0] == (P, ("o1", "o2"), 6, 12)
    assert check_execution(instance, fleet.execution()) == []


def test_picked_up_visit_takes_no_more(tmp_path: Path) -> None:
    """Once the pickup has happened, another order at the same restaurant is a new visit."""
    instance = read_mdrp(hand_instance(tmp_path))
    fleet = Fleet(instance)
    fleet.advance(5 * 60)
    fleet.commit("c1", [(P, "o1"), (D, "o1")], now_s=5 * 60)
    fleet.advance(11 * 60)  # picked up at 10, leaves at 12
    fleet.commit("c1", [(P, "o2"), (D, "o1"), (D, "o2")], now_s=11 * 60)
    fleet.flush()
    visits = [(s.role, s.orders, s.handover_s // 60) for s in fleet.execution().stops]
    assert visits[:2] == [(P, ("o1",), 10), (P, ("o2",), 14)]
    assert check_execution(instance, fleet.execution()) == []


@pytest.mark.parametrize(
    ("stops", "words"),
    [
        ([(P, "o2"), (D, "o2")], "must keep every committed stop"),
        ([(D, "o1"), (P, "o1")], "must keep every committed stop"),
        ([(P, "o1"), (D, "o1"), (P, "o3"), (D, "o3")], "not placed yet"),
        ([(P, "o1"), (D, "o1"), (P, "o2")], "needs a pickup then a drop-off"),
        ([(P, "o1"), (D, "o1"), (D, "o2"), (P, "o2")], "needs a pickup then a drop-off"),
        ([(P, "o1"), (D, "o1"), (P, "o9"), (D, "o9")], "unknown order"),
        ([(P, "o1"), (D, "o1"), (D, "o1")], "repeats a stop"),
    ],
)
def test_commit_refuses_broken_plans(
    tmp_path: Path, stops: list[tuple[StopRole, str]], words: str
) -> None:
    """Commitments keep queued stops in order, pair new orders, and take placed orders only."""
    instance = read_mdrp(hand_instance(tmp_path))
    fleet = Fleet(instance)
    fleet.commit("c1", [(P, "o1"), (D, "o1")], now_s=6 * 60)
    with pytest.raises(InvalidInputError, match=words):
        fleet.commit("c1", stops, now_s=6 * 60)


def test_commit_refuses_an_order_held_elsewhere(tmp_path: Path) -> None:
    """An order assigned to one courier is never given to another."""
    instance = read_mdrp(hand_instance(tmp_path))
    fleet = Fleet(instance)
    fleet.commit("c1", [(P, "o1"), (D, "o1")], now_s=6 * 60)
    with pytest.raises(InvalidInputError, match="held by 'c1'"):
        fleet.commit("c2", [(P, "o1"), (D, "o1")], now_s=40 * 60)


def _broken(execution: Execution, k: int, **changes: object) -> Execution:
    stops = list(execution.stops)
    stops[k] = attrs.evolve(stops[k], **changes)
    return attrs.evolve(execution, stops=tuple(stops))


@pytest.mark.parametrize(
    ("k", "changes", "words"),
    [
        (1, {"arrival_s": 15 * 60, "handover_s": 17 * 60, "departure_s": 19 * 60}, "takes"),
        (0, {"handover_s": 11 * 60, "departure_s": 13 * 60}, "picked up before ready"),
        (0, {"left_s": 4 * 60, "arrival_s": 5 * 60}, "before any of its orders was assigned"),
        (2, {"left_s": 19 * 60, "arrival_s": 23 * 60}, "busy until"),
        (4, {"handover_s": 57 * 60}, "drop-off is not arrival plus half"),
        (3, {"departure_s": 53 * 60}, "departure is not the handover plus half"),
        (1, {"courier_id": "c2"}, "delivered by another courier"),
        (0, {"place": "r2"}, "not from this restaurant"),
    ],
)
def test_check_finds_broken_visits(
    tmp_path: Path, k: int, changes: dict[str, object], words: str
) -> None:
    """Each rule of the evaluator is caught when one visit breaks it."""
    instance, execution = hand_day(tmp_path)
    issues = check_execution(instance, _broken(execution, k, **changes))
    assert any(words in issue for issue in issues), issues


def test_check_finds_lost_and_double_orders(tmp_path: Path) -> None:
    """A missing outcome, a double assignment, an early one, a pickup after off-duty."""
    instance, execution = hand_day(tmp_path)
    lost = attrs.evolve(execution, orders=execution.orders[1:])
    assert any("lost" in i for i in check_execution(instance, lost))
    twice = attrs.evolve(
        execution,
        assignments=(
            *execution.assignments,
            Assignment(time_s=0, courier_id="c2", order_ids=("o3",)),
        ),
    )
    issues = check_execution(instance, twice)
    assert any("assigned twice" in i for i in issues)
    assert any("before placement" in i for i in issues)
    late = _broken(execution, 3, handover_s=91 * 60, departure_s=93 * 60)
    assert any("after the off-time" in i for i in check_execution(instance, late))
    silent = attrs.evolve(
        execution,
        orders=tuple(attrs.evolve(o, dropoff_s=None, reason=None) for o in execution.orders),
    )
    assert any("no reason" in i for i in check_execution(instance, silent))
