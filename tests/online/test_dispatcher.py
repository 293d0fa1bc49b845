"""Hand-made scenarios: offers, declines, expiry, escalation, pins, offline couriers, hazards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.online.world import (
    ADMIN,
    RESIDENTS,
    STAFF,
    START_S,
    TRAVEL,
    contact,
    make,
    place,
    plan,
    reopen,
)

from dispatch.online import (
    HAZARD_VISIT_KIND,
    Actor,
    CourierFullError,
    Dispatcher,
    DispatchOptions,
    InvalidTransitionError,
    ManualClock,
    TaskState,
)
from dispatch.store import ConcurrencyError, EventStore

R1 = RESIDENTS["r1"]
XINHUA = STAFF["xinhua"]
C1, C2, C3 = Actor.courier("c1"), Actor.courier("c2"), Actor.courier("c3")


def order(d: Dispatcher, kind: str = "groceries", who: Actor = R1, **kwargs: Any) -> str:
    """Order from place 1 to place 2; return the task id."""
    resident = kwargs.get("on_behalf_of", who.id)
    assert isinstance(resident, str)
    out = d.order(
        who, kind=kind, pickup=place(1), dropoff=place(2), contact=contact(resident), **kwargs
    )
    assert out.task_id is not None
    return out.task_id


def state_of(d: Dispatcher, task_id: str) -> TaskState:
    """The task's state."""
    return d.state.tasks[task_id].state


def offered_to(d: Dispatcher, task_id: str) -> str | None:
    """Who the task is offered to."""
    offer = d.state.tasks[task_id].offer
    return None if offer is None else offer.courier_id


def two_couriers(d: Dispatcher) -> None:
    """c1 close to the errand (place 0), c2 far (place 24)."""
    d.go_online(C1, plan("c1", 0), category="volunteer")
    d.go_online(C2, plan("c2", 24), category="food")


def test_order_is_offered_to_the_best_ranked_courier() -> None:
    """A new order goes at once to the courier the matcher ranks first (the nearer one)."""
    d = make()
    two_couriers(d)
    task = order(d)
    assert state_of(d, task) is TaskState.OFFERED
    assert offered_to(d, task) == "c1"
    offer = d.state.tasks[task].offer
    assert offer is not None and offer.basis == "matcher"
    assert offer.expires_s == START_S + d.options.offer_ttl_s


def test_decline_moves_the_offer_to_the_next_candidate_then_declined_by_all() -> None:
    """Each decline passes the task on; when nobody is left it is declined by all."""
    d = make()
    two_couriers(d)
    task = order(d)
    assert d.decline(C1, task, "busy").kinds == ("task.declined", "task.offered")
    assert offered_to(d, task) == "c2"
    assert d.decline(C2, task).kinds == ("task.declined", "task.declined_by_all")
    assert state_of(d, task) is TaskState.DECLINED_BY_ALL
    queue = d.staff_queue(XINHUA)
    assert [(e.kind, e.ref) for e in queue] == [("declined_by_all", task)]


def test_max_declines_escalates_with_the_reason() -> None:
    """After max_declines declines the task goes to the staff queue, with the count."""
    d = make(options=DispatchOptions(max_declines=1, reoptimise_every_s=None))
    two_couriers(d)
    task = order(d)
    assert d.decline(C1, task).kinds == ("task.declined", "task.escalated")
    record = d.state.tasks[task]
    assert record.state is TaskState.ESCALATED
    assert record.reason is not None and "1 times" in record.reason


def test_no_courier_online_escalates() -> None:
    """With nobody online the order is escalated at once, saying why."""
    d = make()
    task = order(d)
    record = d.state.tasks[task]
    assert record.state is TaskState.ESCALATED
    assert record.reason == "no online courier can take it in time"


