"""Two dispatcher processes on one PostgreSQL database under a concurrent command load.

    python benchmarks/online_postgres.py --quick    # CI: 20 couriers, 2 x 100 commands
    python benchmarks/online_postgres.py            # 60 couriers, 2 x 1,000 commands
    python benchmarks/online_postgres.py --url postgresql://user@host/db --workers 3

The server is ``--url``, else ``DISPATCH_POSTGRES_URL``, else a throw-away one started
with ``.ci/postgres.sh start --durable`` (PostgreSQL's durable defaults: fsync and
synchronous_commit on) and removed afterwards. The store lives in a fresh schema,
dropped at the end.

The district comes from :func:`dispatch.synthetic.incidental_district`, as in
``benchmarks/online.py`` (couriers moved so that all are on the road at 10:00; the
simulated clock stands still there). One process puts every courier online and saves a
snapshot; then ``--workers`` processes (forked, each with its own connection and
:class:`~dispatch.online.Dispatcher`) start together and each sends ``--commands``
commands, chosen at random (seeded) from its current state:

``order`` (35 %)
    a resident orders the next errand of the district (a decision: ranking couriers);
``accept`` (35 %)
    the courier offered the *lowest-numbered* offered task accepts it: every worker
    picks the same task, so the workers race for it;
``progress`` (10 %)
    the holder of the lowest-numbered held task picks it up or delivers it (also raced);
``position`` (20 %)
    a courier reports their position (cheap).

A command whose append finds that another process appended first
(:class:`~dispatch.store.ConcurrencyError`) catches up with the log and re-decides
the same intent; a task already taken then gives ``InvalidTransitionError`` (refused:
no double assignment). ``--catch-up fold`` (default) folds only the missing events
into the live state with :meth:`Dispatcher.refresh` (what the dispatcher does by itself
with ``DispatchOptions.conflict_retries`` > 0; here it is off so that conflicts are
counted); ``--catch-up reopen`` rebuilds the dispatcher with :meth:`Dispatcher.open`
(latest snapshot + later events).

Reported: commands per second over all workers (wall time from the common start to
the last worker's end), the latency of each command from its first attempt to its
outcome (p50 / p90 / p99 / max, overall, per worker and per kind), conflicts and
catch-ups, and the check of the shared log afterwards: it replays without error,
and no task was accepted while held (``double_assignments``), nor went through any
other transition the table forbids. The machine's load average is recorded (other
work on the machine slows every number). Exit code 1 if the check fails.

Writes ``benchmarks/results/online-postgres[-quick].json``.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import queue
import random
import subprocess
import sys
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import REPO_ROOT, git_info, machine_info, positive_int, write_json
from dispatch import Errand, RoadGraphTravel
from dispatch.errors import DispatchError
from dispatch.online import (
    TRANSITIONS,
    Actor,
    Contact,
    CourierFullError,
    Dispatcher,
    DispatchOptions,
    DispatchState,
    ManualClock,
    TaskState,
    apply,
    menus_from_dict,
)
from dispatch.online._lifecycle import ACTION_OF_KIND
from dispatch.store import ConcurrencyError, StoredEvent
from dispatch.store._postgres import PostgresEventStore
from online import COMMUNITY, MENU, START_S, _moved, _percentiles

Row = dict[str, Any]

SCRIPT = REPO_ROOT / ".ci" / "postgres.sh"
MIX = (("order", 0.35), ("accept", 0.35), ("progress", 0.10), ("position", 0.20))
# conflict_retries=0: the dispatcher's own catch-up (Dispatcher.refresh, then deciding
# again) is what --catch-up fold does here, out in the open, so conflicts can be counted.
OPTIONS = DispatchOptions(
    offer_ttl_s=4 * 3600,
    reoptimise_every_s=None,
    snapshot_every=100,
    escalate_before_s=600,
    conflict_retries=0,
)


@contextmanager
def server(url: str | None) -> Iterator[tuple[str, str]]:
    """(URL, where it came from): ``url``, DISPATCH_POSTGRES_URL, or a throw-away server."""
    given = url or os.environ.get("DISPATCH_POSTGRES_URL")
    if given:
        yield given, "given" if url else "DISPATCH_POSTGRES_URL"
        return
    done = subprocess.run(
        ["bash", str(SCRIPT), "start", "--durable"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = dict(
        line.removeprefix("export ").split("=", 1)
        for line in done.stdout.splitlines()
        if line.startswith("export ")
    )
    if done.returncode != 0 or "DISPATCH_POSTGRES_URL" not in found:
        raise SystemExit(f"no PostgreSQL server: {done.stderr.strip()}")
    directory = found["DISPATCH_POSTGRES_DIR"].strip("'")
    try:
        yield found["DISPATCH_POSTGRES_URL"].strip("'"), "throw-away (.ci/postgres.sh --durable)"
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", directory], capture_output=True, check=False)


def server_settings(url: str) -> Row:
    """The server's version and the settings that decide what a commit costs."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN"
            " ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes')"
        ).fetchall()
    return dict(rows)


