"""Periods of the calendar (days, quarters, years) and where they fall on the store's clock.

The event store records integer seconds from an *origin*: local midnight of
the day the service started counting (the dispatcher's clock origin). A
:class:`Period` is a run of whole calendar days; :meth:`Period.seconds` turns
it into the half-open interval ``[start_s, end_s)`` of the store's clock.
Days are 86,400 s long (local time without daylight saving, as in China).

Examples
--------
>>> import datetime
>>> q3 = Period.quarter("2026Q3")
>>> q3.first, q3.last, q3.label
(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), '2026Q3')
>>> q3.seconds(datetime.date(2026, 7, 1))
(0, 7948800)
>>> day_of(90_000, datetime.date(2026, 7, 1))
datetime.date(2026, 7, 2)
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import attrs

from dispatch.errors import InvalidInputError

__all__ = ["DAY_S", "Period", "clock_text", "day_of"]

DAY_S = 86_400
"""Seconds in a day."""

_QUARTER = re.compile(r"(\d{4})[Qq]([1-4])")


def _is_date(instance: Period, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise InvalidInputError(f"Period.{attribute.name}", f"must be a date, got {value!r}")


@attrs.frozen
class Period:
    """The calendar days ``first`` to ``last`` (both included), with a label for reports.

    Examples
    --------
    >>> Period.year(2026).label, Period.year(2026).last
    ('2026', datetime.date(2026, 12, 31))
    >>> Period.days(datetime.date(2026, 7, 1), datetime.date(2026, 7, 7)).label
    '2026-07-01 to 2026-07-07'
    >>> Period.quarter("2026Q5")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: quarter: expected YYYYQn with n from 1 to 4, got '2026Q5'
    """

    first: datetime.date = attrs.field(validator=_is_date)
    last: datetime.date = attrs.field(validator=_is_date)
    label: str = attrs.field(validator=attrs.validators.instance_of(str))

    def __attrs_post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInputError(
                "Period.last", f"{self.last} is before the first day {self.first}"
            )

    @classmethod
    def days(cls, first: datetime.date, last: datetime.date) -> Period:
        """The days ``first`` to ``last``, labelled ``first to last``."""
        return cls(first, last, f"{first} to {last}")

    @classmethod
    def quarter(cls, text: str) -> Period:
        """A quarter written ``YYYYQn`` (``2026Q3`` = July to September 2026)."""
        found = _QUARTER.fullmatch(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise InvalidInputError("quarter", f"expected YYYYQn with n from 1 to 4, got {text!r}")
        year, q = int(found.group(1)), int(found.group(2))
        first = datetime.date(year, 3 * q - 2, 1)
        after = datetime.date(year + 1, 1, 1) if q == 4 else datetime.date(year, 3 * q + 1, 1)
        return cls(first, after - datetime.timedelta(days=1), f"{year}Q{q}")

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year."""
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise InvalidInputError("year", f"expected a year from 1 to 9999, got {year!r}")
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))

    def seconds(self, origin: datetime.date) -> tuple[int, int]:
        """``(start_s, end_s)``: the period on the store's clock, ``end_s`` excluded."""
        start = (self.first - origin).days * DAY_S
        return start, (self.last - origin).days * DAY_S + DAY_S


def day_of(t_s: int, origin: datetime.date) -> datetime.date:
    """The calendar day on which the store's second ``t_s`` falls."""
    return origin + datetime.timedelta(days=t_s // DAY_S)


def clock_text(t_s: int, origin: datetime.date | None) -> str:
    """``YYYY-MM-DD HH:MM`` of the store's second ``t_s`` (``day N HH:MM`` without an origin).

    Examples
    --------
    >>> clock_text(90_060, datetime.date(2026, 7, 1)), clock_text(90_060, None)
    ('2026-07-02 01:01', 'day 1 01:01')
    """
    rest = t_s % DAY_S
    hours_minutes = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    if origin is None:
        return f"day {t_s // DAY_S} {hours_minutes}"
    return f"{day_of(t_s, origin)} {hours_minutes}"