def test_courier_categories_from_the_menu_are_respected() -> None:
    """Water may go to volunteers and parcel couriers only: the nearer food rider is skipped."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="food")
    d.go_online(C2, plan("c2", 12), category="volunteer")
    task = order(d, kind="water")
    assert offered_to(d, task) == "c2"


def test_offer_expiry_on_tick_counts_as_a_decline() -> None:
    """A tick after the offer's expiry passes the task on and never back to the silent courier."""
    clock = ManualClock(START_S)
    d = make(clock=clock)
    two_couriers(d)
    task = order(d)
    clock.advance(d.options.offer_ttl_s - 1)
    assert d.tick().kinds == ()
    clock.advance(1)
    assert d.tick().kinds == ("task.offer_expired", "task.offered")
    record = d.state.tasks[task]
    assert offered_to(d, task) == "c2"
    assert record.declined == {"c1"} and record.declines == 1


def test_deadline_near_escalates_and_deadline_passed_expires() -> None:
    """An offer not accepted near the deadline is withdrawn and escalated; later it expires."""
    clock = ManualClock(START_S)
    d = make(clock=clock, options=DispatchOptions(offer_ttl_s=3600, reoptimise_every_s=None))
    two_couriers(d)
    task = order(d, deadline_s=START_S + 1800)
    clock.advance(1800 - d.options.escalate_before_s)
    assert d.tick().kinds == ("task.offer_withdrawn", "task.escalated")
    assert state_of(d, task) is TaskState.ESCALATED
    clock.set(START_S + 1801)
    assert d.tick().kinds == ("task.expired",)
    assert state_of(d, task) is TaskState.EXPIRED
    assert d.staff_queue(XINHUA) == []


def test_tick_is_idempotent_by_command_id() -> None:
    """The same tick id twice changes the state once."""
    clock = ManualClock(START_S)
    d = make(clock=clock)
    two_couriers(d)
    order(d)
    clock.advance(d.options.offer_ttl_s)
    first = d.tick(command_id="tick-1")
    seq = d.store.last_seq()
    second = d.tick(command_id="tick-1")
    assert second.duplicate and second.events == first.events
    assert d.store.last_seq() == seq


def test_full_lifecycle_and_several_held_tasks() -> None:
    """A courier accepts two tasks, picks both up and delivers both; nothing stays held."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    first, second = order(d), order(d, kind="medicine")
    for task in (first, second):
        assert offered_to(d, task) == "c1"
        d.accept(C1, task)
    assert d.state.couriers["c1"].held == (first, second)
    for task in (first, second):
        d.pick_up(C1, task)
        d.deliver(C1, task)
        assert state_of(d, task) is TaskState.DELIVERED
    assert not d.state.couriers["c1"].held


def test_held_tasks_shape_the_next_offer() -> None:
    """A held task's stops are mandatory on its courier's route: the next offer prices on top."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    first = order(d)
    d.accept(C1, first)
    second = order(d)
    offer = d.state.tasks[second].offer
    assert offer is not None and offer.courier_id == "c1"
    assert offer.pickup_after in {"c1", f"{first}@pickup", f"{first}@dropoff"}


def test_accept_rechecks_the_errand_cap() -> None:
    """A courier at their cap cannot accept another task; the offer stays as it was."""
    d = make()
    d.go_online(C1, plan("c1", 0, max_per_shift=1), category="volunteer")
    first, second = order(d), order(d)
    d.accept(C1, first)
    seq = d.store.last_seq()
    assert offered_to(d, second) == "c1"  # offers do not reserve
    with pytest.raises(CourierFullError, match="errand cap"):
        d.accept(C1, second)
    assert d.store.last_seq() == seq and state_of(d, second) is TaskState.OFFERED


def test_accept_rechecks_the_free_capacity() -> None:
    """Water (load 2) does not fit a courier of capacity 3 who already holds 2."""
    d = make()
    d.go_online(C1, plan("c1", 0, capacity=3), category="volunteer")
    first = order(d, kind="water")
    d.accept(C1, first)
    second = order(d, kind="water")
    if offered_to(d, second) == "c1":
        with pytest.raises(CourierFullError, match="does not fit"):
            d.accept(C1, second)
    else:  # the matcher saw it would not fit and escalated it
        assert state_of(d, second) is TaskState.ESCALATED