class World:
    """What every worker shares: the travel table, menus, couriers and errands."""

    def __init__(self, couriers: int, errands: int, seed: int) -> None:
        from dispatch.synthetic import incidental_district

        district = incidental_district(couriers=couriers, errands=errands, seed=seed)
        travel = district.problem.travel
        assert isinstance(travel, RoadGraphTravel)
        self.table = travel.table(profiles={c.profile for c in district.problem.couriers})
        self.menus = menus_from_dict({COMMUNITY: MENU})
        self.couriers = district.problem.couriers
        self.roles = district.courier_roles
        self.errands = [t for t in district.problem.tasks if isinstance(t, Errand)]

    def open(self, store: PostgresEventStore, clock: ManualClock) -> Dispatcher:
        """A dispatcher on ``store``."""
        return Dispatcher.open(
            store, travel=self.table, menus=self.menus, clock=clock, options=OPTIONS
        )


def _reopen(world: World, d: Dispatcher) -> Dispatcher:
    store = d.store
    assert isinstance(store, PostgresEventStore)
    clock = d.clock
    assert isinstance(clock, ManualClock)
    return world.open(store, clock)


def _fold(world: World, d: Dispatcher) -> Dispatcher:
    d.refresh()
    return d


CATCH_UP: dict[str, Callable[[World, Dispatcher], Dispatcher]] = {
    "reopen": _reopen,
    "fold": _fold,
}


def _lowest(
    d: Dispatcher, states: tuple[TaskState, ...], skip: set[tuple[str, str]]
) -> tuple[str, str] | None:
    """(task, courier) of the lowest-numbered task in ``states`` with a courier, not skipped."""
    best: tuple[int, str, str] | None = None
    for record in d.state.in_state(*states):
        courier = record.offer.courier_id if record.offer is not None else record.courier_id
        number = int(record.id[1:])
        if courier is None or (record.id, courier) in skip:
            continue
        if best is None or number < best[0]:
            best = (number, record.id, courier)
    return None if best is None else (best[1], best[2])


def _command(d: Dispatcher, kind: str, intent: Any, cid: str) -> Callable[[], object]:
    """The call that carries out ``intent`` on ``d``, decided on its current state."""
    if kind == "order":
        k, errand = intent
        return lambda: d.order(
            Actor.resident(f"r{k}", COMMUNITY),
            kind=errand.kind,
            pickup=errand.pickup.location,
            dropoff=errand.dropoff.location,
            contact=Contact(f"resident {k}", f"1380000{k:04d}", f"home {k}"),
            command_id=cid,
        )
    if kind == "position":
        courier_id = intent
        position = d.state.couriers[courier_id].plan.position
        return lambda: d.report_position(Actor.courier(courier_id), position, command_id=cid)
    task_id, courier_id = intent
    record = d.state.tasks[task_id]
    if kind == "accept":
        return lambda: d.accept(Actor.courier(courier_id), task_id, command_id=cid)
    step = d.pick_up if record.state is TaskState.ACCEPTED else d.deliver
    return lambda: step(Actor.courier(courier_id), task_id, command_id=cid)


