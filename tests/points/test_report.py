"""Community reports against figures computed by hand on the summer history (tests/points/town.py).

Hand computation for xinhua, 1 July to 30 September 2026 (Q3):

- Ordered: t1 groceries, t2 medicine, t3 meal, t4 groceries, t5 water, t7
  groceries = 6 requests; delivered all but t5 (cancelled): 5, served 5/6.
- Order to delivery: t1 30 min, t2 45, t3 20, t4 60, t7 90 -> sorted
  1200, 1800, 2700, 3600, 5400 s; median 2700 s; nearest-rank p90 =
  the ceil(0.9 * 5) = 5th = 5400 s.
- Escalated: t4 (its deadline was ten minutes away when ordered): 1.
- Ratings on these tasks: t1 5, t2 4, t4 2 -> 3 ratings, mean 11 / 3.
- Points earned in xinhua in Q3 (rules of town.RULES_TOML): t1 10 + 5
  on time = 15 and its 5-star bonus 3, t2 12 + 5 + 3 priority = 20 and its
  4-star bonus 1, t3 5 (default) + 5 + 4 elder = 14, t4 10 (late, its 2
  stars give 0), t7 15: c2 36, c1 28, c3 14; 78 in all (t6 is tianlin's,
  t8 was delivered in Q4).
"""

from __future__ import annotations

import csv
import datetime
import importlib
import struct
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.points.town import ORIGIN, RULES, at, config, rate_summer, summer

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.points import (
    CommunityReport,
    History,
    KindCount,
    Period,
    award_pending,
    community_report,
    plot_report,
    read_history,
    report_text,
    write_report_csv,
)
from dispatch.points._report import median, nearest_rank

Q3 = Period.quarter("2026Q3")


@pytest.fixture(scope="module")
def history() -> History:
    """The summer, rated and awarded (read-only for the tests of this module)."""
    town = summer()
    rate_summer(town.store)
    award_pending(town.store, RULES, recorded_s=at(100, 0))
    return read_history(town.store)


def test_quarter_report_matches_the_hand_computed_figures(history: History) -> None:
    """Xinhua's Q3: requests by kind, served share, median and p90, escalations, ratings, points."""
    report = community_report(history, config(), "xinhua", Q3)
    assert report.by_kind == (
        KindCount(kind="groceries", requested=3, delivered=3),
        KindCount(kind="meal", requested=1, delivered=1),
        KindCount(kind="medicine", requested=1, delivered=1),
        KindCount(kind="water", requested=1, delivered=0),
    )
    assert (report.requested, report.delivered) == (6, 5)
    assert report.served_share == pytest.approx(5 / 6)
    assert report.delivery_times_s == (1200, 1800, 2700, 3600, 5400)
    assert (report.median_s, report.p90_s) == (2700.0, 5400)
    assert report.escalated == 1
    assert report.rating_counts == (0, 1, 0, 1, 1)
    assert report.ratings == 3 and report.mean_rating == pytest.approx(11 / 3)
    assert (report.points_issued, report.rewards_issued) == (78, 0)
    assert [(s.rank, s.courier_id, s.points, s.tasks) for s in report.top] == [
        (1, "c2", 36, 2),
        (2, "c1", 28, 2),
        (3, "c3", 14, 1),
    ]


def test_one_day_report_separates_ordered_and_earned(history: History) -> None:
    """July 1 only: its two requests and their later ratings count; the bonuses earned Jul 3 not."""
    day = Period.days(ORIGIN, ORIGIN)
    report = community_report(history, config(), "xinhua", day)
    assert (report.requested, report.delivered) == (2, 2)
    assert report.delivery_times_s == (1800, 2700)
    assert (report.median_s, report.p90_s) == (2250.0, 2700)
    assert (report.ratings, report.mean_rating) == (2, 4.5)
    assert report.points_issued == 15 + 20
    assert [(s.courier_id, s.points) for s in report.top] == [("c2", 20), ("c1", 15)]


