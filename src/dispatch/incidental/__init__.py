"""Incidental errands (顺手捎带): small tasks matched to couriers already on the road.

A rider or parcel courier on their own paid route takes a resident's errand
whose pickup and drop-off fit into that route with little detour.
:class:`CourierPlan` is a courier's live state; :class:`Matcher` prunes,
prices, assigns and repairs (see :mod:`dispatch.incidental._match`);
:meth:`Matcher.recommend` ranks couriers for one new errand.
"""

from dispatch.incidental._courier_plan import CourierPlan
from dispatch.incidental._exact import ExactMatching, exact_match
from dispatch.incidental._insertion import (
    CandidateBatch,
    ErrandArrays,
    Insertion,
    InsertionGrid,
    InsertionReason,
    InsertionResult,
    RouteArrays,
    RouteBatch,
    best_insertions,
    insertion_grid,
)
from dispatch.incidental._match import (
    Matcher,
    Matching,
    MatchOptions,
    MatchStats,
    Recommendation,
)

__all__ = [
    "CandidateBatch",
    "CourierPlan",
    "ErrandArrays",
    "ExactMatching",
    "Insertion",
    "InsertionGrid",
    "InsertionReason",
    "InsertionResult",
    "MatchOptions",
    "MatchStats",
    "Matcher",
    "Matching",
    "Recommendation",
    "RouteArrays",
    "RouteBatch",
    "best_insertions",
    "exact_match",
    "insertion_grid",
]