def worker(
    world: World,
    url: str,
    schema: str,
    index: int,
    workers: int,
    commands: int,
    seed: int,
    catch_up: str,
    barrier: Any,
    results: Any,
) -> None:
    """Send ``commands`` commands; put one summary row on ``results``."""
    try:
        rng = random.Random(seed * 1000 + index)
        clock = ManualClock(START_S)
        d = world.open(PostgresEventStore(url, schema=schema), clock)
        online = sorted(c for c, r in d.state.couriers.items() if r.online)
        mine = iter(range(index, len(world.errands), workers))
        kinds, weights = zip(*MIX, strict=True)
        rows: list[tuple[str, float, str, int]] = []  # kind, seconds, outcome, conflicts
        catch_ups: list[float] = []
        full: set[tuple[str, str]] = set()  # offers whose courier was full: not tried again
        barrier.wait(timeout=600)
        started = time.perf_counter()
        for n in range(commands):
            kind = rng.choices(kinds, weights)[0]
            intent: Any
            if kind == "order":
                k = next(mine, None)
                intent = None if k is None else (k, world.errands[k])
            elif kind == "accept":
                intent = _lowest(d, (TaskState.OFFERED,), full)
            elif kind == "progress":
                intent = _lowest(d, (TaskState.ACCEPTED, TaskState.PICKED_UP), set())
            else:
                intent = rng.choice(online)
            if intent is None:
                kind, intent = "position", rng.choice(online)
            cid = f"w{index}-{n}"
            tick = time.perf_counter()
            conflicts, outcome = 0, "ok"
            while True:
                try:
                    _command(d, kind, intent, cid)()
                except ConcurrencyError:
                    conflicts += 1
                    caught = time.perf_counter()
                    d = CATCH_UP[catch_up](world, d)
                    catch_ups.append(time.perf_counter() - caught)
                    continue
                except DispatchError as err:  # refused on the current state (e.g. taken)
                    outcome = type(err).__name__
                    if isinstance(err, CourierFullError):
                        full.add(intent)
                break
            rows.append((kind, time.perf_counter() - tick, outcome, conflicts))
        wall = time.perf_counter() - started
        results.put({"worker": index, "rows": rows, "catch_ups": catch_ups, "wall_s": wall})
        d.store.close()
    except BaseException:
        barrier.abort()
        results.put({"worker": index, "error": traceback.format_exc()})


def check_log(events: Sequence[StoredEvent]) -> Row:
    """Replay the shared log; count forbidden transitions (a double assignment is one)."""
    gapless = [e.seq for e in events] == list(range(1, len(events) + 1))
    states: dict[str, TaskState] = {}
    forbidden: Counter[str] = Counter()
    for event in events:
        task_id = event.payload.get("task")
        if not isinstance(task_id, str):
            continue
        if event.kind == "task.submitted":
            if task_id in states:
                forbidden[event.kind] += 1
            states[task_id] = TaskState.SUBMITTED
            continue
        action = ACTION_OF_KIND.get(event.kind)
        if action is None or task_id not in states:
            continue
        target = TRANSITIONS.get((states[task_id], action))
        if target is None:
            forbidden[event.kind] += 1
        else:
            states[task_id] = target
    replay_error = None
    try:
        state = DispatchState()
        for event in events:
            apply(state, event)
    except DispatchError as err:
        replay_error = str(err)
    return {
        "events": len(events),
        "gapless": gapless,
        "replays": replay_error is None,
        "replay_error": replay_error,
        "double_assignments": forbidden["task.accepted"],
        "forbidden_transitions": dict(forbidden),
        "tasks": len(states),
        "accepted": sum(1 for e in events if e.kind == "task.accepted"),
    }


