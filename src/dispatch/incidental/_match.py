"""Match residents' errands to couriers already on their own routes (顺手捎带).

The pipeline, for a :class:`~dispatch.Problem` whose couriers carry their own
remaining stops and whose tasks are errands (or meal deliveries):

1. **Routes.** Each courier's own route is simulated once (earliest start).
2. **Pruning.** A k-d tree over the errands' stops and the legs of every
   route keeps only (errand, courier) pairs that pass a necessary condition
   on distance and time (:mod:`dispatch.incidental._pruning`); skills, kinds
   and caps are filtered exactly.
3. **Pricing.** The compiled forward-slack kernel
   (:mod:`dispatch.incidental._insertion`) finds each pair's cheapest feasible
   insertion: added busy seconds, pickup and drop-off times.
4. **Assignment.** A min-cost flow picks at most one courier per errand and
   at most ``max_tasks`` errands per courier, maximising
   ``value_per_priority_s * priority - added busy seconds`` minus the
   fairness cost (:mod:`dispatch.incidental._ortools_flow`).
5. **Repair.** Each courier's chosen errands are inserted one at a time,
   best first, re-priced on the route as it now stands and re-simulated in
   full; what no longer fits returns to the pool, and steps 3-5 repeat on the
   pairs that were feasible, until a round assigns nothing.

Every errand ends on exactly one route or in ``plan.unassigned`` with the
most specific reason found: no courier with the skills (``SKILL``) or
accepting its kind (``KIND``), every such courier at its cap (``TASK_CAP``),
too heavy (``CAPACITY``), no courier passing within reach in time
(``TIME_WINDOW``), every courier who could reach it over its detour budget
(``DETOUR``), or feasible but lost to errands of higher value (``COST``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
import numpy.typing as npt

from dispatch._collector import collector_paused
from dispatch.errors import InvalidInputError
from dispatch.incidental._arrays import Runs, distinct, lex_order, rank_in_runs, run_starts
from dispatch.incidental._insertion import (
    UNBOUNDED_S,
    CandidateBatch,
    InsertionReason,
    InsertionResult,
    RouteBatch,
    best_insertions_dense,
    best_insertions_trusted,
)
from dispatch.incidental._ortools_flow import assign
from dispatch.incidental._packing import repack_neighbourhoods
from dispatch.incidental._pruning import LegTable, PlaceTables, StopTable, plausible_pairs
from dispatch.incidental._route import (
    CourierRoute,
    ErrandRows,
    ErrandRowTable,
    own_routes,
    plan_routes,
)
from dispatch.model import Courier, Errand, Location, MealDelivery, Problem, Stop
from dispatch.plan import (
    ObjectiveParts,
    Plan,
    SolveStatus,
    Unassigned,
    UnassignedReason,
)
from dispatch.travel import PairTravel, PlaceLookup

__all__ = ["MatchOptions", "MatchStats", "Matcher", "Matching", "Recommendation"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Pairable = Errand | MealDelivery


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(
            f"MatchOptions.{attribute.name}", f"must be an int >= 0, got {value!r}"
        )


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(
            f"MatchOptions.{attribute.name}", f"must be an int >= 1, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class MatchOptions:
    """How the matcher weighs service against detour, and spreads work.

    Parameters
    ----------
    value_per_priority_s
        Seconds of courier detour one point of priority is worth. The default
        (an hour) makes serving an errand always worth more than any detour a
        budget allows, so the matcher serves as many (priority-weighted)
        errands as it can and, among those plans, detours least.
    fairness_s
        Seconds of value each errand a courier already ran recently costs
        (``CourierPlan.recent_errands``, passed as ``recent_errands``); 0 = off.
    max_rounds
        Rounds of assign-and-repair at most.
    improve
        Finish with ejection moves: an errand left out replaces one of no higher
        priority on a courier, which moves elsewhere if it can (see
        :meth:`Matcher.match`).
    improve_couriers
        Couriers tried per open errand in those moves: the cheapest on their own
        routes. Each try prices a few insertions, so this bounds the phase's cost.
    improve_limit
        Open errands tried per pass, highest priority first (two passes at most):
        the phase costs up to a few hundred milliseconds per errand tried.
    pack
        Finish by re-packing neighbourhoods of couriers exactly: pools of
        candidate routes per courier and a set-packing model (CP-SAT) choosing
        one per courier (see :mod:`dispatch.incidental._packing`).
    pack_couriers, pack_candidates, pack_set_size, pack_beam, pack_limit
        Couriers per neighbourhood; candidate errands per courier (the most
        valuable alone on its own route, besides those it holds); errands per
        candidate route at most; sets of one size grown further (the
        cheapest); neighbourhoods re-packed at most (those
        around the most open errands first; each costs up to a few hundred
        milliseconds, so this bounds the step on a city-sized day).
    improve_patience
        A pass stops after this many open errands in a row found no move: on a
        large day where every courier who could help is at its cap, the moves
        stop paying long before ``improve_limit`` errands are tried.
    pause_collector
        Pause Python's cyclic garbage collector while the matcher is built and
        while it matches, and restore it after (:mod:`dispatch._collector`): at
        2,000 couriers x 5,000 errands its collections cost 0.06 s in every match
        and a further 0.27-0.30 s in every other one, while a match leaves only
        some 4,400 objects in reference cycles (freed by the next collection).

    Examples
    --------
    >>> MatchOptions(fairness_s=120).value_per_priority_s
    3600
    >>> MatchOptions(max_rounds=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: MatchOptions.max_rounds: must be an int >= 1, got 0
    """

    value_per_priority_s: int = attrs.field(default=3600, validator=_positive)
    fairness_s: int = attrs.field(default=0, validator=_non_negative)
    max_rounds: int = attrs.field(default=64, validator=_positive)
    improve: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    improve_couriers: int = attrs.field(default=3, validator=_positive)
    improve_limit: int = attrs.field(default=100, validator=_non_negative)
    improve_patience: int = attrs.field(default=25, validator=_positive)
    pack: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    pack_couriers: int = attrs.field(default=25, validator=_positive)
    pack_candidates: int = attrs.field(default=16, validator=_positive)
    pack_set_size: int = attrs.field(default=3, validator=_positive)
    pack_limit: int = attrs.field(default=12, validator=_non_negative)
    pack_beam: int = attrs.field(default=48, validator=_positive)
    pause_collector: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))


@attrs.frozen(kw_only=True)
class Recommendation:
    """One courier who could take an errand, and what it would cost them."""

    courier_id: str
    detour_s: int
    """Added travel and service seconds."""
    pickup_eta_s: int
    """Service start at the pickup."""
    dropoff_eta_s: int
    """Service start at the drop-off."""
    pickup_after: str
    """Id of the point the pickup follows (the courier's id = right away)."""
    dropoff_after: str
    """Id of the point the drop-off follows."""


@attrs.frozen(kw_only=True)
class MatchStats:
    """What the matcher did and how long each phase took (wall-clock seconds)."""

    candidate_pairs: int
    """(errand, courier) pairs left after pruning and the exact filters (first round)."""
    evaluated_pairs: int
    """Kernel evaluations over all rounds."""
    rounds: int
    prepare_s: float
    prune_s: float
    price_s: float
    assign_s: float
    repair_s: float
    improve_s: float
    moves: int
    """Ejection moves made by the improvement phase."""
    pack_s: float = 0.0
    repacked: int = 0
    """Couriers whose route the neighbourhood re-packing changed."""


@attrs.frozen(kw_only=True)
class Matching:
    """The matcher's answer: a plan (validate it with :func:`dispatch.validate`) and stats."""

    plan: Plan
    stats: MatchStats
    value: int
    """``value_per_priority_s`` times the priority served, minus the couriers' detour seconds."""

    def detours_s(self) -> dict[str, int]:
        """Busy seconds beyond the own stops alone, per courier with a route."""
        return dict(self._detours)

    _detours: Mapping[str, int] = attrs.field(alias="detours", factory=dict)


def _pairable(problem: Problem) -> tuple[Pairable, ...]:
    tasks = []
    for task in problem.tasks:
        if not isinstance(task, Errand | MealDelivery):
            raise InvalidInputError(
                f"Problem.tasks (id {task.id!r})",
                "the incidental matcher takes errands and meal deliveries, not visits",
            )
        tasks.append(task)
    return tuple(tasks)


def _span(stop: Stop) -> tuple[int, int]:
    if not stop.windows:
        return 0, UNBOUNDED_S
    return stop.windows[0].earliest_s, stop.windows[-1].latest_s


@attrs.frozen(kw_only=True, eq=False)
class _ErrandFacts:
    """Per-errand numbers the pricing reads, as arrays indexed by errand."""

    pickup_loc: IntArray
    dropoff_loc: IntArray
    pickup_service_s: IntArray
    dropoff_service_s: IntArray
    load: IntArray
    max_ride_s: IntArray
    priority: IntArray
    pickup_span_s: IntArray  # (E, 2): the first window's opening and the last one's close
    dropoff_span_s: IntArray

    @staticmethod
    def of(
        errands: Sequence[Pairable], problem: Problem, index: Mapping[Location, int]
    ) -> _ErrandFacts:
        dims = len(problem.couriers[0].capacity) if problem.couriers else 1
        return _ErrandFacts(
            pickup_loc=np.array([index[e.pickup.location] for e in errands], dtype=np.int64),
            dropoff_loc=np.array([index[e.dropoff.location] for e in errands], dtype=np.int64),
            pickup_service_s=np.array([e.pickup.service_s for e in errands], dtype=np.int64),
            dropoff_service_s=np.array([e.dropoff.service_s for e in errands], dtype=np.int64),
            load=np.array([problem.load_of(e) for e in errands], dtype=np.int64).reshape(
                len(errands), dims
            ),
            max_ride_s=np.array(
                [UNBOUNDED_S if e.max_ride_s is None else e.max_ride_s for e in errands],
                dtype=np.int64,
            ),
            priority=np.array([e.priority for e in errands], dtype=np.int64),
            pickup_span_s=np.array([_span(e.pickup) for e in errands], np.int64).reshape(-1, 2),
            dropoff_span_s=np.array([_span(e.dropoff) for e in errands], np.int64).reshape(-1, 2),
        )


def _window_pairs(errand: Pairable) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Every (pickup window, drop-off window) combination, (0, UNBOUNDED_S) for none."""

    def spans(stop: Stop) -> list[tuple[int, int]]:
        return [(w.earliest_s, w.latest_s) for w in stop.windows] or [(0, UNBOUNDED_S)]

    return [(p, d) for p in spans(errand.pickup) for d in spans(errand.dropoff)]


def _window_entries(errand: Pairable) -> list[tuple[int, int]]:
    """For each combination of :func:`_window_pairs`: the earliest arrival at the pickup and
    at the drop-off for which that window is the one served (the previous one's latest + 1)."""

    def entries(stop: Stop) -> list[int]:
        ends = [w.latest_s for w in stop.windows]
        return [-UNBOUNDED_S] + [e + 1 for e in ends[:-1]] if ends else [-UNBOUNDED_S]

    return [(p, d) for p in entries(errand.pickup) for d in entries(errand.dropoff)]


def _window_combos(errands: Sequence[Pairable]) -> tuple[IntArray, IntArray, IntArray]:
    """Per errand, how many window combinations it has; then every combination's windows
    ``(N, 2, 2)`` (:func:`_window_pairs`) and entries ``(N, 2)`` (:func:`_window_entries`).

    Read into flat lists of numbers: no list per errand lives long enough for Python's
    collector to move it to its oldest generation.
    """
    counts: list[int] = []
    spans: list[int] = []
    entries: list[int] = []
    for errand in errands:
        pairs = _window_pairs(errand)
        counts.append(len(pairs))
        for (p_lo, p_hi), (d_lo, d_hi) in pairs:
            spans += (p_lo, p_hi, d_lo, d_hi)
        for p_entry, d_entry in _window_entries(errand):
            entries += (p_entry, d_entry)
    return (
        np.array(counts, dtype=np.int64),
        np.array(spans, dtype=np.int64).reshape(-1, 2, 2),
        np.array(entries, dtype=np.int64).reshape(-1, 2),
    )


#: Threads pricing one large batch (halves of it on two cores), and the fewest candidates
#: per thread worth starting one for.
_PRICE_THREADS = max(1, min(4, os.cpu_count() or 1))
_PRICE_THREAD_MIN = 16_384

#: Order in which a candidate's failure is "further along": detour beats capacity beats time.
_PROGRESS = {
    int(InsertionReason.TIME): 0,
    int(InsertionReason.CAPACITY): 1,
    int(InsertionReason.DETOUR): 2,
    int(InsertionReason.FEASIBLE): 3,
}


def _progress(reason: npt.NDArray[np.int8]) -> IntArray:
    """How far each kernel result got, as :data:`_PROGRESS` levels."""
    levels = np.full(max(_PROGRESS) + 1, -1, dtype=np.int64)
    for code, level in _PROGRESS.items():
        levels[code] = level
    return levels[reason.astype(np.intp)]


def _best_of(result: InsertionResult, owner: IntArray) -> InsertionResult:
    """Per owner (0..n-1, each present), its cheapest feasible row, else its furthest failure."""
    progress = _progress(result.reason)
    feasible = progress == _PROGRESS[int(InsertionReason.FEASIBLE)]
    cost = np.where(feasible, result.added_busy_s, np.iinfo(np.int64).max)
    order = lex_order(cost, -progress, owner)
    return result.take(order[run_starts(owner[order])])


def _leg_budgets(routes: Sequence[CourierRoute], budgets: bool) -> FloatArray:
    """Each route's remaining detour budget in seconds (inf: none, or ``budgets`` off)."""
    if not budgets:
        return np.full(len(routes), np.inf)
    left = np.array([r.remaining_detour_s for r in routes], dtype=float)
    return np.where(left >= UNBOUNDED_S, np.inf, left)


def _travel_dense(
    places: PlaceTables,
    points: IntArray,
    pickup: IntArray,
    dropoff: IntArray,
    code: int,
    durations: Callable[[IntArray, IntArray, int], IntArray],
    out: tuple[IntArray, IntArray, IntArray, IntArray, IntArray],
    rows: IntArray,
) -> None:
    """Candidates' travel read from the dense table of profile ``code``, in compiled code.

    ``points`` ``(S, W)`` are the locations of each candidate's route points (``-1`` =
    none: left at 0 s), ``pickup`` and ``dropoff`` ``(S,)`` its errand's. Fills rows
    ``rows`` of ``out``: travel to the pickup, to the drop-off, from the pickup, from the
    drop-off ``(K, W)``, and the direct ride ``(K,)``. If a pair is unreachable,
    ``durations`` is asked for all of them (the matcher's lookup raises the error naming it).
    """
    from dispatch.incidental import _kernels  # numba: imported on first use, not with dispatch

    smallest = _kernels.dense_travel(
        _kernels.read_only(places.durations(code)),
        places.transposed_for(code, 2 * points.size),
        places.place,
        points,
        pickup,
        dropoff,
        rows,
        *out,
    )
    if smallest < 0:
        valid = points >= 0
        at = points[valid]
        p_here = np.broadcast_to(pickup[:, None], points.shape)[valid]
        d_here = np.broadcast_to(dropoff[:, None], points.shape)[valid]
        durations(
            np.concatenate([at, at, p_here, d_here, pickup]),
            np.concatenate([p_here, d_here, at, at, dropoff]),
            code,
        )


class Matcher:
    """Incidental-errand matching over one problem; reusable for :meth:`recommend`.

    Parameters
    ----------
    problem
        Couriers with their own remaining stops (build them from
        :class:`~dispatch.incidental.CourierPlan` with ``plan.courier(travel)``),
        errands, and a travel model that answers single pairs
        (:class:`~dispatch.travel.PairTravel`: every provider of
        :mod:`dispatch.travel`; a :class:`~dispatch.travel.TravelTable` is the
        fast one on road graphs).
    options
        Weights and limits.
    recent_errands
        Errands each courier ran recently (by id; missing = 0), for fairness.

    Raises
    ------
    InvalidInputError
        A task is a visit; a courier's own stops cannot be served on time even
        without errands (named); the travel model cannot answer single pairs.

    Examples
    --------
    >>> from dispatch import MatrixTravel, OwnStop, TimeWindow, validate
    >>> travel = MatrixTravel(nodes=[0, 1, 2, 3], durations_s=[
    ...     [0, 100, 200, 300], [100, 0, 100, 200], [200, 100, 0, 100], [300, 200, 100, 0]])
    >>> rider = Courier(id="rider", start=Location(node=0), shift=TimeWindow(0, 3600),
    ...                 capacity=2, detour_budget_s=300,
    ...                 own_stops=[OwnStop(id="parcel", stop=Stop(location=Location(node=3)))])
    >>> milk = Errand(id="milk", pickup=Stop(location=Location(node=1), service_s=60),
    ...               dropoff=Stop(location=Location(node=2), service_s=60))
    >>> problem = Problem(tasks=[milk], couriers=[rider], travel=travel)
    >>> matcher = Matcher(problem)
    >>> [(r.courier_id, r.detour_s, r.pickup_eta_s, r.dropoff_eta_s)
    ...  for r in matcher.recommend(milk)]
    [('rider', 120, 100, 260)]
    >>> matching = matcher.match()
    >>> [s.ref for s in matching.plan.route_of("rider").stops]
    ['rider', 'milk', 'milk', 'parcel', 'rider']
    >>> validate(problem, matching.plan)
    []
    """

    def __init__(
        self,
        problem: Problem,
        options: MatchOptions | None = None,
        *,
        recent_errands: Mapping[str, int] | None = None,
    ) -> None:
        started = time.perf_counter()
        self.problem = problem
        self.options = options or MatchOptions()
        with collector_paused(self.options.pause_collector):
            self.errands = _pairable(problem)
            if not isinstance(problem.travel, PairTravel):
                raise InvalidInputError(
                    "Problem.travel",
                    f"{type(problem.travel).__name__} cannot answer single pairs (no pairs())",
                )
            self._travel: PairTravel = problem.travel
            self._locations: list[Location] = []
            self._index: dict[Location, int] = {}
            for courier in problem.couriers:
                self._place(courier.start)
                if courier.end is not None:
                    self._place(courier.end)
                for own in courier.own_stops:
                    self._place(own.stop.location)
            for errand in self.errands:
                self._place(errand.pickup.location)
                self._place(errand.dropoff.location)
            self._lookup = self._travel.pairs(self._locations)
            recent = recent_errands or {}
            self._recent = np.array([recent.get(c.id, 0) for c in problem.couriers], dtype=np.int64)
            self.routes = self._own_route_list(problem.couriers)
            self._profiles = list(dict.fromkeys(c.profile for c in problem.couriers))
            self._profile_code = {profile: code for code, profile in enumerate(self._profiles)}
            self._places = self._place_tables()
            self._own_routes = tuple(self.routes)
            self._eligible = self._eligibility()
            counts, self._combos, self._entries = _window_combos(self.errands)
            self._combo_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self._facts = _ErrandFacts.of(self.errands, problem, self._index)
            self._reasons: dict[tuple[object, ...], tuple[UnassignedReason, str] | None] = {}
            self._leg_cache: dict[bool, tuple[tuple[CourierRoute, ...], LegTable]] = {}
            self._errand_index = {e.id: k for k, e in enumerate(self.errands)}
            self._rows: dict[int, ErrandRows] = {}
            self._row_table: ErrandRowTable | None = None
            self._prepare_s = time.perf_counter() - started

    def add(self, errands: Sequence[Pairable]) -> None:
        """Take more errands into the matcher, as requests arrive.

        The couriers' routes (and everything derived from them) are kept, so a
        dispatcher can :meth:`recommend` each new request without rebuilding
        the matcher. The errands join :attr:`problem`; ids must be new.

        Raises
        ------
        InvalidInputError
            An id that repeats, or a visit (see :class:`Matcher`).
        """
        if not errands:
            return
        problem = attrs.evolve(self.problem, tasks=[*self.problem.tasks, *errands])
        new = _pairable(attrs.evolve(problem, tasks=list(errands)))
        before = len(self._locations)
        for errand in new:
            self._place(errand.pickup.location)
            self._place(errand.dropoff.location)
        if len(self._locations) != before:
            self._lookup = self._travel.pairs(self._locations)
            self._places = self._place_tables()
        self.problem = problem
        start = len(self.errands)
        self.errands = (*self.errands, *new)
        self._errand_index.update({e.id: start + k for k, e in enumerate(new)})
        self._eligible = np.concatenate([self._eligible, self._eligibility(new)])
        counts, combos, entries = _window_combos(new)
        self._combo_start = np.concatenate(
            [self._combo_start, self._combo_start[-1] + np.cumsum(counts)]
        )
        self._combos = np.concatenate([self._combos, combos])
        self._entries = np.concatenate([self._entries, entries])
        more = _ErrandFacts.of(new, problem, self._index)
        self._facts = _ErrandFacts(
            **{
                f.name: np.concatenate([getattr(self._facts, f.name), getattr(more, f.name)])
                for f in attrs.fields(_ErrandFacts)
            }
        )

    # ------------------------------------------------------------------ set-up

    def _place(self, location: Location) -> int:
        index = self._index.get(location)
        if index is None:
            index = self._index[location] = len(self._locations)
            self._locations.append(location)
        return index

    def _own_route_list(self, couriers: Sequence[Courier]) -> list[CourierRoute]:
        """Each courier's route of its own stops alone (legs looked up together)."""
        built = own_routes(list(enumerate(couriers)), self._index, self._lookup)
        for courier, route in zip(couriers, built, strict=True):
            if route is None:
                raise InvalidInputError(
                    f"Courier.own_stops (id {courier.id!r})",
                    "cannot all be served in their windows within the shift, even without errands",
                )
        return [route for route in built if route is not None]

    def _place_tables(self) -> PlaceTables | None:
        """Dense tables for the exact pruning path, when the travel has them."""
        lookup = self._lookup
        if not isinstance(lookup, PlaceLookup):
            return None
        profiles = self._profiles
        return PlaceTables(
            place=np.asarray(lookup.places(), dtype=np.int64),
            durations=lambda code: lookup.place_durations_s(profiles[code]),
        )

    def _eligibility(self, errands: Sequence[Pairable] | None = None) -> npt.NDArray[np.bool_]:
        """(errands, couriers): skills, kind and a non-zero cap (load is the kernel's)."""
        errands = self.errands if errands is None else errands
        couriers = self.problem.couriers
        out = np.zeros((len(errands), len(couriers)), dtype=bool)
        by_need: dict[tuple[frozenset[str], str], npt.NDArray[np.bool_]] = {}
        for e, errand in enumerate(errands):
            key = (errand.skills, errand.kind)
            row = by_need.get(key)
            if row is None:
                row = by_need[key] = np.array(
                    [
                        errand.skills <= c.skills and c.takes(errand.kind) and c.max_tasks != 0
                        for c in couriers
                    ],
                    dtype=bool,
                )
            out[e] = row
        return out

    def _rows_of(self, task: int) -> ErrandRows:
        """Errand ``task``'s two stops as table rows (views into one table of every errand's
        rows, made together when first asked for: plain arrays, nothing for Python's
        collector to keep walking)."""
        rows = self._rows.get(task)
        if rows is None:
            if self._row_table is None or task >= len(self._row_table):
                errands = self.errands
                self._row_table = ErrandRowTable.of(
                    [(e.pickup, e.dropoff) for e in errands],
                    np.stack([self._facts.pickup_loc, self._facts.dropoff_loc], axis=1),
                    self._facts.load,
                    [e.max_ride_s for e in errands],
                )
            rows = self._rows[task] = self._row_table.rows(task)
        return rows

    def _with(
        self, route: CourierRoute, task: int, after_i: int, after_j: int
    ) -> CourierRoute | None:
        """``route`` with errand ``task`` inserted after points ``after_i`` and ``after_j``
        and simulated in full (None if a rule breaks)."""
        return route.with_rows(
            self.errands[task].id, self._rows_of(task), after_i, after_j, self._lookup
        )

    def _room(self) -> IntArray:
        return np.array(
            [
                UNBOUNDED_S if r.courier.max_tasks is None else r.courier.max_tasks - r.tasks
                for r in self.routes
            ],
            dtype=np.int64,
        )

    def _room_of(self, v: int) -> int:
        """Errands courier ``v`` may still take."""
        route = self.routes[v]
        cap = route.courier.max_tasks
        return UNBOUNDED_S if cap is None else cap - route.tasks

    # ------------------------------------------------------------------ pruning

    def _legs(
        self, vehicles: Sequence[int], routes: Sequence[CourierRoute], *, budgets: bool = True
    ) -> LegTable:
        """Every leg of these couriers' routes (see :class:`LegTable`).

        The table of all routes is kept until one of them changes (routes are
        immutable, so identity tells), and these couriers' rows are taken from it:
        a request that arrives between re-plans pays for no rebuilding.
        """

        def fresh(cached: tuple[tuple[CourierRoute, ...], LegTable]) -> bool:
            return len(cached[0]) == len(routes) and all(
                a is b for a, b in zip(cached[0], routes, strict=True)
            )

        cached = self._leg_cache.get(budgets)
        if cached is None or not fresh(cached):
            other = self._leg_cache.get(not budgets)
            if other is not None and fresh(other):
                # The same routes with the other budgets: only the budget column differs.
                built = attrs.evolve(
                    other[1], budget_s=_leg_budgets(routes, budgets)[other[1].courier]
                )
            else:
                built = self._build_legs(routes, budgets)
            cached = (tuple(routes), built)
            self._leg_cache[budgets] = cached
        table = cached[1]
        if len(vehicles) == len(routes):
            return table
        wanted = np.zeros(len(routes), dtype=bool)
        wanted[np.asarray(vehicles, dtype=np.int64)] = True
        rows = np.flatnonzero(wanted[table.courier])
        fields = [f.name for f in attrs.fields(LegTable) if f.init]
        return LegTable(**{name: getattr(table, name)[rows] for name in fields})

    def _build_legs(self, routes: Sequence[CourierRoute], budgets: bool) -> LegTable:
        """The leg table of all ``routes``, one row per leg."""
        from dispatch.incidental import _kernels  # numba: imported on first use

        xy = self._lookup.xy_m()
        bounds = {p: self._lookup.speed_bound_mps(p) for p in self._profiles}
        n_legs = np.fromiter((r.location.size - 1 for r in routes), np.int64, count=len(routes))
        courier = np.repeat(np.arange(len(routes), dtype=np.int64), n_legs)
        last = np.cumsum(n_legs) - 1  # each route's last leg
        leg = np.arange(courier.size, dtype=np.int64) - np.repeat(last + 1 - n_legs, n_legs)
        b_real = np.concatenate([r.location[1:] for r in routes])
        opened = np.zeros(courier.size, dtype=bool)
        opened[last] = b_real[last] < 0
        a_loc = np.concatenate([r.location[:-1] for r in routes])
        b_loc = np.where(opened, a_loc, b_real)  # an open end: the leg stays at the last stop
        profiles = [r.courier.profile for r in routes]
        profile = np.array([self._profile_code[p] for p in profiles], dtype=np.int64)
        speed = np.array(
            [np.inf if xy is None or bounds[p] is None else bounds[p] for p in profiles],
            dtype=float,
        )
        zeros = np.zeros((courier.size, 2))
        # Latest arrivals at every point of every route; a leg's is its far end's.
        first = np.concatenate([[0], np.cumsum(n_legs + 1)])
        late = _kernels.latest_arrivals(
            np.concatenate([r.latest_s for r in routes]),
            np.concatenate([r.service_s for r in routes]),
            np.concatenate([r.leg_s for r in routes]),
            first,
        )
        return LegTable(
            courier=courier,
            leg=leg,
            a_xy=zeros if xy is None else xy[a_loc],
            b_xy=zeros if xy is None else xy[b_loc],
            travel_s=np.concatenate([r.leg_s for r in routes]).astype(float),
            depart_s=np.concatenate([r.departure_s[:-1] for r in routes]).astype(float),
            next_late_s=np.delete(late, first[:-1]).astype(float),
            open_end=opened,
            budget_s=_leg_budgets(routes, budgets)[courier],
            speed_mps=speed[courier],
            a_loc=a_loc,
            b_loc=b_real,
            profile=profile[courier],
        )

    def _stop_tables(self, errands: Sequence[int]) -> tuple[StopTable, StopTable]:
        """The pickups and the drop-offs of these errands, as the pruning reads them."""
        xy = self._lookup.xy_m()
        facts = self._facts
        chosen = np.asarray(errands, dtype=np.int64)
        sides = (
            (facts.pickup_loc, facts.pickup_span_s, facts.pickup_service_s),
            (facts.dropoff_loc, facts.dropoff_span_s, facts.dropoff_service_s),
        )
        tables = []
        for (loc, span, service), (_, _, other) in zip(sides, sides[::-1], strict=True):
            where = loc[chosen]
            tables.append(
                StopTable(
                    xy=xy[where] if xy is not None else np.zeros((where.size, 2)),
                    earliest_s=span[chosen, 0].astype(float),
                    latest_s=span[chosen, 1].astype(float),
                    service_s=service[chosen].astype(float),
                    other_service_s=other[chosen].astype(float),
                    loc=where,
                )
            )
        return tables[0], tables[1]

    def _plausible(
        self,
        errands: Sequence[int],
        vehicles: Sequence[int],
        routes: Sequence[CourierRoute] | None = None,
        *,
        budgets: bool = True,
    ) -> tuple[IntArray, IntArray]:
        """Pairs (errand index, vehicle) passing the pruning rule and the exact filters.

        ``routes`` defaults to the current ones; ``budgets=False`` ignores detour budgets.
        """
        routes = self.routes if routes is None else routes
        if not errands or not vehicles:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        pickups, dropoffs = self._stop_tables(errands)
        legs = self._legs(vehicles, routes, budgets=budgets)
        local, vehicle = plausible_pairs(
            legs, pickups, dropoffs, len(self.routes), self._exact_s, self._places
        )
        errand = np.asarray(errands, dtype=np.int64)[local]
        keep = self._eligible[errand, vehicle]
        return errand[keep], vehicle[keep]

    def _exact_s(self, origin: IntArray, destination: IntArray, profile: IntArray) -> IntArray:
        """True travel seconds, elementwise, for the pruning's second check."""
        out = np.zeros(origin.shape, dtype=np.int64)
        for code in np.unique(profile).tolist():
            sel = profile == code
            out[sel] = self._durations(origin[sel], destination[sel], code)
        return out

    def _durations(self, origin: IntArray, destination: IntArray, code: int) -> IntArray:
        """Travel seconds for profile ``self._profiles[code]``, elementwise.

        Read straight from the dense table when there is one; an unreachable
        pair is then asked of the lookup again, which raises the error naming it.
        """
        if self._places is None:
            return self._lookup.durations_s(origin, destination, self._profiles[code])
        place = self._places.place
        seconds = self._places.durations(code)[place[origin], place[destination]]
        if seconds.size and seconds.min() < 0:
            bad = seconds < 0
            self._lookup.durations_s(origin[bad], destination[bad], self._profiles[code])
        return seconds.astype(np.int64, copy=False)

    # ------------------------------------------------------------------ pricing

    def _price(
        self,
        errand: IntArray,
        vehicle: IntArray,
        routes: Sequence[CourierRoute] | None = None,
        *,
        budgets: bool = True,
    ) -> InsertionResult:
        """The kernel's best insertion for each (errand, vehicle) pair, on current routes.

        A stop with several windows is tried in each of them (every combination of
        a pickup window and a drop-off window); the best feasible one wins.
        ``routes`` defaults to the current ones; ``budgets=False`` ignores detour budgets.
        """
        routes = self.routes if routes is None else routes
        first = self._combo_start[errand]
        counts = self._combo_start[errand + 1] - first
        if counts.size and counts.max() > 1:
            owner = np.repeat(np.arange(errand.size), counts)
            combo = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(owner.size)
            result = self._price_windows(
                errand[owner],
                vehicle[owner],
                self._combos[combo],
                self._entries[combo],
                routes,
                budgets,
            )
            return _best_of(result, owner)
        return self._price_windows(
            errand, vehicle, self._combos[first], self._entries[first], routes, budgets
        )

    def _price_windows(
        self,
        errand: IntArray,
        vehicle: IntArray,
        windows: IntArray,
        entries: IntArray,
        all_routes: Sequence[CourierRoute],
        budgets: bool,
    ) -> InsertionResult:
        """The kernel on pairs with one (pickup, drop-off) window each, ``(K, 2, 2)``, and the
        earliest arrivals for which those windows are the ones served, ``(K, 2)``."""
        used, row = distinct(vehicle, len(all_routes))
        routes = [all_routes[v] for v in used.tolist()]
        batch, loc = self._route_batch(routes, budgets)
        codes = np.array([self._profile_code[r.courier.profile] for r in routes], np.int64)
        k = errand.shape[0]
        parts = min(_PRICE_THREADS, k // _PRICE_THREAD_MIN)
        if parts <= 1:
            return self._price_rows(errand, row, windows, entries, batch, loc, codes)
        # The compiled gathers and kernel release the GIL: halves of the batch on two cores.
        cuts = np.array_split(np.arange(k), parts)
        with ThreadPoolExecutor(max_workers=parts) as pool:
            results = list(
                pool.map(
                    lambda rows: self._price_rows(
                        errand[rows], row[rows], windows[rows], entries[rows], batch, loc, codes
                    ),
                    cuts,
                )
            )
        return InsertionResult(
            **{
                f.name: np.concatenate([getattr(r, f.name) for r in results])
                for f in attrs.fields(InsertionResult)
            }
        )

    def _price_rows(
        self,
        errand: IntArray,
        row: IntArray,
        windows: IntArray,
        entries: IntArray,
        batch: RouteBatch,
        loc: IntArray,
        codes: IntArray,
    ) -> InsertionResult:
        """:meth:`_price_windows` for candidates on rows ``row`` of a built route batch.

        With a dense table, each profile's candidates are priced in one kernel call that
        reads their travel from the table itself (:func:`best_insertions_dense`); should a
        pair have no path there, those candidates go the lookup's way
        (:meth:`_price_arrays`), which names the pair.
        """
        k = errand.shape[0]
        if self._places is None or k == 0:
            return self._price_arrays(errand, row, windows, entries, batch, loc, codes)
        from dispatch.incidental import _kernels  # numba: imported on first use

        facts = self._facts
        present = np.unique(codes[row]).tolist()
        parts: list[tuple[IntArray, InsertionResult]] = []
        for code in present:
            sel = np.flatnonzero(codes[row] == code) if len(present) > 1 else np.arange(k)
            chosen = errand[sel]
            candidates = self._candidates(chosen, row[sel], windows[sel], entries[sel])
            dense = (
                _kernels.read_only(self._places.durations(code)),
                self._places.transposed_for(code, 2 * int(sel.size) * batch.width),
                self._places.place,
                loc,
                facts.pickup_loc[chosen],
                facts.dropoff_loc[chosen],
            )
            result, smallest = best_insertions_dense(batch, candidates, dense)
            if smallest < 0:  # no path for some pair: the lookup is asked (and names it)
                result = self._price_arrays(
                    chosen, row[sel], windows[sel], entries[sel], batch, loc, codes
                )
            parts.append((sel, result))
        if len(parts) == 1:
            return parts[0][1]
        fields = {}
        for f in attrs.fields(InsertionResult):
            column = getattr(parts[0][1], f.name)
            merged = np.empty(k, dtype=column.dtype)
            for sel, part in parts:
                merged[sel] = getattr(part, f.name)
            fields[f.name] = merged
        return InsertionResult(**fields)

    def _candidates(
        self,
        errand: IntArray,
        row: IntArray,
        windows: IntArray,
        entries: IntArray,
        travel: tuple[IntArray, IntArray, IntArray, IntArray, IntArray] | None = None,
    ) -> CandidateBatch:
        """The kernel's candidates; ``travel`` is ``(to pickup, from pickup, to drop-off,
        from drop-off, direct)``, left empty when the kernel reads it from a dense table."""
        facts = self._facts
        none = np.zeros((0, 0), np.int64)
        no_direct = np.zeros(0, np.int64)
        to_p, from_p, to_d, from_d, direct = travel or (none, none, none, none, no_direct)
        return CandidateBatch.trusted(
            route=row.reshape(-1),
            pickup_window_s=np.clip(windows[:, 0], -UNBOUNDED_S, UNBOUNDED_S),
            dropoff_window_s=np.clip(windows[:, 1], -UNBOUNDED_S, UNBOUNDED_S),
            pickup_service_s=facts.pickup_service_s[errand],
            dropoff_service_s=facts.dropoff_service_s[errand],
            load=facts.load[errand],
            max_ride_s=np.minimum(facts.max_ride_s[errand], UNBOUNDED_S),
            to_pickup_s=to_p,
            from_pickup_s=from_p,
            to_dropoff_s=to_d,
            from_dropoff_s=from_d,
            pickup_to_dropoff_s=direct,
            arrival_from_s=entries if bool((entries > -UNBOUNDED_S).any()) else None,
        )

    def _price_arrays(
        self,
        errand: IntArray,
        row: IntArray,
        windows: IntArray,
        entries: IntArray,
        batch: RouteBatch,
        loc: IntArray,
        codes: IntArray,
    ) -> InsertionResult:
        """:meth:`_price_rows` with each candidate's travel gathered into arrays first."""
        width = batch.width
        k = errand.shape[0]
        facts = self._facts
        pick_loc, drop_loc = facts.pickup_loc[errand], facts.dropoff_loc[errand]
        to_pickup = np.zeros((k, width), np.int64)
        from_pickup = np.zeros((k, width), np.int64)
        to_dropoff = np.zeros((k, width), np.int64)
        from_dropoff = np.zeros((k, width), np.int64)
        direct = np.zeros(k, np.int64)
        for code in np.unique(codes[row]).tolist():
            sel = np.flatnonzero(codes[row] == code) if len(codes) > 1 else np.arange(k)
            points = loc[row[sel]]  # (S, W)
            if self._places is not None:
                _travel_dense(
                    self._places,
                    points,
                    pick_loc[sel],
                    drop_loc[sel],
                    code,
                    self._durations,
                    (to_pickup, to_dropoff, from_pickup, from_dropoff, direct),
                    sel,
                )
                continue
            a, b = np.nonzero(points >= 0)
            p_at, d_at = pick_loc[sel], drop_loc[sel]
            here = points[a, b]
            p_here, d_here = p_at[a], d_at[a]
            # One lookup for the four kinds of travel and the direct ride.
            seconds = self._durations(
                np.concatenate([here, here, p_here, d_here, p_at]),
                np.concatenate([p_here, d_here, here, here, d_at]),
                code,
            )
            m = here.size
            cells = (sel[a], b)
            to_pickup[cells] = seconds[:m]
            to_dropoff[cells] = seconds[m : 2 * m]
            from_pickup[cells] = seconds[2 * m : 3 * m]
            from_dropoff[cells] = seconds[3 * m : 4 * m]
            direct[sel] = seconds[4 * m :]
        travel = (to_pickup, from_pickup, to_dropoff, from_dropoff, direct)
        candidates = self._candidates(errand, row, windows, entries, travel)
        return best_insertions_trusted(batch, candidates)

    def _route_batch(
        self, routes: Sequence[CourierRoute], budgets: bool
    ) -> tuple[RouteBatch, IntArray]:
        """The kernel's padded arrays of ``routes`` (one row each) and their points' locations
        (``-1`` beyond a route's end, and for an open end)."""
        n_routes = len(routes)
        dims = len(self.problem.couriers[0].capacity) if self.problem.couriers else 1
        sizes = np.fromiter((r.location.size for r in routes), np.int64, count=n_routes)
        width = int(sizes.max())
        total = int(sizes.sum())
        owner = np.repeat(np.arange(n_routes), sizes)
        offset = np.repeat(np.cumsum(sizes) - sizes, sizes)
        at = (owner, np.arange(total) - offset)
        legs = sizes - 1
        leg_owner = np.repeat(np.arange(n_routes), legs)
        leg_at = (leg_owner, np.arange(total - n_routes) - np.repeat(np.cumsum(legs) - legs, legs))

        def padded(parts: list[IntArray], fill: int = 0) -> IntArray:
            out = np.full((n_routes, width), fill, np.int64)
            out[at] = np.concatenate(parts)
            return out

        load_after = np.zeros((n_routes, width, dims), np.int64)
        load_after[at] = np.concatenate([r.load_after for r in routes])
        leg = np.zeros((n_routes, max(width - 1, 1)), np.int64)
        leg[leg_at] = np.concatenate([r.leg_s for r in routes])
        if budgets:
            remaining = np.array([min(r.remaining_detour_s, UNBOUNDED_S) for r in routes], np.int64)
        else:
            remaining = np.full(n_routes, UNBOUNDED_S, np.int64)
        batch = RouteBatch.trusted(
            n_stops=sizes - 2,
            start_s=padded([r.start_s for r in routes]),
            latest_s=np.minimum(padded([r.latest_s for r in routes]), UNBOUNDED_S),
            service_s=padded([r.service_s for r in routes]),
            load_after=load_after,
            capacity=np.array([r.courier.capacity for r in routes], np.int64).reshape(
                n_routes, dims
            ),
            leg_s=leg,
            remaining_detour_s=remaining,
            earliest_s=padded([r.earliest_s for r in routes]),
        )
        return batch, padded([r.location for r in routes], -1)

    # ------------------------------------------------------------------ answers

    def recommend(self, errand: Pairable, limit: int = 5) -> list[Recommendation]:
        """Couriers who could take ``errand`` now, cheapest detour first.

        ``errand`` must be one of the problem's tasks (the online dispatcher
        rebuilds the matcher as requests arrive). Only feasible insertions
        into the routes as they stand are listed: windows, capacity, the own
        stops' windows and the remaining detour budget all hold.

        Examples
        --------
        See :class:`Matcher`.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInputError("limit", f"must be an int >= 1, got {limit!r}")
        index = self._errand_index.get(errand.id)
        if index is None or self.errands[index] != errand:
            raise InvalidInputError(
                "errand", f"{errand.id!r} is not one of the matcher's problem's tasks"
            )
        room = self._room()
        vehicles = [v for v in range(len(self.routes)) if room[v] > 0]
        e_idx, v_idx = self._plausible([index], vehicles)
        if e_idx.size == 0:
            return []
        result = self._price(e_idx, v_idx)
        feasible = np.flatnonzero(result.feasible)
        order = feasible[lex_order(v_idx[feasible], result.added_busy_s[feasible])]
        out = []
        for k in order[:limit]:
            route = self.routes[int(v_idx[k])]
            out.append(
                Recommendation(
                    courier_id=route.courier.id,
                    detour_s=int(result.added_busy_s[k]),
                    pickup_eta_s=int(result.pickup_start_s[k]),
                    dropoff_eta_s=int(result.dropoff_start_s[k]),
                    pickup_after=route.refs[int(result.pickup_after[k])],
                    dropoff_after=route.refs[int(result.dropoff_after[k])]
                    if result.dropoff_after[k] != result.pickup_after[k]
                    else errand.id,
                )
            )
        return out

    def match(self) -> Matching:
        """Assign the problem's errands to couriers; the plan has a reason for every leftover.

        The matcher's routes advance: a second call finds the errands already
        placed (it is meant to be called once per matcher). Python's garbage
        collector is paused meanwhile unless ``MatchOptions.pause_collector`` is off.
        """
        with collector_paused(self.options.pause_collector):
            return self._match()

    def _match(self) -> Matching:
        opts = self.options
        clock = {"prune": 0.0, "price": 0.0, "assign": 0.0, "repair": 0.0}
        tick = time.perf_counter()
        n_errands = len(self.errands)
        placed = np.zeros(n_errands, dtype=bool)
        progress = np.full(n_errands, -1, dtype=np.int64)  # furthest kernel result per errand
        lost_to_cap = np.zeros(n_errands, dtype=bool)
        room = self._room()
        vehicles = [v for v in range(len(self.routes)) if room[v] > 0]
        e_idx, v_idx = self._plausible(list(range(n_errands)), vehicles)
        clock["prune"] += time.perf_counter() - tick
        first_pairs = int(e_idx.size)
        evaluated = 0
        rounds = 0
        e_own = v_own = c_own = np.empty(0, dtype=np.int64)
        while e_idx.size and rounds < opts.max_rounds:
            rounds += 1
            tick = time.perf_counter()
            result = self._price(e_idx, v_idx)
            evaluated += int(e_idx.size)
            step = _progress(result.reason)
            np.maximum.at(progress, e_idx, step)
            ok = result.feasible
            e_ok, v_ok = e_idx[ok], v_idx[ok]
            if rounds == 1:
                e_own, v_own, c_own = e_ok, v_ok, result.added_busy_s[ok]
            added = result.added_busy_s[ok]
            clock["price"] += time.perf_counter() - tick
            tick = time.perf_counter()
            value = opts.value_per_priority_s * self._facts.priority[e_ok] - added
            chosen = assign(
                e_ok,
                v_ok,
                value,
                np.minimum(self._room(), 1),
                fairness_s=opts.fairness_s,
                recent=self._recent + np.array([r.tasks for r in self.routes], dtype=np.int64),
            )
            clock["assign"] += time.perf_counter() - tick
            tick = time.perf_counter()
            took = self._repair(e_ok[chosen], v_ok[chosen], result.take(np.flatnonzero(ok)[chosen]))
            placed[took] = True
            clock["repair"] += time.perf_counter() - tick
            if took.size == 0:
                break
            # Next round: pairs that were feasible, for errands still open, on couriers with room.
            room = self._room()
            keep = ~placed[e_ok] & (room[v_ok] > 0)
            lost_to_cap[e_ok[~placed[e_ok] & (room[v_ok] <= 0)]] = True
            e_idx, v_idx = e_ok[keep], v_ok[keep]
        tick = time.perf_counter()
        moves = self._improve(placed, e_own, v_own, c_own) if opts.improve else 0
        clock["improve"] = time.perf_counter() - tick
        tick = time.perf_counter()
        repacked = repack_neighbourhoods(self, placed, e_own, v_own, c_own) if opts.pack else 0
        clock["pack"] = time.perf_counter() - tick
        plan = self._plan(placed, progress, lost_to_cap)
        stats = MatchStats(
            improve_s=clock["improve"],
            moves=moves,
            pack_s=clock["pack"],
            repacked=repacked,
            candidate_pairs=first_pairs,
            evaluated_pairs=evaluated,
            rounds=rounds,
            prepare_s=self._prepare_s,
            prune_s=clock["prune"],
            price_s=clock["price"],
            assign_s=clock["assign"],
            repair_s=clock["repair"],
        )
        detours = {r.courier.id: r.detour_s for r in self.routes if len(r.refs) > 2}
        served = sum(self.errands[e].priority for e in np.flatnonzero(placed).tolist())
        total = opts.value_per_priority_s * served - sum(detours.values())
        return Matching(plan=plan, stats=stats, value=total, detours=detours)

    def _repair(self, errand: IntArray, vehicle: IntArray, priced: InsertionResult) -> IntArray:
        """Insert each courier's chosen errands one by one, best first; return those placed.

        ``priced`` holds the round's insertion of each chosen pair (same order), valid
        for a courier's first errand; later ones are re-priced on the route as it now
        stands, in waves: the k-th errand of every courier in one kernel batch.
        Every insertion is then re-simulated in full by :meth:`CourierRoute.with_rows`.
        """
        placed: list[int] = []
        value = (
            self.options.value_per_priority_s * self._facts.priority[errand] - priced.added_busy_s
        )
        order = lex_order(errand, -value, vehicle)
        rank = np.zeros(order.size, dtype=np.int64)
        rank[order] = rank_in_runs(vehicle[order])
        for wave in range(int(rank.max(initial=-1)) + 1):
            rows = np.flatnonzero(rank == wave)
            if wave == 0:
                result, index = priced, rows
            else:
                result = self._price(errand[rows], vehicle[rows])
                index = np.arange(rows.size)
            feasible = result.feasible.tolist()
            after_i, after_j = result.pickup_after.tolist(), result.dropoff_after.tolist()
            for k, row in zip(index.tolist(), rows.tolist(), strict=True):
                e, v = int(errand[row]), int(vehicle[row])
                route = None
                if feasible[k]:
                    route = self._with(self.routes[v], e, after_i[k], after_j[k])
                if route is None and self.routes[v].tasks:
                    route = self._fit(e, v)  # the errands already there may move
                if route is not None:
                    self.routes[v] = route
                    placed.append(e)
        return np.array(placed, dtype=np.int64)

    def _fit(self, u: int, v: int, route: CourierRoute | None = None) -> CourierRoute | None:
        """Courier ``v``'s route (or ``route``) with errand ``u`` added at least cost, or None.

        Besides the direct insertion, tries taking out each errand already on the
        route, inserting ``u``, and putting the other back at its best place:
        the best joint positions of two errands are often not the first one's
        best positions.
        """
        return self._fit_many([(u, self.routes[v] if route is None else route)])[0]

    def _fit_many(self, jobs: Sequence[tuple[int, CourierRoute]]) -> list[CourierRoute | None]:
        """:meth:`_fit` of each ``(errand, route)``, priced together: two kernel batches
        for all of them instead of two per job (a small batch costs far more to set up
        than to price)."""
        best: list[CourierRoute | None] = [None] * len(jobs)
        trials: list[CourierRoute] = []
        trial_u: list[int] = []
        trial_job: list[int] = []
        others: list[int] = []  # the errand taken out first, -1 for the direct insertion
        for j, (u, base) in enumerate(jobs):
            trials.append(base)
            trial_u.append(u)
            trial_job.append(j)
            others.append(-1)
            for e in base.task_indices:
                without = base.without(e, self._lookup)
                if without is not None:
                    trials.append(without)
                    trial_u.append(u)
                    trial_job.append(j)
                    others.append(e)
        if not trials:
            return best
        priced = self._price(np.array(trial_u, dtype=np.int64), np.arange(len(trials)), trials)
        again: list[CourierRoute] = []
        again_e: list[int] = []
        again_job: list[int] = []
        for k in np.flatnonzero(priced.feasible).tolist():
            u, j = trial_u[k], trial_job[k]
            with_u = self._with(
                trials[k], u, int(priced.pickup_after[k]), int(priced.dropoff_after[k])
            )
            if with_u is None:
                continue
            if others[k] < 0:
                known = best[j]
                best[j] = with_u if known is None or with_u.busy_s < known.busy_s else known
            else:
                again.append(with_u)
                again_e.append(others[k])
                again_job.append(j)
        if again:
            back = self._price(np.array(again_e, dtype=np.int64), np.arange(len(again)), again)
            for k in np.flatnonzero(back.feasible).tolist():
                e, j = again_e[k], again_job[k]
                both = self._with(
                    again[k], e, int(back.pickup_after[k]), int(back.dropoff_after[k])
                )
                known = best[j]
                if both is not None and (known is None or both.busy_s < known.busy_s):
                    best[j] = both
        return best

    def _improve(
        self, placed: npt.NDArray[np.bool_], e_own: IntArray, v_own: IntArray, c_own: IntArray
    ) -> int:
        """Ejection moves for errands left out; returns how many moves were made.

        For each open errand ``u`` (highest priority first) and each courier who
        could take it on its own route: put ``u`` in directly, or in place of one
        of the courier's errands of no higher priority, which then moves to its
        cheapest other courier if it can, else is dropped. The move with the best
        gain in the objective is made if the gain is positive. Two passes at most,
        each ending early after ``improve_patience`` errands in a row without a move.
        """
        weight = self.options.value_per_priority_s
        priority = self._facts.priority
        # Each errand's couriers, cheapest on their own routes first, at most improve_couriers.
        order = lex_order(v_own, c_own, e_own)
        kept = order[rank_in_runs(e_own[order]) < self.options.improve_couriers]
        couriers_of = Runs.of(e_own[kept], v_own[kept], len(self.errands))
        moves = 0
        for _ in range(2):
            before = moves
            open_errands = sorted(
                (e for e in couriers_of.filled() if not placed[e]), key=lambda e: (-priority[e], e)
            )
            idle = 0
            for u in open_errands[: self.options.improve_limit]:
                made = self._eject_for(u, placed, priority, weight, couriers_of)
                moves += made
                idle = 0 if made else idle + 1
                if idle >= self.options.improve_patience:
                    break
            if moves == before:
                break
        return moves

    def _eject_for(
        self,
        u: int,
        placed: npt.NDArray[np.bool_],
        priority: IntArray,
        weight: int,
        couriers_of: Runs,
    ) -> int:
        """Try the ejection moves for open errand ``u``; 1 if one was made, else 0.

        The routes tried are made in two batches (:meth:`_fit_many`): ``u`` on each
        courier, directly and in place of each errand; then each errand so replaced
        on its other couriers. The moves are then weighed in that order.
        """
        room = {v: self._room_of(v) for v in couriers_of[u]}
        first: list[tuple[int, CourierRoute]] = []
        direct: dict[int, int] = {}  # courier -> job
        swaps: list[tuple[int, int, int]] = []  # (courier, errand taken out, job)
        for v in couriers_of[u]:
            route = self.routes[v]
            if room[v] > 0:
                direct[v] = len(first)
                first.append((u, route))
            for e in route.task_indices:
                if priority[e] > priority[u]:
                    continue
                without = route.without(e, self._lookup)
                if without is not None:
                    swaps.append((v, e, len(first)))
                    first.append((u, without))
        fitted = self._fit_many(first)
        second: list[tuple[int, CourierRoute]] = []
        moves: dict[tuple[int, int], int] = {}  # (errand, courier) -> job
        for v, e, job in swaps:
            if fitted[job] is None:
                continue
            for w in couriers_of[e]:
                if w == v or (e, w) in moves:
                    continue
                if room.setdefault(w, self._room_of(w)) > 0:
                    moves[e, w] = len(second)
                    second.append((e, self.routes[w]))
        moved = self._fit_many(second)
        best_gain = 0
        best: tuple[dict[int, CourierRoute], int | None] | None = None
        swap_at = 0
        for v in couriers_of[u]:
            route = self.routes[v]
            if v in direct:
                with_u = fitted[direct[v]]
                if with_u is not None:
                    gain = weight * int(priority[u]) - (with_u.busy_s - route.busy_s)
                    if gain > best_gain:
                        best_gain, best = gain, ({v: with_u}, None)
            while swap_at < len(swaps) and swaps[swap_at][0] == v:
                _, e, job = swaps[swap_at]
                swap_at += 1
                in_place = fitted[job]
                if in_place is None:
                    continue
                gain = weight * int(priority[u] - priority[e]) - (in_place.busy_s - route.busy_s)
                change = {v: in_place}
                moved_to: int | None = None
                best_regain = 0
                for w in couriers_of[e]:
                    again = moved[moves[e, w]] if (e, w) in moves else None
                    if w == v or again is None:
                        continue
                    regain = weight * int(priority[e]) - (again.busy_s - self.routes[w].busy_s)
                    if moved_to is None or regain > best_regain:
                        moved_to, best_regain, change = w, regain, {v: in_place, w: again}
                if moved_to is not None:
                    gain += best_regain
                if gain > best_gain:
                    best_gain, best = gain, (change, None if moved_to is not None else e)
        if best is None:
            return 0
        change, dropped = best
        for v, route in change.items():
            self.routes[v] = route
        placed[u] = True
        if dropped is not None:
            placed[dropped] = False
        return 1

    def _plan(
        self,
        placed: npt.NDArray[np.bool_],
        progress: IntArray,
        lost_to_cap: npt.NDArray[np.bool_],
    ) -> Plan:
        routes = plan_routes([r for r in self.routes if len(r.refs) > 2])
        open_errands = [e for e in range(len(self.errands)) if not placed[e]]
        # Short of DETOUR: would some courier's own route take it if budgets did not count?
        short = [e for e in open_errands if progress[e] < _PROGRESS[int(InsertionReason.DETOUR)]]
        within_reach: set[int] = set()
        vehicles = [v for v, r in enumerate(self._own_routes) if r.courier.max_tasks != 0]
        loose_e, loose_v = self._plausible(short, vehicles, self._own_routes, budgets=False)
        if loose_e.size:
            free = self._price(loose_e, loose_v, self._own_routes, budgets=False)
            within_reach = set(loose_e[free.feasible].tolist())
            step = _progress(free.reason)
            np.maximum.at(
                progress, loose_e, np.minimum(step, _PROGRESS[int(InsertionReason.CAPACITY)])
            )
        unassigned = []
        for e in open_errands:
            reason, detail = self._reason(e, int(progress[e]), e in within_reach, lost_to_cap[e])
            unassigned.append(Unassigned(task_id=self.errands[e].id, reason=reason, detail=detail))
        penalty = self.options.value_per_priority_s * sum(
            self.errands[e].priority for e in open_errands
        )
        return Plan(
            routes=routes,
            unassigned=tuple(unassigned),
            objective=ObjectiveParts(
                distance_m=sum(r.distance_m for r in routes), fixed_cost=0, penalty=penalty
            ),
            status=SolveStatus.FEASIBLE,
            runtime_s=0.0,
        )

    def _reason(
        self, e: int, progress: int, within_reach: bool, lost_to_cap: bool
    ) -> tuple[UnassignedReason, str]:
        errand = self.errands[e]
        key = (errand.skills, errand.kind, self.problem.load_of(errand))
        if key not in self._reasons:
            self._reasons[key] = self._static_reason(errand)
        static = self._reasons[key]
        if static is not None:
            return static
        return self._dynamic_reason(progress, within_reach, lost_to_cap)

    def _static_reason(self, errand: Pairable) -> tuple[UnassignedReason, str] | None:
        """Reasons that depend only on the errand's needs and the couriers, not on routes."""
        couriers = self.problem.couriers
        if not couriers:
            return UnassignedReason.NO_COURIER, "the problem has no courier"
        skilled = [c for c in couriers if errand.skills <= c.skills]
        if not skilled:
            return UnassignedReason.SKILL, f"no courier has the skill(s) {sorted(errand.skills)}"
        taking = [c for c in skilled if c.takes(errand.kind)]
        if not taking:
            return (
                UnassignedReason.KIND,
                f"no courier with the skills takes {errand.kind!r} errands",
            )
        if all(c.max_tasks == 0 for c in taking):
            return UnassignedReason.TASK_CAP, "every courier who takes it has no errands left today"
        load = self.problem.load_of(errand)
        if all(any(x > cap for x, cap in zip(load, c.capacity, strict=True)) for c in taking):
            return UnassignedReason.CAPACITY, f"load {load} exceeds every courier's free capacity"
        return None

    def _dynamic_reason(
        self, progress: int, within_reach: bool, lost_to_cap: bool
    ) -> tuple[UnassignedReason, str]:
        """Reasons found by pricing on the routes."""
        if progress == _PROGRESS[int(InsertionReason.FEASIBLE)]:
            if lost_to_cap:
                return (
                    UnassignedReason.TASK_CAP,
                    "the couriers who could take it reached their caps with other errands",
                )
            return (
                UnassignedReason.COST,
                "lost to errands of higher value: the couriers who could take it spent their "
                "detour budget or schedule on them",
            )
        if progress == _PROGRESS[int(InsertionReason.DETOUR)]:
            return (
                UnassignedReason.DETOUR,
                "every courier who could take it would exceed its detour budget",
            )
        if within_reach:
            return (
                UnassignedReason.DETOUR,
                "couriers pass within reach in time, but only beyond their detour budgets",
            )
        if progress == _PROGRESS[int(InsertionReason.CAPACITY)]:
            return (
                UnassignedReason.CAPACITY,
                "every courier who passes in time is too full at that point of the route",
            )
        return UnassignedReason.TIME_WINDOW, "no courier passes within reach inside its windows"
