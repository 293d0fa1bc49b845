"""Rankings: scopes, competition ranks with ties, corrections, quarterly and annual awards."""

from __future__ import annotations

import pytest
from tests.points.town import RULES, Town, at, config, rate_summer, summer

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.online import Actor, PermissionDeniedError
from dispatch.points import (
    Period,
    PointsRules,
    Source,
    annual_awards,
    award_pending,
    quarter_award,
    ranking,
    read_history,
    record_award,
    reverse_entry,
)

Q3, Q4 = Period.quarter("2026Q3"), Period.quarter("2026Q4")
ADMIN = Actor.admin("root")
LATER = at(100, 0)


def awarded_summer() -> Town:
    """The summer, rated and awarded."""
    town = summer()
    rate_summer(town.store)
    award_pending(town.store, RULES, recorded_s=LATER)
    return town


def board(town: Town, period: Period = Q3, **scope: str) -> list[tuple[int, str, int, int]]:
    """(rank, courier, points, tasks) of a ranking of the town's store."""
    standings = ranking(read_history(town.store), config(), period, **scope).standings
    return [(s.rank, s.courier_id, s.points, s.tasks) for s in standings]


def test_summer_rankings_per_community_district_and_quarter() -> None:
    """Q3 xinhua (c2 36, c1 28, c3 14), the district adds tianlin's t6, Q4 holds t8 only."""
    town = awarded_summer()
    assert board(town, community="xinhua") == [(1, "c2", 36, 2), (2, "c1", 28, 2), (3, "c3", 14, 1)]
    assert board(town, community="tianlin") == [(1, "c2", 15, 1)]
    district = [(1, "c2", 51, 3), (2, "c1", 28, 2), (3, "c3", 14, 1)]
    assert board(town, district="xuhui") == district
    assert board(town) == district
    assert board(town, Q4, community="xinhua") == [(1, "c1", 15, 1)]


def test_equal_points_share_a_rank_and_display_by_time_then_id() -> None:
    """15, 15, 15, 14 ranks 1, 1, 1, 4; c2 and c4 reached 15 at the same second: id order."""
    town = Town()
    town.online(at_s=at(0, 8))
    c2 = town.order("xinhua", "r1", "groceries", "c2", at(0, 8, 30))
    c4 = town.order("xinhua", "r2", "groceries", "c4", at(0, 8, 30), spot=1)
    town.deliver(c4, at(0, 9))
    town.deliver(c2, at(0, 9))
    town.errand("xinhua", "r1", "groceries", "c1", at(0, 9, 30), at(0, 10), spot=2)
    town.errand("xinhua", "r2", "meal", "c3", at(0, 7 + 4), at(0, 11, 30), spot=3)
    award_pending(town.store, RULES, recorded_s=LATER)
    assert board(town, community="xinhua") == [
        (1, "c2", 15, 1),
        (1, "c4", 15, 1),
        (1, "c1", 15, 1),
        (4, "c3", 14, 1),
    ]
    award = quarter_award(read_history(town.store), config(), Q3, community="xinhua")
    assert [s.courier_id for s in award.winners] == ["c2", "c4", "c1"]  # top 2, tie at 1


def test_a_reversal_counts_in_the_quarter_of_the_entry_it_reverses() -> None:
    """Reversing t7 (Q3) on day 100 (Q4) lowers c2's Q3 total; Q4 is untouched; c1 moves up."""
    town = awarded_summer()
    before_q4 = board(town, Q4, community="xinhua")
    reverse_entry(
        town.store, "award:t7", reason="delivered twice", actor=ADMIN, recorded_s=at(100, 1)
    )
    assert board(town, community="xinhua") == [(1, "c1", 28, 2), (2, "c2", 21, 1), (3, "c3", 14, 1)]
    assert board(town, Q4, community="xinhua") == before_q4


