"""The Grubhub Meal Delivery Routing Problem (MDRP) instances, run through our dispatcher.

Reyes, Erera, Savelsbergh, Sahasrabudhe and O'Neil (2018) published 240
instances of a day of meal deliveries (``grubhub/mdrplib``): orders placed
through the day, each ready at its restaurant some minutes later, and
couriers on shifts. This package reads them (:func:`read_mdrp`), runs a day
under a policy in simulated time (:func:`run_mdrp`) -- our rolling-horizon
policy built on the incidental matcher (``"dispatch"``, see
:mod:`dispatch.mdrp._policy` for the model and why) or the greedy baseline
(``"greedy"``: each ready order to the nearest idle courier) -- checks the
executed day against the instance's rules (:func:`check_execution`) and
measures it as the benchmark does (:func:`mdrp_metrics`: orders delivered,
click-to-door, ready-to-pickup, ready-to-door, lateness, orders and bundles
per courier-hour, utilisation, courier pay), with a time series for charts
(:func:`kpi_series`).

Modules, one idea each: ``_instance`` (the value objects), ``_read`` (the
files), ``_travel`` (planar travel rounded up to whole minutes),
``_execution`` (the fleet executing committed stops, the executed day, its
check), ``_policy`` (our policy), ``_greedy`` (the baseline), ``_metrics``,
``_progress``, ``_run``.
"""

from dispatch.mdrp._execution import (
    Assignment,
    ExecutedStop,
    Execution,
    Fleet,
    OrderOutcome,
    check_execution,
    planar_travel,
)
from dispatch.mdrp._greedy import run_greedy
from dispatch.mdrp._instance import (
    MdrpCourier,
    MdrpInstance,
    MdrpOrder,
    MdrpParameters,
    MdrpRestaurant,
)
from dispatch.mdrp._metrics import KpiPoint, MdrpMetrics, kpi_series, mdrp_metrics
from dispatch.mdrp._policy import (
    DispatchPolicyOptions,
    PolicyStats,
    Stage,
    default_stages,
    run_dispatch_policy,
)
from dispatch.mdrp._progress import MdrpProgress
from dispatch.mdrp._read import INSTANCE_FILES, read_mdrp
from dispatch.mdrp._run import POLICIES, MdrpResult, run_mdrp
from dispatch.mdrp._travel import PlanarTravel

__all__ = [
    "INSTANCE_FILES",
    "POLICIES",
    "Assignment",
    "DispatchPolicyOptions",
    "ExecutedStop",
    "Execution",
    "Fleet",
    "KpiPoint",
    "MdrpCourier",
    "MdrpInstance",
    "MdrpMetrics",
    "MdrpOrder",
    "MdrpParameters",
    "MdrpProgress",
    "MdrpRestaurant",
    "MdrpResult",
    "OrderOutcome",
    "PlanarTravel",
    "PolicyStats",
    "Stage",
    "check_execution",
    "default_stages",
    "kpi_series",
    "mdrp_metrics",
    "planar_travel",
    "read_mdrp",
    "run_dispatch_policy",
    "run_greedy",
    "run_mdrp",
]
