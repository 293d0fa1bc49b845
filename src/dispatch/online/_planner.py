"""Who should get a task: planning snapshots of the online couriers, ranked candidates.

**Planning couriers.** An online courier's :class:`~dispatch.incidental.CourierPlan`
(position, own remaining stops, caps) becomes a :class:`~dispatch.Courier`
that starts at their position *now*; the stops of the tasks they hold are
merged into their own stops, at the places recorded when they accepted
(mandatory from then on), so new work is priced on top of what they already
carry. Held tasks count fully against the free capacity from acceptance to
delivery (a conservative simplification: own stops carry no load), their
recorded detour is taken off the detour budget, and the tasks accepted
through the dispatcher since going online count against the caps.
The executed part of a route needs no lock: a plan always starts at the
current position, so whatever is behind the courier is no longer in it.

**Errands** are ranked by the incidental matcher
(:meth:`Matcher.recommend <dispatch.incidental.Matcher.recommend>`),
re-optimised with :meth:`Matcher.match <dispatch.incidental.Matcher.match>`.
A menu item's allowed courier categories are expressed to the matcher as
task kinds: each task gets the planning kind ``kind|categories`` and each
courier ``accepts`` exactly the planning kinds their plan and category allow.

**Visits** (hazard follow-ups) are ranked by the same matcher as an errand
whose pickup is the visit's stop and whose drop-off is a zero-time stop at the
same place (:func:`visit_as_errand`), so the same rules hold for them: detour
budgets, the windows of the courier's own stops and held tasks, capacity and
caps. The visit goes where that pickup would go. Joint re-optimisation still
covers errands only; a visit keeps its offer until accepted or declined.

A courier whose own stops (with held tasks) can no longer be served in their
windows is skipped for new work until their plan changes.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence

import attrs

from dispatch.errors import InvalidInputError
from dispatch.incidental import CourierPlan, Matcher, MatchOptions, Recommendation
from dispatch.model import Courier, Errand, OwnStop, Problem, Stop, TimeWindow, Visit
from dispatch.online._lifecycle import TaskState
from dispatch.online._records import CourierRecord, TaskRecord
from dispatch.plan import Route, StopRole
from dispatch.travel import PairTravel, TravelTimes

__all__ = ["Candidate", "Planner"]

logger = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class Candidate:
    """A courier for a task and where it would go on their route (see :class:`Offer`)."""

    courier_id: str
    detour_s: int
    pickup_after: str
    dropoff_after: str
    basis: str


def _first_candidate(
    ranking: Sequence[Recommendation], exclude: Collection[str] = ()
) -> Candidate | None:
    """The matcher's best-ranked courier not in ``exclude``, as a candidate (None: nobody)."""
    top = next((r for r in ranking if r.courier_id not in exclude), None)
    if top is None:
        return None
    return Candidate(
        courier_id=top.courier_id,
        detour_s=top.detour_s,
        pickup_after=top.pickup_after,
        dropoff_after=top.dropoff_after,
        basis="matcher",
    )


def planning_kind(record: TaskRecord) -> str:
    """The task's kind for the matcher: its kind and the courier categories allowed."""
    allowed = "*" if record.courier_kinds is None else ",".join(sorted(record.courier_kinds))
    return f"{record.kind}|{allowed}"


def stop_id(task_id: str, role: str) -> str:
    """The own-stop id of a held task's stop (``t3@pickup``, ``t3@dropoff``, ``t3@visit``)."""
    return f"{task_id}@{role}"


def _position(items: Sequence[OwnStop], ref: str, courier_id: str) -> int:
    """Insert position right after the point ``ref`` (front when it is gone)."""
    if ref != courier_id:
        for k, item in enumerate(items):
            if item.id == ref:
                return k + 1
    return 0


