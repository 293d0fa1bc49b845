"""The discrete-event simulation of a district day around the real online dispatcher.

:func:`simulate` plays one day of a :class:`DistrictScenario` through a
:class:`dispatch.online.Dispatcher` on a :class:`~dispatch.store.MemoryEventStore`
with a :class:`~dispatch.online.ManualClock`: every decision about the
errands (offers, re-offers, escalations, re-optimisation, expiries) is the
dispatcher's own, taken in its commands; the simulator only plays the people.

- **Residents** order from their community's menu when the scenario says;
  a few cancel later (if it can still be cancelled).
- **Couriers** go online with their plan when their shift starts, follow
  their route as the dispatcher sees it (own stops and held tasks in the
  order :func:`~dispatch.online._planner.merged_stops` gives), leave early
  enough for the next window, travel with noise, report their position every
  ``position_every_s`` while moving and at every stop, send their plan
  without each own stop served, pick up and deliver held tasks (nobody home
  now and then: failed), answer offers after a delay (accept, decline, or
  no answer), and go offline at the end of their shift once their route is
  done.
- **Staff** of each community look at their queue after a delay: re-post
  an escalated errand (once), acknowledge alerts, answer hazard tickets with
  a follow-up visit or close them, and close a ticket once its visit ends.
- The **clock** ticks every ``tick_every_s``; the dispatcher re-optimises on
  its own cadence inside its tick.
- The **meal round** is planned at dawn with :func:`dispatch.eldercare.plan_day`
  and ridden by its own fleet (:mod:`dispatch.simulate._meals`).
- At the end: a last tick, ratings by some residents, and the points
  ledger's :func:`~dispatch.points.award_pending` on the same store.

Same scenario, options and seed: the same event log, command by command
(command ids are numbered, every random draw comes from seeded streams).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np

from dispatch.eldercare import plan_day
from dispatch.errors import DispatchError
from dispatch.incidental import CourierPlan
from dispatch.model import Location, OwnStop, Visit
from dispatch.online import (
    Actor,
    CourierFullError,
    Dispatcher,
    DispatchState,
    ManualClock,
    Outcome,
    TaskState,
)
from dispatch.online._lifecycle import STAFF_QUEUE, TERMINAL
from dispatch.online._planner import Planner, merged_stops
from dispatch.points import LedgerEntry, award_pending, rate_task, read_history
from dispatch.simulate._audit import held_violations, offer_violations
from dispatch.simulate._kpis import IntervalKpis, Kpis, measure
from dispatch.simulate._meals import MealRound, ride_round, start_in
from dispatch.simulate._options import SimulationOptions
from dispatch.simulate._scenario import DistrictScenario
from dispatch.simulate._travel import Legs, Places
from dispatch.store import EventStore, MemoryEventStore
from dispatch.synthetic._args import check_real, check_seed

__all__ = ["SimulationProgress", "SimulationResult", "simulate"]

logger = logging.getLogger(__name__)

_CANCELLABLE = frozenset(
    {
        TaskState.SUBMITTED,
        TaskState.OFFERED,
        TaskState.ACCEPTED,
        TaskState.ESCALATED,
        TaskState.DECLINED_BY_ALL,
    }
)
_STARS = (5, 4, 3, 2, 1)
_STAR_P = (0.6, 0.25, 0.1, 0.03, 0.02)
_MIN_RESPONSE_S = 5


@attrs.frozen(kw_only=True)
class SimulationProgress:
    """How far a run is: simulated time, orders placed and errands delivered so far."""

    now_s: int
    start_s: int
    end_s: int
    orders: int
    delivered: int
    done: bool = False

    @property
    def fraction(self) -> float:
        """Share of the simulated time behind us (0 to 1)."""
        span = max(1, self.end_s - self.start_s)
        return min(1.0, max(0.0, (self.now_s - self.start_s) / span))


@attrs.frozen(kw_only=True, eq=False)
class SimulationResult:
    """A simulated day: its figures, the time series, and everything needed to look closer.

    Attributes
    ----------
    scenario, seed, start_s, end_s
        What was run (``seed`` drives the people's behaviour and the travel noise).
    kpis, intervals
        The day's figures and the per-interval time series.
    orders
        The task id of every errand the residents ordered, in order.
    final_states
        Task id -> state at the end, for every errand ordered (none is missing).
    violations
        What the audit found (only with ``SimulationOptions.audit``).
    errors
        Commands the dispatcher refused that the simulator did not expect
        (each line: time, command, error). Empty in a healthy run.
    commands
        Commands sent to the dispatcher.
    wall_s, meal_planning_s
        Wall-clock seconds of the whole run and of planning the meal round.
    store, state
        The event log (dispatcher and points ledger) and the dispatcher's final state.
    meals
        The meal round as ridden (None without one).
    points
        The ledger entries booked at the end.
    """

    scenario: str
    seed: int
    start_s: int
    end_s: int
    kpis: Kpis
    intervals: tuple[IntervalKpis, ...]
    orders: tuple[str, ...]
    final_states: Mapping[str, str]
    violations: tuple[str, ...]
    errors: tuple[str, ...]
    commands: int
    wall_s: float
    meal_planning_s: float
    store: EventStore
    state: DispatchState
    meals: MealRound | None
    points: tuple[LedgerEntry, ...]

    @property
    def open_tasks(self) -> tuple[tuple[str, str], ...]:
        """``(task id, state)`` of every errand not in a final state at the end."""
        final = {s.value for s in TERMINAL}
        return tuple((t, s) for t, s in self.final_states.items() if s not in final)

    def to_json(self) -> dict[str, Any]:
        """The run as plain JSON: figures, time series, open errands, audit, timings."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "kpis": self.kpis.as_dict(),
            "intervals": [row.as_dict() for row in self.intervals],
            "open_tasks": [{"task": t, "state": s} for t, s in self.open_tasks],
            "violations": list(self.violations),
            "errors": list(self.errors),
            "commands": self.commands,
            "events": self.kpis.events,
            "wall_s": round(self.wall_s, 2),
            "meal_planning_s": round(self.meal_planning_s, 2),
        }


