"""The domain model: places, windows, tasks, couriers and problems."""

from dispatch.model._courier import Courier, OwnStop, TravelProfile
from dispatch.model._location import Location
from dispatch.model._problem import Problem
from dispatch.model._tasks import Errand, MealDelivery, PairedTask, Stop, Task, Visit
from dispatch.model._time import TimeWindow, to_windows

__all__ = [
    "Courier",
    "Errand",
    "Location",
    "MealDelivery",
    "OwnStop",
    "PairedTask",
    "Problem",
    "Stop",
    "Task",
    "TimeWindow",
    "TravelProfile",
    "Visit",
    "to_windows",
]
