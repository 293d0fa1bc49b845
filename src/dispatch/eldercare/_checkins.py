"""Daily check-ins (窗帘行动): record outcomes, and alert staff when one fails or is missing.

Pure functions over data. :func:`checkin_alerts` evaluates, at a given time
of a given date, every elder due a check-in: a visit that found no answer
or an elder who needs help raises an alert at once; a check-in with no
outcome raises one when its window has closed and the grace period has
passed. An elder's latest outcome counts (a second visit that finds all
well clears an earlier "no answer"). A "needs help" outcome alerts even for
an elder not due a check-in that day: safety first.

So, once every window plus grace has passed, every elder due a check-in
has either an "all well" outcome or an alert: never silence.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable

import attrs

from dispatch.eldercare._assign import clock
from dispatch.eldercare._checks import instance_of, text
from dispatch.eldercare._elder import Contact, Elder
from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model import TimeWindow
from dispatch.model._checks import identifier, non_negative_int

__all__ = [
    "DEFAULT_GRACE_S",
    "AlertKind",
    "CheckInAlert",
    "CheckInOutcome",
    "CheckInRecord",
    "checkin_alerts",
]

DEFAULT_GRACE_S = 1800
"""How long after a check-in window closes a missing outcome becomes an alert (30 min)."""


class CheckInOutcome(enum.Enum):
    """What the visitor found."""

    ALL_WELL = "all_well"
    NO_ANSWER = "no_answer"
    NEEDS_HELP = "needs_help"


class AlertKind(enum.Enum):
    """Why staff are alerted."""

    NO_ANSWER = "no_answer"
    """The visitor got no answer."""
    NEEDS_HELP = "needs_help"
    """The elder needs help."""
    MISSED = "missed"
    """No outcome was recorded by the window's end plus the grace period."""


def _to_outcome(value: CheckInOutcome | str) -> CheckInOutcome:
    try:
        return value if isinstance(value, CheckInOutcome) else CheckInOutcome(value)
    except ValueError:
        choices = ", ".join(o.value for o in CheckInOutcome)
        raise InvalidInputError(
            "CheckInRecord.outcome", f"{value!r} is not one of {choices}"
        ) from None


@attrs.frozen(kw_only=True)
class CheckInRecord:
    """The outcome of one check-in visit.

    Examples
    --------
    >>> r = CheckInRecord(elder_id="e1", day=datetime.date(2026, 12, 1), at_s=30000,
    ...                   outcome="no_answer", by="volunteer-007")
    >>> r.outcome
    <CheckInOutcome.NO_ANSWER: 'no_answer'>
    >>> CheckInRecord(elder_id="e1", day=datetime.date(2026, 12, 1), at_s=-1, outcome="all_well")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: CheckInRecord.at_s: must be >= 0, got -1
    """

    elder_id: str = attrs.field(validator=identifier)
    day: datetime.date = attrs.field(validator=instance_of(datetime.date))
    at_s: int = attrs.field(validator=non_negative_int)
    outcome: CheckInOutcome = attrs.field(converter=_to_outcome)
    by: str = attrs.field(default="", validator=text)
    note: str = attrs.field(default="", validator=text)


@attrs.frozen(kw_only=True)
class CheckInAlert:
    """An alert for community staff, with what they need to act on it.

    ``due_s`` is when the alert arose: the time of the failed visit, or the
    window's end plus the grace period for a missed check-in.
    """

    kind: AlertKind
    day: datetime.date
    due_s: int
    elder_id: str
    elder_name: str
    address: str
    community: str
    contact: Contact | None
    window: TimeWindow | None
    record: CheckInRecord | None

    def message(self) -> str:
        """One line for a staff dashboard or a text message.

        >>> alert = CheckInAlert(kind=AlertKind.MISSED, day=datetime.date(2026, 12, 1),
        ...     due_s=37800, elder_id="e1", elder_name="Grandma Li", address="Bldg 7, 302",
        ...     community="Hongqiao", contact=Contact(name="Li Ming", phone="139", relation="son"),
        ...     window=TimeWindow(28800, 36000), record=None)
        >>> alert.message()
        'MISSED 2026-12-01 10:30: Grandma Li (e1), Bldg 7, 302, Hongqiao; no check-in recorded \
in 08:00-10:00; call Li Ming (son) 139'
        """
        what = {
            AlertKind.MISSED: "no check-in recorded"
            + (
                f" in {clock(self.window.earliest_s)}-{clock(self.window.latest_s)}"
                if self.window is not None
                else ""
            ),
            AlertKind.NO_ANSWER: "no answer at the door",
            AlertKind.NEEDS_HELP: "needs help",
        }[self.kind]
        if self.record is not None and self.record.note:
            what += f" ({self.record.note})"
        call = "no contact on file"
        if self.contact is not None:
            who = self.contact.name + (
                f" ({self.contact.relation})" if self.contact.relation else ""
            )
            call = f"call {who} {self.contact.phone}"
        where = ", ".join(p for p in (self.address, self.community) if p)
        return (
            f"{self.kind.name} {self.day.isoformat()} {clock(self.due_s)}: "
            f"{self.elder_name} ({self.elder_id}), {where}; {what}; {call}"
        )


