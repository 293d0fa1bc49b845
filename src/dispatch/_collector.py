"""Python's cyclic garbage collector, paused around bulk work that makes no garbage cycles.

Matching a city's day makes some hundred thousand container objects (routes, their
stops, the plan) that all live until the plan is returned. While they are made, CPython
runs a young collection every 700 allocations, each finding nothing to free, and every
second match or so a full collection over the whole heap: the problem, its road graph,
the tables. Measured at 2,000 couriers x 5,000 errands (``gc.callbacks``): 160 young
collections and 15 middle ones, 0.06 s, in every match, and a full collection of 0.27 to
0.30 s in every other one. A match leaves about 4,400 objects in reference cycles,
which the first collection after it frees.

:func:`collector_paused` turns the collector off for the duration and back on after (as
Mercurial's ``util.nogc`` does around its bulk reads): the young collections are not
run at all, and the full ones come far less often, since they wait on the middle
generation's collections, which no longer run during the work.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["collector_paused"]

_lock = threading.Lock()
_holders = 0  # callers inside collector_paused(), on every thread
_restore = False  # whether the collector was on when the first of them came in


@contextlib.contextmanager
def collector_paused(pause: bool = True) -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off (``pause=False``: as it is).

    The collector is turned back on when the last block running on any thread ends, if it
    was on when the first began; a collector the host turned off stays off.

    Examples
    --------
    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _holders, _restore
    if not pause:
        yield
        return
    with _lock:
        if _holders == 0:
            _restore = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _restore:
                gc.enable()