@attrs.define(eq=False)
class _Agent:
    """A courier on their own round, as the simulator plays them."""

    id: str
    role: str
    plan: CourierPlan
    at: Location
    online: bool = False
    finished: bool = False
    busy: bool = False  # travelling to, or serving at, a stop: decides again when done
    leg: int = 0  # movements so far (position reports of an old one are dropped)
    wake: int = 0  # wake-ups set so far (only the latest counts)

    @property
    def actor(self) -> Actor:
        return Actor.courier(self.id)


class _Day:
    """One run: the event queue, the people, and the dispatcher they talk to."""

    def __init__(
        self,
        scenario: DistrictScenario,
        options: SimulationOptions,
        seed: int,
        end_s: int,
        progress: Callable[[SimulationProgress], None] | None,
    ) -> None:
        self.scenario = scenario
        self.options = options
        self.start_s = scenario.start_s
        self.end_s = end_s
        self.progress = progress
        self.now = self.start_s
        self.clock = ManualClock(self.start_s)
        self.store = MemoryEventStore()
        self.d = Dispatcher.open(
            self.store,
            travel=scenario.travel,
            menus=scenario.menus,
            clock=self.clock,
            options=options.dispatch,
        )
        rngs = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, 7]).spawn(6)]
        self.rng_travel, self.rng_answer, self.rng_people = rngs[0], rngs[1], rngs[2]
        self.rng_staff, self.rng_meals, self.rng_rate = rngs[3], rngs[4], rngs[5]
        self.legs = Legs(scenario.travel, self.rng_travel, noise=options.travel_noise)
        self.places = Places(scenario.graph)
        self.queue: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        self.serial = itertools.count()
        self.commands = 0
        self.agents = {
            p.courier_id: _Agent(p.courier_id, scenario.courier_roles[p.courier_id], p, p.position)
            for p in scenario.couriers
        }
        self.orders: list[str] = []
        self.answering: set[tuple[str, str, int]] = set()
        self.reposted: dict[str, int] = {}
        self.delivered = 0
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.auditor = Planner(scenario.travel, options.dispatch.match) if options.audit else None

    # ------------------------------------------------------------------ machinery

    def at(self, t_s: int, handler: Callable[..., None], *args: Any) -> None:
        """Run ``handler(*args)`` at ``t_s`` (events at one time run in the order set)."""
        heapq.heappush(self.queue, (t_s, next(self.serial), handler, args))

    def command(
        self,
        call: Callable[..., Outcome],
        *args: Any,
        expect: tuple[type[DispatchError], ...] = (),
        **kwargs: Any,
    ) -> Outcome | None:
        """Send one command at the current time; refusals other than ``expect`` are logged."""
        self.clock.set(self.now)
        self.commands += 1
        cid = f"sim-{self.commands:07d}"
        try:
            outcome = call(*args, command_id=cid, **kwargs)
        except expect:
            raise
        except DispatchError as err:
            self.errors.append(f"{self.now} {call.__name__}: {err}")
            logger.warning("simulated %s refused: %s", call.__name__, err)
            return None
        self.react(outcome)
        return outcome

    def react(self, outcome: Outcome) -> None:
        """Schedule what people do about the events of a command."""
        state = self.d.state
        offered: list[str] = []
        for event in outcome.events:
            p: Mapping[str, Any] = event.payload
            kind = event.kind
            if kind == "task.offered":
                offered.append(p["task"])
            elif kind in ("task.escalated", "task.declined_by_all"):
                self.at(self.now + self.options.staff_delay_s, self.staff_review, p["task"])
            elif kind == "alert.raised":
                self.at(self.now + self.options.staff_delay_s, self.staff_acknowledge, p["alert"])
            elif kind == "hazard.reported":
                self.at(self.now + self.options.staff_delay_s, self.staff_ticket, p["ticket"])
            elif kind == "task.delivered":
                self.delivered += state.tasks[p["task"]].ticket_id is None
            if kind in ("task.delivered", "task.expired", "task.cancelled", "task.failed"):
                ticket = state.tasks[p["task"]].ticket_id
                if ticket is not None:
                    self.at(self.now + self.options.staff_delay_s, self.staff_close, ticket)
        offered = list(dict.fromkeys(offered))  # a task offered twice in one command
        for task_id in offered:
            record = state.tasks[task_id]
            offer = record.offer
            if record.state is not TaskState.OFFERED or offer is None:
                continue
            key = (task_id, offer.courier_id, offer.made_s)
            if key in self.answering:
                continue
            self.answering.add(key)
            if self.rng_answer.random() < self.options.no_answer_p:
                continue  # the offer expires on a tick
            delay = _MIN_RESPONSE_S + int(
                self.rng_answer.exponential(self.options.response_delay_s)
            )
            self.at(self.now + delay, self.answer, *key)
        if self.auditor is not None:
            self.violations += held_violations(state)
            for task_id in offered:
                self.violations += offer_violations(
                    state, task_id, self.auditor, self.scenario.travel
                )

    def run(self) -> None:
        """Everything up to the end of the day, then the last tick."""
        for k, order in enumerate(self.scenario.orders):
            if self.start_s <= order.at_s < self.end_s:
                self.at(order.at_s, self.order, k)
        for k, hazard in enumerate(self.scenario.hazards):
            if self.start_s <= hazard.at_s < self.end_s:
                self.at(hazard.at_s, self.hazard, k)
        for agent in self.agents.values():
            if agent.plan.now_s < self.end_s:
                self.at(max(self.start_s, agent.plan.now_s), self.go_online, agent)
        self.at(self.start_s + self.options.tick_every_s, self.tick)
        while self.queue and self.queue[0][0] < self.end_s:
            t_s, _, handler, args = heapq.heappop(self.queue)
            self.now = t_s
            handler(*args)
        self.now = self.end_s
        self.command(self.d.tick)
        self.report(done=True)

    def report(self, *, done: bool = False) -> None:
        if self.progress is not None:
            self.progress(
                SimulationProgress(
                    now_s=self.now,
                    start_s=self.start_s,
                    end_s=self.end_s,
                    orders=len(self.orders),
                    delivered=self.delivered,
                    done=done,
                )
            )

    def tick(self) -> None:
        self.command(self.d.tick)
        self.report()
        self.at(self.now + self.options.tick_every_s, self.tick)

    # ------------------------------------------------------------------ residents

    def order(self, k: int) -> None:
        req = self.scenario.orders[k]
        actor = Actor.resident(req.resident_id, req.community)
        outcome = self.command(
            self.d.order,
            actor,
            kind=req.kind,
            pickup=req.pickup,
            dropoff=req.dropoff,
            contact=req.contact,
        )
        if outcome is None or outcome.task_id is None:
            return
        self.orders.append(outcome.task_id)
        if self.rng_people.random() < self.options.cancel_p:
            after = 60 + int(self.rng_people.exponential(self.options.cancel_after_s))
            self.at(self.now + after, self.cancel, outcome.task_id, actor)

    def cancel(self, task_id: str, actor: Actor) -> None:
        record = self.d.state.tasks[task_id]
        if record.state not in _CANCELLABLE:
            return
        holder = record.holder
        self.command(self.d.cancel, actor, task_id, "no longer needed")
        if holder is not None:
            self.wake(self.agents[holder])

    def hazard(self, k: int) -> None:
        report = self.scenario.hazards[k]
        reporter = self.nearest_courier(report.location) if report.by_courier else None
        if reporter is None:
            actor = Actor.resident(f"r{report.location.node}", report.community)
            where, community = report.location, report.community
        else:
            actor, where = reporter.actor, reporter.at
            community = self.scenario.community_of.get(where.node, report.community)
        self.command(
            self.d.report_hazard, actor, location=where, kind=report.kind, community=community
        )

    def nearest_courier(self, place: Location) -> _Agent | None:
        best: tuple[float, str] | None = None
        for agent in self.agents.values():
            if not agent.online:
                continue
            seconds = self.legs.planned_s(agent.at, place, agent.plan.profile)
            if best is None or (seconds, agent.id) < best:
                best = (seconds, agent.id)
        return None if best is None else self.agents[best[1]]

    # ------------------------------------------------------------------ staff

    def staff(self, community: str) -> Actor:
        return Actor.staff(f"staff-{community}", community)

    def staff_review(self, task_id: str) -> None:
        record = self.d.state.tasks[task_id]
        if record.state not in STAFF_QUEUE:
            return
        dispatch = self.options.dispatch
        room_s = dispatch.escalate_before_s + dispatch.offer_ttl_s
        if self.reposted.get(task_id, 0) >= self.options.staff_reposts:
            return
        if record.deadline_s - self.now <= room_s:
            return  # too late to find anyone: it expires at its deadline
        self.reposted[task_id] = self.reposted.get(task_id, 0) + 1
        self.command(self.d.repost, self.staff(record.community), task_id)

    def staff_acknowledge(self, alert_id: str) -> None:
        alert = self.d.state.alerts[alert_id]
        if alert.acknowledged_s is None:
            self.command(self.d.acknowledge, self.staff(alert.community), alert_id)

    def staff_ticket(self, ticket_id: str) -> None:
        ticket = self.d.state.tickets[ticket_id]
        if not ticket.is_open or ticket.visits:
            return
        staff = self.staff(ticket.community)
        if self.rng_staff.random() < self.options.visit_p:
            self.command(self.d.spawn_visit, staff, ticket_id)
        else:
            self.command(self.d.close_ticket, staff, ticket_id, "passed to the property manager")

    def staff_close(self, ticket_id: str) -> None:
        ticket = self.d.state.tickets[ticket_id]
        if not ticket.is_open:
            return
        done = any(self.d.state.tasks[v].state is TaskState.DELIVERED for v in ticket.visits)
        resolution = (
            "checked on site" if done else "no visit made; referred to the property manager"
        )
        self.command(self.d.close_ticket, self.staff(ticket.community), ticket_id, resolution)

    # ------------------------------------------------------------------ couriers

    def go_online(self, agent: _Agent) -> None:
        plan = agent.plan
        if plan.now_s < self.now:  # the day starts after their shift did
            plan = attrs.evolve(plan, now_s=min(self.now, plan.shift_end_s))
        agent.plan = plan
        if self.command(self.d.go_online, agent.actor, plan, category=agent.role) is None:
            agent.finished = True
            return
        agent.online = True
        self.step(agent)

    def answer(self, task_id: str, courier_id: str, made_s: int) -> None:
        record = self.d.state.tasks[task_id]
        offer = record.offer
        if (
            record.state is not TaskState.OFFERED
            or offer is None
            or offer.courier_id != courier_id
            or offer.made_s != made_s
        ):
            return  # withdrawn, moved or expired meanwhile
        agent = self.agents[courier_id]
        if self.rng_answer.random() >= self.options.accept_probability(agent.role):
            self.command(self.d.decline, agent.actor, task_id, "not now")
            return
        try:
            self.command(self.d.accept, agent.actor, task_id, expect=(CourierFullError,))
        except CourierFullError:
            self.command(self.d.decline, agent.actor, task_id, "no room left")
            return
        self.wake(agent)

    def wake(self, agent: _Agent) -> None:
        """The route changed: an idle courier decides again now."""
        if agent.online and not agent.busy:
            agent.wake += 1
            self.step(agent)

    def sleep(self, agent: _Agent, until_s: int) -> None:
        agent.wake += 1
        self.at(until_s, self.woken, agent, agent.wake)

    def woken(self, agent: _Agent, wake: int) -> None:
        if agent.wake == wake and agent.online and not agent.busy:
            self.step(agent)

    def route(self, agent: _Agent) -> list[OwnStop]:
        """The courier's remaining stops, in the dispatcher's order."""
        record = self.d.state.couriers[agent.id]
        held = [self.d.state.tasks[t] for t in record.held]
        return merged_stops(agent.id, record.plan.own_stops, held)

    def step(self, agent: _Agent) -> None:
        """Decide what to do next: travel to the next stop, wait, head home or sign off."""
        if not agent.online or agent.busy:
            return
        stops = self.route(agent)
        profile = agent.plan.profile
        if stops:
            nxt = stops[0]
            leg_s = self.legs.planned_s(agent.at, nxt.stop.location, profile)
            opens_s = start_in(nxt.stop, self.now + leg_s)
            if opens_s - leg_s > self.now:  # early: leave in time for the window
                self.sleep(agent, opens_s - leg_s)
                return
            self.travel(agent, nxt.stop.location, self.arrive, nxt.id)
            return
        end = agent.plan.end
        if end is not None and agent.at != end:
            self.travel(agent, end, self.arrive_end)
            return
        if self.now >= agent.plan.shift_end_s:
            self.command(self.d.go_offline, agent.actor)
            agent.online = False
            agent.finished = True
            return
        self.sleep(agent, agent.plan.shift_end_s)

    def travel(self, agent: _Agent, to: Location, then: Callable[..., None], *args: Any) -> None:
        planned_s = self.legs.planned_s(agent.at, to, agent.plan.profile)
        actual_s = self.legs.actual_s(planned_s)
        agent.busy = True
        agent.leg += 1
        every = self.options.position_every_s
        for k in range(1, (actual_s - 1) // every + 1 if actual_s > 0 else 1):
            self.at(self.now + k * every, self.moving, agent, agent.leg, agent.at, to,
                    k * every / actual_s)  # fmt: skip
        self.at(self.now + actual_s, then, agent, to, *args)

    def moving(
        self, agent: _Agent, leg: int, origin: Location, to: Location, fraction: float
    ) -> None:
        if agent.leg != leg or not agent.online:
            return
        here = self.places.between(origin, to, fraction)
        record = self.d.state.couriers[agent.id]
        if here is not None and here != record.plan.position:
            self.command(self.d.report_position, agent.actor, here)

    def arrived(self, agent: _Agent, place: Location) -> None:
        agent.at = place
        if self.d.state.couriers[agent.id].plan.position != place:
            self.command(self.d.report_position, agent.actor, place)

    def arrive_end(self, agent: _Agent, place: Location) -> None:
        self.arrived(agent, place)
        agent.busy = False
        self.step(agent)

    def arrive(self, agent: _Agent, place: Location, stop_id: str) -> None:
        self.arrived(agent, place)
        own = next((o for o in agent.plan.own_stops if o.id == stop_id), None)
        if own is not None:
            begin_s = start_in(own.stop, self.now)
            self.at(begin_s + own.stop.service_s, self.served_own, agent, stop_id)
            return
        task_id, _, role = stop_id.rpartition("@")
        if not self.still_mine(agent, task_id, role):
            agent.busy = False
            self.step(agent)
            return
        if role == "visit":
            self.command(self.d.pick_up, agent.actor, task_id)  # for a visit: arrived
        task = self.d.state.tasks[task_id].task
        if isinstance(task, Visit):
            stop = task.stop
        else:
            stop = task.pickup if role == "pickup" else task.dropoff
        begin_s = start_in(stop, self.now)
        self.at(begin_s + stop.service_s, self.served_task, agent, task_id, role)

    def still_mine(self, agent: _Agent, task_id: str, role: str) -> bool:
        record = self.d.state.tasks.get(task_id)
        if record is None or record.holder != agent.id:
            return False
        wanted = TaskState.PICKED_UP if role == "dropoff" else TaskState.ACCEPTED
        if role == "visit" and record.state is TaskState.PICKED_UP:
            return True
        return record.state is wanted

    def served_own(self, agent: _Agent, stop_id: str) -> None:
        plan = agent.plan
        agent.plan = attrs.evolve(
            plan,
            own_stops=[o for o in plan.own_stops if o.id != stop_id],
            position=agent.at,
            now_s=min(self.now, plan.shift_end_s),
        )
        self.command(self.d.update_plan, agent.actor, agent.plan)
        agent.busy = False
        self.step(agent)

    def served_task(self, agent: _Agent, task_id: str, role: str) -> None:
        if self.still_mine(agent, task_id, role):
            if role == "pickup":
                self.command(self.d.pick_up, agent.actor, task_id)
            elif role == "dropoff" and self.rng_people.random() < self.options.fail_p:
                self.command(self.d.fail, agent.actor, task_id, "nobody at home")
            else:
                self.command(self.d.deliver, agent.actor, task_id)
        agent.busy = False
        self.step(agent)

    # ------------------------------------------------------------------ the end of the day

    def rate_and_award(self) -> tuple[LedgerEntry, ...]:
        """Some residents rate their delivered errands; then the ledger books the points."""
        history = read_history(self.store)
        for task_id in self.orders:
            record = self.d.state.tasks[task_id]
            if record.state is not TaskState.DELIVERED:
                continue
            if self.rng_rate.random() >= self.options.rating_p:
                continue
            stars = int(self.rng_rate.choice(_STARS, p=_STAR_P))
            rate_task(
                self.store, record.origin, task_id, stars, recorded_s=self.end_s, history=history
            )
        summary = award_pending(self.store, self.options.points, recorded_s=self.end_s)
        return summary.entries


def simulate(
    scenario: DistrictScenario,
    options: SimulationOptions | None = None,
    *,
    hours: float | None = None,
    seed: int | None = None,
    progress: Callable[[SimulationProgress], None] | None = None,
) -> SimulationResult:
    """Play a day of ``scenario`` through the online dispatcher and measure it.

    Parameters
    ----------
    scenario
        A :func:`~dispatch.simulate.district_scenario`.
    options
        How people behave and what is measured (:class:`SimulationOptions`).
    hours
        Simulate this many hours from the start of the day (07:00); None =
        the whole day (to 21:00). Orders, hazards and shifts after the end do
        not happen; errands still open at the end are listed with their state.
    seed
        Seeds the behaviour and the travel noise; None = the scenario's seed.
    progress
        Called at every tick and once when done with a :class:`SimulationProgress`.

    Returns
    -------
    SimulationResult

    Raises
    ------
    InvalidInputError
        ``hours`` not in (0, 24], or a seed that is not an int >= 0.

    Examples
    --------
    >>> from dispatch.simulate import district_scenario
    >>> scenario = district_scenario(seed=1, scale=0.02)
    >>> result = simulate(scenario, SimulationOptions(meals=None), hours=2)
    >>> sorted(result.final_states) == sorted(result.orders), result.errors
    (True, ())
    >>> result.kpis.orders == len(result.orders)
    True
    """
    began = time.perf_counter()
    options = options or SimulationOptions()
    run_seed = scenario.seed if seed is None else check_seed(seed)
    if hours is not None:
        hours = check_real("hours", hours, low=0.0, high=24.0, low_open=True)
    end_s = scenario.end_s if hours is None else scenario.start_s + round(hours * 3600)
    day = _Day(scenario, options, run_seed, end_s, progress)
    meals: MealRound | None = None
    planning_s = 0.0
    if options.meals is not None:
        planned = time.perf_counter()
        elder = scenario.eldercare
        day_plan = plan_day(
            elder.day,
            kitchens=elder.kitchens,
            elders=elder.elders,
            couriers=elder.couriers,
            travel=scenario.travel,
            options=options.meals,
            courier_kitchen=elder.home_kitchen,
        )
        planning_s = time.perf_counter() - planned
        meals = ride_round(
            day_plan, Legs(scenario.travel, day.rng_meals, noise=options.travel_noise)
        )
    day.run()
    points = day.rate_and_award()
    kpis, intervals, finals = measure(
        day.store.events(),
        day.d.state,
        meals,
        points,
        start_s=scenario.start_s,
        end_s=end_s,
        interval_s=options.interval_s,
    )
    return SimulationResult(
        scenario=scenario.name,
        seed=run_seed,
        start_s=scenario.start_s,
        end_s=end_s,
        kpis=kpis,
        intervals=intervals,
        orders=tuple(day.orders),
        final_states=finals,
        violations=tuple(day.violations),
        errors=tuple(day.errors),
        commands=day.commands,
        wall_s=time.perf_counter() - began,
        meal_planning_s=planning_s,
        store=day.store,
        state=day.d.state,
        meals=meals,
        points=points,
    )