def merged_stops(
    courier_id: str, own: Sequence[OwnStop], held: Iterable[TaskRecord]
) -> list[OwnStop]:
    """The courier's own stops with the remaining stops of ``held`` tasks merged in.

    Examples
    --------
    >>> from dispatch import Errand, Location, Stop
    >>> from dispatch.online._records import Offer
    >>> from dispatch.online._roles import Actor
    >>> own = [OwnStop(id=f"p{k}", stop=Stop(location=Location(node=k))) for k in (1, 2)]
    >>> errand = Errand(id="t1", pickup=Stop(location=Location(node=5)),
    ...                 dropoff=Stop(location=Location(node=6)))
    >>> offer = Offer(courier_id="c", made_s=0, expires_s=60, detour_s=30, pickup_after="p1",
    ...               dropoff_after="t1", basis="matcher")
    >>> held = TaskRecord(id="t1", community="x", kind="errand", task=errand,
    ...                   origin=Actor.resident("r", "x"), contact=None, courier_kinds=None,
    ...                   created_s=0, deadline_s=900, state=TaskState.ACCEPTED, updated_s=0,
    ...                   accepted=offer, courier_id="c")
    >>> [s.id for s in merged_stops("c", own, [held])]
    ['p1', 't1@pickup', 't1@dropoff', 'p2']
    """
    items = list(own)
    for record in held:
        offer = record.accepted
        pickup_ref = courier_id if offer is None else offer.pickup_after
        dropoff_ref = record.id if offer is None else offer.dropoff_after
        task = record.task
        if isinstance(task, Visit):
            items.insert(
                _position(items, pickup_ref, courier_id),
                OwnStop(id=stop_id(record.id, "visit"), stop=task.stop),
            )
            continue
        after_pickup = 0
        if record.state is TaskState.ACCEPTED:
            at = _position(items, pickup_ref, courier_id)
            items.insert(at, OwnStop(id=stop_id(record.id, "pickup"), stop=task.pickup))
            after_pickup = at + 1
        if dropoff_ref == record.id:
            at = after_pickup
        else:
            at = max(_position(items, dropoff_ref, courier_id), after_pickup)
        items.insert(at, OwnStop(id=stop_id(record.id, "dropoff"), stop=task.dropoff))
    return items


def visit_as_errand(visit: Visit, kind: str) -> Errand:
    """The errand that ranks ``visit``: its stop, then a zero-time stop at the same place.

    Inserting it costs what inserting the visit costs (the drop-off adds no
    travel and no service after the stop), under the same rules.

    Examples
    --------
    >>> from dispatch import Location, Stop
    >>> visit = Visit(id="t9", stop=Stop(location=Location(node=4), windows=[(0, 900)],
    ...               service_s=120))
    >>> errand = visit_as_errand(visit, "hazard-visit|any")
    >>> errand.pickup == visit.stop, errand.dropoff.location == visit.stop.location
    (True, True)
    >>> errand.dropoff.service_s, errand.load, errand.kind
    (0, (0,), 'hazard-visit|any')
    """
    return Errand(
        id=visit.id,
        pickup=visit.stop,
        dropoff=Stop(location=visit.stop.location),
        load=visit.load,
        priority=visit.priority,
        skills=visit.skills,
        kind=kind,
    )


def _as_errand(record: TaskRecord) -> Errand:
    """The errand the matcher ranks for ``record`` (a visit as :func:`visit_as_errand`)."""
    task = record.task
    if isinstance(task, Visit):
        return visit_as_errand(task, planning_kind(record))
    if isinstance(task, Errand):
        return attrs.evolve(task, kind=planning_kind(record))
    raise InvalidInputError(f"task {record.id!r}", "meal deliveries are not dispatched online")


def _refs(route: Route, task_id: str, courier_id: str) -> tuple[str, str]:
    """``(pickup_after, dropoff_after)`` of ``task_id`` on a matched route.

    The points followed are the nearest earlier start or own stop (new tasks
    matched alongside are not yet on the courier's committed route); the
    drop-off follows its own pickup when nothing committed lies between.
    """
    stops = route.stops
    pick = next(k for k, s in enumerate(stops) if s.role is StopRole.PICKUP and s.ref == task_id)
    drop = next(k for k, s in enumerate(stops) if s.role is StopRole.DROPOFF and s.ref == task_id)

    def committed(k: int) -> str | None:
        stop = stops[k]
        if stop.role is StopRole.START:
            return courier_id
        return stop.ref if stop.role is StopRole.OWN else None

    pickup_after = next(
        (ref for k in range(pick - 1, -1, -1) if (ref := committed(k)) is not None), courier_id
    )
    dropoff_after = task_id
    for k in range(drop - 1, pick, -1):
        ref = committed(k)
        if ref is not None:
            dropoff_after = ref
            break
    return pickup_after, dropoff_after


