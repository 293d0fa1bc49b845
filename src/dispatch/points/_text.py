"""Aligned text tables for the terminal (CJK characters take two columns).

Examples
--------
>>> print("\\n".join(text_table([["courier", "points"], ["c1", "45"], ["新华", "5"]], {1})))
  courier  points
  c1           45
  新华          5
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence

__all__ = ["minutes_text", "text_table"]


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """The rows as lines of aligned columns, indented by two; columns in ``right`` right-aligned."""
    if not rows:
        return []
    widths = [max(_columns(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for c, cell in enumerate(row):
            pad = " " * (widths[c] - _columns(cell))
            cells.append(pad + cell if c in right else cell + pad)
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def minutes_text(seconds: float | None) -> str:
    """Seconds as whole minutes (``-`` for None).

    >>> minutes_text(5430), minutes_text(None)
    ('90 min', '-')
    """
    return "-" if seconds is None else f"{round(seconds / 60)} min"