def test_pin_is_a_direct_offer_and_a_refusal_goes_back_to_staff() -> None:
    """Staff pin an escalated task to a courier; their decline escalates it again."""
    d = make(options=DispatchOptions(max_declines=1, reoptimise_every_s=None))
    two_couriers(d)
    task = order(d)
    d.decline(C1, task)
    assert state_of(d, task) is TaskState.ESCALATED
    out = d.pin(XINHUA, task, "c2")
    assert out.kinds == ("task.reposted", "task.offered")
    offer = d.state.tasks[task].offer
    assert offer is not None and offer.pinned and offer.courier_id == "c2"
    assert d.decline(C2, task).kinds == ("task.declined", "task.escalated")
    assert "pinned courier" in (d.state.tasks[task].reason or "")


def test_staff_can_post_and_pin_on_behalf_of_a_resident() -> None:
    """A staff order on behalf of a resident is theirs to see and cancel; a pin skips ranking."""
    d = make()
    two_couriers(d)
    task = order(d, who=XINHUA, on_behalf_of="r1", pin_to="c2")
    assert offered_to(d, task) == "c2"
    assert d.state.tasks[task].offer.pinned  # type: ignore[union-attr]
    assert d.task_view(task, R1).phone == contact("r1").phone
    d.cancel(R1, task)
    assert state_of(d, task) is TaskState.CANCELLED


def test_repost_forgets_declines() -> None:
    """Re-posting a declined-by-all task offers it again to the couriers who declined."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    task = order(d)
    d.decline(C1, task)
    assert state_of(d, task) is TaskState.DECLINED_BY_ALL
    assert d.repost(XINHUA, task).kinds == ("task.reposted", "task.offered")
    assert offered_to(d, task) == "c1" and d.state.tasks[task].declines == 0


def test_going_offline_returns_unpicked_tasks_and_alerts_for_picked_ones() -> None:
    """Offline: offers withdrawn and re-offered, accepted tasks released, picked-up ones alert."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    picked, accepted, pending = order(d), order(d), order(d)
    for task in (picked, accepted):
        d.accept(C1, task)
    d.pick_up(C1, picked)
    d.go_online(C2, plan("c2", 24), category="volunteer")
    out = d.go_offline(C1)
    assert out.kinds == (
        "courier.offline",
        "alert.raised",
        "task.released",
        "task.offered",
        "task.offer_withdrawn",
        "task.offered",
    )
    assert state_of(d, picked) is TaskState.PICKED_UP
    assert d.state.tasks[picked].holder == "c1"
    for task in (accepted, pending):
        assert offered_to(d, task) == "c2"
    queue = d.staff_queue(XINHUA)
    assert [(e.kind, e.task_id) for e in queue] == [("alert", picked)]
    d.acknowledge(XINHUA, queue[0].ref)
    assert d.staff_queue(XINHUA) == []
    d.go_online(C1, plan("c1", 3), category="volunteer")  # back: still holds the picked task
    d.deliver(C1, picked)
    assert state_of(d, picked) is TaskState.DELIVERED


def test_failed_task_raises_an_alert() -> None:
    """A courier giving up on a held task fails it and alerts the staff."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    task = order(d)
    d.accept(C1, task)
    out = d.fail(C1, task, "shop closed")
    assert out.kinds == ("task.failed", "alert.raised") and out.alert_ids == ("a1",)
    assert d.state.couriers["c1"].held == ()


def test_hazard_ticket_is_tracked_to_closure() -> None:
    """A resident's hazard report opens a ticket; staff spawn a visit, it is done, then closed."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    d.go_online(C2, plan("c2", 24), category="volunteer")
    out = d.report_hazard(
        R1, location=place(23), kind="broken_railing", note="stairwell 3", photo_ref="img-17"
    )
    ticket = out.ticket_id
    assert ticket == "h1"
    assert [(e.kind, e.ref) for e in d.staff_queue(XINHUA)] == [("hazard", ticket)]
    visit = d.spawn_visit(XINHUA, ticket, service_s=120).task_id
    assert visit is not None
    record = d.state.tasks[visit]
    assert record.kind == HAZARD_VISIT_KIND and record.ticket_id == ticket
    assert offered_to(d, visit) == "c2"  # the smaller detour: c2 is nearer
    assert record.offer is not None and record.offer.basis == "matcher"
    assert d.state.tickets[ticket].visits == (visit,)
    d.accept(C2, visit)
    d.pick_up(C2, visit)
    d.deliver(C2, visit)
    d.close_ticket(XINHUA, ticket, "railing repaired")
    assert not d.state.tickets[ticket].is_open
    assert d.staff_queue(XINHUA) == []


