"""The elder-care model: construction checks that name the field and id at fault."""

from __future__ import annotations

import datetime

import pytest

from dispatch import Location, SolveOptions, TimeWindow
from dispatch.eldercare import (
    CheckInEnrolment,
    CheckInRecord,
    Contact,
    DayOptions,
    Elder,
    Kitchen,
    Slot,
    SlotService,
    Subscription,
)
from dispatch.errors import InvalidInputError

LUNCH = {"lunch": (39600, 45000)}


def make_kitchen(**changes: object) -> Kitchen:
    """A valid kitchen with ``changes`` applied."""
    fields: dict[str, object] = {
        "id": "k1",
        "kind": "canteen",
        "location": Location(node=1),
        "opening": [(36000, 50400)],
        "services": {"lunch": (50, 39600)},
        "diets": ["soft"],
    }
    fields.update(changes)
    return Kitchen(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"kind": "restaurant"}, "Kitchen.kind", "not one of canteen, partner"),
        ({"id": " k1"}, "Kitchen.id", "trimmed"),
        ({"opening": []}, "Kitchen.opening (id 'k1')", "at least one window"),
        ({"opening": [(0, 100), (50, 200)]}, "Kitchen.opening (id 'k1')", "overlap"),
        ({"services": {"lunch": (50, 60000)}},
         "Kitchen.services[lunch].ready_s (id 'k1')", "after"),
        ({"services": [SlotService(slot="lunch", meals=1, ready_s=39600)] * 2},
         "Kitchen.services (id 'k1')", "repeats"),
        ({"services": ["lunch"]}, "Kitchen.services (id 'k1')", "expected SlotService"),
        ({"diets": ["soft", " low_salt"]}, "Kitchen.diets (id 'k1')", "trimmed"),
        ({"handover_s": -1}, "Kitchen.handover_s (id 'k1')", ">= 0"),
        ({"location": (31.2, 121.4)}, "Kitchen.location (id 'k1')", "expected Location"),
        ({"name": 7}, "Kitchen.name (id 'k1')", "string"),
    ],
)  # fmt: skip
def test_kitchen_errors_name_the_field_and_id(
    changes: dict[str, object], field: str, words: str
) -> None:
    """Each bad kitchen field raises InvalidInputError naming Kitchen.<field> and the id."""
    with pytest.raises(InvalidInputError) as caught:
        make_kitchen(**changes)
    assert caught.value.field == field
    assert words in caught.value.message


def test_slot_service_and_slot_names_are_checked() -> None:
    """Negative meals and unknown slot names are rejected with the field named."""
    with pytest.raises(InvalidInputError, match=r"SlotService\.ready_s: must be >= 0"):
        SlotService(slot="dinner", meals=1, ready_s=-5)
    with pytest.raises(InvalidInputError, match="'supper' is not one of lunch, dinner"):
        SlotService(slot="supper", meals=1, ready_s=0)


