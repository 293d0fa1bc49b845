"""How the simulated people behave, and how the run is measured: :class:`SimulationOptions`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from dispatch.eldercare import DayOptions
from dispatch.errors import InvalidInputError
from dispatch.model._checks import non_negative_int, positive_int
from dispatch.online import DispatchOptions
from dispatch.points import PointsRules
from dispatch.solver import SolveOptions

__all__ = ["ACCEPT_P", "POINTS", "SimulationOptions"]

ACCEPT_P: Mapping[str, float] = {"food": 0.6, "parcel": 0.7, "ride": 0.5, "volunteer": 0.85}
"""Chance that a courier of each category accepts an offer they answer."""

POINTS = PointsRules(
    kinds={"groceries": 10, "medicine": 12, "water": 12, "clothes": 8, "hazard_visit": 15},
    default=10,
    on_time_bonus=5,
    priority_at_least=2,
    priority_bonus=3,
    rating_bonus={4: 1, 5: 3},
)
"""The points policy of the simulated communities."""


def _probability(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidInputError(
            f"SimulationOptions.{attribute.name}", f"must be a number in [0, 1], got {value!r}"
        )


def _probabilities(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    for key, p in value.items():
        if not isinstance(key, str):
            raise InvalidInputError(
                f"SimulationOptions.{attribute.name}", f"keys are categories, got {key!r}"
            )
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise InvalidInputError(
                f"SimulationOptions.{attribute.name}[{key!r}]", f"must be in [0, 1], got {p!r}"
            )


def _noise(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 <= value <= 1:
        raise InvalidInputError(
            f"SimulationOptions.{attribute.name}", f"must be a number in [0, 1], got {value!r}"
        )


def _mapping(value: Mapping[str, float]) -> dict[str, float]:
    return dict(value)


def _meal_options() -> DayOptions:
    return DayOptions(
        solve=SolveOptions(time_limit_s=None, solution_limit=5, metaheuristic="greedy_descent")
    )


@attrs.frozen(kw_only=True)
class SimulationOptions:
    """The behaviour of residents, couriers and staff, and how the day is measured.

    Parameters
    ----------
    accept_p, default_accept_p
        Chance that a courier of a category (``accept_p``, else
        ``default_accept_p``) accepts an offer they answer; otherwise they decline.
    no_answer_p
        Chance that a courier does not answer an offer at all (it expires).
    response_delay_s
        Mean seconds before a courier answers (exponential, at least 5 s).
    travel_noise
        Standard deviation of the log of each leg's travel-time factor: a leg
        planned at ``t`` takes ``t * exp(N(0, travel_noise))`` (clipped to
        0.5-3 times ``t``).
    position_every_s
        A moving courier reports where they are this often (and at every stop).
    tick_every_s
        The clock tick: offer and task expiry, escalation, re-optimisation on
        the dispatcher's own cadence (``dispatch.reoptimise_every_s``).
    cancel_p, cancel_after_s
        Chance that a resident cancels an order, and the mean delay (exponential).
    fail_p
        Chance that nobody is home at a drop-off (the courier reports the task failed).
    staff_delay_s
        Community staff look at their queue (escalations, alerts, hazard
        tickets) this long after an item arrives.
    staff_reposts
        How often staff send an escalated or declined-by-all task back to dispatch.
    visit_p
        Chance that staff answer a hazard ticket with a follow-up visit (else
        they close it, passed to the property manager).
    rating_p
        Chance that a resident rates a delivered errand.
    interval_s
        Width of the time series' intervals.
    dispatch
        The dispatcher's options (offer time-to-live, escalation, cadence).
    meals
        How the day's meal round is planned (:func:`dispatch.eldercare.plan_day`;
        deterministic by default: a solution limit, no time limit); None = no
        meal round.
    points
        The points policy the ledger books at the end of the day.
    audit
        Check, after every command, that each task is held by at most one
        courier, and check every route an offer implies with
        :func:`dispatch.validate` (slow; for tests).

    Examples
    --------
    >>> SimulationOptions().accept_probability("volunteer")
    0.85
    >>> SimulationOptions(no_answer_p=1.5)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: SimulationOptions.no_answer_p: must be a number in ...
    """

    accept_p: Mapping[str, float] = attrs.field(
        factory=lambda: dict(ACCEPT_P), converter=_mapping, validator=_probabilities
    )
    default_accept_p: float = attrs.field(default=0.7, validator=_probability)
    no_answer_p: float = attrs.field(default=0.1, validator=_probability)
    response_delay_s: int = attrs.field(default=60, validator=positive_int)
    travel_noise: float = attrs.field(default=0.15, validator=_noise)
    position_every_s: int = attrs.field(default=300, validator=positive_int)
    tick_every_s: int = attrs.field(default=60, validator=positive_int)
    cancel_p: float = attrs.field(default=0.03, validator=_probability)
    cancel_after_s: int = attrs.field(default=1200, validator=positive_int)
    fail_p: float = attrs.field(default=0.01, validator=_probability)
    staff_delay_s: int = attrs.field(default=600, validator=non_negative_int)
    staff_reposts: int = attrs.field(default=1, validator=non_negative_int)
    visit_p: float = attrs.field(default=0.5, validator=_probability)
    rating_p: float = attrs.field(default=0.3, validator=_probability)
    interval_s: int = attrs.field(default=1800, validator=positive_int)
    dispatch: DispatchOptions = attrs.field(
        factory=lambda: DispatchOptions(snapshot_every=None),
        validator=attrs.validators.instance_of(DispatchOptions),
    )
    meals: DayOptions | None = attrs.field(
        factory=_meal_options,
        validator=attrs.validators.optional(attrs.validators.instance_of(DayOptions)),
    )
    points: PointsRules = attrs.field(
        default=POINTS, validator=attrs.validators.instance_of(PointsRules)
    )
    audit: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))

    def accept_probability(self, category: str | None) -> float:
        """The chance a courier of ``category`` accepts an offer they answer."""
        if category is None:
            return self.default_accept_p
        return float(self.accept_p.get(category, self.default_accept_p))
