"""The dispatcher's rolling-horizon policy on MDRP instances, with our incidental matcher.

Every ``epoch_s`` seconds of simulated time (3 minutes by default) the policy
takes the orders that are placed and not yet assigned, and the couriers on
duty with their committed plans, and assigns orders with
:class:`dispatch.incidental.Matcher` -- the engine behind
:class:`dispatch.online.Dispatcher`'s ranking and re-optimisation
(``Planner.best`` / ``Planner.rematch``), fed the way the online planner
feeds it:

* **Couriers.** A courier on duty becomes a :class:`~dispatch.Courier` that
  starts where and when they can next be instructed (:meth:`Fleet.anchor
  <dispatch.mdrp._execution.Fleet.anchor>`: after the visit they are on
  their way to, so nobody is diverted en route), with an open end, and with
  every committed stop not yet started as an :class:`~dispatch.OwnStop`, in
  order, with the windows it was committed with -- as the planner merges a
  courier's held tasks into their own stops. The matcher keeps own stops
  mandatory, in order, on their courier: MDRP's commitment rule (an assigned
  order stays with its courier). A committed pickup's window closes at the
  courier's off-time (no pickups after it).
* **Orders.** An order becomes an :class:`~dispatch.Errand`: pickup at the
  restaurant (service ``s_r``, starting no earlier than ``ready - s_r / 2``,
  so that the pickup instant, half-way through the service, is not before
  the ready time) and drop-off at the door (service ``s_o``). Its task kind
  is its ready-time class, and couriers accept only the classes that start
  before their off-time (a courier going off duty before a meal is ready can
  never collect it).
* **Bundling.** New orders are inserted anywhere in the couriers' plans after
  their anchors, several per courier and epoch; the matcher serves as many
  orders as it can, then minimises the added busy seconds (travel and
  service), so a second order from the same restaurant, or one on the way,
  goes to the courier already going there whenever that is cheaper than
  sending someone else. At execution, orders collected in one restaurant
  visit share one pickup service, and an order committed to a courier who
  is on the way to (or waiting at) its restaurant joins that visit.
* **Deadlines in stages.** The matcher has no lateness cost, only windows, so
  each epoch runs *stages* of drop-off deadlines (:func:`default_stages`):
  first within 10 minutes of the order's fastest possible delivery and the
  40-minute target, then within the target, half-way to the maximum, the
  90-minute maximum, and at all. Orders assigned in an earlier stage are
  delivered sooner; later stages only see what is left.
* **Promises.** A committed stop keeps its stage's deadline and may start at
  most ``promise_s`` later than planned when it was committed, so orders
  inserted later never delay the orders a courier holds by more than that.
* **Commitment.** A planned assignment is committed only if its pickup is
  planned to start within ``commit_ahead_s`` of the next epoch or its meal is
  ready; otherwise it waits for a later epoch, when more orders and couriers
  are known (orders whose meal is further away are not planned at all). A
  pickup planned after the courier's off-time is never committed: the
  engine's shift bounds the whole route (given ``max_click_to_door_s`` of
  slack past the off-time for the last drop-offs), so new pickups are
  checked here and such orders are matched again without that courier.
* **Checks.** Every committed route is re-checked by :func:`dispatch.validate`
  against the epoch's :class:`~dispatch.Problem` (routes that lost planned
  stops to the rules above are re-timed first; dropping stops only makes the
  others earlier, since rounded-up Euclidean times keep the triangle
  inequality). Couriers and orders that cannot possibly meet a stage's
  deadline (straight lines from the anchor) are left out of that stage's
  problem, which keeps each matcher call to the few that matter.

**Why the matcher, not the solver or the online dispatcher.** MDRP is
insertion into partly fixed plans: each courier's committed stops keep their
order and courier, and new orders arrive every minute. The matcher models
that directly (own stops, open ends, windows), is deterministic (the same
instance gives the same day) and prices hundreds of couriers against dozens
of orders in about ten milliseconds. :func:`dispatch.solve` could lock the
executed prefixes, but the committed-and-unstarted stops would have to become
mandatory own stops anyway, its objective is distance, and it searches under
a wall-clock or solution budget: slower per epoch by orders of magnitude and
not deterministic under a time limit. The real
:class:`~dispatch.online.Dispatcher` runs this same matcher, but its
``order`` command opens an errand's pickup window at the moment of ordering
and has no ready time: its plans would send couriers to wait at restaurants
for meals that take 17 minutes on average, or the orders would have to be
withheld until ready, which removes the look-ahead that matters most in MDRP.
Its offer, acceptance and expiry protocol, durable event store and
permission checks add nothing when couriers always accept, and cost tens of
milliseconds per command (``benchmarks/online.py``): a day of 3,000 orders
needs some 12,000 task commands and a position report per courier and epoch.
So the policy drives the matcher directly, with the planner's construction of
couriers and tasks; every assignment decision is the matcher's.

**What differs from Reyes et al.'s base variant.** Orders may be added to a
plan that already holds orders (after the current visit); the MDRP paper
calls this *assignment updates* and allows them at the restaurant only.
Planning charges the pickup service once per order, though a visit that
collects several orders pays it once in execution (conservative: executed
times are never later than planned).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import numpy as np

from dispatch.errors import InvalidInputError
from dispatch.incidental import Matcher, MatchOptions
from dispatch.mdrp._execution import (
    Execution,
    Fleet,
    order_node,
    planar_travel,
    restaurant_node,
)
from dispatch.mdrp._instance import MdrpCourier, MdrpInstance, MdrpOrder
from dispatch.mdrp._progress import MdrpProgress
from dispatch.model import Courier, Errand, Location, OwnStop, Problem, Stop, TimeWindow
from dispatch.model._checks import non_negative_int, optional, positive_int
from dispatch.plan import (
    ObjectiveParts,
    Plan,
    Route,
    SolveStatus,
    StopRole,
)
from dispatch.validation import validate

__all__ = [
    "DispatchPolicyOptions",
    "PolicyStats",
    "Stage",
    "default_stages",
    "run_dispatch_policy",
]

#: Slack of the first stage over an order's fastest possible drop-off.
DEFAULT_SLACK_S = 600

#: Width of the ready-time classes of orders (task kinds): a courier takes only the
#: classes that start before their off-time, since no order can be picked up before it is
#: ready (a necessary condition; the pickup itself is checked against the off-time too).
_READY_BUCKET_S = 300


def _ready_kind(ready_s: int) -> str:
    """The task kind of an order ready at ``ready_s`` (its ready-time class)."""
    return f"ready-{ready_s // _READY_BUCKET_S}"


#: Capacity of a planning courier: MDRP puts no limit on the orders carried at once.
_CAPACITY = 1000


def _optional_seconds(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidInputError(
            f"Stage.{attribute.name}", f"must be an int >= 0 or None, got {value!r}"
        )


@attrs.frozen
class Stage:
    """A drop-off deadline for one stage of an epoch.

    The deadline is the earlier of ``slack_s`` after the order's fastest
    possible drop-off (a courier waiting at the restaurant when the meal is
    ready, driving straight to the door) and ``click_to_door_s`` after
    placement; with neither, there is none.

    Examples
    --------
    >>> Stage(click_to_door_s=2400)
    Stage(click_to_door_s=2400, slack_s=None)
    >>> Stage(slack_s=-1)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Stage.slack_s: must be an int >= 0 or None, got -1
    """

    click_to_door_s: int | None = attrs.field(default=None, validator=_optional_seconds)
    slack_s: int | None = attrs.field(default=None, validator=_optional_seconds)


def _stages(value: Iterable[Stage] | None) -> tuple[Stage, ...] | None:
    if value is None:
        return None
    out = tuple(value)
    if not out or not all(isinstance(v, Stage) for v in out):
        raise InvalidInputError(
            "DispatchPolicyOptions.stages", f"expected one or more Stage, got {value!r}"
        )
    return out


@attrs.frozen(kw_only=True)
class DispatchPolicyOptions:
    """How often the policy decides and how it uses the matcher.

    Parameters
    ----------
    epoch_s
        Simulated seconds between decisions.
    stages
        The drop-off deadlines of the stages of each epoch, tightest first.
        The default, ``None``, is :func:`default_stages` of the instance.
    commit_ahead_s
        Commit a planned assignment only if its pickup starts at most this
        long after the next epoch; None = commit every assignment at once.
    promise_s
        A committed stop may later start at most this long after the time
        planned when it was committed (its window closes then), so orders
        inserted later cannot delay the orders a courier already holds by more;
        None = only the stage deadline binds.
    match
        Options of the incidental matcher (by default without its two
        improvement steps, as in the online dispatcher).
    validate
        Check every committed route with :func:`dispatch.validate`.

    Examples
    --------
    >>> DispatchPolicyOptions().epoch_s
    180
    >>> DispatchPolicyOptions(stages=[Stage(click_to_door_s=1800), Stage()]).stages
    (Stage(click_to_door_s=1800, slack_s=None), Stage(click_to_door_s=None, slack_s=None))
    >>> DispatchPolicyOptions(epoch_s=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: DispatchPolicyOptions.epoch_s: must be >= 1, got 0
    """

    epoch_s: int = attrs.field(default=180, validator=positive_int)
    stages: tuple[Stage, ...] | None = attrs.field(default=None, converter=_stages)
    commit_ahead_s: int | None = attrs.field(default=600, validator=optional(non_negative_int))
    promise_s: int | None = attrs.field(default=300, validator=optional(non_negative_int))
    match: MatchOptions = attrs.field(
        factory=lambda: MatchOptions(improve=False, pack=False),
        validator=attrs.validators.instance_of(MatchOptions),
    )
    validate: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))


@attrs.frozen(kw_only=True)
class PolicyStats:
    """What a policy run did and how long it took (wall-clock seconds)."""

    epochs: int
    """Decision epochs (for the greedy baseline: simulated minutes with a decision)."""
    matcher_runs: int
    """Matcher calls (one per stage with work)."""
    deferred: int
    """Planned assignments not committed (pickup too far ahead, or after the off-time)."""
    routes_validated: int
    """Committed routes checked by :func:`dispatch.validate`."""
    violations: tuple[str, ...]
    """What the validator found (empty for a sound run)."""
    match_s: float
    validate_s: float
    runtime_s: float


@attrs.define
class _Run:
    """One rolling-horizon run (mutable working state)."""

    instance: MdrpInstance
    options: DispatchPolicyOptions
    fleet: Fleet
    stages: tuple[Stage, ...]
    horizon_s: int
    locations: dict[str, Location] = attrs.field(factory=dict)
    planned: dict[str, tuple[Stop, Stop]] = attrs.field(factory=dict)
    open: dict[str, MdrpOrder] = attrs.field(factory=dict)
    reasons: dict[str, str] = attrs.field(factory=dict)
    kinds: dict[int, frozenset[str]] = attrs.field(factory=dict)
    matcher_runs: int = 0
    deferred: int = 0
    routes_validated: int = 0
    violations: list[str] = attrs.field(factory=list)
    match_s: float = 0.0
    validate_s: float = 0.0

    def location(self, node: str) -> Location:
        loc = self.locations.get(node)
        if loc is None:
            loc = self.locations[node] = Location(node=node)
        return loc

    # ------------------------------------------------------------------ model

    def errand(self, order: MdrpOrder, stage: Stage) -> Errand | None:
        """The order as an errand under the stage's drop-off deadline (None: already past it)."""
        p = self.instance.parameters
        earliest = max(0, order.ready_s - p.pickup_service_s // 2)
        limits = []
        if stage.click_to_door_s is not None:
            limits.append(order.placement_s + stage.click_to_door_s)
        if stage.slack_s is not None:
            direct = self.fleet.travel.seconds(
                restaurant_node(order.restaurant), order_node(order.id)
            )
            fastest = order.ready_s + p.pickup_service_s // 2 + direct + p.dropoff_service_s // 2
            limits.append(fastest + stage.slack_s)
        deadline_s = min(limits) if limits else None
        pickup = Stop(
            location=self.location(restaurant_node(order.restaurant)),
            windows=[(earliest, self.horizon_s)],
            service_s=p.pickup_service_s,
        )
        windows: list[tuple[int, int]] = []
        if deadline_s is not None:
            latest = deadline_s - p.dropoff_service_s // 2
            if latest < earliest:
                return None
            windows = [(0, latest)]
        dropoff = Stop(
            location=self.location(order_node(order.id)),
            windows=windows,
            service_s=p.dropoff_service_s,
        )
        return Errand(
            id=order.id, pickup=pickup, dropoff=dropoff, load=1, kind=_ready_kind(order.ready_s)
        )

    def courier(self, mdrp: MdrpCourier, now_s: int) -> Courier | None:
        """The courier as the matcher sees them at ``now_s`` (None: can take no new work)."""
        if not mdrp.on_s <= now_s < mdrp.off_s:
            return None
        node, at_s = self.fleet.anchor(mdrp.id, now_s)
        if at_s + self.instance.parameters.pickup_service_s // 2 > mdrp.off_s:
            return None
        own = [
            OwnStop(id=f"{ref}@{role.value}", stop=self.own_stop(mdrp, role, ref))
            for role, ref in self.fleet.queue(mdrp.id)
        ]
        return Courier(
            id=mdrp.id,
            start=self.location(node),
            shift=TimeWindow(at_s, mdrp.off_s + self.instance.parameters.max_click_to_door_s),
            capacity=_CAPACITY,
            own_stops=own,
            accepts=self.accepts(mdrp.off_s),
        )

    def accepts(self, off_s: int) -> frozenset[str]:
        """The ready-time kinds of orders a courier going off duty at ``off_s`` could collect."""
        kinds = self.kinds.get(off_s)
        if kinds is None:
            kinds = self.kinds[off_s] = frozenset(
                _ready_kind(k * _READY_BUCKET_S) for k in range(off_s // _READY_BUCKET_S + 1)
            )
        return kinds

    def own_stop(self, mdrp: MdrpCourier, role: StopRole, ref: str) -> Stop:
        """A committed stop; a pickup's window closes at the courier's off-time."""
        pickup, dropoff = self.planned[ref]
        if role is StopRole.DROPOFF:
            return dropoff
        last = mdrp.off_s - self.instance.parameters.pickup_service_s // 2
        window = pickup.windows[0]
        return attrs.evolve(pickup, windows=[(window.earliest_s, min(window.latest_s, last))])

    # ------------------------------------------------------------------ one epoch

    def decide(self, now_s: int) -> None:
        by_id = {c.id: c for c in self.instance.couriers}
        couriers = [
            c for c in (self.courier(m, now_s) for m in self.instance.couriers) if c is not None
        ]
        # Orders whose pickup cannot start before the commitment horizon would only be
        # planned to be deferred: they wait for a later epoch without being planned.
        limit = self.commit_limit(now_s)
        half = self.instance.parameters.pickup_service_s // 2
        skip = {o.id for o in self.open.values() if limit is not None and o.ready_s - half > limit}
        for stage in self.stages:
            orders = sorted(
                (o for o in self.open.values() if o.id not in skip),
                key=lambda o: (o.placement_s, o.id),
            )
            errands = [e for e in (self.errand(o, stage) for o in orders) if e is not None]
            excluded: set[str] = set()
            while errands and couriers:
                errands, some = self.reachable(
                    errands, [c for c in couriers if c.id not in excluded], by_id
                )
                if not errands:
                    break
                problem, plan = self.match(errands, some)
                for entry in plan.unassigned:
                    self.reasons[entry.task_id] = f"{entry.reason.value}: {entry.detail}"
                committed, far, late = self.commit(problem, plan, by_id, now_s)
                skip |= far
                if committed:
                    couriers = [
                        c if c.id not in committed else self.courier(by_id[c.id], now_s) or c
                        for c in couriers
                    ]
                # Orders planned for a pickup after the courier's off-time: once more without
                # those couriers (the matcher cannot see that rule for new orders).
                if not late or excluded.issuperset(late.values()):
                    break
                excluded |= set(late.values())
                errands = [e for e in errands if e.id in late]

    def reachable(
        self, errands: list[Errand], couriers: list[Courier], by_id: dict[str, MdrpCourier]
    ) -> tuple[list[Errand], list[Courier]]:
        """The errands some courier could serve in time, and the couriers who could serve one.

        A necessary condition, on straight lines from each courier's anchor: the
        courier goes to the restaurant first, waits for the meal if need be,
        picks up before going off duty, drives straight to the door and arrives
        before the drop-off window closes. Committed stops only delay that, so
        no pair the matcher could use is lost; the others are left out of the
        matcher's problem (they would cost its pruning and route building).
        """
        if not errands or not couriers:
            return [], []
        travel = self.fleet.travel
        p = self.instance.parameters
        half = p.pickup_service_s // 2
        anchors = np.array([travel.points[c.start.node] for c in couriers], dtype=np.float64)
        places = np.array(
            [travel.points[e.pickup.location.node] for e in errands], dtype=np.float64
        )
        doors = np.array([travel.points[e.dropoff.location.node] for e in errands])
        delta = anchors[:, None, :] - places[None, :, :]
        to_pickup = travel.durations_from_m(np.hypot(delta[..., 0], delta[..., 1]))
        ride = travel.durations_from_m(np.hypot(*(doors - places).T))
        earliest = np.array([e.pickup.windows[0].earliest_s for e in errands], dtype=np.int64)
        latest = np.array(
            [e.dropoff.latest_s if e.dropoff.windows else 2**62 for e in errands], dtype=np.int64
        )
        start = np.array([c.shift.earliest_s for c in couriers], dtype=np.int64)
        off = np.array([by_id[c.id].off_s for c in couriers], dtype=np.int64)
        pickup = np.maximum(start[:, None] + to_pickup, earliest[None, :])
        ok = pickup + half <= off[:, None]
        ok &= pickup + p.pickup_service_s + ride[None, :] <= latest[None, :]
        for k in np.flatnonzero(~ok.any(axis=0)).tolist():
            self.reasons[errands[k].id] = "no courier on duty can deliver it in time"
        return (
            [e for e, keep in zip(errands, ok.any(axis=0).tolist(), strict=True) if keep],
            [c for c, keep in zip(couriers, ok.any(axis=1).tolist(), strict=True) if keep],
        )

    def commit_limit(self, now_s: int) -> int | None:
        """Latest planned pickup start committed at ``now_s`` (None: no limit)."""
        ahead = self.options.commit_ahead_s
        return None if ahead is None else now_s + self.options.epoch_s + ahead

    def match(self, errands: list[Errand], couriers: list[Courier]) -> tuple[Problem, Plan]:
        """The matcher's plan, dropping couriers whose committed stops no longer fit."""
        kept = list(couriers)
        started = time.perf_counter()
        try:
            while True:
                problem = Problem(tasks=errands, couriers=kept, travel=self.fleet.travel)
                try:
                    matcher = Matcher(problem, self.options.match)
                    break
                except InvalidInputError as err:
                    bad = next(
                        (c for c in kept if err.field == f"Courier.own_stops (id {c.id!r})"), None
                    )
                    if bad is None:
                        raise
                    self.violations.append(f"courier {bad.id!r}: committed stops no longer fit")
                    kept.remove(bad)
            plan = matcher.match().plan
        finally:
            self.match_s += time.perf_counter() - started
        self.matcher_runs += 1
        return problem, plan

    def commit(
        self, problem: Problem, plan: Plan, by_id: dict[str, MdrpCourier], now_s: int
    ) -> tuple[set[str], set[str], dict[str, str]]:
        """Commit the plan's new assignments that pass the two rules.

        Returns the couriers whose plans changed, the orders deferred because
        their pickup is too far ahead, and those planned for a pickup after
        the courier's off-time (with that courier).
        """
        half = self.instance.parameters.pickup_service_s // 2
        limit = self.commit_limit(now_s)
        routes: list[Route] = []
        far: set[str] = set()
        late: dict[str, str] = {}
        for route in plan.routes:
            mdrp = by_id[route.courier_id]
            dropped = set()
            for stop in route.stops:
                if stop.role is not StopRole.PICKUP:
                    continue
                if stop.start_s + half > mdrp.off_s:
                    late[stop.ref] = mdrp.id
                    self.reasons[stop.ref] = "planned for a pickup after the courier's off-time"
                elif (
                    limit is not None
                    and stop.start_s > limit
                    and self.open[stop.ref].ready_s - half > now_s
                ):
                    far.add(stop.ref)
                    self.reasons[stop.ref] = "deferred: pickup planned too far ahead"
                else:
                    continue
                dropped.add(stop.ref)
            self.deferred += len(dropped)
            if dropped:
                route = _retimed(problem, route, dropped)
            if any(s.role is StopRole.PICKUP for s in route.stops):
                routes.append(route)
        if not routes:
            return set(), far, late
        if self.options.validate:
            self.check(problem, routes)
        for route in routes:
            sequence: list[tuple[StopRole, str]] = []
            planned_s: dict[tuple[StopRole, str], int] = {}
            for stop in route.stops[1:-1]:
                if stop.role is StopRole.OWN:
                    ref, _, role = stop.ref.rpartition("@")
                    sequence.append((StopRole(role), ref))
                else:
                    sequence.append((stop.role, stop.ref))
                    planned_s[(stop.role, stop.ref)] = stop.start_s
            for (kind, ref), start_s in planned_s.items():
                if kind is StopRole.PICKUP:
                    task = _errand(problem, ref)
                    self.planned[ref] = (
                        self.promised(task.pickup, start_s),
                        self.promised(task.dropoff, planned_s[(StopRole.DROPOFF, ref)]),
                    )
                    del self.open[ref]
                    self.reasons.pop(ref, None)
            self.fleet.commit(route.courier_id, sequence, now_s)
        return {r.courier_id for r in routes}, far, late

    def promised(self, stop: Stop, planned_start_s: int) -> Stop:
        """``stop`` as committed: its window closes ``promise_s`` after the planned start."""
        tolerance = self.options.promise_s
        if tolerance is None:
            return stop
        latest = planned_start_s + tolerance
        window = stop.windows[0] if stop.windows else TimeWindow(0, latest)
        return attrs.evolve(stop, windows=[(window.earliest_s, min(window.latest_s, latest))])

    def check(self, problem: Problem, routes: Sequence[Route]) -> None:
        """:func:`dispatch.validate` on the committed routes alone (their couriers and tasks)."""
        started = time.perf_counter()
        ids = {r.courier_id for r in routes}
        tasks = {s.ref for r in routes for s in r.stops if s.role is StopRole.PICKUP}
        sub = Problem(
            tasks=[t for t in problem.tasks if t.id in tasks],
            couriers=[c for c in problem.couriers if c.id in ids],
            travel=problem.travel,
        )
        plan = Plan(
            routes=tuple(routes),
            unassigned=(),
            objective=ObjectiveParts(
                distance_m=sum(r.distance_m for r in routes), fixed_cost=0, penalty=0
            ),
            status=SolveStatus.FEASIBLE,
            runtime_s=0.0,
        )
        found = validate(sub, plan)
        self.violations.extend(str(v) for v in found)
        self.routes_validated += len(routes)
        self.validate_s += time.perf_counter() - started


def _errand(problem: Problem, task_id: str) -> Errand:
    task = problem.task(task_id)
    if not isinstance(task, Errand):  # the policy's problems hold errands only
        raise InvalidInputError("Problem.tasks", f"{task_id!r} is not an errand")
    return task


def _retimed(problem: Problem, route: Route, dropped: set[str]) -> Route:
    """``route`` without the stops of ``dropped``, re-timed by the model's schedule rules."""
    courier = problem.courier(route.courier_id)
    own = {o.id: o.stop for o in courier.own_stops}
    kept = [s for s in route.stops[1:-1] if s.ref not in dropped or s.role is StopRole.OWN]
    stops_of: list[Stop] = []
    for s in kept:
        if s.role is StopRole.OWN:
            stops_of.append(own[s.ref])
        else:
            task = _errand(problem, s.ref)
            stops_of.append(task.pickup if s.role is StopRole.PICKUP else task.dropoff)
    places = [courier.start] + [s.location for s in stops_of]
    matrix = problem.travel.matrix(places, courier.profile)
    t = courier.shift.earliest_s
    load = 0
    out = [attrs.evolve(route.stops[0], arrival_s=t, start_s=t, departure_s=t, load_after=(0,))]
    distance = 0
    for k, (s, stop) in enumerate(zip(kept, stops_of, strict=True), start=1):
        arrival = out[-1].departure_s + int(matrix.durations_s[k - 1, k])
        distance += int(matrix.distances_m[k - 1, k])
        start = arrival if stop.earliest_s is None else max(arrival, stop.earliest_s)
        load += {StopRole.PICKUP: 1, StopRole.DROPOFF: -1}.get(s.role, 0)
        out.append(
            attrs.evolve(
                s,
                arrival_s=arrival,
                start_s=start,
                departure_s=start + stop.service_s,
                load_after=(load,),
            )
        )
    end = out[-1].departure_s
    out.append(
        attrs.evolve(
            route.stops[-1], arrival_s=end, start_s=end, departure_s=end, load_after=(load,)
        )
    )
    return Route(
        courier_id=courier.id,
        stops=tuple(out),
        distance_m=distance,
        duration_s=end - out[0].departure_s,
    )


def default_stages(instance: MdrpInstance) -> tuple[Stage, ...]:
    """The default stages: on time and near the fastest, on time, half-way to the maximum,
    within the maximum, at all.

    Examples
    --------
    >>> from dispatch.mdrp._instance import MdrpParameters
    >>> p = MdrpParameters.grubhub(320)
    >>> [(s.click_to_door_s, s.slack_s) for s in default_stages(
    ...     MdrpInstance(name="x", parameters=p, restaurants=[], orders=[], couriers=[]))]
    [(2400, 600), (2400, None), (3900, None), (5400, None), (None, None)]
    """
    p = instance.parameters
    middle = (p.target_click_to_door_s + p.max_click_to_door_s) // 2
    return (
        Stage(click_to_door_s=p.target_click_to_door_s, slack_s=DEFAULT_SLACK_S),
        Stage(click_to_door_s=p.target_click_to_door_s),
        Stage(click_to_door_s=middle),
        Stage(click_to_door_s=p.max_click_to_door_s),
        Stage(),
    )


def run_dispatch_policy(
    instance: MdrpInstance,
    options: DispatchPolicyOptions | None = None,
    *,
    progress: Callable[[MdrpProgress], None] | None = None,
) -> tuple[Execution, PolicyStats]:
    """Run the rolling-horizon policy over the whole day of ``instance``.

    Returns the executed day (every order delivered or with the reason it
    was not) and the run's statistics. Deterministic: the same instance and
    options give the same execution.

    Examples
    --------
    >>> from dispatch.mdrp._instance import MdrpParameters, MdrpRestaurant
    >>> p = MdrpParameters.grubhub(320)
    >>> inst = MdrpInstance(
    ...     name="x", parameters=p, restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
    ...     orders=[MdrpOrder(id=f"o{k}", x_m=640, y_m=0, placement_s=0, restaurant="r1",
    ...                       ready_s=600) for k in (1, 2)],
    ...     couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)])
    >>> execution, stats = run_dispatch_policy(inst)
    >>> [(s.role.value, s.orders, s.handover_s) for s in execution.stops]
    [('pickup', ('o2', 'o1'), 600), ('dropoff', ('o2',), 960), ('dropoff', ('o1',), 1200)]
    >>> stats.violations
    ()
    """
    options = options or DispatchPolicyOptions()
    began = time.perf_counter()
    stages = options.stages or default_stages(instance)
    last_off = max((c.off_s for c in instance.couriers), default=0)
    run = _Run(
        instance=instance,
        options=options,
        fleet=Fleet(instance, planar_travel(instance)),
        stages=stages,
        horizon_s=last_off + 86_400,
    )
    orders = sorted(instance.orders, key=lambda o: (o.placement_s, o.id))
    start = instance.start_s
    now = start - start % options.epoch_s
    epochs = placed = 0
    while True:
        run.fleet.advance(now)
        while placed < len(orders) and orders[placed].placement_s <= now:
            run.open[orders[placed].id] = orders[placed]
            placed += 1
        if run.open:
            epochs += 1
            run.decide(now)
        if progress is not None:
            delivered = sum(1 for o in run.fleet.orders.values() if o.dropoff_s is not None)
            progress(
                MdrpProgress(
                    now_s=now, start_s=start, end_s=last_off, orders=placed, delivered=delivered
                )
            )
        if (placed == len(orders) and not run.open) or now >= last_off:
            break
        now += options.epoch_s
    run.fleet.flush()
    for order_id in run.open:
        run.reasons.setdefault(order_id, "no courier on duty could take it")
        run.reasons[order_id] = "never assigned; last: " + run.reasons[order_id]
    stats = PolicyStats(
        epochs=epochs,
        matcher_runs=run.matcher_runs,
        deferred=run.deferred,
        routes_validated=run.routes_validated,
        violations=tuple(run.violations),
        match_s=round(run.match_s, 3),
        validate_s=round(run.validate_s, 3),
        runtime_s=round(time.perf_counter() - began, 3),
    )
    return run.fleet.execution(run.reasons), stats