def test_kitchen_sorts_services_and_answers_questions() -> None:
    """Services are kept lunch first; service(), cooks() and label answer from the data."""
    k = make_kitchen(
        services={"dinner": (5, 61200), Slot.LUNCH: (9, 39600)},
        opening=[(36000, 50400), (57600, 72000)],
        name="",
    )
    assert [s.slot for s in k.services] == [Slot.LUNCH, Slot.DINNER]
    assert k.service("dinner") == SlotService(slot="dinner", meals=5, ready_s=61200)
    assert k.cooks([]) and k.cooks("soft") and not k.cooks({"soft", "halal"})
    assert k.label == "k1"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"days": []}, "Subscription.days", "at least one day"),
        ({"days": ["someday"]}, "days", "weekday numbers"),
        ({"days": [7]}, "days", "weekday numbers"),
        ({"meals": {}}, "Subscription.meals", "at least one slot"),
        ({"meals": {"brunch": (0, 1)}}, "slot", "not one of"),
        ({"meals": {"lunch": (500, 100)}}, "TimeWindow", "must be <="),
        ({"diets": [""]}, "Subscription.diets", "trimmed"),
        ({"handover_s": 1.5}, "Subscription.handover_s", "int"),
    ],
)
def test_subscription_errors_name_the_field(
    changes: dict[str, object], field: str, words: str
) -> None:
    """Each bad subscription field raises InvalidInputError naming it."""
    fields: dict[str, object] = {"days": range(7), "meals": LUNCH}
    fields.update(changes)
    with pytest.raises(InvalidInputError) as caught:
        Subscription(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in caught.value.message


def test_subscription_days_by_name_and_slots_on_a_date() -> None:
    """Day names and numbers mix; slots_on gives the slots of that weekday only."""
    sub = Subscription(days=["Mon", 2, "friday"], meals={"dinner": (61200, 64800), **LUNCH})
    assert sub.days == frozenset({0, 2, 4})
    assert sub.slots == (Slot.LUNCH, Slot.DINNER)
    assert sub.slots_on(datetime.date(2026, 12, 2)) == (Slot.LUNCH, Slot.DINNER)  # Wednesday
    assert sub.slots_on(datetime.date(2026, 12, 3)) == ()  # Thursday
    assert sub.window("dinner") == TimeWindow(61200, 64800)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": ""}, "Elder.id"),
        ({"name": "  "}, "Elder.name (id 'e1')"),
        ({"name": None}, "Elder.name (id 'e1')"),
        ({"home": "Bldg 7"}, "Elder.home (id 'e1')"),
        ({"community": 3}, "Elder.community (id 'e1')"),
        ({"note": b"bytes"}, "Elder.note (id 'e1')"),
        ({"subscription": LUNCH}, "Elder.subscription (id 'e1')"),
        ({"checkin": (28800, 36000)}, "Elder.checkin (id 'e1')"),
        ({"contact": "139"}, "Elder.contact (id 'e1')"),
    ],
)
def test_elder_errors_name_the_field_and_id(changes: dict[str, object], field: str) -> None:
    """Each bad elder field raises InvalidInputError naming Elder.<field> and the id."""
    fields: dict[str, object] = {
        "id": "e1",
        "name": "Grandma Li",
        "home": Location(node=4),
        "community": "Hongqiao",
    }
    fields.update(changes)
    with pytest.raises(InvalidInputError) as caught:
        Elder(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_enrolment_contact_and_record_checks() -> None:
    """Check-in enrolment, contact and record fields are checked and named."""
    with pytest.raises(InvalidInputError, match=r"CheckInEnrolment\.service_s: must be >= 0"):
        CheckInEnrolment(window=(28800, 36000), service_s=-1)
    with pytest.raises(InvalidInputError, match=r"CheckInEnrolment\.days: needs at least one"):
        CheckInEnrolment(window=(28800, 36000), days=[])
    with pytest.raises(InvalidInputError, match=r"Contact\.phone: must be a string"):
        Contact(name="Li", phone=13900000000)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"CheckInRecord\.outcome: 'fine' is not one of"):
        CheckInRecord(elder_id="e1", day=datetime.date(2026, 12, 1), at_s=0, outcome="fine")
    with pytest.raises(InvalidInputError, match=r"CheckInRecord\.day: expected date"):
        CheckInRecord(elder_id="e1", day="2026-12-01", at_s=0, outcome="all_well")  # type: ignore[arg-type]


def test_day_options_checks() -> None:
    """Bad day options are rejected naming the option."""
    with pytest.raises(InvalidInputError, match=r"DayOptions\.late_tolerance_s: must be >= 0"):
        DayOptions(late_tolerance_s=-1)
    with pytest.raises(InvalidInputError, match=r"DayOptions\.profile: 'scooter' is not one of"):
        DayOptions(profile="scooter")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"DayOptions\.routing_time_s: must be > 0"):
        DayOptions(routing_time_s=0)
    with pytest.raises(InvalidInputError, match=r"DayOptions\.solve"):
        DayOptions(solve={"time_limit_s": 1})  # type: ignore[arg-type]
    assert DayOptions(checkin_skills="check-in", solve=SolveOptions(time_limit_s=1)).checkin_skills