def run(args: argparse.Namespace, url: str) -> Row:
    """Set up, race the workers, check the log; the measurements."""
    couriers = args.couriers or (20 if args.quick else 60)
    commands = args.commands or (100 if args.quick else 1000)
    row: Row = {"couriers": couriers, "workers": args.workers, "commands_per_worker": commands}
    row["catch_up"] = args.catch_up
    started = time.perf_counter()
    world = World(couriers, errands=commands * args.workers, seed=args.seed)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    store = PostgresEventStore(url, schema=schema)
    try:
        row["server"] = server_settings(url)
        d = world.open(store, ManualClock(START_S))
        for courier in world.couriers:
            plan = _moved(courier, START_S - courier.shift.earliest_s)
            d.go_online(Actor.courier(courier.id), plan, category=world.roles[courier.id])
        d.snapshot()
        store.close()  # never share a connection with forked children
        row["setup_s"] = round(time.perf_counter() - started, 2)

        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(args.workers + 1)
        results = context.Queue()
        ipc = (barrier, results)
        procs = [
            context.Process(
                target=worker,
                args=(
                    world,
                    url,
                    schema,
                    w,
                    args.workers,
                    commands,
                    args.seed,
                    args.catch_up,
                    *ipc,
                ),
            )
            for w in range(args.workers)
        ]
        load_before = os.getloadavg()
        for proc in procs:
            proc.start()
        barrier.wait(timeout=600)
        began = time.perf_counter()
        reports: list[Row] = []
        try:
            while len(reports) < args.workers:
                reports.append(results.get(timeout=1800))
        except queue.Empty:
            raise SystemExit(f"only {len(reports)} of {args.workers} workers reported") from None
        wall = time.perf_counter() - began
        for proc in procs:
            proc.join(timeout=60)
        errors = [r["error"] for r in reports if "error" in r]
        if errors:
            raise SystemExit("a worker failed:\n" + errors[0])
        row["load_average"] = {"before": load_before, "after": os.getloadavg()}
        row.update(summarise(reports, wall))
        with PostgresEventStore(url, schema=schema) as check:
            row["check"] = check_log(list(check.events()))
    finally:
        with PostgresEventStore(url, schema=schema) as doomed:
            doomed.drop()
    return row


def summarise(reports: list[Row], wall_s: float) -> Row:
    """Throughput, latency percentiles, outcomes, conflicts."""
    rows = [r for report in reports for r in report["rows"]]
    seconds = [s for _, s, _, _ in rows]
    catch_ups = [c for report in reports for c in report["catch_ups"]]
    kinds = sorted({k for k, _, _, _ in rows})
    return {
        "wall_s": round(wall_s, 3),
        "commands": len(rows),
        "commands_per_s": round(len(rows) / wall_s, 1),
        "latency": _percentiles(seconds),
        "by_kind": {
            kind: {
                **_percentiles([s for k, s, _, _ in rows if k == kind]),
                "outcomes": dict(Counter(o for k, _, o, _ in rows if k == kind)),
            }
            for kind in kinds
        },
        "by_worker": [
            {
                "worker": report["worker"],
                "commands_per_s": round(len(report["rows"]) / report["wall_s"], 1),
                **_percentiles([s for _, s, _, _ in report["rows"]]),
                "conflicts": sum(c for *_, c in report["rows"]),
            }
            for report in sorted(reports, key=lambda r: int(r["worker"]))
        ],
        "conflicts": sum(c for *_, c in rows),
        "commands_with_conflict": sum(1 for *_, c in rows if c),
        "most_conflicts_in_one_command": max((c for *_, c in rows), default=0),
        "catch_up_latency": _percentiles(catch_ups),
    }