def test_report_of_a_quiet_period_has_no_figures_to_make_up(history: History) -> None:
    """A period without requests: zeros and None, never a division by zero."""
    quiet = Period.days(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
    report = community_report(history, config(), "xinhua", quiet)
    assert (report.requested, report.served_share, report.median_s, report.p90_s) == (
        0,
        None,
        None,
        None,
    )
    assert (report.mean_rating, report.points_issued, report.top) == (None, 0, ())
    assert "none" in report_text(report)


def test_report_text_is_the_expected_table(history: History) -> None:
    """The terminal table shows every figure, the kinds and the top volunteers with times."""
    text = report_text(community_report(history, config(), "xinhua", Q3), ORIGIN)
    assert text == "\n".join(
        [
            "Community report: xinhua, 2026-07-01 to 2026-09-30",
            "  requests ordered    6",
            "  delivered           5 (83.3 %)",
            "  order to delivery   median 45 min, 90th percentile 90 min",
            "  escalated to staff  1",
            "  ratings             3, mean 3.67",
            "  points issued       78 (rewards 0)",
            "",
            "Requests by kind",
            "  kind       requested  delivered   served",
            "  groceries          3          3  100.0 %",
            "  meal               1          1  100.0 %",
            "  medicine           1          1  100.0 %",
            "  water              1          0    0.0 %",
            "",
            "Top volunteers (points earned in the period)",
            "  rank  courier  points  tasks  reached",
            "     1  c2           36      2  2026-08-10 11:30",
            "     2  c1           28      2  2026-07-03 20:00",
            "     3  c3           14      1  2026-07-02 09:20",
        ]
    )


def test_csv_holds_the_same_figures(history: History, tmp_path: Path) -> None:
    """The CSV rows (section, item, value) carry the report's figures."""
    path = write_report_csv(community_report(history, config(), "xinhua", Q3), tmp_path / "r.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["section", "item", "value"]
    values = {(section, item): value for section, item, value in rows[1:]}
    assert values[("summary", "requested")] == "6"
    assert values[("summary", "served_share")] == "0.8333"
    assert values[("summary", "order_to_delivery_median_s")] == "2700"
    assert values[("summary", "order_to_delivery_p90_s")] == "5400"
    assert values[("summary", "mean_rating")] == "3.6667"
    assert values[("summary", "points_issued")] == "78"
    assert values[("requested_by_kind", "water")] == "1"
    assert values[("delivered_by_kind", "water")] == "0"
    assert values[("ratings_by_stars", "2")] == "1"
    tops = [(item, value) for section, item, value in rows if section == "top_volunteers"]
    assert tops == [("c2", "36"), ("c1", "28"), ("c3", "14")]


def test_csv_defuses_ids_that_look_like_formulas(tmp_path: Path) -> None:
    """A courier id or kind starting like a spreadsheet formula is written with an apostrophe."""
    report = CommunityReport(
        community="x",
        period=Q3,
        by_kind=(KindCount(kind="=cmd|calc", requested=1, delivered=0),),
        escalated=0,
        delivery_times_s=(),
        rating_counts=(0, 0, 0, 0, 0),
        points_issued=0,
        rewards_issued=0,
        top=(),
    )
    text = write_report_csv(report, tmp_path / "r.csv").read_text(encoding="utf-8")
    assert "'=cmd|calc" in text and ",=cmd" not in text


def test_png_charts_are_a_png_file(history: History, tmp_path: Path) -> None:
    """plot_report writes a PNG (signature, IHDR) of 11 x 8 inches at the asked dpi."""
    pytest.importorskip("matplotlib")
    path = plot_report(
        community_report(history, config(), "xinhua", Q3), tmp_path / "r.png", dpi=20
    )
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I4sII", data[8:24]) == (13, b"IHDR", 220, 160)


def test_png_without_matplotlib_names_the_plot_extra(
    history: History,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without matplotlib, plot_report raises ImportError telling to install dispatch[plot]."""
    real = importlib.import_module

    def no_matplotlib(name: str, package: str | None = None) -> object:
        if name.split(".")[0] == "matplotlib":
            raise ModuleNotFoundError("No module named 'matplotlib'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_matplotlib)
    report = community_report(history, config(), "xinhua", Q3)
    with pytest.raises(ImportError, match=r"dispatch\[plot\]"):
        plot_report(report, tmp_path / "r.png")
    assert not (tmp_path / "r.png").exists()


def test_report_needs_an_origin_and_a_known_community(history: History) -> None:
    """No calendar origin: InvalidInputError naming it; a community never seen: unknown."""
    with pytest.raises(InvalidInputError, match=r"calendar\.origin"):
        community_report(history, attrs.evolve(config(), origin=None), "xinhua", Q3)
    with pytest.raises(UnknownReferenceError, match="xinhau"):
        community_report(history, config(), "xinhau", Q3)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=40))
def test_p90_is_the_nearest_rank(values: list[int]) -> None:
    """p90 is a value of the list, at least 90 % are <= it, and fewer than 90 % are below it."""
    p90 = nearest_rank(values, 90)
    assert p90 in values
    assert 10 * sum(v <= p90 for v in values) >= 9 * len(values)
    assert 10 * sum(v < p90 for v in values) < 9 * len(values)


def test_median_of_odd_and_even_counts() -> None:
    """The middle value, or the mean of the two middle ones; None for no values."""
    assert (median([3, 1, 2]), median([4, 1, 3, 2]), median([])) == (2.0, 2.5, None)
