"""How points are earned and awards given: :class:`PointsConfig`, read from TOML.

A community decides its points policy (积分规则) once and keeps it in a file.
Every key is optional; absent ones give nothing (0 points, no award)::

    [calendar]
    origin = 2026-01-01          # the day whose midnight is second 0 of the store's clock

    [points]
    default = 10                 # a task kind not listed under [points.kinds]
    on_time_bonus = 5            # delivered by the task's deadline
    priority_at_least = 2        # tasks of this priority or higher ...
    priority_bonus = 3           # ... earn this much more
    elder_kinds = ["meal", "check_in"]
    elder_bonus = 5              # elder care (meals, check-in visits)

    [points.kinds]               # points per task kind
    groceries = 10
    medicine = 12

    [points.rating_bonus]        # stars -> extra points for the courier
    4 = 1
    5 = 3

    [districts]                  # district -> its communities (for district rankings)
    xuhui = ["xinhua", "tianlin"]

    [awards.quarter]             # a quarter's best of a community or district
    top = 3
    points = 50

    [awards.year]                # a year's best per courier category
    top = 10
    points = 200
    courier_kinds = ["food", "parcel"]

The bonuses add up: an elder meal of high priority delivered on time earns
its kind's points, the on-time bonus, the priority bonus and the elder bonus.

Examples
--------
>>> config = config_from_dict({"points": {"default": 10, "on_time_bonus": 5}})
>>> config.rules.default, config.rules.kinds, config.origin
(10, {}, None)
>>> config_from_dict({"points": {"kinds": {"groceries": -1}}})
Traceback (most recent call last):
...
dispatch.errors.InvalidInputError: points.kinds.groceries: must be an int >= 0, got -1
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from dispatch.errors import FormatError, InvalidInputError, UnknownReferenceError
from dispatch.model._checks import non_negative_int, optional, positive_int
from dispatch.points._entries import PointsItem
from dispatch.points._history import TaskFacts

__all__ = [
    "AwardRule",
    "PointsConfig",
    "PointsRules",
    "config_from_dict",
    "load_config",
]


def _int_map(value: Mapping[Any, int]) -> dict[Any, int]:
    return dict(value)


def _str_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset((value,)) if isinstance(value, str) else frozenset(value)


def _points_map(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    for key, points in value.items():
        if isinstance(points, bool) or not isinstance(points, int) or points < 0:
            where = f"{type(instance).__name__}.{attribute.name}[{key!r}]"
            raise InvalidInputError(where, f"must be an int >= 0, got {points!r}")


def _stars(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    for stars in value:
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            where = f"{type(instance).__name__}.{attribute.name}"
            raise InvalidInputError(where, f"stars must be ints from 1 to 5, got {stars!r}")


@attrs.frozen(kw_only=True)
class PointsRules:
    """Points for a delivered task and for its rating (see the module docstring).

    Examples
    --------
    >>> from dispatch.online import TaskState
    >>> rules = PointsRules(kinds={"meal": 8}, on_time_bonus=2, elder_kinds=["meal"],
    ...                     elder_bonus=5, rating_bonus={5: 3})
    >>> task = TaskFacts(id="t1", community="xinhua", kind="meal", priority=1,
    ...                  resident_id="r1", created_s=0, deadline_s=3600,
    ...                  state=TaskState.DELIVERED, delivered_s=1800, courier_id="c1")
    >>> [(i.rule, i.points) for i in rules.score(task)]
    [('kind:meal', 8), ('on_time', 2), ('elder', 5)]
    >>> rules.rating_points(5), rules.rating_points(3)
    ((PointsItem(rule='rating:5', points=3),), (PointsItem(rule='rating:3', points=0),))
    """

    kinds: Mapping[str, int] = attrs.field(factory=dict, converter=_int_map, validator=_points_map)
    default: int = attrs.field(default=0, validator=non_negative_int)
    on_time_bonus: int = attrs.field(default=0, validator=non_negative_int)
    priority_at_least: int | None = attrs.field(default=None, validator=optional(positive_int))
    priority_bonus: int = attrs.field(default=0, validator=non_negative_int)
    elder_kinds: frozenset[str] = attrs.field(factory=frozenset, converter=_str_set)
    elder_bonus: int = attrs.field(default=0, validator=non_negative_int)
    rating_bonus: Mapping[int, int] = attrs.field(
        factory=dict, converter=_int_map, validator=[_stars, _points_map]
    )

    def score(self, task: TaskFacts) -> tuple[PointsItem, ...]:
        """The breakdown of the points for delivering ``task`` (its kind's points first)."""
        items = [PointsItem(f"kind:{task.kind}", self.kinds.get(task.kind, self.default))]
        if task.on_time and self.on_time_bonus:
            items.append(PointsItem("on_time", self.on_time_bonus))
        high = self.priority_at_least is not None and task.priority >= self.priority_at_least
        if high and self.priority_bonus:
            items.append(PointsItem(f"priority:{task.priority}", self.priority_bonus))
        if task.kind in self.elder_kinds and self.elder_bonus:
            items.append(PointsItem("elder", self.elder_bonus))
        return tuple(items)

    def rating_points(self, rating: int) -> tuple[PointsItem, ...]:
        """The breakdown of the bonus for a rating of ``rating`` stars."""
        return (PointsItem(f"rating:{rating}", self.rating_bonus.get(rating, 0)),)


def _kinds_tuple(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen(kw_only=True)
class AwardRule:
    """An award: the ``top`` places of a ranking, each rewarded with ``points``.

    Everyone tied at place ``top`` is included (competition ranking: with
    ``top = 3`` and points 50, 40, 40, 40 all four are rewarded).
    ``courier_kinds`` (annual awards) gives each courier category its own
    award; None ranks all couriers together.

    Examples
    --------
    >>> AwardRule(top=10, points=200, courier_kinds=["food", "parcel"]).courier_kinds
    ('food', 'parcel')
    """

    top: int = attrs.field(default=3, validator=positive_int)
    points: int = attrs.field(default=0, validator=non_negative_int)
    courier_kinds: tuple[str, ...] | None = attrs.field(default=None, converter=_kinds_tuple)


def _districts(value: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    return {name: _str_set(communities) for name, communities in value.items()}


def _disjoint(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    seen: dict[str, str] = {}
    for name, communities in value.items():
        for community in sorted(communities):
            if community in seen:
                raise InvalidInputError(
                    f"districts.{name}",
                    f"community {community!r} is in district {seen[community]!r} already",
                )
            seen[community] = name


def _origin(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (
        not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)
    ):
        raise InvalidInputError("calendar.origin", f"must be a date (YYYY-MM-DD), got {value!r}")


@attrs.frozen(kw_only=True)
class PointsConfig:
    """The points rules, the store's calendar origin, the districts and the awards.

    Examples
    --------
    >>> config = PointsConfig(districts={"xuhui": ["xinhua", "tianlin"]})
    >>> config.district_of("xinhua"), sorted(config.communities_of("xuhui"))
    ('xuhui', ['tianlin', 'xinhua'])
    >>> config.communities_of("minhang")
    Traceback (most recent call last):
    ...
    dispatch.errors.UnknownReferenceError: unknown district 'minhang'
    """

    rules: PointsRules = attrs.field(factory=PointsRules)
    origin: datetime.date | None = attrs.field(default=None, validator=_origin)
    districts: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_districts, validator=_disjoint
    )
    quarter_award: AwardRule = attrs.field(factory=AwardRule)
    year_award: AwardRule = attrs.field(factory=lambda: AwardRule(top=10))

    def district_of(self, community: str) -> str | None:
        """The district ``community`` belongs to, if any."""
        for name, communities in self.districts.items():
            if community in communities:
                return name
        return None

    def communities_of(self, district: str) -> frozenset[str]:
        """The communities of ``district``; :class:`UnknownReferenceError` if there is none."""
        try:
            return self.districts[district]
        except KeyError:
            raise UnknownReferenceError("district", district) from None

    def require_origin(self) -> datetime.date:
        """The calendar origin, or an :class:`InvalidInputError` saying how to give one."""
        if self.origin is None:
            raise InvalidInputError(
                "calendar.origin",
                "needed to place dates on the store's clock: set [calendar] origin in the "
                "rules (dispatch commands: or pass --origin YYYY-MM-DD)",
            )
        return self.origin


# --------------------------------------------------------------------------- reading the TOML


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(where, f"expected a table, got {value!r}")
    return value


def _table(value: object, where: str, keys: Iterable[str]) -> Mapping[str, Any]:
    value = _mapping(value, where)
    allowed = tuple(keys)
    for key in value:
        if key not in allowed:
            expected = ", ".join(allowed)
            name = f"{where}.{key}" if where else str(key)
            raise InvalidInputError(name, f"unknown key (expected one of: {expected})")
    return value


def _count(value: object, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInputError(where, f"must be an int >= {minimum}, got {value!r}")
    return value


def _names(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInputError(where, f"expected a list of non-empty strings, got {value!r}")
    return list(value)


_POINTS_KEYS = (
    "default",
    "on_time_bonus",
    "priority_at_least",
    "priority_bonus",
    "elder_kinds",
    "elder_bonus",
    "kinds",
    "rating_bonus",
)


def _rules(data: object) -> PointsRules:
    table = _table(data, "points", _POINTS_KEYS)
    args: dict[str, Any] = {}
    for key in ("default", "on_time_bonus", "priority_bonus", "elder_bonus"):
        if key in table:
            args[key] = _count(table[key], f"points.{key}")
    if "priority_at_least" in table:
        args["priority_at_least"] = _count(
            table["priority_at_least"], "points.priority_at_least", 1
        )
    if "elder_kinds" in table:
        args["elder_kinds"] = _names(table["elder_kinds"], "points.elder_kinds")
    if "kinds" in table:
        kinds = _mapping(table["kinds"], "points.kinds")
        args["kinds"] = {k: _count(v, f"points.kinds.{k}") for k, v in kinds.items()}
    if "rating_bonus" in table:
        bonus = _table(table["rating_bonus"], "points.rating_bonus", "12345")
        args["rating_bonus"] = {
            int(k): _count(v, f"points.rating_bonus.{k}") for k, v in bonus.items()
        }
    return PointsRules(**args)


def _award(data: object, where: str, *, kinds: bool) -> AwardRule:
    table = _table(data, where, ("top", "points", "courier_kinds") if kinds else ("top", "points"))
    args: dict[str, Any] = {}
    if "top" in table:
        args["top"] = _count(table["top"], f"{where}.top", 1)
    if "points" in table:
        args["points"] = _count(table["points"], f"{where}.points")
    if "courier_kinds" in table:
        args["courier_kinds"] = _names(table["courier_kinds"], f"{where}.courier_kinds")
    return AwardRule(**args)


def config_from_dict(data: Mapping[str, Any]) -> PointsConfig:
    """A :class:`PointsConfig` from the parsed TOML layout (see the module docstring).

    Raises :class:`InvalidInputError` naming the key at fault (``points.kinds.water``,
    ``awards.year.top`` ...): unknown keys are refused, never ignored.

    Examples
    --------
    >>> config_from_dict({"points": {"bonus": 3}})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: points.bonus: unknown key (expected one of: default, ...
    >>> config_from_dict({"points": {"rating_bonus": {"6": 1}}})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: points.rating_bonus.6: unknown key (expected one of: ...
    >>> config_from_dict({"districts": {"a": ["x"], "b": ["x", "y"]}})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: districts.b: community 'x' is in district 'a' already
    """
    table = _table(data, "", ("calendar", "points", "districts", "awards"))
    args: dict[str, Any] = {}
    if "calendar" in table:
        calendar = _table(table["calendar"], "calendar", ("origin",))
        if "origin" in calendar:
            args["origin"] = calendar["origin"]
    if "points" in table:
        args["rules"] = _rules(table["points"])
    if "districts" in table:
        districts = _mapping(table["districts"], "districts")
        args["districts"] = {k: _names(v, f"districts.{k}") for k, v in districts.items()}
    if "awards" in table:
        awards = _table(table["awards"], "awards", ("quarter", "year"))
        if "quarter" in awards:
            args["quarter_award"] = _award(awards["quarter"], "awards.quarter", kinds=False)
        if "year" in awards:
            args["year_award"] = _award(awards["year"], "awards.year", kinds=True)
    return PointsConfig(**args)


def load_config(path: str | Path) -> PointsConfig:
    """Read a :class:`PointsConfig` from a TOML file.

    Raises
    ------
    FormatError
        The file cannot be read or is not TOML (names the file and line).
    InvalidInputError
        A key is unknown or its value wrong (names the file and the key).

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "points.toml")
    ...     text = "[calendar]\\norigin = 2026-01-01\\n[points]\\ndefault = 10\\n"
    ...     _ = open(path, "w").write(text)
    ...     load_config(path).origin
    datetime.date(2026, 1, 1)
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"at line (\d+)", str(err))
        raise FormatError(str(path), int(found.group(1)) if found else None, str(err)) from None
    except OSError as err:
        raise FormatError(str(path), None, f"cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise FormatError(str(path), None, f"not UTF-8 text: {err.reason}") from None
    try:
        return config_from_dict(data)
    except InvalidInputError as err:
        raise InvalidInputError(f"{path}: {err.field}", err.message) from None
