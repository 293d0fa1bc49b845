"""A one-line progress bar for long solves on a terminal (``dispatch solve``).

It draws on a text stream (standard error by default) by rewriting one line
with a carriage return, so the output that scripts read on standard output
stays clean.
"""

from __future__ import annotations

from typing import TextIO

from dispatch.solver import SearchProgress

__all__ = ["ProgressBar"]


class ProgressBar:
    """Draw :class:`~dispatch.solver.SearchProgress` reports as a bar.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> bar = ProgressBar(stream, width=10)
    >>> bar(SearchProgress(elapsed_s=5.0, time_limit_s=10.0, solutions=3, best_objective=42))
    >>> stream.getvalue()
    '\\rsolving [#####.....]  5.0/10 s, 3 solutions, best 42 '
    >>> bar(SearchProgress(elapsed_s=9.9, time_limit_s=10.0, solutions=7, best_objective=40,
    ...                    done=True))
    >>> stream.getvalue().endswith("\\n")
    True
    """

    def __init__(self, stream: TextIO, *, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._drawn = 0

    def __call__(self, progress: SearchProgress) -> None:
        fraction = progress.fraction
        if fraction is None:
            head = f"solving {progress.elapsed_s:5.1f} s"
        else:
            filled = round(fraction * self._width)
            bar = "#" * filled + "." * (self._width - filled)
            head = f"solving [{bar}] {progress.elapsed_s:4.1f}/{progress.time_limit_s:g} s"
        best = "-" if progress.best_objective is None else f"{progress.best_objective}"
        line = f"{head}, {progress.solutions} solutions, best {best}"
        padding = " " * max(1, self._drawn - len(line))
        self._drawn = len(line)
        self._stream.write("\r" + line + padding)
        if progress.done:
            self._stream.write("\n")
        self._stream.flush()
