"""A task's lifecycle: its states, the actions on it, and the one transition table.

Each event that changes a task's state is one :class:`Action`, and each
action leads from a set of states to exactly one state (:data:`TRANSITIONS`).
Compound steps are sequences of actions recorded as several events in one
command: a decline moves the task back to ``submitted`` (``decline``) and the
dispatcher then offers it to the next candidate (``offer``), escalates it
(``escalate``) or gives up because every candidate declined (``decline_all``).
So ``submitted`` is a task waiting for a dispatch decision; after every
command every open task is offered, accepted, picked up or in the staff queue.

==================  ============  ========================================================
action              to            from
==================  ============  ========================================================
offer               offered       submitted
accept              accepted      offered
decline             submitted     offered
expire_offer        submitted     offered
withdraw            submitted     offered (re-optimised, pinned elsewhere, courier offline,
                                  deadline near)
release             submitted     accepted (the courier went offline before the pickup)
escalate            escalated     submitted
decline_all         declined_by_  submitted
                    all
repost              submitted     escalated, declined_by_all
pick_up             picked_up     accepted
deliver             delivered     picked_up
cancel              cancelled     submitted, offered, accepted, escalated, declined_by_all
fail                failed        accepted, picked_up
expire              expired       submitted, offered, escalated, declined_by_all
==================  ============  ========================================================

Examples
--------
>>> transition("t1", TaskState.OFFERED, Action.ACCEPT)
<TaskState.ACCEPTED: 'accepted'>
>>> transition("t1", TaskState.ACCEPTED, Action.DELIVER)
Traceback (most recent call last):
...
dispatch.online._errors.InvalidTransitionError: task 't1': cannot deliver a task that is accepted
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from dispatch.online._errors import InvalidTransitionError

__all__ = [
    "ACTION_OF_KIND",
    "HELD",
    "OPEN",
    "STAFF_QUEUE",
    "TERMINAL",
    "TRANSITIONS",
    "Action",
    "TaskState",
    "transition",
]


class TaskState(enum.Enum):
    """Where a task is in its life.

    Examples
    --------
    >>> TaskState("picked_up") in HELD, TaskState.DELIVERED in TERMINAL
    (True, True)
    """

    SUBMITTED = "submitted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    DECLINED_BY_ALL = "declined_by_all"
    EXPIRED = "expired"
    ESCALATED = "escalated"
    FAILED = "failed"


class Action(enum.Enum):
    """One step of a task's life; each is recorded as the event ``task.<value>``.

    Examples
    --------
    >>> Action.PICK_UP.event_kind, Action.PICK_UP.verb
    ('task.picked_up', 'pick_up')
    """

    OFFER = "offered"
    ACCEPT = "accepted"
    DECLINE = "declined"
    EXPIRE_OFFER = "offer_expired"
    WITHDRAW = "offer_withdrawn"
    RELEASE = "released"
    ESCALATE = "escalated"
    DECLINE_ALL = "declined_by_all"
    REPOST = "reposted"
    PICK_UP = "picked_up"
    DELIVER = "delivered"
    CANCEL = "cancelled"
    FAIL = "failed"
    EXPIRE = "expired"

    @property
    def verb(self) -> str:
        """The action's name as a verb (``pick_up``), for messages."""
        return self.name.lower()

    @property
    def event_kind(self) -> str:
        """The kind of the event that records this action."""
        return f"task.{self.value}"


S = TaskState
_FROM: Mapping[Action, tuple[frozenset[TaskState], TaskState]] = {
    Action.OFFER: (frozenset({S.SUBMITTED}), S.OFFERED),
    Action.ACCEPT: (frozenset({S.OFFERED}), S.ACCEPTED),
    Action.DECLINE: (frozenset({S.OFFERED}), S.SUBMITTED),
    Action.EXPIRE_OFFER: (frozenset({S.OFFERED}), S.SUBMITTED),
    Action.WITHDRAW: (frozenset({S.OFFERED}), S.SUBMITTED),
    Action.RELEASE: (frozenset({S.ACCEPTED}), S.SUBMITTED),
    Action.ESCALATE: (frozenset({S.SUBMITTED}), S.ESCALATED),
    Action.DECLINE_ALL: (frozenset({S.SUBMITTED}), S.DECLINED_BY_ALL),
    Action.REPOST: (frozenset({S.ESCALATED, S.DECLINED_BY_ALL}), S.SUBMITTED),
    Action.PICK_UP: (frozenset({S.ACCEPTED}), S.PICKED_UP),
    Action.DELIVER: (frozenset({S.PICKED_UP}), S.DELIVERED),
    Action.CANCEL: (
        frozenset({S.SUBMITTED, S.OFFERED, S.ACCEPTED, S.ESCALATED, S.DECLINED_BY_ALL}),
        S.CANCELLED,
    ),
    Action.FAIL: (frozenset({S.ACCEPTED, S.PICKED_UP}), S.FAILED),
    Action.EXPIRE: (
        frozenset({S.SUBMITTED, S.OFFERED, S.ESCALATED, S.DECLINED_BY_ALL}),
        S.EXPIRED,
    ),
}

TRANSITIONS: Mapping[tuple[TaskState, Action], TaskState] = {
    (source, action): target for action, (sources, target) in _FROM.items() for source in sources
}
"""The transition table: ``(state, action) -> next state``; anything missing is invalid."""

ACTION_OF_KIND: Mapping[str, Action] = {a.event_kind: a for a in Action}
"""Event kind -> the action it records."""

TERMINAL = frozenset({S.DELIVERED, S.CANCELLED, S.EXPIRED, S.FAILED})
"""States a task never leaves."""

OPEN = frozenset({S.SUBMITTED, S.OFFERED})
"""Work not yet accepted that the dispatcher moves on its own (re-optimisation)."""

HELD = frozenset({S.ACCEPTED, S.PICKED_UP})
"""A courier holds the task."""

STAFF_QUEUE = frozenset({S.ESCALATED, S.DECLINED_BY_ALL})
"""Waiting in the community staff's queue."""


def transition(task_id: str, state: TaskState, action: Action) -> TaskState:
    """The state after ``action``; :class:`InvalidTransitionError` if it is not allowed.

    Examples
    --------
    >>> transition("t1", TaskState.ESCALATED, Action.REPOST)
    <TaskState.SUBMITTED: 'submitted'>
    """
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise InvalidTransitionError(task_id, state.value, action.verb)
    return target
