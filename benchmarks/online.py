"""The online dispatcher under load: submit-to-first-offer latency, throughput, re-optimisation.

    python benchmarks/online.py                 # 200 couriers, 2,000 open tasks
    python benchmarks/online.py --quick         # CI: 40 couriers, 200 open tasks
    python benchmarks/online.py --couriers 200 --tasks 500

The district comes from :func:`dispatch.synthetic.incidental_district` (couriers on
their own paid rounds, residents' errands between shops and homes; nothing read from
disk), on a precomputed travel table. Every courier's round is moved in time so that all
of them are on the road at 10:00, when the simulated clock starts; the errands' shops and
homes become residents' orders from a four-item menu (deadline 3 h). The store is a
:class:`~dispatch.store.SQLiteEventStore` on a temporary file (WAL, ``synchronous=FULL``:
every command is on disk before it returns).

Measured, in order:

``submit``
    Orders one after another until ``--tasks`` are open. The simulated clock stands still
    at 10:00 meanwhile: the couriers send no position or plan updates here, so a moving
    clock would leave them behind their own rounds and drop them from planning (a
    courier behind schedule gets no new work), which is not what is being measured.
    Reported: the latency of each call (decision, matcher ranking, durable append, apply), p50 /
    p90 / p99 / max over all of them and over the last 10 %, when the open tasks are most
    numerous; how many were offered and how many escalated. Offers last 4 h here, so
    nothing expires while the backlog builds.
``throughput``
    Commands per second for cheap commands (position reports), for accept + decline
    pairs, and for ticks over the full backlog.
``reoptimise``
    One full re-optimisation over every open, unpinned offer (the incidental matcher's
    ``match()`` at this size), wall-clock, with the matcher's default options, with the
    improvement phase off, and with both the improvement and the re-packing phases off.
``replay``
    :meth:`Dispatcher.open` on the store: from the events alone, and from a snapshot.

Writes ``benchmarks/results/online[-quick].json``; exit code 0.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import REPO_ROOT, git_info, machine_info, positive_int, write_json
from dispatch import Courier, Errand, OwnStop, RoadGraphTravel, TimeWindow
from dispatch.incidental import CourierPlan, MatchOptions
from dispatch.online import (
    Actor,
    Contact,
    CourierFullError,
    Dispatcher,
    DispatchOptions,
    ManualClock,
    menus_from_dict,
)
from dispatch.store import SQLiteEventStore
from dispatch.synthetic import incidental_district

Row = dict[str, Any]

START_S = 10 * 3600
COMMUNITY = "district"
MENU = {
    "groceries": {"load": 1, "deadline_s": 3 * 3600, "pickup_service_s": 180},
    "medicine": {"load": 1, "deadline_s": 3 * 3600, "priority": 2},
    "water": {"load": 2, "deadline_s": 3 * 3600},
    "clothes": {"load": 1, "deadline_s": 3 * 3600},
}


def _moved(courier: Courier, offset_s: int) -> CourierPlan:
    """The courier's plan with every time moved by ``offset_s`` (their round starts at 10:00)."""
    own = [
        OwnStop(
            id=o.id,
            stop=attrs.evolve(
                o.stop,
                windows=[
                    TimeWindow(w.earliest_s + offset_s, w.latest_s + offset_s)
                    for w in o.stop.windows
                ],
            ),
        )
        for o in courier.own_stops
    ]
    return CourierPlan(
        courier_id=courier.id,
        position=courier.start,
        now_s=courier.shift.earliest_s + offset_s,
        shift_end_s=courier.shift.latest_s + offset_s,
        capacity=courier.capacity,
        own_stops=own,
        end=courier.end,
        profile=courier.profile,
        skills=courier.skills,
        accepts=courier.accepts,
        detour_budget_s=courier.detour_budget_s,
        max_errands_per_shift=None if courier.max_tasks is None else courier.max_tasks + 2,
    )


def _percentiles(values_s: Sequence[float]) -> Row:
    ms = np.asarray(values_s) * 1000
    if ms.size == 0:
        return {}
    return {
        "n": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "mean_ms": round(float(ms.mean()), 2),
    }


