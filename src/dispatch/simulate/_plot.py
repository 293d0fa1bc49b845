"""Charts of a simulated day over time, four panels in one PNG (the ``plot`` extra).

:func:`plot_intervals` draws a district day (:class:`IntervalKpis`),
:func:`plot_mdrp` a Grubhub MDRP day (:class:`dispatch.mdrp.KpiPoint`); both
through one drawing routine.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import attrs

from dispatch._optional import pyplot
from dispatch.errors import InvalidInputError
from dispatch.simulate._kpis import IntervalKpis

if TYPE_CHECKING:
    from dispatch.mdrp import KpiPoint

__all__ = ["plot_intervals", "plot_mdrp"]


class _Interval(Protocol):
    @property
    def start_s(self) -> int: ...

    @property
    def end_s(self) -> int: ...


@attrs.frozen
class _Series:
    """One series of a panel: drawn as a line (``style``) or as bars (``style="bar"``)."""

    label: str
    values: Sequence[float | None]
    style: str
    color: str
    right: bool = False  # on the panel's second y axis


@attrs.frozen
class _Panel:
    title: str
    series: Sequence[_Series]
    left: str | None = None
    right: str | None = None


def _draw(
    rows: Sequence[_Interval], panels: Sequence[_Panel], path: str | Path, title: str | None
) -> Path:
    """Draw ``panels`` (four, two by two) over the intervals ``rows`` into the PNG ``path``."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InvalidInputError(str(path), "the charts are written as PNG: name it FILE.png")
    if not path.parent.is_dir():
        raise InvalidInputError(str(path), "its folder does not exist")
    plt = pyplot("drawing a simulated day's charts")
    x = [(row.start_s + row.end_s) / 2 / 3600 for row in rows]
    width = (rows[0].end_s - rows[0].start_s) / 3600 * 0.8 if rows else 0.4
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
    for ax, panel in zip([a for pair in axes for a in pair], panels, strict=True):
        twin = ax.twinx() if any(s.right for s in panel.series) else None
        for s in panel.series:
            on = twin if s.right and twin is not None else ax
            if s.style == "bar":
                on.bar(x, [v or 0 for v in s.values], width=width, color=s.color, label=s.label)
                continue
            kept = [(h, v) for h, v in zip(x, s.values, strict=True) if v is not None]
            on.plot([h for h, _ in kept], [v for _, v in kept], s.style, color=s.color,
                    label=s.label)  # fmt: skip
        ax.set_title(panel.title)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        if panel.left:
            ax.set_ylabel(panel.left)
        if twin is not None:
            twin.legend(loc="upper right", fontsize=8)
            if panel.right:
                twin.set_ylabel(panel.right)
    for ax in axes[1]:
        ax.set_xlabel("hour of the day")
    if title:
        fig.suptitle(textwrap.fill(title, 110), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_intervals(
    rows: Sequence[IntervalKpis], path: str | Path, *, title: str | None = None
) -> Path:
    """Draw a district day's time series as four panels in one PNG and return its path.

    Errands ordered, delivered and escalated per interval; errands open and
    couriers online at each interval's end; the median time from order to
    delivery with the offers and declines; meals delivered (and hot),
    check-ins made and points earned. Needs matplotlib (the ``plot`` extra).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch.simulate import IntervalKpis
    >>> row = IntervalKpis(start_s=25200, end_s=27000, orders=3, delivered=1, offers=4,
    ...                    declines=1, escalations=0, expired=0, cancelled=0, open_tasks=2,
    ...                    couriers_online=5, order_to_delivery_median_min=20.0,
    ...                    meals_delivered=0, meals_hot=0, checkins_done=1, points=15)
    >>> out = plot_intervals([row], pathlib.Path(tempfile.mkdtemp()) / "day.png")
    >>> out.suffix, out.stat().st_size > 1000
    ('.png', True)
    """
    r = rows
    panels = [
        _Panel("Errands per interval", [
            _Series("ordered", [x.orders for x in r], "bar", "#9ecae1"),
            _Series("delivered", [x.delivered for x in r], "o-", "#08519c"),
            _Series("escalated", [x.escalations for x in r], "s--", "#d94801"),
        ]),
        _Panel("At the end of each interval", [
            _Series("errands open", [x.open_tasks for x in r], "o-", "#6a51a3"),
            _Series("couriers online", [x.couriers_online for x in r], "^-", "#238b45"),
        ]),
        _Panel("Waiting and offers", [
            _Series("order to delivery, median", [x.order_to_delivery_median_min for x in r],
                    "o-", "#08519c"),
            _Series("offers", [x.offers for x in r], "^:", "#525252", right=True),
            _Series("declines", [x.declines for x in r], "v:", "#d94801", right=True),
        ], left="minutes", right="offers, declines"),
        _Panel("Elder care and points", [
            _Series("meals", [x.meals_delivered for x in r], "bar", "#fdae6b"),
            _Series("meals hot", [x.meals_hot for x in r], "o-", "#a63603"),
            _Series("check-ins", [x.checkins_done for x in r], "s-", "#31a354"),
            _Series("points", [x.points for x in r], "d--", "#756bb1", right=True),
        ], right="points"),
    ]  # fmt: skip
    return _draw(rows, panels, path, title)


def plot_mdrp(points: Sequence[KpiPoint], path: str | Path, *, title: str | None = None) -> Path:
    """Draw an MDRP day's time series (:func:`dispatch.mdrp.kpi_series`) as four panels.

    Orders placed, delivered and delivered past the target per interval;
    orders open and couriers on duty; the mean click-to-door time of the
    orders delivered; the couriers' busy share.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch.mdrp import KpiPoint
    >>> point = KpiPoint(start_s=0, end_s=1800, placed=4, delivered=3,
    ...                  click_to_door_mean_min=31.0, over_target=0, open_orders=1,
    ...                  couriers_on_duty=2.0, utilisation=0.6)
    >>> plot_mdrp([point], pathlib.Path(tempfile.mkdtemp()) / "mdrp.png").suffix
    '.png'
    """
    p = points
    panels = [
        _Panel("Orders per interval", [
            _Series("placed", [x.placed for x in p], "bar", "#9ecae1"),
            _Series("delivered", [x.delivered for x in p], "o-", "#08519c"),
            _Series("past the target", [x.over_target for x in p], "s--", "#d94801"),
        ]),
        _Panel("At the end of each interval", [
            _Series("orders open", [x.open_orders for x in p], "o-", "#6a51a3"),
            _Series("couriers on duty", [x.couriers_on_duty for x in p], "^-", "#238b45"),
        ]),
        _Panel("Click to door", [
            _Series("mean of those delivered", [x.click_to_door_mean_min for x in p], "o-",
                    "#08519c"),
        ], left="minutes"),
        _Panel("Couriers", [
            _Series("busy share", [x.utilisation for x in p], "d-", "#756bb1"),
        ], left="share of duty time"),
    ]  # fmt: skip
    return _draw(points, panels, path, title)
