"""dispatch: community errands, elder meals and check-ins routed with couriers on the road.

The public API is re-exported here; see the submodules for details.
"""

from dispatch.errors import (
    DispatchError,
    DispatchWarning,
    FormatError,
    InvalidInputError,
    PrecisionWarning,
    SolverError,
    UnknownReferenceError,
    UnreachableError,
)
from dispatch.model import (
    Courier,
    Errand,
    Location,
    MealDelivery,
    OwnStop,
    PairedTask,
    Problem,
    Stop,
    Task,
    TimeWindow,
    TravelProfile,
    Visit,
)
from dispatch.plan import (
    ObjectiveParts,
    Plan,
    PlannedStop,
    Route,
    SolveStatus,
    StopRole,
    Unassigned,
    UnassignedReason,
)
from dispatch.solver import SolveOptions, solve
from dispatch.travel import MatrixTravel, TravelMatrix, TravelTimes
from dispatch.validation import PlanViolationError, Violation, ViolationKind, check, validate

__all__ = [
    "Courier",
    "DispatchError",
    "DispatchWarning",
    "Errand",
    "FormatError",
    "InvalidInputError",
    "Location",
    "MatrixTravel",
    "MealDelivery",
    "ObjectiveParts",
    "OwnStop",
    "PairedTask",
    "Plan",
    "PlanViolationError",
    "PlannedStop",
    "PrecisionWarning",
    "Problem",
    "Route",
    "SolveOptions",
    "SolveStatus",
    "SolverError",
    "Stop",
    "StopRole",
    "Task",
    "TimeWindow",
    "TravelMatrix",
    "TravelProfile",
    "TravelTimes",
    "Unassigned",
    "UnassignedReason",
    "UnknownReferenceError",
    "UnreachableError",
    "Violation",
    "ViolationKind",
    "Visit",
    "check",
    "solve",
    "validate",
]

__version__ = "0.1.0"
