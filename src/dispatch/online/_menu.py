"""The service menu (点单): what residents of a community can order, with its defaults.

A :class:`ServiceMenu` holds one :class:`MenuItem` per request kind
(groceries, medicine, water, clothes, ...): the load, the service seconds at
the pickup and at the drop-off, the default deadline (seconds after
ordering), the priority and which courier categories may carry it.

Menus are configuration, not state: a submitted task records everything it
took from the menu, so changing a menu never changes a replay.

TOML layout (one table per community, one sub-table per kind)::

    [xinhua.groceries]
    load = 1
    pickup_service_s = 180
    dropoff_service_s = 120
    deadline_s = 7200
    priority = 1
    courier_kinds = ["volunteer", "food"]   # optional; absent = any courier

Examples
--------
>>> menus = menus_from_dict({"xinhua": {"water": {"load": 2, "deadline_s": 3600}}})
>>> item = menus["xinhua"].item("water")
>>> item.load, item.deadline_s, item.priority, item.courier_kinds
((2,), 3600, 1, None)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from dispatch.errors import FormatError, InvalidInputError, UnknownReferenceError
from dispatch.model._checks import (
    identifier,
    int_vector,
    non_negative_int,
    optional,
    positive_int,
    to_int_vector,
)

__all__ = ["MenuItem", "ServiceMenu", "load_menus", "menus_from_dict"]


def _kinds(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(value)


def _kind_set(instance: MenuItem, attribute: attrs.Attribute[Any], value: Any) -> None:
    for kind in value or ():
        if not isinstance(kind, str) or not kind.strip():
            raise InvalidInputError(
                f"MenuItem.courier_kinds (kind {instance.kind!r})",
                f"entries must be non-empty strings, got {kind!r}",
            )


@attrs.frozen(kw_only=True)
class MenuItem:
    """One kind of request on a community's menu, with its defaults.

    Parameters
    ----------
    kind
        The request kind; it becomes the task's ``kind`` (couriers' ``accepts``
        refer to it).
    load
        What it takes of a courier's capacity (one or more dimensions).
    pickup_service_s, dropoff_service_s
        Seconds spent at the shop and at the door.
    deadline_s
        The request must be delivered within this many seconds of ordering
        (unless the order says otherwise).
    priority
        Higher is more important (>= 1).
    courier_kinds
        Courier categories (as given when a courier goes online: ``food``,
        ``parcel``, ``volunteer`` ...) allowed to carry it; None = any.
    max_ride_s
        Longest time from leaving the shop to the door (fresh food); None = no
        limit.

    Examples
    --------
    >>> MenuItem(kind="medicine", deadline_s=5400, priority=2).dropoff_service_s
    120
    >>> MenuItem(kind="water", deadline_s=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: MenuItem.deadline_s: must be >= 1, got 0
    """

    kind: str = attrs.field(validator=identifier)
    load: tuple[int, ...] = attrs.field(default=(1,), converter=to_int_vector, validator=int_vector)
    pickup_service_s: int = attrs.field(default=120, validator=non_negative_int)
    dropoff_service_s: int = attrs.field(default=120, validator=non_negative_int)
    deadline_s: int = attrs.field(default=7200, validator=positive_int)
    priority: int = attrs.field(default=1, validator=positive_int)
    courier_kinds: frozenset[str] | None = attrs.field(
        default=None, converter=_kinds, validator=_kind_set
    )
    max_ride_s: int | None = attrs.field(default=None, validator=optional(positive_int))

    def allows(self, category: str | None) -> bool:
        """Whether a courier of ``category`` may carry it.

        >>> MenuItem(kind="x", courier_kinds=["volunteer"]).allows("food")
        False
        """
        return self.courier_kinds is None or category in self.courier_kinds


def _item_map(value: Mapping[str, MenuItem]) -> dict[str, MenuItem]:
    return dict(value)


_FIELDS = {a.name for a in attrs.fields(MenuItem)} - {"kind"}


@attrs.frozen
class ServiceMenu:
    """A community's menu: request kind -> :class:`MenuItem`.

    Examples
    --------
    >>> menu = ServiceMenu.from_dict("xinhua", {"groceries": {}, "medicine": {"priority": 2}})
    >>> sorted(menu.items), menu.item("medicine").priority
    (['groceries', 'medicine'], 2)
    >>> menu.item("pizza")
    Traceback (most recent call last):
    ...
    dispatch.errors.UnknownReferenceError: unknown menu item of 'xinhua' 'pizza'
    """

    community: str = attrs.field(validator=identifier)
    items: Mapping[str, MenuItem] = attrs.field(converter=_item_map)

    def __attrs_post_init__(self) -> None:
        for key, item in self.items.items():
            if not isinstance(item, MenuItem) or item.kind != key:
                raise InvalidInputError(
                    f"menu {self.community!r}.{key}", "must map each kind to its MenuItem"
                )

    def item(self, kind: str) -> MenuItem:
        """The item for ``kind``; :class:`UnknownReferenceError` if the menu has none."""
        try:
            return self.items[kind]
        except KeyError:
            raise UnknownReferenceError(f"menu item of {self.community!r}", kind) from None

    @classmethod
    def from_dict(cls, community: str, data: Mapping[str, Any]) -> ServiceMenu:
        """A menu from ``{kind: {field: value}}``; errors name the entry and field.

        Examples
        --------
        >>> ServiceMenu.from_dict("xinhua", {"water": {"load": -2}})
        Traceback (most recent call last):
        ...
        dispatch.errors.InvalidInputError: menu 'xinhua'.water.load: entries must be ints >= 0, ...
        >>> ServiceMenu.from_dict("xinhua", {"water": {"weight": 2}})
        Traceback (most recent call last):
        ...
        dispatch.errors.InvalidInputError: menu 'xinhua'.water.weight: unknown field (expected ...)
        """
        where = f"menu {community!r}"
        if not isinstance(data, Mapping):
            raise InvalidInputError(where, f"expected a table of kinds, got {type(data).__name__}")
        items = {}
        for kind, entry in data.items():
            items[kind] = _item(f"{where}.{kind}", kind, entry)
        return cls(community, items)


def _item(where: str, kind: object, entry: object) -> MenuItem:
    if not isinstance(kind, str):
        raise InvalidInputError(where, f"kind must be a string, got {kind!r}")
    if not isinstance(entry, Mapping):
        raise InvalidInputError(where, f"expected a table of fields, got {type(entry).__name__}")
    for key in entry:
        if key not in _FIELDS:
            expected = ", ".join(sorted(_FIELDS))
            raise InvalidInputError(
                f"{where}.{key}", f"unknown field (expected one of: {expected})"
            )
    for key, value in entry.items():
        _check_type(f"{where}.{key}", key, value)
    try:
        return MenuItem(kind=kind, **entry)
    except InvalidInputError as err:
        field = err.field.split(" ")[0].removeprefix("MenuItem.")
        name = field if field in _FIELDS else "kind"
        raise InvalidInputError(f"{where}.{name}", err.message) from None


def _check_type(where: str, key: str, value: object) -> None:
    """Shapes attrs converters would accept silently but the menu must not."""
    if key == "courier_kinds":
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        if not ok:
            raise InvalidInputError(where, f"expected a list of strings, got {value!r}")
    elif key == "load":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, list | tuple)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        )
        if not ok:
            raise InvalidInputError(where, f"expected an int or a list of ints, got {value!r}")


def menus_from_dict(data: Mapping[str, Any]) -> dict[str, ServiceMenu]:
    """Menus from ``{community: {kind: {field: value}}}`` (the TOML layout, parsed).

    Examples
    --------
    >>> menus_from_dict({"xinhua": {"water": {"priority": "high"}}})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: menu 'xinhua'.water.priority: must be an int, got 'high'
    """
    if not isinstance(data, Mapping):
        raise InvalidInputError("menus", f"expected a table of communities, got {type(data)}")
    return {str(c): ServiceMenu.from_dict(str(c), items) for c, items in data.items()}


def load_menus(path: str | Path) -> dict[str, ServiceMenu]:
    """Read menus from a TOML file (see the module docstring for the layout).

    Raises
    ------
    FormatError
        The file is not valid TOML (names the file and line).
    InvalidInputError
        An entry is malformed (names the community, kind and field).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "menu.toml")
    ...     _ = open(path, "w").write('[xinhua.water]\\nload = 2\\n')
    ...     load_menus(path)["xinhua"].item("water").load
    (2,)
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"at line (\d+)", str(err))
        raise FormatError(str(path), int(found.group(1)) if found else None, str(err)) from None
    except OSError as err:
        raise FormatError(str(path), None, f"cannot read: {err.strerror}") from None
    return menus_from_dict(data)
