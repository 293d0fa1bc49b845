"""Elders in the programme: where they live, what they subscribe to, who to call.

An :class:`Elder` may have a meal :class:`Subscription` (days of the week,
lunch and/or dinner with a preferred delivery window each, diet needs, eats
in or at home) and a :class:`CheckInEnrolment` (窗帘行动: someone passing
checks every day, inside a window, that all is well). Staff alerts name the
elder's :class:`Contact`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from dispatch.eldercare._checks import check_diets, instance_of, optional_instance_of, text
from dispatch.eldercare._kitchen import Slot, to_diets, to_slot
from dispatch.errors import InvalidInputError
from dispatch.model import Location, TimeWindow
from dispatch.model._checks import identifier, non_negative_int

__all__ = ["EVERY_DAY", "WEEKDAYS", "CheckInEnrolment", "Contact", "Elder", "Subscription"]

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

EVERY_DAY = frozenset(range(7))
"""Monday (0) to Sunday (6), as :meth:`datetime.date.weekday` numbers them."""

WEEKDAYS = frozenset(range(5))
"""Monday to Friday."""


def _to_days(value: Iterable[int | str] | str) -> frozenset[int]:
    items = [value] if isinstance(value, str) else list(value)
    out: set[int] = set()
    for item in items:
        if isinstance(item, str) and item.lower()[:3] in _DAY_NAMES:
            out.add(_DAY_NAMES.index(item.lower()[:3]))
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            out.add(item)
        else:
            raise InvalidInputError(
                "days", f"expected weekday numbers 0 (Monday) to 6 or names, got {item!r}"
            )
    return frozenset(out)


def _non_empty_days(instance: Any, attribute: attrs.Attribute[Any], value: frozenset[int]) -> None:
    if not value:
        raise InvalidInputError(f"{type(instance).__name__}.days", "needs at least one day")


def _window(value: TimeWindow | tuple[int, int]) -> TimeWindow:
    return value if isinstance(value, TimeWindow) else TimeWindow(*value)


_Window = TimeWindow | tuple[int, int]
MealWindows = (
    Mapping[Slot, _Window]
    | Mapping[str, _Window]
    | Mapping[Slot | str, _Window]
    | Iterable[tuple[Slot | str, _Window]]
)
"""``{slot: window}`` (slots as :class:`Slot` or names), or ``(slot, window)`` pairs."""


def _to_meals(value: MealWindows) -> tuple[tuple[Slot, TimeWindow], ...]:
    pairs: Iterable[tuple[Slot | str, _Window]] = (
        value.items() if isinstance(value, Mapping) else value
    )
    out = {to_slot(slot): _window(window) for slot, window in pairs}
    return tuple((slot, out[slot]) for slot in Slot if slot in out)


@attrs.frozen(kw_only=True)
class Subscription:
    """Which meals an elder receives, on which days, and how.

    Parameters
    ----------
    days
        Weekdays with meals: numbers 0 (Monday) to 6, or names (``"mon"``).
    meals
        ``{slot: preferred delivery window}``, e.g. ``{"lunch": (39600, 45000)}``
        for lunch between 11:00 and 12:30. Every slot listed is subscribed.
    diets
        Diet needs (``"soft"``, ``"low_salt"``, ``"diabetic"``, ...); the
        meal must meet all of them. Empty: the regular meal.
    eats_in
        The elder eats at the canteen: meal orders, but no delivery.
    handover_s
        Seconds at the door to hand the meal over.

    Examples
    --------
    >>> import datetime
    >>> sub = Subscription(days=["mon", "wed", "fri"], meals={"lunch": (39600, 45000)},
    ...                    diets=["soft"])
    >>> sub.slots_on(datetime.date(2026, 11, 30)), sub.slots_on(datetime.date(2026, 12, 1))
    ((<Slot.LUNCH: 'lunch'>,), ())
    >>> sub.window("lunch")
    TimeWindow(earliest_s=39600, latest_s=45000)
    >>> Subscription(days=[], meals={"lunch": (0, 1)})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Subscription.days: needs at least one day
    """

    days: frozenset[int] = attrs.field(converter=_to_days, validator=_non_empty_days)
    meals: tuple[tuple[Slot, TimeWindow], ...] = attrs.field(converter=_to_meals)
    diets: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_diets, validator=check_diets
    )
    eats_in: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    handover_s: int = attrs.field(default=120, validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        if not self.meals:
            raise InvalidInputError("Subscription.meals", "needs at least one slot")

    @property
    def slots(self) -> tuple[Slot, ...]:
        """The subscribed slots, lunch first."""
        return tuple(slot for slot, _ in self.meals)

    def window(self, slot: Slot | str) -> TimeWindow | None:
        """The preferred delivery window of ``slot``; None when not subscribed."""
        wanted = to_slot(slot)
        return next((w for s, w in self.meals if s is wanted), None)

    def slots_on(self, day: datetime.date) -> tuple[Slot, ...]:
        """The slots with a meal on ``day``."""
        return self.slots if day.weekday() in self.days else ()


@attrs.frozen(kw_only=True)
class CheckInEnrolment:
    """A daily check-in on an elder living alone (窗帘行动).

    Parameters
    ----------
    window
        When the visit should happen, e.g. 08:00-10:00.
    days
        Days with a check-in (default every day).
    service_s
        Seconds the visit takes.

    Examples
    --------
    >>> import datetime
    >>> e = CheckInEnrolment(window=(28800, 36000), days=["sat", "sun"])
    >>> e.on(datetime.date(2026, 11, 29)), e.on(datetime.date(2026, 11, 30))  # Sun, Mon
    (True, False)
    """

    window: TimeWindow = attrs.field(converter=_window)
    days: frozenset[int] = attrs.field(
        default=EVERY_DAY, converter=_to_days, validator=_non_empty_days
    )
    service_s: int = attrs.field(default=300, validator=non_negative_int)

    def on(self, day: datetime.date) -> bool:
        """Whether a check-in is due on ``day``."""
        return day.weekday() in self.days


@attrs.frozen(kw_only=True)
class Contact:
    """Whom staff call when a check-in fails: a relative, a neighbour, a social worker.

    Examples
    --------
    >>> Contact(name="Li Ming", phone="138-0000-0000", relation="son").relation
    'son'
    """

    name: str = attrs.field(validator=text)
    phone: str = attrs.field(validator=text)
    relation: str = attrs.field(default="", validator=text)


@attrs.frozen(kw_only=True)
class Elder:
    """An elder in the programme.

    Parameters
    ----------
    id
        Stable id.
    name
        For route sheets and alerts.
    home
        Where meals go and check-ins happen.
    community
        The neighbourhood committee (居委会) responsible for the elder.
    address
        Printed on route sheets (building, floor, door).
    note
        For the courier: "ring twice, hard of hearing". Free text; the
        outputs escape it.
    subscription
        Meals, if any.
    checkin
        Daily check-in enrolment, if any.
    contact
        Who to call when a check-in fails.

    Examples
    --------
    >>> elder = Elder(id="e1", name="Grandma Li", home=Location(node=4), community="Hongqiao",
    ...               subscription=Subscription(days=range(7), meals={"lunch": (39600, 45000)}))
    >>> elder.subscription.slots, elder.checkin is None
    ((<Slot.LUNCH: 'lunch'>,), True)
    >>> Elder(id="e2", name="", home=Location(node=4), community="Hongqiao")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Elder.name (id 'e2'): must be a non-empty string
    """

    id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=text)
    home: Location = attrs.field(validator=instance_of(Location))
    community: str = attrs.field(validator=text)
    address: str = attrs.field(default="", validator=text)
    note: str = attrs.field(default="", validator=text)
    subscription: Subscription | None = attrs.field(
        default=None, validator=optional_instance_of(Subscription)
    )
    checkin: CheckInEnrolment | None = attrs.field(
        default=None,
        validator=optional_instance_of(CheckInEnrolment),
    )
    contact: Contact | None = attrs.field(default=None, validator=optional_instance_of(Contact))

    def __attrs_post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInputError(f"Elder.name (id {self.id!r})", "must be a non-empty string")