def run(couriers: int, tasks: int, seed: int, workdir: Path) -> Row:
    """Everything, in one process; returns the measurements."""
    row: Row = {"couriers": couriers, "tasks": tasks, "seed": seed}
    started = time.perf_counter()
    district = incidental_district(couriers=couriers, errands=tasks, seed=seed)
    travel = district.problem.travel
    assert isinstance(travel, RoadGraphTravel)
    table = travel.table(profiles={c.profile for c in district.problem.couriers})
    row["setup_s"] = round(time.perf_counter() - started, 2)

    clock = ManualClock(START_S)
    store = SQLiteEventStore(workdir / "online.db")
    options = DispatchOptions(
        offer_ttl_s=4 * 3600, reoptimise_every_s=None, snapshot_every=None, escalate_before_s=600
    )
    menus = menus_from_dict({COMMUNITY: MENU})
    d = Dispatcher.open(store, travel=table, menus=menus, clock=clock, options=options)
    for courier in district.problem.couriers:
        plan = _moved(courier, START_S - courier.shift.earliest_s)
        d.go_online(Actor.courier(courier.id), plan, category=district.courier_roles[courier.id])

    # --- submit-to-first-offer latency, building the backlog up to `tasks` open tasks
    latencies: list[float] = []
    offered = escalated = 0
    errands = [t for t in district.problem.tasks if isinstance(t, Errand)]
    for k, errand in enumerate(errands[:tasks]):
        resident = Actor.resident(f"r{k}", COMMUNITY)
        tick = time.perf_counter()
        out = d.order(
            resident,
            kind=errand.kind,
            pickup=errand.pickup.location,
            dropoff=errand.dropoff.location,
            contact=Contact(f"resident {k}", f"1380000{k:04d}", f"home {k}"),
        )
        latencies.append(time.perf_counter() - tick)
        offered += out.kinds[-1] == "task.offered"
        escalated += out.kinds[-1] == "task.escalated"
    tail = latencies[-max(1, len(latencies) // 10) :]
    row["submit"] = {
        **_percentiles(latencies),
        "last_10pct": _percentiles(tail),
        "offered": offered,
        "escalated": escalated,
        "open_tasks_at_end": sum(1 for _ in d.state.active_tasks()),
    }

    # --- throughput of cheap and of answering commands
    online = sorted(c for c, r in d.state.couriers.items() if r.online)
    started = time.perf_counter()
    n_pos = min(500, 5 * len(online))
    for k in range(n_pos):
        courier_id = online[k % len(online)]
        position = d.state.couriers[courier_id].plan.position
        d.report_position(Actor.courier(courier_id), position)
    pos_s = time.perf_counter() - started
    offers = [(t.id, t.offer.courier_id) for t in d.state.active_tasks() if t.offer is not None][
        : max(10, tasks // 20)
    ]
    started = time.perf_counter()
    answered = 0
    for k, (task_id, courier_id) in enumerate(offers):
        if k % 2:
            d.decline(Actor.courier(courier_id), task_id)  # re-ranks: one matcher call each
        else:
            with contextlib.suppress(CourierFullError):  # a cap reached: still a command
                d.accept(Actor.courier(courier_id), task_id)
        answered += 1
    answer_s = time.perf_counter() - started
    started = time.perf_counter()
    n_ticks = 20
    for _ in range(n_ticks):
        clock.advance(1)
        d.tick()
    tick_s = time.perf_counter() - started
    row["throughput"] = {
        "position_reports_per_s": round(n_pos / pos_s, 1),
        "accept_or_decline_per_s": round(answered / answer_s, 1),
        "ticks_per_s": round(n_ticks / tick_s, 1),
        "commands": n_pos + answered + n_ticks,
    }

    # --- re-optimisation cycle over the whole backlog
    open_offers = sum(
        1 for t in d.state.active_tasks() if t.offer is not None and not t.offer.pinned
    )
    cycles = []
    for label, match in (
        ("full_matcher", MatchOptions()),
        ("no_improve", MatchOptions(improve=False)),
        ("dispatcher_default", DispatchOptions().match),
    ):
        d._planner.options = match  # the benchmark compares matcher settings on one backlog
        started = time.perf_counter()
        out = d.reoptimise()
        took = time.perf_counter() - started
        summary = out.events[-1].payload
        cycles.append(
            {
                "match_options": label,
                "seconds": round(took, 3),
                "considered": summary["considered"],
                "matched": summary["matched"],
                "moved": summary["moved"],
                "couriers": summary["couriers"],
            }
        )
    row["reoptimise"] = {"open_offers": open_offers, "cycles": cycles}

    # --- replay
    events = store.last_seq()
    started = time.perf_counter()
    Dispatcher.open(store, travel=table, menus=menus, clock=clock, options=options)
    from_events = time.perf_counter() - started
    d.snapshot()
    started = time.perf_counter()
    again = Dispatcher.open(store, travel=table, menus=menus, clock=clock, options=options)
    from_snapshot = time.perf_counter() - started
    row["replay"] = {
        "events": events,
        "from_events_s": round(from_events, 3),
        "from_snapshot_s": round(from_snapshot, 3),
        "equal": again.state == d.state,
    }
    store.close()
    return row


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="online.py", description=__doc__.split("\n")[0])
    parser.add_argument("--couriers", type=positive_int, default=None, metavar="N")
    parser.add_argument("--tasks", type=positive_int, default=None, metavar="N")
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="district seed")
    parser.add_argument("--quick", action="store_true", help="CI mode: 40 couriers, 200 tasks")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print a summary, write the JSON. Returns the exit code."""
    args = parse_args(argv)
    couriers = args.couriers or (40 if args.quick else 200)
    tasks = args.tasks or (200 if args.quick else 2000)
    with tempfile.TemporaryDirectory(prefix="dispatch-online-") as tmp:
        row = run(couriers, tasks, args.seed, Path(tmp))
    result: Row = {
        "quick": args.quick,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_info(),
        "targets": {"submit_p99_ms": 50, "reoptimise_s": 1.0},
        **row,
    }
    submit = row["submit"]
    print(
        f"{couriers} couriers, {tasks} orders: submit-to-first-offer p50 {submit['p50_ms']} ms, "
        f"p99 {submit['p99_ms']} ms (last 10 %: p99 {submit['last_10pct']['p99_ms']} ms); "
        f"{submit['offered']} offered, {submit['escalated']} escalated"
    )
    print(f"throughput: {row['throughput']}")
    for cycle in row["reoptimise"]["cycles"]:
        print(
            f"re-optimisation ({cycle['match_options']}): {cycle['seconds']} s over "
            f"{row['reoptimise']['open_offers']} open offers, moved {cycle['moved']}"
        )
    print(f"replay: {row['replay']}")
    print(f"(mean over all submits {statistics.fmean([submit['mean_ms']]):.1f} ms)")
    name = "online-quick.json" if args.quick else "online.json"
    output = args.output or REPO_ROOT / "benchmarks" / "results" / name
    write_json(result, output)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
