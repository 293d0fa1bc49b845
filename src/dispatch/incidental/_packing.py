"""Re-packing neighbourhoods of couriers exactly: the matcher's last improvement step.

The flow assigns one errand per courier per round and the ejection moves
change one or two couriers at a time, so the plan can still miss a better
*combination*: courier A takes e1 and e2 where A taking e1 and e3 and B
taking e2 would serve one more errand. This step looks for such combinations
in small groups of couriers at once.

For each courier, its *candidates* are the errands it could take alone on its
own route, the most valuable ``pack_candidates`` of them, plus those it holds
now. Couriers sharing candidates are grouped into neighbourhoods of at most
``pack_couriers`` (breadth first from the lowest index not yet covered). In
a neighbourhood, every courier gets a pool of *columns*: its own route, its
current route, and routes with sets of up to ``pack_set_size`` of its
candidates, grown one errand at a time by the insertion kernel (each set
kept with its cheapest route found; from the second errand on, only the
``pack_beam`` cheapest sets of a size are grown further). Each column the next
level grows from is re-simulated in full; the last level's columns are priced
only (the kernel's cost, its feasibility exact), and simulated in full when
picked, so every route the step keeps is one that keeps every rule. A
set-packing model (CP-SAT) then picks one column per courier and each errand at
most once, maximising the matcher's objective, starting from the current
choice; the answer is never worse than what was there.

It is a heuristic: sets are grown greedily (the best position of each added
errand), and candidates and set sizes are bounded. With couriers taking at
most two errands, no maximum ride and a neighbourhood covering the whole
problem it prices the same sets as :func:`~dispatch.incidental.exact_match`,
except that a pair is built from the first errand's cheapest position only.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.incidental._arrays import Runs, lex_order, rank_in_runs
from dispatch.incidental._ortools_exact import repack
from dispatch.incidental._route import CourierRoute

if TYPE_CHECKING:
    from dispatch.incidental._match import Matcher

__all__ = ["repack_neighbourhoods"]

IntArray = npt.NDArray[np.int64]


@attrs.frozen(eq=False)
class _PricedColumn:
    """A column priced but not yet built: ``base`` with errand ``errand`` after points
    ``after_i`` and ``after_j``, ``busy_s`` as the insertion kernel priced it. The last
    level's columns stay so unless picked: a third of the routes re-packing priced."""

    base: CourierRoute
    errand: int
    after_i: int
    after_j: int
    busy_s: int

    def build(self, matcher: Matcher) -> CourierRoute | None:
        """The route, simulated in full (None if a rule breaks)."""
        return matcher._with(self.base, self.errand, self.after_i, self.after_j)


_Column = CourierRoute | _PricedColumn


def _candidates(
    matcher: Matcher, e_own: IntArray, v_own: IntArray, c_own: IntArray
) -> list[list[int]]:
    """Each courier's candidate errands: the most valuable alone on its own route, and its own."""
    weight = matcher.options.value_per_priority_s
    priority = matcher._facts.priority
    value = weight * priority[e_own] - c_own
    order = lex_order(e_own, -value, v_own)
    kept = order[rank_in_runs(v_own[order]) < matcher.options.pack_candidates]
    errands = e_own[kept].tolist()
    # kept is sorted by courier: each courier's candidates are one slice of it.
    bounds = np.searchsorted(v_own[kept], np.arange(len(matcher.routes) + 1)).tolist()
    out = [errands[bounds[v] : bounds[v + 1]] for v in range(len(matcher.routes))]
    for v, route in enumerate(matcher.routes):
        if route.tasks:
            out[v] += [e for e in route.task_indices if e not in out[v]]
    return out


