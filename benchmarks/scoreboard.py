"""Who beat whom in a side-by-side run, and how much of it holds over seeds.

``benchmarks/peers.py`` writes one row per instance, solver, budget and seed (see its
``row_of``). These functions read such rows:

- :func:`pairwise` compares two solvers instance by instance, on the ranking the
  literature uses (fewest vehicles, then the least distance), and compares their gaps
  on the instances where both used the same fleet. A mean gap taken over all instances
  rewards a solver that uses more vehicles than the best-known solution (its distance
  falls below the best-known one); the same-fleet means do not.
- :func:`spread` reduces per-seed summaries to the mean, lowest and highest value of each
  count, so that a target such as "best or tied on 90 % of the instances" is read with
  the run-to-run variance beside it.

>>> rows = [
...     {"instance": "a", "solver": "x", "solved": True, "vehicles": 3, "distance": 10.0,
...      "gap_pct": 0.0},
...     {"instance": "a", "solver": "y", "solved": True, "vehicles": 4, "distance": 9.0,
...      "gap_pct": -10.0},
... ]
>>> duel = pairwise(rows, ["x", "y"])
>>> duel["x"]["y"]["no_worse"], duel["y"]["x"]["no_worse"], duel["x"]["y"]["fewer_vehicles"]
(1, 0, 1)
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

Row = dict[str, Any]

__all__ = ["SPREAD_KEYS", "format_pairwise", "format_spread", "pairwise", "spread"]

#: The per-solver summary counts (``peers.summarise``) whose spread over seeds is reported.
SPREAD_KEYS = ("mean_gap_pct", "bks_vehicles_matched", "best_or_tied", "max_runtime_ratio")

_TOLERANCE = 1e-6  # distances closer than this tie


def _no_worse(mine: Row, theirs: Row) -> bool:
    """Whether ``mine`` ranks at least as high as ``theirs``: solved, then fewer vehicles,
    then no more distance."""
    if not mine["solved"]:
        return False
    if not theirs["solved"]:
        return True
    if mine["vehicles"] != theirs["vehicles"]:
        return bool(mine["vehicles"] < theirs["vehicles"])
    return bool(mine["distance"] <= theirs["distance"] + _TOLERANCE)


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def pairwise(rows: Sequence[Row], solvers: Sequence[str]) -> dict[str, dict[str, Row]]:
    """Each solver against each other one, over the instances of ``rows`` (one budget, one seed).

    ``result[a][b]`` counts the instances where ``a`` ranks no worse than ``b``
    (``no_worse``, out of ``instances``), where both solved and ``a`` used fewer or more
    vehicles, and over the ``same_fleet`` instances (both solved with as many vehicles) the
    mean gap of each (``same_fleet_gap_pct``, ``their_same_fleet_gap_pct``).

    >>> rows = [
    ...     {"instance": i, "solver": s, "solved": True, "vehicles": 2, "distance": d,
    ...      "gap_pct": g}
    ...     for i, s, d, g in (("a", "x", 5.0, 0.0), ("a", "y", 5.5, 10.0),
    ...                        ("b", "x", 8.0, 1.0), ("b", "y", 7.0, -1.0))
    ... ]
    >>> x_vs_y = pairwise(rows, ["x", "y"])["x"]["y"]
    >>> x_vs_y["no_worse"], x_vs_y["instances"], x_vs_y["same_fleet"]
    (1, 2, 2)
    >>> x_vs_y["same_fleet_gap_pct"], x_vs_y["their_same_fleet_gap_pct"]
    (0.5, 4.5)
    """
    by_key = {(r["instance"], r["solver"]): r for r in rows}
    instances = list(dict.fromkeys(r["instance"] for r in rows))
    result: dict[str, dict[str, Row]] = {}
    for a in solvers:
        result[a] = {}
        for b in solvers:
            if a == b:
                continue
            pairs = [
                (by_key[(i, a)], by_key[(i, b)])
                for i in instances
                if (i, a) in by_key and (i, b) in by_key
            ]
            both = [(m, t) for m, t in pairs if m["solved"] and t["solved"]]
            same = [(m, t) for m, t in both if m["vehicles"] == t["vehicles"]]
            result[a][b] = {
                "instances": len(pairs),
                "no_worse": sum(_no_worse(m, t) for m, t in pairs),
                "fewer_vehicles": sum(m["vehicles"] < t["vehicles"] for m, t in both),
                "more_vehicles": sum(m["vehicles"] > t["vehicles"] for m, t in both),
                "same_fleet": len(same),
                "same_fleet_gap_pct": _mean(
                    [m["gap_pct"] for m, _ in same if m["gap_pct"] is not None]
                ),
                "their_same_fleet_gap_pct": _mean(
                    [t["gap_pct"] for _, t in same if t["gap_pct"] is not None]
                ),
            }
    return result


def spread(by_seed: Mapping[int, Mapping[str, Row]]) -> dict[str, Row]:
    """Per solver, each of :data:`SPREAD_KEYS` and each pairwise ``no_worse`` count over seeds.

    ``by_seed`` maps a seed to a per-solver summary (``peers.summarise``, with the
    ``against`` counts of :func:`pairwise`). Each value becomes ``{"mean", "min", "max"}``
    over the seeds where it is known.

    >>> by_seed = {
    ...     0: {"x": {"mean_gap_pct": 1.0, "best_or_tied": 9, "against": {"y": {"no_worse": 9}}}},
    ...     1: {"x": {"mean_gap_pct": 2.0, "best_or_tied": 7, "against": {"y": {"no_worse": 8}}}},
    ... }
    >>> out = spread(by_seed)["x"]
    >>> out["mean_gap_pct"], out["best_or_tied"]["min"], out["no_worse"]["y"]["max"]
    ({'mean': 1.5, 'min': 1.0, 'max': 2.0}, 7, 9)
    """
    summaries = list(by_seed.values())
    solvers = list(dict.fromkeys(name for s in summaries for name in s))
    result: dict[str, Row] = {}
    for solver in solvers:
        mine = [s[solver] for s in summaries if solver in s]
        entry: Row = {"seeds": len(mine)}
        for key in SPREAD_KEYS:
            entry[key] = _range([m.get(key) for m in mine])
        peers = list(dict.fromkeys(p for m in mine for p in m.get("against", {})))
        entry["no_worse"] = {
            peer: _range([m["against"][peer]["no_worse"] for m in mine if peer in m["against"]])
            for peer in peers
        }
        result[solver] = entry
    return result


def _range(values: Sequence[float | None]) -> Row | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return {"mean": round(statistics.fmean(known), 4), "min": min(known), "max": max(known)}


def format_pairwise(summary: Mapping[str, Row], solver: str) -> str:
    """One line per other solver: ``solver`` no worse on how many instances, fewer or more
    vehicles, and the same-fleet comparison."""
    lines = []
    for a, row in summary.items():
        if a != solver:
            continue
        for b, duel in row.get("against", {}).items():
            same = duel["same_fleet"]
            mine, theirs = duel["same_fleet_gap_pct"], duel["their_same_fleet_gap_pct"]
            gaps = "-"
            if mine is not None and theirs is not None:
                gaps = f"{mine:+.2f} % against {theirs:+.2f} %"
            lines.append(
                f"{a} vs {b}: no worse on {duel['no_worse']}/{duel['instances']}; "
                f"fewer vehicles on {duel['fewer_vehicles']}, more on {duel['more_vehicles']}; "
                f"same fleet on {same}: {gaps}"
            )
    return "\n".join(lines)


def format_spread(result: Mapping[str, Row]) -> str:
    """The spread over seeds: each value as ``mean [min, max]``."""

    def cell(value: Row | None, fmt: str) -> str:
        if value is None:
            return "-"
        return f"{value['mean']:{fmt}} [{value['min']:{fmt}}, {value['max']:{fmt}}]"

    lines = [
        f"{'solver':<9}  {'mean gap %':>24}  {'BKS veh':>18}  {'best/tied':>18}  no worse than"
    ]
    for solver, s in result.items():
        against = "; ".join(f"{peer} {cell(v, '.4g')}" for peer, v in s["no_worse"].items())
        lines.append(
            f"{solver:<9}  {cell(s['mean_gap_pct'], '+.2f'):>24}  "
            f"{cell(s['bks_vehicles_matched'], '.4g'):>18}  {cell(s['best_or_tied'], '.4g'):>18}  "
            f"{against}"
        )
    lines.append("each cell: the mean over the seeds [lowest, highest]")
    return "\n".join(lines)