def print_table(row: Row) -> None:
    """The measurements as a table."""
    print(
        f"{row['workers']} dispatcher processes, {row['couriers']} couriers, "
        f"{row['commands_per_worker']} commands each, catch-up by {row['catch_up']}; "
        f"PostgreSQL {row['server'].get('server_version')} (fsync {row['server'].get('fsync')}, "
        f"synchronous_commit {row['server'].get('synchronous_commit')})"
    )
    header = f"{'':>10} {'commands':>8} {'per s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7}"
    print(header + f" {'max ms':>7}  outcomes / conflicts")
    for kind, stats in row["by_kind"].items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(stats["outcomes"].items()))
        print(
            f"{kind:>10} {stats['n']:>8} {'':>7} {stats['p50_ms']:>7} {stats['p90_ms']:>7} "
            f"{stats['p99_ms']:>7} {stats['max_ms']:>7}  {outcomes}"
        )
    for stats in row["by_worker"]:
        print(
            f"{'worker ' + str(stats['worker']):>10} {stats['n']:>8} {stats['commands_per_s']:>7} "
            f"{stats['p50_ms']:>7} {stats['p90_ms']:>7} {stats['p99_ms']:>7} "
            f"{stats['max_ms']:>7}  {stats['conflicts']} conflicts"
        )
    lat = row["latency"]
    print(
        f"{'all':>10} {row['commands']:>8} {row['commands_per_s']:>7} {lat['p50_ms']:>7} "
        f"{lat['p90_ms']:>7} {lat['p99_ms']:>7} {lat['max_ms']:>7}  {row['conflicts']} conflicts "
        f"in {row['commands_with_conflict']} commands"
    )
    if row["catch_up_latency"]:
        catch_up = row["catch_up_latency"]
        print(
            f"catch-up after a conflict: p50 {catch_up['p50_ms']} ms, p99 {catch_up['p99_ms']} ms;"
            f" at most {row['most_conflicts_in_one_command']} conflicts in one command"
        )
    check = row["check"]
    print(
        f"log: {check['events']} events, gapless {check['gapless']}, replays {check['replays']}, "
        f"{check['accepted']} accepts, double assignments {check['double_assignments']}, "
        f"forbidden transitions {check['forbidden_transitions'] or 0}"
    )
    before, after = row["load_average"]["before"], row["load_average"]["after"]
    print(
        f"load average (1 min) {before[0]:.2f} before, {after[0]:.2f} after; {os.cpu_count()} cpus"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="online_postgres.py", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--url", default=None, help="server (default: DISPATCH_POSTGRES_URL)")
    parser.add_argument("--workers", type=positive_int, default=2, metavar="N")
    parser.add_argument("--couriers", type=positive_int, default=None, metavar="N")
    parser.add_argument(
        "--commands", type=positive_int, default=None, metavar="N", help="commands per worker"
    )
    parser.add_argument("--catch-up", choices=sorted(CATCH_UP), default="fold")
    parser.add_argument("--seed", type=int, default=1, metavar="N")
    parser.add_argument(
        "--quick", action="store_true", help="CI mode: 20 couriers, 2 x 100 commands"
    )
    parser.add_argument("--output", type=Path, default=None, metavar="FILE")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write the JSON. Exit code 1 if the log check fails."""
    args = parse_args(argv)
    started = time.perf_counter()
    with server(args.url) as (url, origin):
        row = run(args, url)
    row["server"]["origin"] = origin
    row["elapsed_s"] = round(time.perf_counter() - started, 1)
    result: Row = {
        "quick": args.quick,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_info(),
        **row,
    }
    print_table(row)
    name = "online-postgres-quick.json" if args.quick else "online-postgres.json"
    output = args.output or REPO_ROOT / "benchmarks" / "results" / name
    write_json(result, output)
    print(f"wrote {output}")
    check = row["check"]
    ok = check["gapless"] and check["replays"] and not check["forbidden_transitions"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
