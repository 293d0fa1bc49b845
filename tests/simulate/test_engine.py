"""A simulated day through the real dispatcher: nothing lost, invariants kept, deterministic."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from dispatch.errors import InvalidInputError
from dispatch.online import Dispatcher, TaskState
from dispatch.online._lifecycle import TERMINAL
from dispatch.simulate import (
    DistrictScenario,
    SimulationOptions,
    SimulationResult,
    district_scenario,
    simulate,
)
from dispatch.store import StoredEvent

REPO_ROOT = Path(__file__).resolve().parents[2]
FINAL = {s.value for s in TERMINAL}


def _digest(events: list[StoredEvent]) -> str:
    h = hashlib.sha256()
    for e in events:
        h.update(json.dumps([e.seq, e.kind, e.payload, e.command_id, e.recorded_s]).encode())
    return h.hexdigest()


def test_every_order_ends_in_a_final_state_or_is_listed_open(
    scenario: DistrictScenario, audited: SimulationResult
) -> None:
    """Each order of the day became a task that is final, or open with its state; none lost."""
    placed = [o for o in scenario.orders if o.at_s < audited.end_s]
    assert len(audited.orders) == len(placed) == len(set(audited.orders))
    assert set(audited.final_states) == set(audited.orders)
    for task_id in audited.orders:
        state = audited.state.tasks[task_id].state.value
        assert audited.final_states[task_id] == state
    open_ids = {t for t, _ in audited.open_tasks}
    assert all(s in FINAL for t, s in audited.final_states.items() if t not in open_ids)
    k = audited.kpis
    assert k.delivered + k.cancelled + k.expired + k.failed + k.open_at_end == k.orders
    assert k.orders == len(audited.orders)
    # The day was long enough for everything but the last orders to end.
    assert len(open_ids) < k.orders / 4


def test_the_day_exercises_the_whole_loop(audited: SimulationResult) -> None:
    """Offers, accepts, declines, escalations, re-posts, hazards, meals, points all happened."""
    kinds = {e.kind for e in audited.store.events()}
    assert {
        "task.offered",
        "task.accepted",
        "task.declined",
        "task.picked_up",
        "task.delivered",
        "task.escalated",
        "task.reposted",
        "task.expired",
        "courier.online",
        "courier.offline",
        "courier.position",
        "courier.plan_updated",
        "hazard.reported",
        "hazard.visit_spawned",
        "hazard.closed",
        "reoptimise.ran",
        "points.awarded",
    } <= kinds
    k = audited.kpis
    assert k.meals_delivered > 0 and k.checkins_done > 0 and k.points_awarded > 0
    assert audited.errors == ()


def test_each_task_is_held_by_at_most_one_courier_at_a_time(audited: SimulationResult) -> None:
    """Walking the log: no accept of a task someone holds; the audit after every command agrees."""
    holder: dict[str, str] = {}
    for e in audited.store.events():
        task = e.payload.get("task")
        if e.kind == "task.accepted":
            assert task not in holder, f"event {e.seq}: {task} accepted while held"
            holder[str(task)] = str(e.payload["courier"])
        elif e.kind in ("task.released", "task.delivered", "task.cancelled", "task.failed"):
            holder.pop(str(task), None)
    assert not [v for v in audited.violations if "held" in v or "holds" in v]


def test_every_route_an_offer_implies_passes_the_validator(audited: SimulationResult) -> None:
    """Each offer (errands and hazard visits alike, ranked or re-optimised) gives a valid route."""
    offers = [e for e in audited.store.events() if e.kind == "task.offered"]
    assert any(e.payload["offer"]["basis"] == "matcher" for e in offers)
    assert [v for v in audited.violations if "held" not in v and "holds" not in v] == []


def test_the_log_is_the_dispatchers_own(
    scenario: DistrictScenario, audited: SimulationResult
) -> None:
    """Reopening a dispatcher on the simulated store folds it into the very same state.

    (The points ledger booked after the dispatcher's last command: those
    events only move the sequence number.)
    """
    again = Dispatcher.open(audited.store, travel=scenario.travel, menus=scenario.menus)
    assert again.state.seq == audited.store.last_seq() > audited.state.seq
    assert attrs.evolve(again.state, seq=audited.state.seq) == audited.state


def test_two_runs_with_one_seed_are_identical(scenario: DistrictScenario) -> None:
    """Same scenario and seed: the same event log (command ids too) and the same KPIs."""
    options = SimulationOptions(meals=None)
    a = simulate(scenario, options, hours=6)
    b = simulate(scenario, options, hours=6)
    assert _digest(list(a.store.events())) == _digest(list(b.store.events()))
    assert a.kpis == b.kpis and a.intervals == b.intervals
    other = simulate(scenario, options, hours=6, seed=99)
    assert _digest(list(other.store.events())) != _digest(list(a.store.events()))


_SCRIPT = """
import hashlib, json
from dispatch.simulate import SimulationOptions, district_scenario, simulate
r = simulate(district_scenario(seed=2, scale=0.02, errands=40), SimulationOptions(meals=None),
             hours=5)
h = hashlib.sha256()
for e in r.store.events():
    h.update(json.dumps([e.seq, e.kind, e.payload, e.command_id, e.recorded_s]).encode())
print(h.hexdigest())
"""


def test_runs_agree_across_processes_and_hash_seeds() -> None:
    """The log does not depend on Python's string hashing (set order): another process agrees."""
    here = {"__name__": "probe"}
    exec(_SCRIPT.replace("print(h.hexdigest())", "digest = h.hexdigest()"), here)
    env = {**os.environ, "PYTHONHASHSEED": "0" if os.environ.get("PYTHONHASHSEED") else "1"}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == here["digest"]


def test_open_tasks_at_a_short_day_are_reported_with_their_state() -> None:
    """Stopping mid-morning leaves orders open; each is listed with a non-final state."""
    s = district_scenario(seed=3, scale=0.02, errands=60)
    result = simulate(s, SimulationOptions(meals=None), hours=2.5)
    assert result.open_tasks
    for task_id, state in result.open_tasks:
        assert state not in FINAL
        assert result.state.tasks[task_id].state is TaskState(state)
    assert result.kpis.open_at_end == len(result.open_tasks)


def test_bad_hours_and_seed_are_refused(scenario: DistrictScenario) -> None:
    """Hours outside (0, 24] and a negative seed raise InvalidInputError naming them."""
    with pytest.raises(InvalidInputError, match="hours"):
        simulate(scenario, SimulationOptions(meals=None), hours=0)
    with pytest.raises(InvalidInputError, match="seed"):
        simulate(scenario, SimulationOptions(meals=None), hours=1, seed=-3)
