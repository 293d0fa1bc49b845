"""Privacy: who sees the exact address and phone, and when; approximate offers; staff queues."""

from __future__ import annotations

import pytest
from tests.online.world import ADMIN, RESIDENTS, STAFF, contact, make, place, plan

from dispatch import Location
from dispatch.online import Actor, Dispatcher, PermissionDeniedError, approximate

R1, R2 = RESIDENTS["r1"], RESIDENTS["r2"]
C1, C2 = Actor.courier("c1"), Actor.courier("c2")
PERSONAL = contact("r1")


def ordered() -> Dispatcher:
    """One errand of r1's (to place 2) offered to c1; c2 online too."""
    d = make()
    d.go_online(C1, plan("c1", 0), category="volunteer")
    d.go_online(C2, plan("c2", 24), category="volunteer")
    d.order(R1, kind="groceries", pickup=place(1), dropoff=place(2), contact=PERSONAL)
    return d


def test_an_offer_shows_only_an_approximate_destination() -> None:
    """The offered courier sees the shop and a rounded destination, no address, phone or name."""
    d = ordered()
    view = d.task_view("t1", C1)
    assert view.pickup == place(1)
    assert not view.exact and view.destination == approximate(place(2))
    assert view.destination != place(2)
    assert (view.address, view.phone, view.name) == (None, None, None)
    assert view.offer_expires_s is not None


def test_the_holder_sees_address_and_phone_until_the_task_ends() -> None:
    """Accepted and picked up: exact place, address, phone (never the name); delivered: hidden."""
    d = ordered()
    d.accept(C1, "t1")
    for step in (None, d.pick_up):
        if step is not None:
            step(C1, "t1")
        view = d.task_view("t1", C1)
        assert view.exact and view.destination == place(2)
        assert (view.address, view.phone) == (PERSONAL.address, PERSONAL.phone)
        assert view.name is None
    d.deliver(C1, "t1")
    view = d.task_view("t1", C1)
    assert not view.exact and (view.address, view.phone) == (None, None)


def test_a_cancelled_task_hides_the_contact_from_its_former_holder() -> None:
    """Once the resident cancels, the courier who had accepted sees nothing personal."""
    d = ordered()
    d.accept(C1, "t1")
    d.cancel(R1, "t1", "changed my mind")
    view = d.task_view("t1", C1)
    assert (view.address, view.phone, view.exact) == (None, None, False)


def test_resident_staff_and_admin_views() -> None:
    """The resident sees their own request; staff of the community and admins see everything."""
    d = ordered()
    for actor in (R1, STAFF["xinhua"], ADMIN):
        view = d.task_view("t1", actor)
        assert view.exact and view.name == PERSONAL.name and view.phone == PERSONAL.phone
    for actor in (R2, STAFF["tianlin"], C2):
        with pytest.raises(PermissionDeniedError):
            d.task_view("t1", actor)
    assert d.state.rejected == 3


def test_tasks_for_lists_what_concerns_each_actor() -> None:
    """Residents see their requests, couriers their offers and tasks, staff their community."""
    d = ordered()
    assert [v.task_id for v in d.tasks_for(R1)] == ["t1"]
    assert d.tasks_for(R2) == []
    assert [v.task_id for v in d.tasks_for(C1)] == ["t1"]
    assert d.tasks_for(C2) == []
    assert [v.task_id for v in d.tasks_for(STAFF["xinhua"])] == ["t1"]
    assert d.tasks_for(STAFF["tianlin"]) == []
    assert d.tasks_for(C1)[0].phone is None


def test_staff_queue_is_per_community() -> None:
    """Staff see their own queue; an admin sees any one or all of them."""
    d = make()
    d.order(R1, kind="groceries", pickup=place(1), dropoff=place(2), contact=PERSONAL)
    d.report_hazard(RESIDENTS["r3"], location=place(5), kind="fire_door")
    assert [e.kind for e in d.staff_queue(STAFF["xinhua"])] == ["escalated"]
    assert [e.kind for e in d.staff_queue(STAFF["tianlin"])] == ["hazard"]
    assert len(d.staff_queue(ADMIN)) == 2
    assert [e.kind for e in d.staff_queue(ADMIN, "tianlin")] == ["hazard"]


def test_approximate_locations() -> None:
    """Coordinates snap to the 0.005 degree grid (within ~400 m); node-only places give None."""
    here = Location(lat=31.23456, lon=121.47321)
    near = approximate(here)
    assert near == Location(lat=31.235, lon=121.475)
    assert approximate(Location(lat=31.2, lon=121.4, node=5)) == Location(lat=31.2, lon=121.4)
    assert approximate(Location(node=5)) is None
