"""The day's figures: they add up, the intervals sum to the day, JSON and PNG come out."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from dispatch.errors import InvalidInputError
from dispatch.simulate import SimulationResult
from dispatch.simulate._plot import plot_intervals


def test_intervals_add_up_to_the_day(audited: SimulationResult) -> None:
    """Orders, deliveries, offers, declines and escalations per interval sum to the day's."""
    k, rows = audited.kpis, audited.intervals
    assert rows[0].start_s == audited.start_s and rows[-1].end_s == audited.end_s
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(rows))
    assert sum(r.orders for r in rows) == k.orders
    assert sum(r.delivered for r in rows) == k.delivered
    assert sum(r.offers for r in rows) == k.offers
    assert sum(r.declines for r in rows) == k.declines
    assert sum(r.escalations for r in rows) == k.escalations
    assert sum(r.meals_delivered for r in rows) == k.meals_delivered
    assert sum(r.checkins_done for r in rows) == k.checkins_done
    assert sum(r.points for r in rows) == k.points_awarded
    assert rows[-1].open_tasks >= k.open_at_end


def test_figures_are_consistent(audited: SimulationResult) -> None:
    """Shares and medians lie where they must; hot and on-time meals are among those delivered."""
    k = audited.kpis
    assert 0 < k.served_share <= 1
    assert k.order_to_delivery_median_min is not None
    assert k.order_to_delivery_p90_min is not None
    assert 0 < k.order_to_delivery_median_min <= k.order_to_delivery_p90_min
    assert k.meals_hot <= k.meals_delivered <= k.meals_planned
    assert k.checkins_on_time <= k.checkins_done <= k.checkins_planned <= k.checkins_due
    assert k.points_awarded == sum(e.points for e in audited.points)
    assert k.couriers_with_errands <= k.couriers_online
    assert k.offers >= k.delivered


def test_json_holds_the_figures_and_the_series(audited: SimulationResult) -> None:
    """to_json() is plain JSON with the KPIs, every interval and the open errands."""
    data = json.loads(json.dumps(audited.to_json()))
    assert data["kpis"]["orders"] == audited.kpis.orders
    assert len(data["intervals"]) == len(audited.intervals)
    assert len(data["open_tasks"]) == audited.kpis.open_at_end
    assert data["errors"] == []


def test_table_names_every_figure(audited: SimulationResult) -> None:
    """The text table has one line per figure."""
    table = audited.kpis.table()
    assert len(table.splitlines()) == len(audited.kpis.rows())
    assert "order to delivery, median" in table and "points awarded" in table


def test_charts_are_drawn(audited: SimulationResult, tmp_path: Path) -> None:
    """plot_intervals writes a PNG; another extension is refused before drawing."""
    pytest.importorskip("matplotlib")
    out = plot_intervals(audited.intervals, tmp_path / "day.png", title="a day")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidInputError, match="PNG"):
        plot_intervals(audited.intervals, tmp_path / "day.svg")