def test_a_correction_scores_the_task_again_under_new_rules() -> None:
    """Correcting t4 with groceries worth 30 replaces its 10 points: c1 48 in Q3."""
    town = awarded_summer()
    rules = PointsRules(kinds={"groceries": 30})
    booking = reverse_entry(
        town.store, "award:t4", reason="rule changed", actor=ADMIN, recorded_s=LATER, rules=rules
    )
    assert [(e.id, e.points) for e in booking.entries] == [
        ("reverse:award:t4", -10),
        ("award:t4:2", 30),
    ]
    assert board(town, community="xinhua")[0] == (1, "c1", 48, 2)
    history = read_history(town.store)
    live = history.live_award(Source.TASK, "t4")
    assert live is not None and live.id == "award:t4:2"


def test_reached_time_ignores_reversed_entries() -> None:
    """After its t1 rating bonus is reversed, c1 reached its total at t4's delivery."""
    town = awarded_summer()
    reverse_entry(town.store, "rating:t1", reason="mistake", actor=ADMIN, recorded_s=LATER)
    standings = ranking(read_history(town.store), config(), Q3, community="xinhua").standings
    c1 = next(s for s in standings if s.courier_id == "c1")
    assert (c1.points, c1.reached_s) == (25, at(1, 13))


def test_annual_awards_per_courier_category_are_booked_once() -> None:
    """2026: c1 best food courier (43), c2 best parcel courier (51); rewards booked once."""
    town = awarded_summer()
    history = read_history(town.store)
    awards = annual_awards(history, config(), 2026)
    assert [(a.id, [(s.courier_id, s.points) for s in a.winners]) for a in awards] == [
        ("2026:food", [("c1", 43)]),
        ("2026:parcel", [("c2", 51)]),
    ]
    before = board(town)
    first = record_award(town.store, awards[0], actor=ADMIN, recorded_s=LATER)
    again = record_award(town.store, awards[0], actor=ADMIN, recorded_s=LATER + 60)
    assert [(e.id, e.points, e.note) for e in first.entries] == [
        ("reward:2026:food:c1", 200, "2026 top 1 food couriers")
    ]
    assert (first.duplicate, again.duplicate, again.entries) == (False, True, first.entries)
    after = read_history(town.store)
    assert after.balance("c1") == history.balance("c1") + 200
    assert board(town) == before  # rewards never count for rankings


def test_quarter_awards_are_booked_by_their_staff_or_an_admin() -> None:
    """Xinhua's staff book xinhua's award; tianlin's staff may not; a district's needs an admin."""
    town = awarded_summer()
    history = read_history(town.store)
    xinhua = quarter_award(history, config(), Q3, community="xinhua")
    assert (xinhua.id, [s.courier_id for s in xinhua.winners]) == (
        "2026Q3:community:xinhua",
        ["c2", "c1"],
    )
    with pytest.raises(PermissionDeniedError):
        record_award(town.store, xinhua, actor=Actor.staff("s9", "tianlin"), recorded_s=LATER)
    booking = record_award(town.store, xinhua, actor=Actor.staff("s1", "xinhua"), recorded_s=LATER)
    assert [(e.courier_id, e.points, e.community) for e in booking.entries] == [
        ("c2", 50, "xinhua"),
        ("c1", 50, "xinhua"),
    ]
    district = quarter_award(history, config(), Q3, district="xuhui")
    with pytest.raises(PermissionDeniedError):
        record_award(town.store, district, actor=Actor.staff("s1", "xinhua"), recorded_s=LATER)
    assert record_award(town.store, district, actor=ADMIN, recorded_s=LATER).entries


def test_ranking_scope_errors() -> None:
    """Both a community and a district, an unknown district or community: clear errors."""
    history = read_history(awarded_summer().store)
    with pytest.raises(InvalidInputError, match="not both"):
        ranking(history, config(), Q3, community="xinhua", district="xuhui")
    with pytest.raises(UnknownReferenceError, match="minhang"):
        ranking(history, config(), Q3, district="minhang")
    with pytest.raises(UnknownReferenceError, match="xinhau"):
        ranking(history, config(), Q3, community="xinhau")
