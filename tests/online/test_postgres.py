"""The dispatcher on the PostgreSQL store: the state machine, and two processes racing.

The crash test runs on PostgreSQL through its ``crash_target`` fixture. Here,
the random state machine of ``test_state_machine.py`` runs on a PostgreSQL
store, and two dispatcher processes on one schema race, round after round, to
order, accept and pick up the same tasks at the same moment: the loser of
each race gets :class:`~dispatch.store.ConcurrencyError`, reloads and
re-decides, so no task is ever accepted twice and the shared log replays.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from tests.online.test_state_machine import DispatchMachine
from tests.online.world import (
    RESIDENTS,
    START_S,
    TRAVEL,
    contact,
    make,
    menus,
    place,
    plan,
    reopen,
)
from tests.stores import drop_schema, fresh_schema, postgres_url, require_psycopg
from tests.strategies import examples

require_psycopg()

from dispatch.online import (  # noqa: E402 (after the check that psycopg is there)
    Actor,
    Dispatcher,
    DispatchOptions,
    DispatchState,
    InvalidTransitionError,
    ManualClock,
    Outcome,
    TaskState,
    apply,
)
from dispatch.store import ConcurrencyError  # noqa: E402
from dispatch.store._postgres import PostgresEventStore  # noqa: E402

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the race test forks its two dispatcher processes"
)


@pytest.fixture
def url() -> str:
    """The test server's URL (skips, or fails under CI, without one)."""
    return postgres_url()


@pytest.fixture
def schema(url: str) -> Iterator[str]:
    """A fresh schema name, dropped after the test."""
    name = fresh_schema("race")
    yield name
    drop_schema(url, name)


class PostgresDispatchMachine(DispatchMachine):
    """The dispatcher state machine on a PostgreSQL store (a schema per run)."""

    def __init__(self) -> None:
        super().__init__()
        self.url = postgres_url()
        self.schema = fresh_schema("machine")
        store = PostgresEventStore(self.url, schema=self.schema)
        self.d = make(store=store, clock=self.clock, options=self.d.options)

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            drop_schema(self.url, self.schema)


