"""Crash safety: a writer process SIGKILLed at random moments never loses or repeats a command.

The writer (``crash_writer.py``) appends a deterministic stream of commands to
one store (a SQLite file, or a PostgreSQL schema: fixture ``crash_target``) and
prints each command id once its append has returned. The test kills it
:data:`KILLS` times (seeded random moments: during start-up and
opening, or a few acknowledgements in plus a random sub-millisecond delay, so
kills land inside appends, commits and snapshot writes), restarting it on the
same store from the next unacknowledged command and re-sending the last
acknowledged one. After every kill it reopens the store and checks that every
acknowledged command is present, that at most the one command in flight was
committed without its acknowledgement, that the full replay equals the
generator's log (so no command was applied twice, seqs have no gaps and every
payload is right) and that the latest snapshot equals a replay up to its seq.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest
from tests.store.crash_writer import command_events, command_id, fold, initial_state
from tests.stores import CrashTarget

from dispatch.store import AppendResult, StoredEvent

pytestmark = pytest.mark.skipif(
    os.name != "posix" or not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL"
)

KILLS = {"sqlite": 60, "postgres": 16}  # a PostgreSQL writer takes longer to start
SEED = 4
WRITER = Path(__file__).with_name("crash_writer.py")


@attrs.define
class Expected:
    """What the store must hold: the generator's log for commands ``1..len(results)``."""

    log: list[StoredEvent] = attrs.Factory(list)
    results: list[AppendResult] = attrs.Factory(list)

    def add_command(self) -> AppendResult:
        """Extend the log by the next command of the stream; its expected result."""
        n = len(self.results) + 1
        first = len(self.log) + 1
        for i, event in enumerate(command_events(n)):
            self.log.append(StoredEvent(first + i, event.kind, event.payload, command_id(n), n))
        result = AppendResult(command_id(n), first, len(self.log), duplicate=False)
        self.results.append(result)
        return result


def run_and_kill(target: CrashTarget, first: int, rng: random.Random) -> list[str]:
    """Start the writer at command ``first``, SIGKILL it at a random moment; its output lines."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), target.writer_arg, str(first)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **target.writer_env},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    if rng.random() < 0.15:
        time.sleep(rng.uniform(0.0, 0.25))  # during start-up, opening or the first appends
    else:
        acks = rng.randrange(0, 30)
        while acks >= 0:
            line = proc.stdout.readline()
            if not line:
                break  # the writer ended on its own: reported below
            lines.append(line)
            acks -= line.startswith("ack ")
        time.sleep(rng.uniform(0.0, 0.002))
    proc.send_signal(signal.SIGKILL)
    # Not communicate(): it reads the pipe's file descriptor directly and would skip the
    # lines that readline() has already buffered (more of them on a busy machine).
    assert proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"writer ended on its own: {err}"
    target.settle()
    lines.extend(out.splitlines(keepends=True))
    return [line.rstrip("\n") for line in lines if line.endswith("\n")]


def check_store(target: CrashTarget, acked: int, expected: Expected) -> None:
    """Reopen the store and compare it with the expected log after a kill."""
    with contextlib.closing(target.open()) as store:
        while store.command(command_id(len(expected.results) + 1)) is not None:
            expected.add_command()
        stored = len(expected.results)
        assert stored in (acked, acked + 1), f"{stored} commands stored, {acked} acknowledged"
        assert store.command(command_id(stored + 2)) is None
        for result in expected.results:
            assert store.command(result.command_id) == result
        assert store.last_seq() == len(expected.log)
        assert list(store.events()) == expected.log
        snapshot = store.latest_snapshot()
        if snapshot is not None:
            assert snapshot.state == fold(initial_state(), expected.log[: snapshot.seq])


def check_output(lines: list[str], acked: int, stored_before: int, expected: Expected) -> None:
    """Check the writer's acknowledgements (after ``acked``) against the expected results."""
    assert not [line for line in lines if line.startswith("ERROR")], lines
    acks = [line.split() for line in lines if line.startswith("ack ")]
    if acks and acked:
        assert f"resent {command_id(acked)}" in lines
    for offset, (_, cid, first, last, duplicate) in enumerate(acks):
        n = acked + 1 + offset
        assert cid == command_id(n)
        result = expected.results[n - 1]
        assert (int(first), int(last)) == (result.first_seq, result.last_seq)
        assert duplicate == ("1" if n <= stored_before else "0")


def test_sigkill_never_loses_or_repeats_a_command(crash_target: CrashTarget) -> None:
    """After each SIGKILL (60; 16 on PostgreSQL) every acknowledged command is stored once."""
    rng = random.Random(SEED)
    expected = Expected()
    acked = 0
    in_flight_commits = 0
    kills = KILLS[crash_target.kind]
    for _ in range(kills):
        stored_before = len(expected.results)
        lines = run_and_kill(crash_target, acked + 1, rng)
        new_acked = acked + sum(line.startswith("ack ") for line in lines)
        check_store(crash_target, new_acked, expected)
        check_output(lines, acked, stored_before, expected)
        acked = new_acked
        in_flight_commits += len(expected.results) > acked
    assert acked > kills  # the writers made progress
    print(f"{acked} commands acknowledged, {in_flight_commits} committed but unacknowledged")