def test_reoptimise_moves_offers_to_the_jointly_matched_couriers() -> None:
    """Two errands both offered to a courier with room for one: re-optimising moves one."""
    d = make()
    d.go_online(C1, plan("c1", 0, max_per_shift=1), category="volunteer")
    d.go_online(C2, plan("c2", 10), category="volunteer")
    first, second = order(d), order(d)
    assert offered_to(d, first) == offered_to(d, second) == "c1"
    out = d.reoptimise()
    assert out.kinds[-1] == "reoptimise.ran" and "task.offer_withdrawn" in out.kinds
    assert "c2" in {offered_to(d, first), offered_to(d, second)}
    moved = [e.payload["offer"] for e in out.events if e.kind == "task.offered"]
    assert moved and all(isinstance(m, dict) and m["basis"] == "reoptimise" for m in moved)
    assert out.events[-1].payload["moved"] == len(moved)


def test_reoptimise_never_moves_accepted_or_pinned_work() -> None:
    """Accepted tasks and pinned offers stay where they are."""
    d = make()
    d.go_online(C1, plan("c1", 0, max_per_shift=2), category="volunteer")
    d.go_online(C2, plan("c2", 10), category="volunteer")
    accepted, pinned = order(d), order(d, who=XINHUA, pin_to="c1")
    d.accept(C1, accepted)
    out = d.reoptimise()
    assert out.kinds == ("reoptimise.ran",)
    assert d.state.tasks[accepted].holder == "c1" and offered_to(d, pinned) == "c1"


def test_tick_reoptimises_on_its_cadence() -> None:
    """With reoptimise_every_s the tick re-optimises at the first tick and then every period."""
    clock = ManualClock(START_S)
    d = make(clock=clock, options=DispatchOptions(reoptimise_every_s=600))
    d.go_online(C1, plan("c1", 0), category="volunteer")
    assert d.tick().kinds == ("reoptimise.ran",)
    clock.advance(599)
    assert d.tick().kinds == ()
    clock.advance(1)
    assert d.tick().kinds == ("reoptimise.ran",)
    assert d.state.last_reoptimise_s == START_S + 600


def test_reoptimise_on_courier_change() -> None:
    """With the option on, a courier coming online takes over offers they fit better."""
    d = make(options=DispatchOptions(reoptimise_on_courier_change=True, reoptimise_every_s=None))
    d.go_online(C1, plan("c1", 0, max_per_shift=1), category="volunteer")
    first, second = order(d), order(d)
    out = d.go_online(C2, plan("c2", 10), category="volunteer")
    assert out.kinds[0] == "courier.online" and out.kinds[-1] == "reoptimise.ran"
    assert "c2" in {offered_to(d, first), offered_to(d, second)}
    assert reopen(d).state == d.state


