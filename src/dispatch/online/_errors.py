"""Errors of the online dispatcher: permissions, task transitions, full couriers.

All derive from :class:`~dispatch.errors.DispatchError`; none of their
messages carries personal data (names, phones, addresses), only ids, roles
and states, so they are safe to log.

Examples
--------
>>> from dispatch.errors import DispatchError
>>> err = InvalidTransitionError("t1", "accepted", "deliver")
>>> isinstance(err, DispatchError), str(err)
(True, "task 't1': cannot deliver a task that is accepted")
"""

from __future__ import annotations

from dispatch.errors import DispatchError

__all__ = ["CourierFullError", "InvalidTransitionError", "PermissionDeniedError"]


class PermissionDeniedError(DispatchError, PermissionError):
    """An actor tried something their role does not allow; the attempt is recorded.

    ``actor`` is ``"role:id"``, ``action`` the command's name, ``reason`` why
    it was refused (ids only, never personal data).

    Examples
    --------
    >>> str(PermissionDeniedError("courier:c2", "accept", "holds no offer for task 't1'"))
    "courier:c2 may not accept: holds no offer for task 't1'"
    """

    def __init__(self, actor: str, action: str, reason: str) -> None:
        self.actor = actor
        self.action = action
        self.reason = reason
        super().__init__(f"{actor} may not {action}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.actor, self.action, self.reason))


class InvalidTransitionError(DispatchError):
    """A task cannot take this step from its current state; nothing was changed.

    Examples
    --------
    >>> err = InvalidTransitionError("t9", "offered", "pick_up")
    >>> err.task_id, err.state, err.action
    ('t9', 'offered', 'pick_up')
    """

    def __init__(self, task_id: str, state: str, action: str) -> None:
        self.task_id = task_id
        self.state = state
        self.action = action
        super().__init__(f"task {task_id!r}: cannot {action} a task that is {state}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.task_id, self.state, self.action))


class CourierFullError(DispatchError):
    """A courier cannot accept one more task: a cap or the free capacity is reached.

    Examples
    --------
    >>> str(CourierFullError("c1", "t3", "errand cap reached (2 of 2 taken)"))
    "courier 'c1' cannot take task 't3': errand cap reached (2 of 2 taken)"
    """

    def __init__(self, courier_id: str, task_id: str, reason: str) -> None:
        self.courier_id = courier_id
        self.task_id = task_id
        self.reason = reason
        super().__init__(f"courier {courier_id!r} cannot take task {task_id!r}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.courier_id, self.task_id, self.reason))