class Planner:
    """Builds planning couriers and ranks them for tasks (no state of its own but caches).

    Parameters
    ----------
    travel
        A travel model that answers single pairs (every provider in
        :mod:`dispatch.travel`; a :class:`~dispatch.travel.TravelTable` on
        road graphs).
    options
        The matcher's options.
    snapshot_max_age_s
        How old the couriers' snapshot behind a ranking may be (see
        :meth:`_ranking_matcher`): requests arriving within this many seconds
        of it, with no courier or held task changed, are ranked on it.
    """

    def __init__(
        self, travel: TravelTimes, options: MatchOptions, *, snapshot_max_age_s: int = 0
    ) -> None:
        if not isinstance(travel, PairTravel):
            raise InvalidInputError(
                "travel", f"{type(travel).__name__} cannot answer single pairs (no pairs())"
            )
        self.travel = travel
        self._pairs: PairTravel = travel
        self.options = options
        self.snapshot_max_age_s = snapshot_max_age_s
        # Every planning kind seen so far: couriers accept all those they may take, so the
        # planning couriers (and the ranking matcher built on them) serve every task kind.
        self._kinds: dict[str, TaskRecord] = {}
        # The ranking matcher of the last snapshot: (key, time of the snapshot, matcher).
        self._ranking: tuple[tuple[object, ...], int, Matcher] | None = None
        self._budgets: dict[str, tuple[CourierPlan, int | None]] = {}
        # Couriers whose own stops (with held tasks) no longer fit: skipped until their plan or
        # held tasks change. Lateness only grows with time, so the verdict stays true.
        self._late: dict[str, tuple[CourierPlan, tuple[str, ...]]] = {}

    # ----------------------------------------------------------------- couriers

    def _budget(self, plan: CourierPlan) -> int | None:
        cached = self._budgets.get(plan.courier_id)
        if cached is not None and cached[0] is plan:
            return cached[1]
        budget = plan.detour_budget(self.travel)
        self._budgets[plan.courier_id] = (plan, budget)
        return budget

    def planning_courier(
        self,
        courier: CourierRecord,
        tasks: Mapping[str, TaskRecord],
        now_s: int,
        kinds: Mapping[str, TaskRecord],
    ) -> Courier | None:
        """The courier as the matcher sees them now, or None when they cannot take work.

        ``kinds`` maps planning kinds to a task of that kind: the courier
        accepts those their plan and category allow.
        """
        plan = courier.plan
        if not courier.online or now_s > plan.shift_end_s:
            return None
        held = [tasks[t] for t in courier.held]
        dims = len(plan.capacity)
        used = list(plan.load or (0,) * dims)
        for record in held:
            if len(record.task.load) == dims:
                used = [u + x for u, x in zip(used, record.task.load, strict=True)]
        budget = self._budget(plan)
        if budget is not None:
            spent = sum(r.accepted.detour_s for r in held if r.accepted is not None)
            budget = max(0, budget - spent)
        left = plan.errands_left
        if left is not None:
            left = max(0, left - courier.accepted_count)
        accepts = frozenset(
            key
            for key, record in kinds.items()
            if (plan.accepts is None or record.kind in plan.accepts)
            and record.allows(courier.category)
        )
        return Courier(
            id=courier.id,
            start=plan.position,
            end=plan.end,
            shift=TimeWindow(max(plan.now_s, now_s), plan.shift_end_s),
            capacity=tuple(max(0, c - u) for c, u in zip(plan.capacity, used, strict=True)),
            profile=plan.profile,
            skills=plan.skills,
            own_stops=merged_stops(courier.id, plan.own_stops, held),
            detour_budget_s=budget,
            accepts=accepts,
            max_tasks=left,
        )

    def _couriers(
        self,
        couriers: Mapping[str, CourierRecord],
        tasks: Mapping[str, TaskRecord],
        now_s: int,
        kinds: Mapping[str, TaskRecord],
        exclude: Collection[str],
    ) -> list[Courier]:
        out = []
        for courier_id in sorted(couriers):
            if courier_id in exclude or self._is_late(couriers[courier_id]):
                continue
            planned = self.planning_courier(couriers[courier_id], tasks, now_s, kinds)
            if planned is not None and planned.accepts and planned.max_tasks != 0:
                out.append(planned)
        return out

    def _is_late(self, courier: CourierRecord) -> bool:
        late = self._late.get(courier.id)
        return late is not None and late[0] is courier.plan and late[1] == courier.held

    def _matcher(
        self,
        errands: Sequence[Errand],
        couriers: Sequence[Courier],
        records: Mapping[str, CourierRecord],
    ) -> Matcher:
        """A matcher over these couriers, skipping those whose own stops no longer fit."""
        kept = list(couriers)
        while True:
            try:
                return Matcher(
                    Problem(tasks=errands, couriers=kept, travel=self.travel), self.options
                )
            except InvalidInputError as err:
                bad = next(
                    (c for c in kept if err.field == f"Courier.own_stops (id {c.id!r})"), None
                )
                if bad is None:
                    raise
                logger.debug("courier %s cannot keep its own stops on time; skipped", bad.id)
                kept.remove(bad)
                record = records.get(bad.id)
                if record is not None:
                    self._late[bad.id] = (record.plan, record.held)

    # ----------------------------------------------------------------- ranking

    def best(
        self,
        record: TaskRecord,
        couriers: Mapping[str, CourierRecord],
        tasks: Mapping[str, TaskRecord],
        now_s: int,
        exclude: Collection[str] = (),
    ) -> Candidate | None:
        """The best courier for ``record`` among ``couriers`` not in ``exclude``, or None."""
        errand = _as_errand(record)
        matcher = self._ranking_matcher(record, couriers, tasks, now_s)
        if matcher is None:
            return None
        if errand.id not in matcher._errand_index:
            matcher.add([errand])
        ranking = matcher.recommend(errand, limit=1 + len(exclude))
        return _first_candidate(ranking, exclude)

    def _ranking_matcher(
        self,
        record: TaskRecord,
        couriers: Mapping[str, CourierRecord],
        tasks: Mapping[str, TaskRecord],
        now_s: int,
    ) -> Matcher | None:
        """The matcher that ranks couriers for new errands, kept while its snapshot holds.

        Its key is every courier record and held task by identity (records are
        replaced, never changed, when an event touches them) and the planning
        kinds known; while that key holds and the snapshot is at most
        ``snapshot_max_age_s`` old, requests are added to the same matcher and
        ranked on the couriers' routes as they stood at the snapshot.
        """
        kind = planning_kind(record)
        if kind not in self._kinds:
            self._kinds[kind] = record
        key = (
            tuple(
                (c.id, id(c), tuple(id(tasks[t]) for t in c.held))
                for c in (couriers[k] for k in sorted(couriers))
            ),
            tuple(sorted(self._kinds)),
        )
        cached = self._ranking
        if (
            cached is not None
            and cached[0] == key
            and 0 <= now_s - cached[1] <= self.snapshot_max_age_s
        ):
            return cached[2]
        planned = self._couriers(couriers, tasks, now_s, self._kinds, ())
        if not planned:
            self._ranking = None
            return None
        matcher = self._matcher([], planned, couriers)
        self._ranking = (key, now_s, matcher)
        return matcher

    def fit(
        self,
        record: TaskRecord,
        courier_id: str,
        couriers: Mapping[str, CourierRecord],
        tasks: Mapping[str, TaskRecord],
        now_s: int,
    ) -> Candidate | None:
        """Where ``record`` would fit on ``courier_id``'s route (for a pin), or None."""
        kinds = {planning_kind(record): record}
        one = {courier_id: couriers[courier_id]}
        planned = self._couriers(one, tasks, now_s, kinds, ())
        if not planned:
            return None
        errand = _as_errand(record)
        return _first_candidate(self._matcher([errand], planned, one).recommend(errand, limit=1))

    def rematch(
        self,
        records: Sequence[TaskRecord],
        couriers: Mapping[str, CourierRecord],
        tasks: Mapping[str, TaskRecord],
        now_s: int,
    ) -> tuple[dict[str, Candidate], int]:
        """Jointly match ``records`` (errands) to the online couriers.

        Returns the matched courier of each matched task (the detour of a
        route is split evenly among the new tasks on it) and how many
        couriers took part.
        """
        errand_records = [r for r in records if isinstance(r.task, Errand)]
        if not errand_records:
            return {}, 0
        kinds = {planning_kind(r): r for r in errand_records}
        planned = self._couriers(couriers, tasks, now_s, kinds, ())
        if not planned:
            return {}, 0
        errands = [
            attrs.evolve(r.task, kind=planning_kind(r))
            for r in errand_records
            if isinstance(r.task, Errand)
        ]
        matching = self._matcher(errands, planned, couriers).match()
        detours = matching.detours_s()
        out: dict[str, Candidate] = {}
        for route in matching.plan.routes:
            new = [s.ref for s in route.stops if s.role is StopRole.PICKUP]
            for task_id in new:
                pickup_after, dropoff_after = _refs(route, task_id, route.courier_id)
                out[task_id] = Candidate(
                    courier_id=route.courier_id,
                    detour_s=detours.get(route.courier_id, 0) // len(new),
                    pickup_after=pickup_after,
                    dropoff_after=dropoff_after,
                    basis="reoptimise",
                )
        return out, len(planned)