PostgresDispatchMachine.TestCase.settings = settings(
    max_examples=examples(8),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPostgresDispatchMachine = pytest.mark.usefixtures("url")(PostgresDispatchMachine.TestCase)
TestPostgresDispatchMachine.__doc__ = "The dispatcher state machine on a PostgreSQL store."


# conflict_retries=0: conflicts reach the workers, which catch up themselves (reopen), so
# the test sees every race; with retries the dispatcher does the same by itself.
OPTIONS = DispatchOptions(reoptimise_every_s=None, snapshot_every=20, conflict_retries=0)
COURIERS = ("c1", "c2", "c3", "c4")
ROUNDS = ("order", "accept", "pick_up") * 4
WORKERS = 2


def _target(d: Dispatcher, kind: str) -> tuple[str, str] | None:
    """(task, courier) both workers race for: the first offered (or accepted) task."""
    state = TaskState.OFFERED if kind == "accept" else TaskState.ACCEPTED
    for record in sorted(d.state.in_state(state), key=lambda r: int(r.id[1:])):
        courier = record.offer.courier_id if record.offer is not None else record.courier_id
        if courier is not None:
            return record.id, courier
    return None


def _act(d: Dispatcher, kind: str, worker: int, number: int, target: tuple[str, str]) -> Outcome:
    """One worker's command of round ``number``, decided on ``d``'s current state."""
    cid = f"w{worker}-r{number}"  # kept across retries: a conflict stored nothing
    if kind == "order":
        resident = RESIDENTS[("r1", "r2")[worker]]
        return d.order(
            resident,
            kind="groceries",
            pickup=place(number + worker),
            dropoff=place(number + worker + 9),
            contact=contact(resident.id),
            command_id=cid,
        )
    task_id, courier = target
    step = d.accept if kind == "accept" else d.pick_up
    return step(Actor.courier(courier), task_id, command_id=cid)


def _worker(url: str, schema: str, worker: int, barrier: Any, results: Any) -> None:
    """Race the other worker through :data:`ROUNDS`; report each round's outcome."""
    try:
        clock = ManualClock(START_S)
        d = Dispatcher.open(
            PostgresEventStore(url, schema=schema),
            travel=TRAVEL,
            menus=menus(),
            clock=clock,
            options=OPTIONS,
        )
        for number, kind in enumerate(ROUNDS):
            barrier.wait(timeout=60)  # the previous round is complete everywhere
            d = reopen(d)
            clock.set(START_S + 60 * (number + 1))
            target = _target(d, kind) if kind != "order" else ("", "")
            barrier.wait(timeout=60)  # both decided on the same log: go
            conflicts = 0
            status, task = "skip", None
            while target is not None:
                try:
                    outcome = _act(d, kind, worker, number, target)
                except ConcurrencyError:  # the other worker appended first
                    conflicts += 1
                    d = reopen(d)
                    continue
                except InvalidTransitionError:  # re-decided on the new state: already done
                    status, task = "refused", target[0]
                    break
                status, task = "ok", outcome.task_id
                break
            results.put((worker, number, kind, status, task, conflicts))
        d.store.close()
    except BaseException:
        barrier.abort()  # the other worker stops waiting at once
        results.put(("error", worker, traceback.format_exc()))
        raise


def _run_race(url: str, schema: str, worker: Callable[..., None]) -> list[tuple[Any, ...]]:
    """Run :data:`WORKERS` processes of ``worker``; every result they reported."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    procs = [
        context.Process(target=worker, args=(url, schema, w, barrier, results))
        for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    reported: list[tuple[Any, ...]] = []
    expected = WORKERS * len(ROUNDS)
    try:
        while len(reported) < expected:
            item = results.get(timeout=120)
            assert item[0] != "error", item[2]
            reported.append(item)
    except queue.Empty:
        pytest.fail(f"the workers reported {len(reported)} of {expected} rounds")
    finally:
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.kill()
    assert [proc.exitcode for proc in procs] == [0] * WORKERS
    return reported


def test_two_processes_never_assign_a_task_twice(url: str, schema: str) -> None:
    """Two dispatcher processes racing for the same tasks: one wins each race, none twice."""
    with PostgresEventStore(url, schema=schema) as store:
        d = make(store=store, options=OPTIONS)
        for k, courier in enumerate(COURIERS):
            d.go_online(Actor.courier(courier), plan(courier, 5 * k, capacity=6))
    reported = _run_race(url, schema, _worker)

    by_round: dict[int, list[tuple[Any, ...]]] = {}
    for worker, number, kind, status, task, conflicts in reported:
        by_round.setdefault(number, []).append((worker, kind, status, task, conflicts))
    raced = 0
    for number, kind in enumerate(ROUNDS):
        outcomes = sorted(by_round[number])
        statuses = sorted(status for _, _, status, _, _ in outcomes)
        conflicts = sum(c for *_, c in outcomes)
        if kind == "order":  # both orders go through, as two tasks
            assert statuses == ["ok", "ok"], outcomes
            assert outcomes[0][3] != outcomes[1][3]
        elif statuses != ["skip", "skip"]:  # the same task: exactly one worker gets it
            assert statuses == ["ok", "refused"], outcomes
            assert len({task for *_, task, _ in outcomes}) == 1
        else:
            continue
        # The second of the round either found the log moved at its append (a conflict),
        # or saw the first one's events already when it looked before deciding.
        raced += conflicts >= 1
    print(f"{raced} of {len(ROUNDS)} rounds decided at the append")
    assert raced >= 1  # some rounds were real races, decided at the append

    with PostgresEventStore(url, schema=schema) as store:
        events = list(store.events())
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    state = DispatchState()
    for event in events:  # raises on any transition the table forbids (a double accept)
        apply(state, event)
    accepted = Counter(e.payload["task"] for e in events if e.kind == "task.accepted")
    picked = Counter(e.payload["task"] for e in events if e.kind == "task.picked_up")
    submitted = Counter(e.payload["task"] for e in events if e.kind == "task.submitted")
    assert accepted and max(accepted.values()) == 1
    assert picked and max(picked.values()) == 1
    assert max(submitted.values()) == 1 and len(submitted) == 2 * ROUNDS.count("order")


BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "online_postgres.py"


def test_benchmark_small_run(url: str, tmp_path: Path) -> None:
    """benchmarks/online_postgres.py: two processes, a small load, no double assignment."""
    output = tmp_path / "online-postgres.json"
    args = ["--quick", "--couriers", "8", "--commands", "25", "--output", str(output)]
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "DISPATCH_POSTGRES_URL": url},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "double assignments 0" in done.stdout
    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["workers"] == 2 and result["commands"] == 50
    assert result["check"]["double_assignments"] == 0 and result["check"]["replays"]
    assert 0 < result["latency"]["p50_ms"] <= result["latency"]["p99_ms"]
    assert result["commands_per_s"] > 0 and result["server"]["origin"] == "DISPATCH_POSTGRES_URL"
