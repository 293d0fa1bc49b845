"""One busy morning through the public API, shared by the replay and logging tests."""

from __future__ import annotations

from tests.online.world import RESIDENTS, STAFF, contact, place, plan

from dispatch.online import Actor, Dispatcher, ManualClock

__all__ = ["busy_morning"]


def busy_morning(d: Dispatcher, clock: ManualClock) -> None:
    """Couriers come and go, residents order, staff pin and re-post, hazards, ticks."""
    c1, c2, c3 = (Actor.courier(f"c{k}") for k in (1, 2, 3))
    xinhua, r1, r2, r3 = STAFF["xinhua"], RESIDENTS["r1"], RESIDENTS["r2"], RESIDENTS["r3"]
    d.go_online(c1, plan("c1", 0, own=(6, 12)), category="volunteer")
    d.go_online(c2, plan("c2", 24, max_per_shift=2), category="parcel")
    tasks = []
    for k, (who, kind) in enumerate(
        [(r1, "groceries"), (r2, "medicine"), (r3, "water"), (r1, "water"), (r2, "groceries")]
    ):
        out = d.order(
            who, kind=kind, pickup=place(k), dropoff=place(20 - k), contact=contact(who.id)
        )
        assert out.task_id is not None
        tasks.append(out.task_id)
        clock.advance(30)
    for task in tasks[:3]:
        view = d.task_view(task, STAFF[d.state.tasks[task].community])
        offer = d.state.tasks[task].offer
        if offer is not None:
            d.accept(Actor.courier(offer.courier_id), task)
            d.task_view(task, Actor.courier(offer.courier_id))
        assert view.task_id == task
    d.go_online(c3, plan("c3", 12), category="food")
    clock.advance(400)
    d.tick()
    d.reoptimise()
    held = d.state.couriers["c1"].held
    if held:
        d.pick_up(c1, held[0])
    d.go_offline(c1)
    hazard = d.report_hazard(
        r1, location=place(18), kind="blocked_exit", note="bikes in stairwell", photo_ref="p-1"
    )
    visit = d.spawn_visit(xinhua, hazard.ticket_id or "")
    for entry in d.staff_queue(xinhua):
        if entry.kind in ("escalated", "declined_by_all") and entry.task_id is not None:
            d.pin(xinhua, entry.task_id, "c3")
        elif entry.kind == "alert":
            d.acknowledge(xinhua, entry.ref)
    for courier in ("c2", "c3"):
        for view in d.tasks_for(Actor.courier(courier)):
            if view.state.value == "offered":
                d.decline(Actor.courier(courier), view.task_id, "no time")
    clock.advance(7200)
    d.tick()
    d.close_ticket(xinhua, hazard.ticket_id or "", "cleared")
    assert visit.task_id is not None
