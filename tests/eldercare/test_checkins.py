"""Check-in outcomes and staff alerts: never silence for an elder due a check-in."""

from __future__ import annotations

import datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.eldercare.world import MONDAY, H, at, elder

from dispatch.eldercare import (
    AlertKind,
    CheckInOutcome,
    CheckInRecord,
    Elder,
    checkin_alerts,
)
from dispatch.errors import InvalidInputError, UnknownReferenceError

TUESDAY = MONDAY + datetime.timedelta(days=1)


@st.composite
def checkin_days(draw: st.DrawFn) -> tuple[list[Elder], list[CheckInRecord]]:
    """Elders (enrolled or not, on some days, various windows) and records on two days."""
    elders = []
    for k in range(draw(st.integers(1, 8))):
        opens = draw(st.integers(6, 12)) * H
        window = (opens, opens + draw(st.integers(1, 4)) * H)
        enrolled = draw(st.booleans())
        days = draw(st.frozensets(st.integers(0, 6), min_size=1))
        person = elder(f"e{k}", at(100 * k, 0), checkin=window if enrolled else None)
        if enrolled and person.checkin is not None:
            person = attrs.evolve(person, checkin=attrs.evolve(person.checkin, days=days))
        elders.append(person)
    records = [
        CheckInRecord(
            elder_id=draw(st.sampled_from([e.id for e in elders])),
            day=draw(st.sampled_from([MONDAY, TUESDAY])),
            at_s=draw(st.integers(5 * H, 20 * H)),
            outcome=draw(st.sampled_from(list(CheckInOutcome))),
            by="volunteer",
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    return elders, records


@given(checkin_days(), st.integers(0, 24 * H), st.sampled_from([0, 900, 1800]))
@pytest.mark.parametrize("day", [MONDAY, TUESDAY])
def test_no_enrolled_elder_is_left_in_silence(
    day: datetime.date,
    world: tuple[list[Elder], list[CheckInRecord]],
    now_s: int,
    grace_s: int,
) -> None:
    """Past window end + grace, each elder due a check-in is all well or alerted, never silent."""
    elders, records = world
    alerts = checkin_alerts(elders, records, day, now_s, grace_s=grace_s)
    alerted = {a.elder_id: a for a in alerts}
    assert len(alerted) == len(alerts)  # at most one alert per elder
    seen = [r for r in records if r.day == day and r.at_s <= now_s]
    for e in elders:
        mine = [r for r in seen if r.elder_id == e.id]
        # The latest outcome; of several at the same second, the one recorded last.
        latest = max(reversed(mine), key=lambda r: r.at_s, default=None)
        due = e.checkin is not None and e.checkin.on(day)
        if latest is not None and latest.outcome is not CheckInOutcome.ALL_WELL:
            # A failed visit alerts at once, with the elder's details and contact.
            assert alerted[e.id].kind.value == latest.outcome.value
            assert alerted[e.id].contact == e.contact and alerted[e.id].address == e.address
        elif due and latest is None and e.checkin is not None:
            deadline = e.checkin.window.latest_s + grace_s
            if now_s >= deadline:
                assert alerted[e.id].kind is AlertKind.MISSED
                assert alerted[e.id].due_s == deadline
            else:
                assert e.id not in alerted  # still time: no false alarm
        else:
            assert e.id not in alerted
        if due and e.checkin is not None and now_s >= e.checkin.window.latest_s + grace_s:
            # The property: an outcome of all well, or an alert. Never silence.
            all_well = latest is not None and latest.outcome is CheckInOutcome.ALL_WELL
            assert all_well or e.id in alerted


def test_latest_outcome_counts_and_needs_help_always_alerts() -> None:
    """A later all-well clears a no-answer; needs-help alerts even for an elder not enrolled."""
    enrolled = elder("a", at(0, 0), checkin=(8 * H, 10 * H))
    other = elder("b", at(50, 0))
    records = [
        CheckInRecord(elder_id="a", day=MONDAY, at_s=8 * H + 600, outcome="no_answer"),
        CheckInRecord(elder_id="b", day=MONDAY, at_s=9 * H, outcome="needs_help", note="fell"),
    ]
    early = checkin_alerts([enrolled, other], records, MONDAY, 9 * H)
    assert [(a.elder_id, a.kind) for a in early] == [
        ("a", AlertKind.NO_ANSWER), ("b", AlertKind.NEEDS_HELP)]  # fmt: skip
    assert "needs help (fell)" in early[1].message()
    records.append(CheckInRecord(elder_id="a", day=MONDAY, at_s=9 * H + 60, outcome="all_well"))
    later = checkin_alerts([enrolled, other], records, MONDAY, 12 * H)
    assert [(a.elder_id, a.kind) for a in later] == [("b", AlertKind.NEEDS_HELP)]


def test_alert_inputs_are_checked() -> None:
    """Records for unknown elders and bad times are errors, not silently skipped."""
    a = elder("a", at(0, 0), checkin=(8 * H, 10 * H))
    ghost = CheckInRecord(elder_id="ghost", day=MONDAY, at_s=0, outcome="all_well")
    with pytest.raises(UnknownReferenceError, match="unknown elder 'ghost'"):
        checkin_alerts([a], [ghost], MONDAY, 0)
    with pytest.raises(InvalidInputError, match="grace_s"):
        checkin_alerts([a], [], MONDAY, 0, grace_s=-1)
    with pytest.raises(InvalidInputError, match="now_s"):
        checkin_alerts([a], [], MONDAY, 1.5)  # type: ignore[arg-type]


def test_missed_alert_message_names_elder_contact_and_window() -> None:
    """A missed check-in's message gives the elder, the address, the window and whom to call."""
    a = elder("a", at(0, 0), checkin=(8 * H, 10 * H))
    (alert,) = checkin_alerts([a], [], MONDAY, 11 * H)
    text = alert.message()
    assert text.startswith("MISSED 2026-11-30 10:30: Grandma a (a), Bldg a, Hongqiao")
    assert "08:00-10:00" in text and "call Li a (son) 139 0000 0000" in text
