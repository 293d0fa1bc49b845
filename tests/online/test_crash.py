"""The dispatcher killed with SIGKILL at random moments loses nothing and applies nothing twice.

A child process (forked from the test, so it starts in milliseconds with
``dispatch`` already imported) opens a dispatcher on a SQLite store (or a
PostgreSQL one: fixture ``crash_target``) and runs
a deterministic stream of commands (couriers going online, residents'
orders, ticks, accepts, pick-ups and deliveries, position reports), printing
each command's id and last event as soon as the dispatcher acknowledges it.
The test kills it after a random delay, then checks the store: every
acknowledged command is there with the events it was acknowledged with, the
log has no gaps and each command's events are contiguous, and the dispatcher
reopened from the store (from its snapshots) equals a replay of every event
from the start. The next child re-sends the last acknowledged command first,
which must come back as a duplicate, and carries on.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import time
from collections.abc import Callable

import pytest
from tests.online.world import RESIDENTS, START_S, TRAVEL, contact, menus, place, plan
from tests.stores import CrashTarget

from dispatch.errors import DispatchError
from dispatch.online import (
    Actor,
    Dispatcher,
    DispatchOptions,
    DispatchState,
    ManualClock,
    Outcome,
    TaskState,
    apply,
)
from dispatch.store import EventStore

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(os, "fork"), reason="needs POSIX fork and SIGKILL"
)

KILLS = {"sqlite": 50, "postgres": 20}
OPTIONS = DispatchOptions(reoptimise_every_s=None, snapshot_every=25)
COURIERS = ("c1", "c2", "c3")


def _open(open_store: Callable[[], EventStore], clock: ManualClock) -> Dispatcher:
    return Dispatcher.open(open_store(), travel=TRAVEL, menus=menus(), clock=clock, options=OPTIONS)


def _first(d: Dispatcher, state: TaskState) -> tuple[str, str] | None:
    """(task, courier) of the first task in ``state`` with a courier (offered or holding)."""
    for task_id in sorted(d.state.tasks):
        record = d.state.tasks[task_id]
        if record.state is not state:
            continue
        courier = record.courier_id or (record.offer.courier_id if record.offer else None)
        if courier is not None:
            return task_id, courier
    return None


def command(d: Dispatcher, clock: ManualClock, i: int) -> Outcome:
    """Command ``i`` of the stream, decided from the state (its id is always ``k<i>``)."""
    cid = f"k{i:05d}"
    clock.set(START_S + 15 * i)
    if i < len(COURIERS):
        courier = COURIERS[i]
        return d.go_online(
            Actor.courier(courier),
            plan(courier, 6 * i, now_s=START_S, capacity=6),
            category="volunteer",
            command_id=cid,
        )
    kind = i % 5
    if kind == 0:
        resident = RESIDENTS[f"r{1 + i % 3}"]
        return d.order(
            resident,
            kind=("groceries", "medicine", "water")[i % 3],
            pickup=place(i),
            dropoff=place(i + 7),
            contact=contact(resident.id),
            command_id=cid,
        )
    if kind == 1:
        return d.tick(command_id=cid)
    if kind == 2 and (found := _first(d, TaskState.OFFERED)) is not None:
        return d.accept(Actor.courier(found[1]), found[0], command_id=cid)
    if kind == 3 and (found := _first(d, TaskState.ACCEPTED)) is not None:
        return d.pick_up(Actor.courier(found[1]), found[0], command_id=cid)
    if kind == 4 and (found := _first(d, TaskState.PICKED_UP)) is not None:
        return d.deliver(Actor.courier(found[1]), found[0], command_id=cid)
    courier = COURIERS[i % len(COURIERS)]
    return d.report_position(Actor.courier(courier), place(i + 3), command_id=cid)


def _child(target: CrashTarget, start: int, out: int) -> None:
    """Run the stream from ``start`` (re-sending ``start - 1`` first), acknowledging each."""
    clock = ManualClock(START_S)
    d = _open(target.open_writer, clock)
    with os.fdopen(out, "w", buffering=1) as pipe:
        for i in range(max(0, start - 1), start + 10_000):
            try:
                outcome = command(d, clock, i)
            except DispatchError as err:  # refused (e.g. a full courier): nothing stored
                pipe.write(f"refused {i} {type(err).__name__}\n")
                continue
            last = outcome.events[-1].seq if outcome.events else 0
            pipe.write(f"ack {i} {outcome.command_id} {last} {int(outcome.duplicate)}\n")


def _check(target: CrashTarget, acked: dict[str, int]) -> int:
    """Every acknowledged command present; no gaps; reopen equals a full replay."""
    with contextlib.closing(target.open()) as store:
        for cid, last in acked.items():
            result = store.command(cid)
            assert result is not None, f"acknowledged command {cid} is lost"
            if last:
                assert result.last_seq == last, cid
        events = list(store.events())
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        seen: dict[str, list[int]] = {}
        for event in events:
            seen.setdefault(event.command_id, []).append(event.seq)
        for cid, seqs in seen.items():
            result = store.command(cid)
            assert result is not None
            assert seqs == list(range(result.first_seq, result.last_seq + 1)), cid
        replayed = DispatchState()
        for event in events:
            apply(replayed, event)
        reopened = Dispatcher.open(
            store, travel=TRAVEL, menus=menus(), clock=ManualClock(START_S), options=OPTIONS
        )
        assert reopened.state == replayed
        return len(events)


def test_sigkill_loses_no_acknowledged_command(crash_target: CrashTarget) -> None:
    """SIGKILLs mid-stream (50; 20 on PostgreSQL): acknowledged commands survive, replay agrees."""
    kills = KILLS[crash_target.kind]
    rng = random.Random(20261128)
    acked: dict[str, int] = {}
    next_i = 0
    duplicates = 0
    for _ in range(kills):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 0
            try:
                os.close(read_end)
                _child(crash_target, next_i, write_end)
            except BaseException:  # report any failure through the exit code
                code = 1
            os._exit(code)
        os.close(write_end)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        # The child was still working when killed (a child that failed would have exited).
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        crash_target.settle()
        with os.fdopen(read_end) as pipe:
            lines = pipe.read().splitlines()
        first = True
        for line in lines:
            parts = line.split()
            if len(parts) != 5 or parts[0] != "ack":  # a refusal, or a line cut by the kill
                first = False
                continue
            i, cid, last, duplicate = int(parts[1]), parts[2], int(parts[3]), parts[4] == "1"
            if first and next_i > 0 and i == next_i - 1:
                assert duplicate, f"re-sent command {cid} was applied again"
                duplicates += 1
            first = False
            acked.setdefault(cid, last)
            assert acked[cid] == last
            next_i = max(next_i, i + 1)
        _check(crash_target, acked)
    assert len(acked) > kills  # the children got real work done between kills
    assert duplicates > kills // 2  # and most restarts re-sent an acknowledged command
