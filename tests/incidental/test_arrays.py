"""The array helpers agree with numpy's own sorts."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dispatch.incidental._arrays import Runs, distinct, lex_order, rank_in_runs, run_starts

_BOUNDS = st.sampled_from([(0, 3), (-5, 5), (-(2**40), 2**40), (-(2**62), 2**62)])


@st.composite
def _keys(draw: st.DrawFn) -> list[np.ndarray]:
    size = draw(st.integers(0, 40))
    count = draw(st.integers(1, 3))
    keys = []
    for _ in range(count):
        low, high = draw(_BOUNDS)
        keys.append(draw(hnp.arrays(np.int64, size, elements=st.integers(low, high))))
    return keys


@given(_keys())
def test_lex_order_is_lexsort(keys: list[np.ndarray]) -> None:
    # Narrow ranges take the folded single sort, wide ones numpy's lexsort: same order.
    assert lex_order(*keys).tolist() == np.lexsort(keys).tolist()


def test_lex_order_sorts_floats_with_lexsort() -> None:
    cost = np.array([0.5, -1.0, 0.5])
    owner = np.array([1, 1, 0])
    assert lex_order(cost, owner).tolist() == np.lexsort((cost, owner)).tolist() == [2, 1, 0]


@given(hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(0, 4)))
def test_rank_in_runs_counts_within_groups(values: np.ndarray) -> None:
    grouped = np.sort(values)
    expected = [list(grouped[:k]).count(v) for k, v in enumerate(grouped)]
    assert rank_in_runs(grouped).tolist() == expected


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-3, 9)), max_size=30))
def test_runs_group_values_by_key_in_order(pairs: list[tuple[int, int]]) -> None:
    """Runs: each key's values in their order, as a dict of lists would hold them."""
    ordered = sorted(pairs, key=lambda pair: pair[0])  # stable: values keep their order
    keys = np.array([k for k, _ in ordered], dtype=np.int64)
    values = np.array([v for _, v in ordered], dtype=np.int64)
    runs = Runs.of(keys, values, size=7)
    expected: dict[int, list[int]] = {}
    for k, v in ordered:
        expected.setdefault(k, []).append(v)
    assert all(runs[k] == expected.get(k, []) for k in range(-1, 9))
    assert runs.filled() == sorted(expected)


@given(
    hnp.arrays(
        np.int64,
        st.integers(0, 40),
        elements=st.sampled_from([(0, 5), (0, 10_000), (-3, 3)]).flatmap(
            lambda bounds: st.integers(*bounds)
        ),
    ),
    st.booleans(),
)
def test_distinct_is_unique_with_inverse(values: np.ndarray, bounded: bool) -> None:
    """Distinct values and each entry's index among them are np.unique's, on the table path
    (small values), the sorting path (large or negative ones) and with a given bound."""
    bound = int(values.max()) + 7 if bounded and values.size and values.min() >= 0 else None
    found, index = distinct(values, bound)
    expected, inverse = np.unique(values, return_inverse=True)
    assert found.tolist() == expected.tolist()
    assert index.tolist() == inverse.reshape(-1).tolist()


@given(hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(-3, 4)))
def test_run_starts_are_the_first_index_of_each_sorted_value(values: np.ndarray) -> None:
    """On sorted values, each run's start is np.unique's first index of that value."""
    grouped = np.sort(values)
    assert run_starts(grouped).tolist() == np.unique(grouped, return_index=True)[1].tolist()