def _alert(
    kind: AlertKind, elder: Elder, day: datetime.date, due_s: int, record: CheckInRecord | None
) -> CheckInAlert:
    return CheckInAlert(
        kind=kind,
        day=day,
        due_s=due_s,
        elder_id=elder.id,
        elder_name=elder.name,
        address=elder.address,
        community=elder.community,
        contact=elder.contact,
        window=None if elder.checkin is None else elder.checkin.window,
        record=record,
    )


def checkin_alerts(
    elders: Iterable[Elder],
    records: Iterable[CheckInRecord],
    day: datetime.date,
    now_s: int,
    *,
    grace_s: int = DEFAULT_GRACE_S,
) -> tuple[CheckInAlert, ...]:
    """The alerts standing for ``day`` at time ``now_s`` (seconds from that midnight).

    Parameters
    ----------
    elders
        Everyone in the programme.
    records
        Check-in outcomes (any dates; only ``day``'s, recorded at or before
        ``now_s``, count).
    day, now_s
        When the alerts are evaluated.
    grace_s
        A check-in without an outcome is missed at its window's end plus this.

    Returns
    -------
    tuple of CheckInAlert
        In the order of ``elders``: for each elder whose latest outcome is
        "no answer" or "needs help", and for each elder due a check-in
        without an outcome once the window's end plus ``grace_s`` has passed.

    Raises
    ------
    UnknownReferenceError
        A record names an elder not in ``elders``.

    Examples
    --------
    >>> from dispatch.eldercare import CheckInEnrolment
    >>> from dispatch.model import Location
    >>> day = datetime.date(2026, 12, 1)
    >>> enrolled = CheckInEnrolment(window=(28800, 36000))
    >>> elders = [Elder(id=i, name=i, home=Location(node=i), community="c", checkin=enrolled)
    ...           for i in ("a", "b", "c")]
    >>> records = [CheckInRecord(elder_id="a", day=day, at_s=30000, outcome="all_well"),
    ...            CheckInRecord(elder_id="b", day=day, at_s=31000, outcome="no_answer")]
    >>> [(a.elder_id, a.kind.value) for a in checkin_alerts(elders, records, day, 32000)]
    [('b', 'no_answer')]
    >>> [(a.elder_id, a.kind.value, a.due_s) for a in checkin_alerts(elders, records, day, 37800)]
    [('b', 'no_answer', 31000), ('c', 'missed', 37800)]
    """
    if isinstance(grace_s, bool) or not isinstance(grace_s, int) or grace_s < 0:
        raise InvalidInputError("grace_s", f"must be an int >= 0, got {grace_s!r}")
    if isinstance(now_s, bool) or not isinstance(now_s, int):
        raise InvalidInputError("now_s", f"must be an int, got {now_s!r}")
    everyone = list(elders)
    known = {e.id for e in everyone}
    latest: dict[str, CheckInRecord] = {}
    for entry in records:
        if entry.elder_id not in known:
            raise UnknownReferenceError("elder", entry.elder_id)
        if entry.day != day or entry.at_s > now_s:
            continue
        previous = latest.get(entry.elder_id)
        if previous is None or entry.at_s >= previous.at_s:
            latest[entry.elder_id] = entry
    alerts: list[CheckInAlert] = []
    for elder in everyone:
        record = latest.get(elder.id)
        if record is not None and record.outcome is not CheckInOutcome.ALL_WELL:
            kind = AlertKind(record.outcome.value)
            alerts.append(_alert(kind, elder, day, record.at_s, record))
            continue
        if elder.checkin is None or not elder.checkin.on(day) or record is not None:
            continue
        deadline_s = elder.checkin.window.latest_s + grace_s
        if now_s >= deadline_s:
            alerts.append(_alert(AlertKind.MISSED, elder, day, deadline_s, None))
    return tuple(alerts)
