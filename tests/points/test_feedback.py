"""Residents' feedback: once per delivered task, only by the resident who ordered it."""

from __future__ import annotations

import pytest
from tests.points.town import Town, at, summer

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.online import Actor, PermissionDeniedError
from dispatch.points import (
    MAX_COMMENT_CHARS,
    AlreadyRatedError,
    NotDeliveredError,
    rate_task,
    read_history,
)

R1, R2 = Actor.resident("r1", "xinhua"), Actor.resident("r2", "xinhua")
NOON = at(3, 12)


@pytest.fixture
def town() -> Town:
    """A fresh summer history (t1, t3, t5 ordered for r1; t2, t4, t7 for r2)."""
    return summer()


def test_the_ordering_resident_rates_a_delivered_task(town: Town) -> None:
    """The rating is stored with the task's courier and community; the comment is stripped."""
    feedback = rate_task(town.store, R1, "t1", 5, "  quick and kind ", recorded_s=NOON)
    assert (feedback.rating, feedback.comment, feedback.courier_id) == (5, "quick and kind", "c1")
    assert read_history(town.store).feedback["t1"] == feedback
    assert rate_task(town.store, R2, "t2", 3, "   ", recorded_s=NOON).comment is None


def test_a_resident_ordering_an_escalated_task_may_rate_it(town: Town) -> None:
    """t4 was ordered by r2 herself (escalated, then pinned by staff): r2 rates it."""
    assert rate_task(town.store, R2, "t4", 2, "late", recorded_s=NOON).courier_id == "c1"


@pytest.mark.parametrize(
    "actor",
    [
        Actor.resident("r2", "xinhua"),
        Actor.resident("r1", "tianlin"),
        Actor.courier("c1"),
        Actor.staff("s1", "xinhua"),
        Actor.admin("root"),
    ],
    ids=["other-resident", "same-id-other-community", "courier", "staff", "admin"],
)
def test_only_the_resident_who_ordered_may_rate(town: Town, actor: Actor) -> None:
    """Anyone but r1 rating r1's t1 is refused, and nothing is stored."""
    seq = town.store.last_seq()
    with pytest.raises(PermissionDeniedError, match="only the resident who ordered task 't1'"):
        rate_task(town.store, actor, "t1", 4, recorded_s=NOON)
    assert town.store.last_seq() == seq


def test_a_task_staff_posted_for_nobody_cannot_be_rated() -> None:
    """A staff order without on_behalf_of has no ordering resident: every resident is refused."""
    town = Town()
    town.online(["c1"], at_s=at(0, 8))
    task = town.order("xinhua", "r1", "groceries", "c1", at(0, 9), on_behalf=False)
    town.deliver(task, at(0, 9, 30))
    assert read_history(town.store).tasks[task].resident_id is None
    with pytest.raises(PermissionDeniedError):
        rate_task(town.store, R1, task, 5, recorded_s=NOON)


def test_a_task_not_delivered_cannot_be_rated(town: Town) -> None:
    """A cancelled task (t5) and a task still on its way are refused with NotDeliveredError."""
    with pytest.raises(NotDeliveredError, match="'t5' is cancelled"):
        rate_task(town.store, R1, "t5", 1, recorded_s=NOON)
    task = town.order("xinhua", "r1", "groceries", "c1", at(96, 9))
    with pytest.raises(NotDeliveredError, match="is accepted"):
        rate_task(town.store, R1, task, 5, recorded_s=at(96, 9, 1))


def test_a_task_is_rated_once_and_a_retry_is_not_a_second_rating(town: Town) -> None:
    """The same rating again returns the stored one; a different one is AlreadyRatedError."""
    first = rate_task(town.store, R1, "t1", 4, "ok", recorded_s=NOON)
    seq = town.store.last_seq()
    assert rate_task(town.store, R1, "t1", 4, "ok", recorded_s=NOON + 5) == first
    for stars, comment in ((5, "ok"), (4, "better"), (4, None)):
        with pytest.raises(AlreadyRatedError, match="'t1' was rated already"):
            rate_task(town.store, R1, "t1", stars, comment, recorded_s=NOON + 9)
    assert town.store.last_seq() == seq


def test_two_ratings_racing_store_one(town: Town) -> None:
    """A rating decided on a stale history still meets the store's key: the second is refused."""
    stale = read_history(town.store)
    rate_task(town.store, R1, "t1", 5, recorded_s=NOON, history=stale)
    with pytest.raises(AlreadyRatedError):
        rate_task(town.store, R1, "t1", 1, recorded_s=NOON, history=stale)
    assert read_history(town.store).feedback["t1"].rating == 5


@pytest.mark.parametrize("stars", [0, 6, -1, True, 4.5, "5", None])
def test_rating_must_be_one_to_five_stars(town: Town, stars: object) -> None:
    """Ratings outside 1..5 (or not ints) are InvalidInputError naming 'rating'."""
    with pytest.raises(InvalidInputError, match=r"^rating: must be an int from 1 to 5"):
        rate_task(town.store, R1, "t1", stars, recorded_s=NOON)  # type: ignore[arg-type]


def test_comment_must_be_short_text(town: Town) -> None:
    """A comment longer than the limit, or not a string, is InvalidInputError naming 'comment'."""
    with pytest.raises(InvalidInputError, match=r"^comment: must be at most 500 characters"):
        rate_task(town.store, R1, "t1", 5, "x" * (MAX_COMMENT_CHARS + 1), recorded_s=NOON)
    with pytest.raises(InvalidInputError, match=r"^comment: must be a string"):
        rate_task(town.store, R1, "t1", 5, 42, recorded_s=NOON)  # type: ignore[arg-type]
    assert rate_task(town.store, R1, "t1", 5, "y" * MAX_COMMENT_CHARS, recorded_s=NOON).comment


def test_unknown_task_is_an_unknown_reference(town: Town) -> None:
    """Rating a task that does not exist names it."""
    with pytest.raises(UnknownReferenceError, match="unknown task 't99'"):
        rate_task(town.store, R1, "t99", 5, recorded_s=NOON)
