"""Errors keep their fields and survive pickling (they cross process boundaries)."""

from __future__ import annotations

import pickle

import pytest

from dispatch import (
    DispatchError,
    FormatError,
    InvalidInputError,
    UnknownReferenceError,
    UnreachableError,
)


@pytest.mark.parametrize(
    "error",
    [
        InvalidInputError("Courier.capacity (id 'c1')", "must be >= 0, got -1"),
        FormatError("lc101.txt", 7, "expected 9 fields, got 8"),
        UnknownReferenceError("task", "e9"),
        UnreachableError([(1, 2), (3, 4)], 5),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_round_trip_through_pickle(error: DispatchError) -> None:
    """A pickled error comes back with the same type, message and fields."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_format_error_names_file_and_line() -> None:
    """FormatError is an InvalidInputError whose field is file:line."""
    error = FormatError("bks.csv", 3, "bad row")
    assert isinstance(error, InvalidInputError)
    assert error.field == "bks.csv:3"
    assert str(error) == "bks.csv:3: bad row"