def _neighbourhoods(
    candidates: list[list[int]], placed: npt.NDArray[np.bool_], size: int, limit: int
) -> list[list[int]]:
    """Couriers grouped breadth first through shared candidates, at most ``size`` per group.

    Seeds are taken in order of how many open errands are among their candidates
    (then by index), and at most ``limit`` groups are formed: where errands are
    still open is where a better combination can serve more.
    """
    sizes = [len(errands) for errands in candidates]
    flat = np.fromiter(itertools.chain.from_iterable(candidates), np.int64, count=sum(sizes))
    order = np.argsort(flat, kind="stable")  # each errand's couriers in index order
    owner = np.repeat(np.arange(len(candidates), dtype=np.int64), sizes)
    couriers_of = Runs.of(flat[order], owner[order], placed.size)
    covered = [not errands for errands in candidates]
    groups: list[list[int]] = []
    is_placed = placed.tolist()
    open_count = [sum(1 for e in errands if not is_placed[e]) for errands in candidates]
    for seed in sorted(range(len(candidates)), key=lambda v: (-open_count[v], v)):
        if len(groups) >= limit:
            break
        if covered[seed]:
            continue
        group: list[int] = []
        queue = deque([seed])
        covered[seed] = True
        while queue and len(group) < size:
            v = queue.popleft()
            group.append(v)
            room = size - len(group) - len(queue)  # couriers the queue may still take
            for e in candidates[v]:
                if room <= 0:
                    break
                for w in couriers_of[e]:
                    if not covered[w]:
                        covered[w] = True
                        queue.append(w)
                        room -= 1
                        if room == 0:
                            break
        groups.append(group)
    return groups


def _columns(
    matcher: Matcher, wanted: Sequence[tuple[int, list[int], int]], beam: int
) -> list[dict[frozenset[int], _Column]]:
    """Per ``(courier v, allowed errands, max set size)``: routes with sets of the allowed
    errands, grown one at a time.

    Every set of one errand is priced; each further level grows the ``beam``
    cheapest sets of the level before by each allowed errand. The couriers are
    independent; they are priced together, one kernel batch per level. A courier's last
    level is priced only (:class:`_PricedColumn`): nothing grows from it.
    """
    columns: list[dict[frozenset[int], _Column]] = []
    levels: list[dict[frozenset[int], CourierRoute]] = []
    for v, _, _ in wanted:
        own = matcher._own_routes[v]
        columns.append({frozenset(): own})
        levels.append({frozenset(): own})
    active = list(range(len(wanted)))
    depth = 0
    while active:
        depth += 1
        bases: list[tuple[frozenset[int], CourierRoute]] = []
        errands: list[int] = []
        base_of: list[int] = []
        spans: list[tuple[int, int, int]] = []
        for x in active:
            _, allowed, max_size = wanted[x]
            if depth > max_size:
                continue
            mine = list(levels[x].items())
            pairs = [
                (len(bases) + b, e)
                for b, (chosen, _) in enumerate(mine)
                for e in allowed
                if e not in chosen
            ]
            if not pairs:
                continue
            bases += mine
            spans.append((x, len(errands), len(errands) + len(pairs)))
            errands += [e for _, e in pairs]
            base_of += [b for b, _ in pairs]
        if not spans:
            break
        errand = np.array(errands, dtype=np.int64)
        base = np.array(base_of, dtype=np.int64)
        priced = matcher._price(errand, base, [route for _, route in bases])
        feasible = priced.feasible
        active = []
        for x, lo, hi in spans:
            last = depth == wanted[x][2]
            grown: dict[frozenset[int], CourierRoute] = {}
            pending: dict[frozenset[int], _PricedColumn] = {}
            for k in (lo + np.flatnonzero(feasible[lo:hi])).tolist():
                chosen, route = bases[int(base[k])]
                e = int(errand[k])
                key = chosen | {e}
                i, j = int(priced.pickup_after[k]), int(priced.dropoff_after[k])
                if last:
                    busy = route.busy_s + int(priced.added_busy_s[k])
                    if key not in pending or busy < pending[key].busy_s:
                        pending[key] = _PricedColumn(route, e, i, j, busy)
                    continue
                built = matcher._with(route, e, i, j)
                if built is not None and (key not in grown or built.busy_s < grown[key].busy_s):
                    grown[key] = built
            columns[x].update(pending)
            if not grown:
                continue
            columns[x].update(grown)
            # The next level grows only the cheapest sets of this one (a beam).
            kept = sorted(grown.items(), key=lambda item: (item[1].busy_s, sorted(item[0])))
            levels[x] = dict(kept[:beam])
            active.append(x)
    return columns


