"""A routing problem: tasks, couriers and the travel times between their places."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING

import attrs

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model._courier import Courier
from dispatch.model._tasks import Errand, MealDelivery, Task, Visit

if TYPE_CHECKING:
    from dispatch.travel import TravelTimes

__all__ = ["Problem"]


def _task_tuple(value: Iterable[Task]) -> tuple[Task, ...]:
    return tuple(value)


def _courier_tuple(value: Iterable[Courier]) -> tuple[Courier, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Problem:
    """Tasks to serve, couriers to serve them, and a travel-time model.

    Tasks and couriers are found by id (:meth:`task`, :meth:`courier`), never
    by equality: two identical errands with different ids are two errands.

    Examples
    --------
    >>> from dispatch import Courier, Errand, Location, MatrixTravel, Stop, TimeWindow
    >>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 90], [60, 0, 40], [90, 40, 0]])
    >>> p = Problem(
    ...     tasks=[Errand(id="e1", pickup=Stop(location=Location(node=1)),
    ...                   dropoff=Stop(location=Location(node=2)))],
    ...     couriers=[Courier(id="c1", start=Location(node=0), shift=TimeWindow(0, 3600),
    ...                       capacity=3)],
    ...     travel=travel,
    ... )
    >>> p.task("e1").id, p.dimensions
    ('e1', 1)
    >>> p.task("nope")
    Traceback (most recent call last):
    ...
    dispatch.errors.UnknownReferenceError: unknown task 'nope'
    """

    tasks: tuple[Task, ...] = attrs.field(converter=_task_tuple)
    couriers: tuple[Courier, ...] = attrs.field(converter=_courier_tuple)
    travel: TravelTimes

    def __attrs_post_init__(self) -> None:
        task_ids: set[str] = set()
        for task in self.tasks:
            if not isinstance(task, Errand | MealDelivery | Visit):
                raise InvalidInputError("Problem.tasks", f"expected a task, got {task!r}")
            if task.id in task_ids:
                raise InvalidInputError("Problem.tasks", f"task id {task.id!r} repeats")
            task_ids.add(task.id)
        courier_ids: set[str] = set()
        for courier in self.couriers:
            if not isinstance(courier, Courier):
                raise InvalidInputError("Problem.couriers", f"expected a Courier, got {courier!r}")
            if courier.id in courier_ids:
                raise InvalidInputError("Problem.couriers", f"courier id {courier.id!r} repeats")
            courier_ids.add(courier.id)
        dims = {len(c.capacity) for c in self.couriers}
        if len(dims) > 1:
            raise InvalidInputError(
                "Courier.capacity",
                f"all couriers need the same number of dimensions, got {sorted(dims)}",
            )
        n = dims.pop() if dims else None
        for task in self.tasks:
            if n is not None and len(task.load) != n and any(task.load):
                raise InvalidInputError(
                    f"{type(task).__name__}.load (id {task.id!r})",
                    f"has {len(task.load)} dimension(s), couriers have {n}",
                )

    @cached_property
    def _task_index(self) -> Mapping[str, Task]:
        return {t.id: t for t in self.tasks}

    @cached_property
    def _courier_index(self) -> Mapping[str, Courier]:
        return {c.id: c for c in self.couriers}

    @property
    def dimensions(self) -> int:
        """Number of capacity dimensions (1 when there are no couriers)."""
        return len(self.couriers[0].capacity) if self.couriers else 1

    def task(self, task_id: str) -> Task:
        """The task with this id; :class:`UnknownReferenceError` if there is none."""
        try:
            return self._task_index[task_id]
        except KeyError:
            raise UnknownReferenceError("task", task_id) from None

    def courier(self, courier_id: str) -> Courier:
        """The courier with this id; :class:`UnknownReferenceError` if there is none."""
        try:
            return self._courier_index[courier_id]
        except KeyError:
            raise UnknownReferenceError("courier", courier_id) from None

    def load_of(self, task: Task) -> tuple[int, ...]:
        """The task's load with an all-zero load widened to every dimension."""
        if len(task.load) != self.dimensions and not any(task.load):
            return (0,) * self.dimensions
        return task.load
