"""Residents' feedback: one rating (1 to 5 stars) and an optional comment per delivered task.

Only the resident who ordered the task (or on whose behalf staff ordered it)
may rate it, once, after it is delivered. The rating is a ``feedback.rated``
event in the dispatcher's store under the key ``feedback:<task>``, so two
ratings of one task can never both be stored, even from two processes. The
courier's rating bonus, if the points rules give one, is booked later by
:func:`~dispatch.points.award_pending`.

Examples
--------
>>> from dispatch.store import MemoryEventStore
>>> from dispatch.online import Actor
>>> rate_task(MemoryEventStore(), Actor.resident("r1", "xinhua"), "t1", 5, recorded_s=0)
Traceback (most recent call last):
...
dispatch.errors.UnknownReferenceError: unknown task 't1'
"""

from __future__ import annotations

from dispatch.errors import DispatchError, InvalidInputError, UnknownReferenceError
from dispatch.online._errors import PermissionDeniedError
from dispatch.online._roles import Actor, Role
from dispatch.points._entries import FEEDBACK_RATED, Feedback, feedback_from, feedback_payload
from dispatch.points._history import History, read_history
from dispatch.points._ledger import append_once
from dispatch.store._events import EventStore, NewEvent

__all__ = ["MAX_COMMENT_CHARS", "AlreadyRatedError", "NotDeliveredError", "rate_task"]

MAX_COMMENT_CHARS = 500
"""The longest comment a resident may leave."""


class NotDeliveredError(DispatchError):
    """A task that is not delivered (yet, or ever) cannot be rated.

    Examples
    --------
    >>> str(NotDeliveredError("t3", "picked_up"))
    "task 't3' is picked_up: only a delivered task can be rated"
    """

    def __init__(self, task_id: str, state: str) -> None:
        self.task_id = task_id
        self.state = state
        super().__init__(f"task {task_id!r} is {state}: only a delivered task can be rated")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.task_id, self.state))


class AlreadyRatedError(DispatchError):
    """The task has its rating already; a rating is never changed.

    Examples
    --------
    >>> str(AlreadyRatedError("t3"))
    "task 't3' was rated already (a task is rated once)"
    """

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        super().__init__(f"task {task_id!r} was rated already (a task is rated once)")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.task_id,))


def _check_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInputError("rating", f"must be an int from 1 to 5, got {rating!r}")
    return rating


def _check_comment(comment: object) -> str | None:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidInputError("comment", f"must be a string, got {type(comment).__name__}")
    text = comment.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInputError(
            "comment", f"must be at most {MAX_COMMENT_CHARS} characters, got {len(text)}"
        )
    return text or None


def rate_task(
    store: EventStore,
    actor: Actor,
    task_id: str,
    rating: int,
    comment: str | None = None,
    *,
    recorded_s: int,
    history: History | None = None,
) -> Feedback:
    """The resident who ordered ``task_id`` rates it: ``rating`` stars and an optional comment.

    Repeating exactly the same rating (a retry) returns the stored one; any
    other second rating is refused. ``history`` is :func:`read_history` of
    ``store``, when the caller has it at hand. The comment is stored
    stripped (an empty one as None).

    Raises
    ------
    InvalidInputError
        A rating that is not an int from 1 to 5; a comment that is not a
        string or is too long (:data:`MAX_COMMENT_CHARS`).
    UnknownReferenceError
        No such task.
    PermissionDeniedError
        ``actor`` is not the resident who ordered the task.
    NotDeliveredError
        The task is not delivered.
    AlreadyRatedError
        The task was rated before.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    stars = _check_rating(rating)
    text = _check_comment(comment)
    history = read_history(store) if history is None else history
    task = history.tasks.get(task_id)
    if task is None:
        raise UnknownReferenceError("task", task_id)
    ordered_by = task.resident_id
    if not (
        actor.role is Role.RESIDENT and ordered_by == actor.id and actor.community == task.community
    ):
        raise PermissionDeniedError(
            actor.label, "rate", f"only the resident who ordered task {task_id!r} may rate it"
        )
    if task.courier_id is None or not task.delivered:
        raise NotDeliveredError(task_id, task.state.value)
    wanted = Feedback(
        task_id=task_id,
        resident_id=actor.id,
        community=task.community,
        courier_id=task.courier_id,
        rating=stars,
        comment=text,
        recorded_s=recorded_s,
        seq=0,
    )
    earlier = history.feedback.get(task_id)
    if earlier is None:
        stored, _ = append_once(
            store,
            f"feedback:{task_id}",
            [NewEvent(FEEDBACK_RATED, feedback_payload(wanted))],
            recorded_s=recorded_s,
            command={"name": "rate", "task": task_id, "resident": actor.id},
        )
        earlier = feedback_from(stored[0])
    if (earlier.resident_id, earlier.rating, earlier.comment) != (actor.id, stars, text):
        raise AlreadyRatedError(task_id)
    return earlier