def repack_neighbourhoods(
    matcher: Matcher,
    placed: npt.NDArray[np.bool_],
    e_own: IntArray,
    v_own: IntArray,
    c_own: IntArray,
) -> int:
    """Re-pack every neighbourhood of couriers (see the module docstring); couriers changed."""
    opts = matcher.options
    weight = opts.value_per_priority_s
    priority = [e.priority for e in matcher.errands]
    candidates = _candidates(matcher, e_own, v_own, c_own)
    changed = 0
    holder = [-1] * len(matcher.errands)  # each errand's courier, -1 when open
    for v, route in enumerate(matcher.routes):
        for e in route.task_indices:
            holder[e] = v
    for group in _neighbourhoods(candidates, placed, opts.pack_couriers, opts.pack_limit):
        inside = set(group)
        owner: list[int] = []
        members: list[list[int]] = []
        value: list[int] = []
        routes: list[_Column] = []
        hint: list[int] = []
        errand_slot: dict[int, int] = {}
        wanted = []
        for v in group:
            cap = matcher.routes[v].courier.max_tasks
            max_size = opts.pack_set_size if cap is None else min(cap, opts.pack_set_size)
            # Errands held by couriers outside the group stay where they are.
            free = [e for e in candidates[v] if holder[e] < 0 or holder[e] in inside]
            wanted.append((v, free, max_size))
        pools = _columns(matcher, wanted, opts.pack_beam)
        for slot, v in enumerate(group):
            current = matcher.routes[v]
            columns = pools[slot]
            held = frozenset(current.task_indices)
            if held not in columns or columns[held].busy_s > current.busy_s:
                columns[held] = current
            baseline = matcher._own_routes[v].busy_s
            recent = int(matcher._recent[v])
            for chosen, column in columns.items():
                size = len(chosen)
                fairness = opts.fairness_s * (size * recent + size * (size - 1) // 2)
                if chosen == held:
                    hint.append(len(value))
                owner.append(slot)
                members.append([errand_slot.setdefault(e, len(errand_slot)) for e in chosen])
                detour = column.busy_s - baseline
                value.append(weight * sum(priority[e] for e in chosen) - detour - fairness)
                routes.append(column)
        picked = repack(owner, members, value, len(group), len(errand_slot), hint)
        if sorted(picked) == sorted(hint):
            continue
        chosen_routes = _built(matcher, [routes[k] for k in picked])
        if chosen_routes is None:
            continue  # a priced column broke a rule when simulated: keep the routes as they are
        for k, route in zip(picked, chosen_routes, strict=True):
            v = group[owner[k]]
            if route is not matcher.routes[v]:
                for e in matcher.routes[v].task_indices:
                    placed[e] = False
                    holder[e] = -1
                changed += 1
        for k, route in zip(picked, chosen_routes, strict=True):
            v = group[owner[k]]
            matcher.routes[v] = route
            for e in route.task_indices:
                placed[e] = True
                holder[e] = v
    return changed


def _built(matcher: Matcher, columns: Sequence[_Column]) -> list[CourierRoute] | None:
    """The columns as routes, the priced-only ones simulated in full now (None if one of
    them breaks a rule, which the kernel's pricing rules out)."""
    out: list[CourierRoute] = []
    for column in columns:
        route = column.build(matcher) if isinstance(column, _PricedColumn) else column
        if route is None:
            return None
        out.append(route)
    return out
