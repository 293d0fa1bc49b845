"""What a command returns: :class:`Outcome`."""

from __future__ import annotations

import attrs

from dispatch.store._events import StoredEvent

__all__ = ["Outcome"]


@attrs.frozen(kw_only=True)
class Outcome:
    """The events a command appended (or, for a repeated command id, had appended).

    Examples
    --------
    >>> from dispatch.store import StoredEvent
    >>> out = Outcome(command_id="c1", events=(
    ...     StoredEvent(1, "task.submitted", {"task": "t1"}, "c1", 60),
    ...     StoredEvent(2, "task.offered", {"task": "t1", "offer": {}}, "c1", 60)))
    >>> out.task_id, out.kinds, out.duplicate
    ('t1', ('task.submitted', 'task.offered'), False)
    """

    command_id: str
    events: tuple[StoredEvent, ...]
    duplicate: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of the events, in order."""
        return tuple(e.kind for e in self.events)

    def _first(self, key: str) -> str | None:
        for event in self.events:
            value = event.payload.get(key)
            if isinstance(value, str):
                return value
        return None

    @property
    def task_id(self) -> str | None:
        """The first task the events name (the new task, for an order)."""
        return self._first("task")

    @property
    def ticket_id(self) -> str | None:
        """The first hazard ticket the events name."""
        return self._first("ticket")

    @property
    def alert_ids(self) -> tuple[str, ...]:
        """The alerts raised."""
        return tuple(str(e.payload["alert"]) for e in self.events if e.kind == "alert.raised")
