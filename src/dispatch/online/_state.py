"""The dispatcher's state: a small mutable container that only :func:`apply` changes.

Why mutable: at 2,000 open tasks and 200 couriers, a persistent (copy on
write) mapping would copy thousands of entries per event, and a day's replay
folds tens of thousands of events. Here an event replaces one or two frozen
records in a dict, O(1). The records themselves are frozen attrs values, so
a record read from the state never changes under the reader's feet, and two
states compare equal exactly when their records do.

Nothing but :func:`dispatch.online._apply.apply` may mutate a state (the
dispatcher hands it out read-only by convention); commands decide on the
state as it is and describe their changes as events.

Examples
--------
>>> state = DispatchState()
>>> DispatchState.from_json(state.to_json()) == state
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from dispatch.online._codec import (
    alert_from,
    alert_json,
    courier_from,
    courier_json,
    task_from,
    task_json,
    ticket_from,
    ticket_json,
)
from dispatch.online._lifecycle import TERMINAL, TaskState
from dispatch.online._records import Alert, CourierRecord, HazardTicket, TaskRecord

__all__ = ["SNAPSHOT_VERSION", "DispatchState"]

SNAPSHOT_VERSION = 1
"""Version of the snapshot JSON that :meth:`DispatchState.to_json` writes."""


@attrs.define(kw_only=True)
class DispatchState:
    """Tasks, couriers, alerts and hazard tickets after event ``seq``.

    ``now_s`` is the latest command time seen (it never goes back);
    ``next_*`` are the serial numbers of the next ids; ``last_reoptimise_s``
    is when the last re-optimisation ran; ``rejected`` counts refused
    commands (permission errors). ``active`` (derived, not compared or
    stored) holds the ids of tasks not yet in a terminal state.

    Examples
    --------
    >>> state = DispatchState()
    >>> state.seq, list(state.active_tasks()), state.to_json()["version"]
    (0, [], 1)
    """

    seq: int = 0
    now_s: int = 0
    tasks: dict[str, TaskRecord] = attrs.field(factory=dict)
    couriers: dict[str, CourierRecord] = attrs.field(factory=dict)
    alerts: dict[str, Alert] = attrs.field(factory=dict)
    tickets: dict[str, HazardTicket] = attrs.field(factory=dict)
    next_task: int = 1
    next_alert: int = 1
    next_ticket: int = 1
    last_reoptimise_s: int | None = None
    rejected: int = 0
    active: set[str] = attrs.field(factory=set, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self.active = {k for k, t in self.tasks.items() if t.state not in TERMINAL}

    def active_tasks(self) -> Iterator[TaskRecord]:
        """Tasks not in a terminal state, in id order of creation."""
        for task_id in sorted(self.active, key=_serial):
            yield self.tasks[task_id]

    def in_state(self, *states: TaskState) -> list[TaskRecord]:
        """Active tasks in one of ``states``, in order of creation."""
        wanted = set(states)
        return [t for t in self.active_tasks() if t.state in wanted]

    def put_task(self, record: TaskRecord) -> None:
        """Store ``record`` (for :func:`apply` only)."""
        self.tasks[record.id] = record
        if record.state in TERMINAL:
            self.active.discard(record.id)
        else:
            self.active.add(record.id)

    def to_json(self) -> dict[str, Any]:
        """The state as JSON, for a snapshot (holds personal data: store it like the log)."""
        return {
            "version": SNAPSHOT_VERSION,
            "seq": self.seq,
            "now_s": self.now_s,
            "tasks": [task_json(t) for t in self.tasks.values()],
            "couriers": [courier_json(c) for c in self.couriers.values()],
            "alerts": [alert_json(a) for a in self.alerts.values()],
            "tickets": [ticket_json(t) for t in self.tickets.values()],
            "next_task": self.next_task,
            "next_alert": self.next_alert,
            "next_ticket": self.next_ticket,
            "last_reoptimise_s": self.last_reoptimise_s,
            "rejected": self.rejected,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DispatchState:
        """The state back from :meth:`to_json`.

        Raises ``KeyError``, ``TypeError`` or ``ValueError`` on a malformed
        snapshot (the dispatcher reports it as a store error).
        """
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"snapshot version {data.get('version')!r}, this reads {SNAPSHOT_VERSION}"
            )
        tasks = [task_from(t) for t in data["tasks"]]
        couriers = [courier_from(c) for c in data["couriers"]]
        alerts = [alert_from(a) for a in data["alerts"]]
        tickets = [ticket_from(t) for t in data["tickets"]]
        return cls(
            seq=data["seq"],
            now_s=data["now_s"],
            tasks={t.id: t for t in tasks},
            couriers={c.id: c for c in couriers},
            alerts={a.id: a for a in alerts},
            tickets={t.id: t for t in tickets},
            next_task=data["next_task"],
            next_alert=data["next_alert"],
            next_ticket=data["next_ticket"],
            last_reoptimise_s=data["last_reoptimise_s"],
            rejected=data["rejected"],
        )


def _serial(task_id: str) -> tuple[int, str]:
    digits = task_id.lstrip("t")
    return (int(digits), task_id) if digits.isdigit() else (0, task_id)
