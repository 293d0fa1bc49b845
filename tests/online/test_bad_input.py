"""Bad input gets a clear typed error and changes nothing (a refusal is only recorded)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.online.world import RESIDENTS, STAFF, contact, make, place, plan

from dispatch import Location
from dispatch.errors import FormatError, InvalidInputError, UnknownReferenceError
from dispatch.online import (
    Actor,
    Dispatcher,
    InvalidTransitionError,
    PermissionDeniedError,
    ServiceMenu,
    TaskState,
    load_menus,
    menus_from_dict,
)

R1, R2, R3 = RESIDENTS["r1"], RESIDENTS["r2"], RESIDENTS["r3"]
XINHUA, TIANLIN = STAFF["xinhua"], STAFF["tianlin"]
C1, C2 = Actor.courier("c1"), Actor.courier("c2")


@pytest.fixture
def d() -> Iterator[Dispatcher]:
    """Two couriers online and one errand t1 ordered by r1 (offered to c1)."""
    dispatcher = make()
    dispatcher.go_online(C1, plan("c1", 0), category="volunteer")
    dispatcher.go_online(C2, plan("c2", 24), category="volunteer")
    dispatcher.order(R1, kind="groceries", pickup=place(1), dropoff=place(2), contact=contact("r1"))
    yield dispatcher


def unchanged(d: Dispatcher, call: Callable[[], Any], error: type[Exception], match: str) -> None:
    """``call`` raises ``error`` (message matching) and leaves state and store as they were."""
    before, seq = d.state.to_json(), d.store.last_seq()
    with pytest.raises(error, match=match):
        call()
    assert d.state.to_json() == before
    assert d.store.last_seq() == seq


def refused(d: Dispatcher, call: Callable[[], Any], match: str) -> None:
    """``call`` is refused: one ``command.rejected`` event is recorded, nothing else changes."""
    before, seq = d.state.to_json(), d.store.last_seq()
    with pytest.raises(PermissionDeniedError, match=match):
        call()
    assert d.store.last_seq() == seq + 1
    [event] = list(d.store.events(after_seq=seq))
    assert event.kind == "command.rejected"
    assert set(event.payload) == {"command", "actor", "reason"}
    after = d.state.to_json()
    assert after.pop("rejected") == before.pop("rejected") + 1
    for key in ("seq", "now_s"):  # the rejection is an event, at the command's time
        after.pop(key), before.pop(key)
    assert after == before


def test_unknown_ids_name_the_id(d: Dispatcher) -> None:
    """Unknown task, courier, ticket, alert, community and menu item: typed, named, no change."""
    unchanged(d, lambda: d.accept(C1, "t99"), UnknownReferenceError, "unknown task 't99'")
    unchanged(d, lambda: d.pin(XINHUA, "t1", "c9"), UnknownReferenceError, "unknown courier 'c9'")
    unchanged(d, lambda: d.spawn_visit(XINHUA, "h9"), UnknownReferenceError, "hazard ticket 'h9'")
    unchanged(d, lambda: d.acknowledge(XINHUA, "a9"), UnknownReferenceError, "alert 'a9'")
    unchanged(
        d, lambda: d.report_position(Actor.courier("c9"), place(0)), UnknownReferenceError, "c9"
    )
    unchanged(
        d,
        lambda: d.order(R1, kind="pizza", pickup=place(1), dropoff=place(2), contact=contact("r1")),
        UnknownReferenceError,
        "'pizza'",
    )
    unchanged(
        d,
        lambda: d.order(
            Actor.resident("r9", "nowhere"),
            kind="groceries",
            pickup=place(1),
            dropoff=place(2),
            contact=contact("r9"),
        ),
        UnknownReferenceError,
        "community 'nowhere'",
    )


def test_wrong_roles_are_refused_and_recorded(d: Dispatcher) -> None:
    """Each role acting outside its rights gets a PermissionDeniedError and an audit event."""
    refused(d, lambda: d.accept(C2, "t1"), "courier:c2 may not accept")
    refused(d, lambda: d.accept(R1, "t1"), "resident:r1 may not accept")
    refused(d, lambda: d.cancel(R2, "t1"), "did not order task 't1'")
    refused(d, lambda: d.cancel(TIANLIN, "t1"), "resident|did not order")
    refused(d, lambda: d.pin(C1, "t1", "c1"), "cannot act as staff")
    refused(d, lambda: d.pin(TIANLIN, "t1", "c1"), "do not manage 'xinhua'")
    refused(d, lambda: d.go_offline(C1, "c2"), "only courier 'c2'")
    refused(d, lambda: d.go_online(C1, plan("c2", 0)), "only courier 'c2'")
    refused(d, lambda: d.pick_up(C2, "t1"), "does not hold task 't1'")
    refused(d, lambda: d.task_view("t1", R2), "not allowed to see task 't1'")
    refused(d, lambda: d.task_view("t1", C2), "has no offer for")
    refused(d, lambda: d.staff_queue(R1), "cannot act as staff")
    refused(d, lambda: d.staff_queue(TIANLIN, "xinhua"), "do not manage")
    refused(
        d,
        lambda: d.order(
            R3,
            kind="groceries",
            pickup=place(1),
            dropoff=place(2),
            contact=contact("r3"),
            community="xinhua",
        ),
        "own community",
    )
    refused(
        d,
        lambda: d.order(
            R1,
            kind="groceries",
            pickup=place(1),
            dropoff=place(2),
            contact=contact("r1"),
            pin_to="c1",
        ),
        "only staff",
    )
    refused(
        d,
        lambda: d.report_hazard(R1, location=place(3), kind="fire", community="tianlin"),
        "own community",
    )
    assert d.state.rejected == 16


def test_a_refused_command_repeats_its_refusal(d: Dispatcher) -> None:
    """Retrying a refused command id raises the same error and records nothing more."""
    with pytest.raises(PermissionDeniedError):
        d.accept(C2, "t1", command_id="x-1")
    seq = d.store.last_seq()
    with pytest.raises(PermissionDeniedError, match="courier:c2 may not accept"):
        d.accept(C2, "t1", command_id="x-1")
    assert d.store.last_seq() == seq


def test_out_of_order_steps_are_invalid_transitions(d: Dispatcher) -> None:
    """Deliver before pick-up, pick-up before accept, accept twice: typed, named, no change."""
    d.accept(C1, "t1")
    unchanged(
        d,
        lambda: d.deliver(C1, "t1"),
        InvalidTransitionError,
        "cannot deliver a task that is accepted",
    )
    unchanged(
        d,
        lambda: d.accept(C1, "t1"),
        InvalidTransitionError,
        "cannot accept a task that is accepted",
    )
    unchanged(d, lambda: d.repost(XINHUA, "t1"), InvalidTransitionError, "cannot repost")
    d.pick_up(C1, "t1")
    unchanged(
        d,
        lambda: d.cancel(R1, "t1"),
        InvalidTransitionError,
        "cannot cancel a task that is picked_up",
    )
    unchanged(d, lambda: d.pin(XINHUA, "t1", "c2"), InvalidTransitionError, "cannot offer")
    d.deliver(C1, "t1")
    unchanged(d, lambda: d.deliver(C1, "t1"), InvalidTransitionError, "is delivered")
    unchanged(d, lambda: d.fail(C1, "t1", "x"), InvalidTransitionError, "cannot fail")
    with pytest.raises(InvalidTransitionError) as info:
        d.pick_up(C1, "t1")
    err = info.value
    assert (err.task_id, err.state, err.action) == ("t1", "delivered", "pick_up")


def test_duplicate_commands_return_the_original_outcome(d: Dispatcher) -> None:
    """A repeated command id returns the first outcome, even if the command would now fail."""
    first = d.accept(C1, "t1", command_id="accept-1")
    seq, before = d.store.last_seq(), d.state.to_json()
    again = d.accept(C1, "t1", command_id="accept-1")
    assert again.duplicate and not first.duplicate
    assert again.events == first.events
    assert d.store.last_seq() == seq and d.state.to_json() == before
    order = d.order(
        R1, kind="water", pickup=place(4), dropoff=place(5), contact=contact("r1"), command_id="o"
    )
    repeat = d.order(
        R1, kind="water", pickup=place(4), dropoff=place(5), contact=contact("r1"), command_id="o"
    )
    assert repeat.task_id == order.task_id == "t2" and len(d.state.tasks) == 2


def test_bad_values_name_the_field(d: Dispatcher) -> None:
    """Deadlines in the past, wrong types, a courier online twice or offline: named, no change."""
    unchanged(
        d,
        lambda: d.order(
            R1,
            kind="groceries",
            pickup=place(1),
            dropoff=place(2),
            contact=contact("r1"),
            deadline_s=0,
        ),
        InvalidInputError,
        "deadline_s",
    )
    unchanged(
        d,
        lambda: d.order(
            R1,
            kind="groceries",
            pickup=place(1),
            dropoff=place(2),
            contact="13900000000",  # type: ignore[arg-type]
        ),
        InvalidInputError,
        "contact",
    )
    unchanged(d, lambda: d.go_online(C1, plan("c1", 0)), InvalidInputError, "online already")
    unchanged(d, lambda: d.report_position(C1, (31.2, 121.4)), InvalidInputError, "position")  # type: ignore[arg-type]
    unchanged(d, lambda: d.accept(C1, "t1", command_id=" "), InvalidInputError, "command_id")
    d.go_offline(C2)
    unchanged(d, lambda: d.go_offline(C2), InvalidInputError, "offline already")
    unchanged(d, lambda: d.report_position(C2, place(0)), InvalidInputError, "is offline")
    unchanged(d, lambda: d.pin(XINHUA, "t1", "c2"), InvalidInputError, "is offline")
    unchanged(
        d,
        lambda: d.go_online(
            C2,
            plan("c2", 0).__class__(
                courier_id="c2", position=place(0), now_s=0, shift_end_s=9, capacity=[1, 1]
            ),
        ),
        InvalidInputError,
        "capacity",
    )


def test_malformed_menu_entries_name_the_entry_and_field() -> None:
    """Every malformed menu entry raises InvalidInputError naming community, kind and field."""
    cases: list[tuple[dict[str, Any], str]] = [
        ({"water": {"load": "heavy"}}, "menu 'x'.water.load"),
        ({"water": {"load": [1, -1]}}, "menu 'x'.water.load"),
        ({"water": {"deadline_s": -5}}, "menu 'x'.water.deadline_s"),
        ({"water": {"priority": 0}}, "menu 'x'.water.priority"),
        ({"water": {"priority": True}}, "menu 'x'.water.priority"),
        ({"water": {"pickup_service_s": 1.5}}, "menu 'x'.water.pickup_service_s"),
        ({"water": {"courier_kinds": "volunteer"}}, "menu 'x'.water.courier_kinds"),
        ({"water": {"courier_kinds": [""]}}, "menu 'x'.water.courier_kinds"),
        ({"water": {"colour": "blue"}}, "menu 'x'.water.colour"),
        ({"water": 3}, "menu 'x'.water"),
        ({" water": {}}, "menu 'x'. water.kind"),
    ]
    for entries, field in cases:
        with pytest.raises(InvalidInputError) as info:
            ServiceMenu.from_dict("x", entries)
        assert info.value.field == field, (entries, info.value)
    with pytest.raises(InvalidInputError, match="menus"):
        menus_from_dict(["x"])  # type: ignore[arg-type]


def test_menu_toml_errors_name_the_file_and_line(tmp_path: Path) -> None:
    """A broken TOML file is a FormatError with file and line; a bad entry names the field."""
    broken = tmp_path / "broken.toml"
    broken.write_text("[xinhua.water]\nload = = 2\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_menus(broken)
    assert info.value.source == str(broken) and info.value.line == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('[xinhua.water]\nload = 2\npriority = "high"\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"menu 'xinhua'\.water\.priority"):
        load_menus(bad)
    with pytest.raises(FormatError, match="cannot read"):
        load_menus(tmp_path / "missing.toml")


def test_menu_toml_round_trip(tmp_path: Path) -> None:
    """A TOML menu file loads into the same menus as the equivalent dict."""
    path = tmp_path / "menu.toml"
    path.write_text(
        "[xinhua.groceries]\nload = 1\ndeadline_s = 3600\n"
        '[xinhua.water]\nload = 2\ncourier_kinds = ["volunteer"]\nmax_ride_s = 1800\n'
        "[tianlin.medicine]\npriority = 2\n",
        encoding="utf-8",
    )
    expected = menus_from_dict(
        {
            "xinhua": {
                "groceries": {"load": 1, "deadline_s": 3600},
                "water": {"load": 2, "courier_kinds": ["volunteer"], "max_ride_s": 1800},
            },
            "tianlin": {"medicine": {"priority": 2}},
        }
    )
    assert load_menus(path) == expected


def test_actor_and_location_validation() -> None:
    """Actors need a known role and, for residents and staff, a community."""
    with pytest.raises(InvalidInputError, match=r"Actor\.role"):
        Actor("mayor", "m1")
    with pytest.raises(InvalidInputError, match=r"Actor\.community"):
        Actor("staff", "s1")
    with pytest.raises(InvalidInputError, match=r"Actor\.id"):
        Actor("courier", "")
    assert Location(node=1) != Location(node=2)


def test_a_task_that_cannot_be_offered_leaves_the_queue_consistent(d: Dispatcher) -> None:
    """After every refused or invalid command no task is left waiting in 'submitted'."""
    assert all(t.state is not TaskState.SUBMITTED for t in d.state.tasks.values())