def test_position_and_plan_updates_are_recorded() -> None:
    """Position reports and plan updates change the courier's plan, and replay the same."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    d.report_position(C1, place(7))
    assert d.state.couriers["c1"].plan.position == place(7)
    d.update_plan(C1, plan("c1", 8, own=(9, 14)))
    assert [s.id for s in d.state.couriers["c1"].plan.own_stops] == ["c1-own0", "c1-own1"]
    d.report_position(ADMIN, place(3), "c1")
    assert reopen(d).state == d.state


def test_system_clock_counts_from_its_origin() -> None:
    """SystemClock with an origin counts whole seconds since it."""
    import time

    from dispatch.online import SystemClock

    assert 99 <= SystemClock(origin=time.time() - 100).now_s() <= 101


def test_a_courier_behind_schedule_is_skipped() -> None:
    """A courier who can no longer reach an own stop in its window gets no new offers."""
    from dispatch import OwnStop, Stop
    from dispatch.incidental import CourierPlan

    clock = ManualClock(START_S)
    d = make(clock=clock)
    late = CourierPlan(
        courier_id="c1",
        position=place(0),
        now_s=START_S,
        shift_end_s=START_S + 8 * 3600,
        capacity=4,
        own_stops=[
            OwnStop(id="parcel", stop=Stop(location=place(24), windows=[(START_S, START_S + 2400)]))
        ],
    )
    d.go_online(C1, late, category="volunteer")
    d.go_online(C2, plan("c2", 12), category="volunteer")
    first = order(d)
    assert offered_to(d, first) == "c1"  # on time: the nearest
    clock.advance(2400)  # the parcel's window has closed before c1 can get there
    second = order(d)
    assert offered_to(d, second) == "c2"
    third = order(d)
    assert offered_to(d, third) == "c2"  # remembered: no second look at c1's late plan
    d.update_plan(C1, plan("c1", 0))  # a fresh plan: back in the running
    assert offered_to(d, order(d)) == "c1"


def test_a_second_writer_on_the_store_is_caught_up_with_and_the_command_decided_again() -> None:
    """A dispatcher whose append meets another writer's folds their events in and retries."""
    a = make()
    b = reopen(a)  # a second dispatcher on the same store, as a second process would be
    a.go_online(C1, plan("c1", 0))
    task = order(a)  # offered to c1 by a
    out = b.accept(C1, task)  # b has not seen the order: it catches up, then accepts
    assert out.kinds == ("task.accepted",)
    assert b.state.seq == a.store.last_seq() and b.state.tasks[task].courier_id == "c1"
    assert a.refresh() == 1 and a.state == b.state
    with pytest.raises(InvalidTransitionError):  # a, caught up, cannot accept it again
        a.accept(C1, task)


class RacingStore:
    """The same store, but another writer gets in just before the first append through it."""

    def __init__(self, store: EventStore, other_writer: Callable[[], object]) -> None:
        self._store = store
        self._other_writer: Callable[[], object] | None = other_writer

    def append(self, *args: Any, **kwargs: Any) -> Any:
        if self._other_writer is not None:
            writer, self._other_writer = self._other_writer, None
            writer()
        return self._store.append(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.mark.parametrize("retries", [0, 3])
def test_a_conflicting_append_is_retried_or_reaches_the_caller(retries: int) -> None:
    """Another writer between decision and append: re-decided, or raised with nothing written."""
    options = DispatchOptions(reoptimise_every_s=None, conflict_retries=retries)
    a = make(options=options)
    racing = RacingStore(a.store, lambda: a.go_online(C1, plan("c1", 0)))
    b = Dispatcher.open(
        racing,  # type: ignore[arg-type]
        travel=TRAVEL,
        menus=a.menus,
        clock=a.clock,
        options=options,
    )
    if retries == 0:
        with pytest.raises(ConcurrencyError):
            b.go_online(C2, plan("c2", 1))
        assert "c2" not in b.state.couriers and a.store.last_seq() == a.state.seq
    else:
        b.go_online(C2, plan("c2", 1))
        assert {"c1", "c2"} <= set(b.state.couriers)
        assert b.state.seq == a.store.last_seq()


def test_a_follow_up_visit_respects_the_couriers_detour_budgets() -> None:
    """The nearer courier has no detour left for the visit: it goes to the one who has."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    d.go_online(C2, plan("c2", 24, detour_budget_s=60), category="volunteer")
    ticket = d.report_hazard(R1, location=place(23), kind="broken_railing").ticket_id
    assert ticket is not None
    visit = d.spawn_visit(XINHUA, ticket, service_s=120).task_id
    assert visit is not None
    assert offered_to(d, visit) == "c1"
