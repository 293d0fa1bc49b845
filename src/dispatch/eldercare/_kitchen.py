"""Kitchens of the programme: elder canteens (长者食堂) and partner restaurants (爱心餐桌).

A :class:`Kitchen` cooks in one or more meal :class:`Slot` s; per slot it has
a number of meals it can send out for home delivery and the time they are
ready (:class:`SlotService`), and it cooks a set of diets (soft, low salt,
diabetic, ...). Meals are collected during its opening hours, from the ready
time on.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import attrs

from dispatch.eldercare._checks import check_diets, instance_of, text
from dispatch.errors import InvalidInputError
from dispatch.model import Location, TimeWindow, to_windows
from dispatch.model._checks import identifier, non_negative_int

__all__ = ["DIETS", "Kitchen", "KitchenKind", "Slot", "SlotService", "to_diets", "to_slot"]

DIETS = ("soft", "low_salt", "diabetic")
"""The diets the generated districts use; any other name (``"halal"``, ``"minced"``) works too."""


class Slot(enum.Enum):
    """A meal of the day."""

    LUNCH = "lunch"
    DINNER = "dinner"


class KitchenKind(enum.Enum):
    """Who runs a kitchen."""

    CANTEEN = "canteen"
    """A community elder canteen (长者食堂)."""
    PARTNER = "partner"
    """A partner restaurant (爱心餐桌)."""


def to_slot(value: Slot | str) -> Slot:
    """A :class:`Slot` from itself or its name.

    >>> to_slot("dinner")
    <Slot.DINNER: 'dinner'>
    >>> to_slot("brunch")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: slot: 'brunch' is not one of lunch, dinner
    """
    if isinstance(value, Slot):
        return value
    try:
        return Slot(value)
    except ValueError:
        choices = ", ".join(s.value for s in Slot)
        raise InvalidInputError("slot", f"{value!r} is not one of {choices}") from None


def to_diets(value: Iterable[str] | str) -> frozenset[str]:
    """Diet names as a frozenset (one name or an iterable of names).

    >>> sorted(to_diets(["soft", "low_salt"])), to_diets("soft")
    (['low_salt', 'soft'], frozenset({'soft'}))
    """
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(value)


def _to_kind(value: KitchenKind | str) -> KitchenKind:
    try:
        return value if isinstance(value, KitchenKind) else KitchenKind(value)
    except ValueError:
        choices = ", ".join(k.value for k in KitchenKind)
        raise InvalidInputError("Kitchen.kind", f"{value!r} is not one of {choices}") from None


@attrs.frozen(kw_only=True)
class SlotService:
    """What a kitchen sends out in one slot: how many meals, ready when.

    Parameters
    ----------
    slot
        Lunch or dinner.
    meals
        Meals it can cook for home delivery in this slot (diners who eat in
        are planned by the kitchen itself and do not count).
    ready_s
        When they are ready to be collected, seconds from midnight.

    Examples
    --------
    >>> SlotService(slot="lunch", meals=80, ready_s=39600)
    SlotService(slot=<Slot.LUNCH: 'lunch'>, meals=80, ready_s=39600)
    >>> SlotService(slot="lunch", meals=-1, ready_s=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: SlotService.meals: must be >= 0, got -1
    """

    slot: Slot = attrs.field(converter=to_slot)
    meals: int = attrs.field(validator=non_negative_int)
    ready_s: int = attrs.field(validator=non_negative_int)


_Service = SlotService | tuple[int, int]
Services = (
    Mapping[Slot, _Service]
    | Mapping[str, _Service]
    | Mapping[Slot | str, _Service]
    | Iterable[SlotService]
)
"""``{slot: (meals, ready_s)}`` (or ``{slot: SlotService}``), or :class:`SlotService` s."""


def _to_services(value: Services) -> tuple[SlotService, ...]:
    items: list[object] = []
    if isinstance(value, Mapping):
        pairs: Iterable[tuple[Slot | str, _Service]] = value.items()
        for slot, spec in pairs:
            if isinstance(spec, SlotService):
                items.append(spec)
            else:
                meals, ready_s = spec
                items.append(SlotService(slot=slot, meals=meals, ready_s=ready_s))
    else:
        items.extend(value)
    order = list(Slot)
    ranked = sorted(items, key=lambda s: order.index(s.slot) if isinstance(s, SlotService) else -1)
    return tuple(ranked)  # type: ignore[arg-type]  # Kitchen reports items of a wrong type


@attrs.frozen(kw_only=True)
class Kitchen:
    """A kitchen that cooks meals for home delivery.

    Parameters
    ----------
    id
        Stable id.
    kind
        ``"canteen"`` (长者食堂) or ``"partner"`` (爱心餐桌).
    location
        Where meals are collected.
    opening
        Opening hours: one or more disjoint windows in which meals can be
        collected (a pickup starts inside one of them).
    services
        Per slot, the meals for delivery and their ready time: a mapping
        ``{slot: (meals, ready_s)}`` or :class:`SlotService` s. Every ready
        time must fall inside the opening hours.
    diets
        Diets it cooks besides the regular meal (``"soft"``, ``"low_salt"``,
        ``"diabetic"``, ...). A meal for an elder with several needs is one
        meal meeting all of them, so the kitchen must cook every one.
    name
        For route sheets; defaults to the id.
    handover_s
        Seconds to hand one meal over to a courier at the counter.

    Examples
    --------
    >>> k = Kitchen(id="canteen-1", kind="canteen", location=Location(node=1),
    ...             opening=[(36000, 48600)], services={"lunch": (80, 39600)},
    ...             diets=["soft", "low_salt"])
    >>> k.service("lunch").meals, k.service("dinner") is None, k.cooks({"soft"})
    (80, True, True)
    >>> Kitchen(id="k2", kind="partner", location=Location(node=2), opening=[(36000, 43200)],
    ...         services={"lunch": (20, 45000)})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Kitchen.services[lunch].ready_s (id 'k2'): ready at 45000...
    """

    id: str = attrs.field(validator=identifier)
    kind: KitchenKind = attrs.field(converter=_to_kind)
    location: Location = attrs.field(validator=instance_of(Location))
    opening: tuple[TimeWindow, ...] = attrs.field(converter=to_windows)
    services: tuple[SlotService, ...] = attrs.field(converter=_to_services)
    diets: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_diets, validator=check_diets
    )
    name: str = attrs.field(default="", validator=text)
    handover_s: int = attrs.field(default=60, validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        where = f"(id {self.id!r})"
        if not self.opening:
            raise InvalidInputError(f"Kitchen.opening {where}", "needs at least one window")
        for a, b in zip(self.opening, self.opening[1:], strict=False):
            if b.earliest_s <= a.latest_s:
                raise InvalidInputError(
                    f"Kitchen.opening {where}", f"windows {a} and {b} overlap; merge them"
                )
        seen: set[Slot] = set()
        for service in self.services:
            if not isinstance(service, SlotService):
                raise InvalidInputError(
                    f"Kitchen.services {where}", f"expected SlotService, got {service!r}"
                )
            if service.slot in seen:
                raise InvalidInputError(
                    f"Kitchen.services {where}", f"slot {service.slot.value} repeats"
                )
            seen.add(service.slot)
            if service.ready_s > self.opening[-1].latest_s:
                raise InvalidInputError(
                    f"Kitchen.services[{service.slot.value}].ready_s {where}",
                    f"ready at {service.ready_s} s, after the opening hours close",
                )

    @property
    def label(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id

    def service(self, slot: Slot | str) -> SlotService | None:
        """What it cooks for ``slot``, or None when it does not serve that slot."""
        wanted = to_slot(slot)
        return next((s for s in self.services if s.slot is wanted), None)

    def cooks(self, diets: Iterable[str]) -> bool:
        """Whether one meal can meet every diet in ``diets`` (the regular meal needs none)."""
        return to_diets(diets) <= self.diets
