"""The compiled loops of :mod:`dispatch.incidental._kernels`: kept out of ``import dispatch``,
in step with the Python enums, and usable where numba cannot cache.

The kernels' results are checked elsewhere against references that share no code with them:
the insertion kernel against brute-force simulation in ``test_insertion.py``, the pruning
scan against brute force and the geometric path in ``test_match.py``.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.incidental import InsertionReason, _kernels


def test_import_dispatch_does_not_import_numba() -> None:
    """`import dispatch` leaves numba (and the kernels) unimported: they load on first use."""
    code = (
        "import sys, dispatch, dispatch.incidental; "
        "print('numba' in sys.modules, 'dispatch.incidental._kernels' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_reason_codes_match_the_enum() -> None:
    """The kernel's reason constants are InsertionReason's values."""
    assert _kernels._FEASIBLE == InsertionReason.FEASIBLE
    assert _kernels._TIME == InsertionReason.TIME
    assert _kernels._CAPACITY == InsertionReason.CAPACITY
    assert _kernels._DETOUR == InsertionReason.DETOUR


def test_jit_compiles_in_memory_when_no_cache_folder_is_writable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When numba refuses cache=True (no writable cache location), the kernel is compiled
    without the cache, with a warning, and gives the same answers."""
    real = _kernels.numba.njit

    def refusing(*args: Any, **options: Any) -> Any:
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(*args, **options)

    monkeypatch.setattr(_kernels.numba, "njit", refusing)
    with pytest.warns(RuntimeWarning, match="cannot cache"):
        transpose_rows = _kernels._jit(_kernels.transpose_rows.py_func)
    table = _kernels.read_only(np.arange(12, dtype=np.int32).reshape(3, 4)[:, :3].copy())
    out = np.zeros((4, 3), dtype=np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        transpose_rows(table, out, 0, 3)
    np.testing.assert_array_equal(out[:3], table.T)
    np.testing.assert_array_equal(out[3], 0)


def test_read_only_is_a_view() -> None:
    """read_only: the same data, not writeable, the original untouched."""
    table = np.arange(6, dtype=np.int32).reshape(2, 3)
    view = _kernels.read_only(table)
    assert not view.flags.writeable and table.flags.writeable
    assert np.shares_memory(view, table)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_transpose_adds_a_row_of_zeros(workers: int) -> None:
    """transpose: the table's transpose (tiles of 64 cover any size, split between any
    number of threads), then a zero row."""
    rng = np.random.default_rng(3)
    for n in (1, 63, 64, 65, 130, 200):
        table = rng.integers(-1, 1000, size=(n, n)).astype(np.int32)
        out = _kernels.transpose(_kernels.read_only(table), workers)
        assert out.shape == (n + 1, n) and out.dtype == np.int32
        np.testing.assert_array_equal(out[:n], table.T)
        np.testing.assert_array_equal(out[n], 0)


def _transposed(table: npt.NDArray[np.int32], columns: bool) -> npt.NDArray[np.int32]:
    """The kernels' transposed table, or the empty one that makes them read columns."""
    if columns:
        return _kernels.read_only(np.zeros((0, 0), dtype=table.dtype))
    return _kernels.read_only(_kernels.transpose(table))


@pytest.mark.parametrize("columns", [False, True])
def test_dense_travel_reads_the_table_both_ways(columns: bool) -> None:
    """dense_travel fills travel to and from each route point and the direct ride, leaves
    missing points at 0, and reports the smallest value read (-1: no path), from the
    transposed table or down the table's columns alike."""
    rng = np.random.default_rng(5)
    table = rng.integers(0, 500, size=(6, 6)).astype(np.int32)
    place = np.array([5, 4, 3, 2, 1, 0, 2], dtype=np.int64)  # location -> table row
    points = np.array([[0, 1, 2, -1], [6, 3, -1, -1]], dtype=np.int64)
    pickup = np.array([4, 5], dtype=np.int64)
    dropoff = np.array([1, 0], dtype=np.int64)
    rows = np.array([1, 0], dtype=np.int64)
    out = [np.zeros((2, 4), np.int64) for _ in range(4)]
    direct = np.zeros(2, np.int64)
    args = (place, points, pickup, dropoff, rows, *out, direct)
    frozen = _kernels.read_only(table)
    smallest = _kernels.dense_travel(frozen, _transposed(frozen, columns), *args)
    assert smallest == min(0, int(table.min()))
    to_p, to_d, from_p, from_d = out
    for s in range(2):
        r, p, d = rows[s], place[pickup[s]], place[dropoff[s]]
        assert direct[r] == table[p, d]
        for k in range(4):
            if points[s, k] < 0:
                assert to_p[r, k] == to_d[r, k] == from_p[r, k] == from_d[r, k] == 0
                continue
            h = place[points[s, k]]
            assert (to_p[r, k], to_d[r, k]) == (table[h, p], table[h, d])
            assert (from_p[r, k], from_d[r, k]) == (table[p, h], table[d, h])
    table[place[1], place[4]] = -1  # no path from point 1 of candidate 0 to its pickup
    out = [np.zeros((2, 4), np.int64) for _ in range(4)]
    args = (place, points, pickup, dropoff, rows, *out, direct)
    frozen = _kernels.read_only(table)
    assert _kernels.dense_travel(frozen, _transposed(frozen, columns), *args) == -1


@settings(deadline=None)  # the first example loads the compiled kernel
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.integers(0, 10_000), st.integers(0, 600), st.integers(0, 900)
            ),  # (latest start, service, leg to the next point)
            min_size=2,
            max_size=8,
        ),
        max_size=6,
    )
)
def test_latest_arrivals_are_the_tightest_bound_of_every_later_point(
    routes: list[list[tuple[int, int, int]]],
) -> None:
    """Each point's latest arrival is the smallest, over it and every later point j, of j's
    latest start less the service and travel between them (brute force, per route)."""
    expected: list[int] = []
    for points in routes:
        for k in range(len(points)):
            expected.append(
                min(
                    points[j][0] - sum(points[q][1] + points[q][2] for q in range(k, j))
                    for j in range(k, len(points))
                )
            )
    latest = np.array([p[0] for r in routes for p in r], np.int64)
    service = np.array([p[1] for r in routes for p in r], np.int64)
    legs = np.array([p[2] for r in routes for p in r[:-1]], np.int64)
    first = np.cumsum([0] + [len(r) for r in routes]).astype(np.int64)
    assert _kernels.latest_arrivals(latest, service, legs, first).tolist() == expected
