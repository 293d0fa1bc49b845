"""Reading a Grubhub MDRP instance folder (``grubhub/mdrplib`` ``public_instances/*``).

Every file is tab-separated with one header row (the header is checked, by
name, so that a shifted column is caught). Times in the files are whole
minutes; they become seconds here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from dispatch.errors import FormatError, InvalidInputError
from dispatch.mdrp._instance import (
    MdrpCourier,
    MdrpInstance,
    MdrpOrder,
    MdrpParameters,
    MdrpRestaurant,
)

__all__ = ["INSTANCE_FILES", "read_mdrp"]

INSTANCE_FILES = ("orders.txt", "restaurants.txt", "couriers.txt", "instance_parameters.txt")
"""The files :func:`read_mdrp` reads (``instance_characteristics.txt`` is informational)."""

_HEADERS = {
    "orders.txt": ("order", "x", "y", "placement_time", "restaurant", "ready_time"),
    "restaurants.txt": ("restaurant", "x", "y"),
    "couriers.txt": ("courier", "x", "y", "on_time", "off_time"),
    "instance_parameters.txt": (
        "meters_per_minute",
        "pickup service minutes",
        "dropoff service minutes",
        "target click-to-door",
        "maximum click-to-door",
        "pay per order",
        "guaranteed pay per hour",
    ),
}

T = TypeVar("T")


class _BadField(Exception):
    """A field that does not parse; becomes a :class:`FormatError` naming file and line."""


def _number(token: str, what: str) -> float:
    """A finite number (integers take the fast path)."""
    try:
        return int(token)
    except ValueError:
        pass
    try:
        value = float(token)
    except ValueError:
        raise _BadField(f"{what} must be a number, got {token!r}") from None
    if not math.isfinite(value):
        raise _BadField(f"{what} must be finite, got {token!r}")
    return value


def _minutes_s(token: str, what: str) -> int:
    """A whole number of minutes (``12`` or ``12.0``) as seconds."""
    value = _number(token, what)
    if value < 0 or value != math.floor(value):
        raise _BadField(f"{what} must be a whole number of minutes >= 0, got {token!r}")
    return int(value) * 60


def _rows(
    folder: Path, name: str, build: Callable[[list[str]], T], *, single: bool = False
) -> list[tuple[int, T]]:
    """``(line number, row)`` for every data row of ``folder/name``."""
    path = folder / name
    source = str(path)
    if not path.is_file():
        raise FormatError(source, None, "missing (an MDRP instance folder holds it)")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise FormatError(source, None, f"not UTF-8 text ({err.reason})") from None
    numbered = [(k, text) for k, text in enumerate(lines, start=1) if text.strip()]
    if not numbered:
        raise FormatError(source, None, "empty (expected a header row)")
    number, header = numbered[0]
    got = tuple(field.strip().lower() for field in header.split("\t"))
    if got != _HEADERS[name]:
        expected = " | ".join(_HEADERS[name])
        raise FormatError(
            source, number, f"expected the tab-separated header {expected!r}, got {header!r}"
        )
    width = len(_HEADERS[name])
    out: list[tuple[int, T]] = []
    for number, text in numbered[1:]:
        fields = text.split("\t")
        if len(fields) != width:
            raise FormatError(
                source, number, f"expected {width} tab-separated fields, got {len(fields)}"
            )
        try:
            out.append((number, build([f.strip() for f in fields])))
        except _BadField as err:
            raise FormatError(source, number, str(err)) from None
        except InvalidInputError as err:
            raise FormatError(source, number, err.message) from err
    if single and len(out) != 1:
        raise FormatError(source, None, f"expected exactly one data row, got {len(out)}")
    return out


def _restaurant(f: list[str]) -> MdrpRestaurant:
    return MdrpRestaurant(id=f[0], x_m=_number(f[1], "x"), y_m=_number(f[2], "y"))


def _order(f: list[str]) -> MdrpOrder:
    return MdrpOrder(
        id=f[0],
        x_m=_number(f[1], "x"),
        y_m=_number(f[2], "y"),
        placement_s=_minutes_s(f[3], "placement_time"),
        restaurant=f[4],
        ready_s=_minutes_s(f[5], "ready_time"),
    )


def _courier(f: list[str]) -> MdrpCourier:
    return MdrpCourier(
        id=f[0],
        x_m=_number(f[1], "x"),
        y_m=_number(f[2], "y"),
        on_s=_minutes_s(f[3], "on_time"),
        off_s=_minutes_s(f[4], "off_time"),
    )


def _parameters(f: list[str]) -> MdrpParameters:
    return MdrpParameters(
        meters_per_minute=_number(f[0], "meters_per_minute"),
        pickup_service_s=_minutes_s(f[1], "pickup service minutes"),
        dropoff_service_s=_minutes_s(f[2], "dropoff service minutes"),
        target_click_to_door_s=_minutes_s(f[3], "target click-to-door"),
        max_click_to_door_s=_minutes_s(f[4], "maximum click-to-door"),
        pay_per_order=_number(f[5], "pay per order"),
        guaranteed_pay_per_hour=_number(f[6], "guaranteed pay per hour"),
    )


def _unique(
    rows: Sequence[tuple[int, MdrpRestaurant | MdrpOrder | MdrpCourier]], folder: Path, name: str
) -> None:
    """Repeated ids, reported at their second line (the instance would name no line)."""
    seen: set[str] = set()
    for number, row in rows:
        if row.id in seen:
            raise FormatError(str(folder / name), number, f"id {row.id!r} repeats")
        seen.add(row.id)


def read_mdrp(folder: str | Path) -> MdrpInstance:
    """Read one MDRP instance folder (``orders.txt``, ``restaurants.txt``, ``couriers.txt``, ...).

    Parameters
    ----------
    folder
        The instance folder, e.g. ``.../mdrp/public_instances/0o100t100s1p100``;
        its name becomes the instance name.

    Raises
    ------
    FormatError
        A missing file, a wrong header, a row with the wrong number of fields,
        a bad number or a broken rule (ready before placement, off-time not
        after on-time, a repeated id, an unknown restaurant); names file and line.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "tiny"
    >>> folder.mkdir()
    >>> files = {
    ...     "restaurants.txt": "restaurant\\tx\\ty\\nr1\\t0\\t0\\n",
    ...     "orders.txt": "order\\tx\\ty\\tplacement_time\\trestaurant\\tready_time\\n"
    ...                   "o1\\t640\\t0\\t10\\tr1\\t25\\n",
    ...     "couriers.txt": "courier\\tx\\ty\\ton_time\\toff_time\\nc1\\t0\\t0\\t0\\t120\\n",
    ...     "instance_parameters.txt": "meters_per_minute\\tpickup service minutes\\t"
    ...         "dropoff service minutes\\ttarget click-to-door\\tmaximum click-to-door\\t"
    ...         "pay per order\\tguaranteed pay per hour\\n320\\t4\\t4\\t40\\t90\\t10\\t15\\n",
    ... }
    >>> for name, text in files.items():
    ...     _ = (folder / name).write_text(text)
    >>> inst = read_mdrp(folder)
    >>> inst.name, inst.orders[0].ready_s, inst.couriers[0].off_s
    ('tiny', 1500, 7200)
    >>> _ = (folder / "couriers.txt").write_text("courier\\tx\\ty\\ton_time\\toff_time\\n"
    ...                                           "c1\\t0\\t0\\t60\\t30\\n")
    >>> read_mdrp(folder)
    Traceback (most recent call last):
    ...
    dispatch.errors.FormatError: .../tiny/couriers.txt:2: off duty at 1800 s, not after on duty ...
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FormatError(str(folder), None, "not a directory (expected an MDRP instance folder)")
    parameters = _rows(folder, "instance_parameters.txt", _parameters, single=True)[0][1]
    restaurants = _rows(folder, "restaurants.txt", _restaurant)
    orders = _rows(folder, "orders.txt", _order)
    couriers = _rows(folder, "couriers.txt", _courier)
    _unique(restaurants, folder, "restaurants.txt")
    _unique(orders, folder, "orders.txt")
    _unique(couriers, folder, "couriers.txt")
    known = {r.id for _, r in restaurants}
    for number, order in orders:
        if order.restaurant not in known:
            raise FormatError(
                str(folder / "orders.txt"),
                number,
                f"order {order.id!r} names an unknown restaurant {order.restaurant!r}",
            )
    return MdrpInstance(
        name=folder.name,
        parameters=parameters,
        restaurants=[r for _, r in restaurants],
        orders=[o for _, o in orders],
        couriers=[c for _, c in couriers],
    )
