"""A community report as PNG charts: :func:`plot_report`.

matplotlib is an optional dependency (the ``plot`` extra). It is imported
only when a chart is drawn, on the non-interactive Agg backend; without it
:func:`plot_report` raises an ImportError that names the extra.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from dispatch.points._report import CommunityReport

__all__ = ["plot_report", "require_matplotlib"]

_MISSING = (
    "drawing report charts needs matplotlib, an optional dependency: "
    "pip install 'dispatch[plot]' (or pip install matplotlib)"
)


def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or the ImportError naming the extra."""
    try:
        importlib.import_module("matplotlib").use("Agg", force=True)
        return importlib.import_module("matplotlib.pyplot")
    except ImportError as error:
        raise ImportError(_MISSING) from error


def require_matplotlib() -> None:
    """Raise :func:`plot_report`'s ImportError now if matplotlib is missing."""
    _pyplot()


def plot_report(report: CommunityReport, path: str | Path, *, dpi: int = 100) -> Path:
    """Draw the report as four charts in one PNG at ``path``; returns the path.

    Requests and deliveries by kind; order-to-delivery times (minutes) with
    the median and 90th percentile marked; ratings by stars; the top
    volunteers' points.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    plt = _pyplot()
    path = Path(path)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), dpi=dpi)
    try:
        fig.suptitle(
            f"{report.community}: {report.period.first} to {report.period.last} "
            f"({report.requested} requests, {report.delivered} delivered)"
        )
        by_kind, times, ratings, top = axes[0][0], axes[0][1], axes[1][0], axes[1][1]
        kinds = [k.kind for k in report.by_kind]
        slots = range(len(kinds))
        by_kind.bar(
            [x - 0.2 for x in slots], [k.requested for k in report.by_kind], 0.4, label="requested"
        )
        by_kind.bar(
            [x + 0.2 for x in slots], [k.delivered for k in report.by_kind], 0.4, label="delivered"
        )
        by_kind.set_xticks(list(slots), kinds)
        by_kind.set_title("Requests by kind")
        by_kind.legend()
        minutes = [t / 60 for t in report.delivery_times_s]
        if minutes:
            times.hist(minutes, bins=min(20, max(1, len(minutes))), color="tab:gray")
            for value, label, style in (
                (report.median_s, "median", "-"),
                (report.p90_s, "90th percentile", "--"),
            ):
                if value is not None:
                    times.axvline(value / 60, color="tab:red", linestyle=style, label=label)
            times.legend()
        times.set_title("Order to delivery (minutes)")
        ratings.bar([str(k + 1) for k in range(5)], list(report.rating_counts), color="tab:orange")
        mean = "" if report.mean_rating is None else f", mean {report.mean_rating:.2f}"
        ratings.set_title(f"Ratings by stars ({report.ratings}{mean})")
        names = [f"{s.rank}. {s.courier_id}" for s in report.top][::-1]
        top.barh(names, [s.points for s in report.top][::-1], color="tab:green")
        top.set_title(f"Top volunteers (points issued {report.points_issued})")
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path
