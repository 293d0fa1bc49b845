"""The dispatcher's knobs: :class:`DispatchOptions`."""

from __future__ import annotations

import attrs

from dispatch.incidental import MatchOptions
from dispatch.model._checks import non_negative_int, optional, positive_int

__all__ = ["DispatchOptions"]


@attrs.frozen(kw_only=True)
class DispatchOptions:
    """How long offers last, when to escalate, how often to re-optimise and snapshot.

    Parameters
    ----------
    offer_ttl_s
        An offer expires this many seconds after it is made; an expired offer
        counts as a decline and the task moves to the next candidate.
    max_declines
        After this many declines (or expiries) the task is escalated to the
        community staff.
    escalate_before_s
        A task not accepted this close to its deadline is escalated.
    reoptimise_every_s
        :meth:`Dispatcher.tick` re-optimises when this many seconds have
        passed since the last re-optimisation; None = only when asked.
    reoptimise_on_courier_change
        Also re-optimise (in the same command) when a courier goes online or
        offline.
    snapshot_every
        Save a snapshot after this many events since the last one; None = never.
    visit_deadline_s, visit_service_s
        Defaults for follow-up visits spawned from hazard tickets.
    conflict_retries
        Another writer on the same store (a second dispatcher process, the
        points ledger) may append between this dispatcher's decision and its
        append; the append then fails with
        :class:`~dispatch.store.ConcurrencyError`, nothing is written, and the
        dispatcher folds in the other writer's events
        (:meth:`Dispatcher.refresh`) and decides again, at most this many
        times before the error reaches the caller.
    snapshot_max_age_s
        Requests are ranked on a snapshot of the couriers' routes taken at most
        this many seconds earlier, as long as no courier and no task they hold
        has changed since (then a new one is taken). Positions are reported
        every so often anyway; accept re-checks caps and capacity.
    match
        Options of the incidental matcher (ranking and re-optimisation). The
        default leaves out the matcher's two improvement steps (ejection moves
        and neighbourhood re-packing): with them a re-optimisation of 2,000
        open tasks on 200 couriers takes 5-9 s instead of under one (see
        ``benchmarks/online.py``); turn them on when the cadence allows.

    Examples
    --------
    >>> DispatchOptions(offer_ttl_s=60).max_declines
    3
    >>> DispatchOptions(offer_ttl_s=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: DispatchOptions.offer_ttl_s: must be >= 1, got 0
    """

    offer_ttl_s: int = attrs.field(default=300, validator=positive_int)
    max_declines: int = attrs.field(default=3, validator=positive_int)
    escalate_before_s: int = attrs.field(default=900, validator=non_negative_int)
    reoptimise_every_s: int | None = attrs.field(default=900, validator=optional(positive_int))
    reoptimise_on_courier_change: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
    snapshot_every: int | None = attrs.field(default=1000, validator=optional(positive_int))
    visit_deadline_s: int = attrs.field(default=4 * 3600, validator=positive_int)
    visit_service_s: int = attrs.field(default=300, validator=non_negative_int)
    snapshot_max_age_s: int = attrs.field(default=30, validator=non_negative_int)
    conflict_retries: int = attrs.field(default=20, validator=non_negative_int)
    match: MatchOptions = attrs.field(
        factory=lambda: MatchOptions(improve=False, pack=False),
        validator=attrs.validators.instance_of(MatchOptions),
    )
