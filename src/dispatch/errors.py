"""Exceptions and warnings raised by `dispatch`.

Every error raised on purpose derives from :class:`DispatchError`, so a service
embedding the library can catch them all in one place. Errors about bad input
also derive from :class:`ValueError` and name the offending field or id.

Examples
--------
>>> from dispatch.errors import InvalidInputError, DispatchError
>>> err = InvalidInputError("capacity", "must not be negative, got -1")
>>> isinstance(err, DispatchError), isinstance(err, ValueError)
(True, True)
>>> str(err)
'capacity: must not be negative, got -1'
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

__all__ = [
    "DispatchError",
    "DispatchWarning",
    "FormatError",
    "InvalidInputError",
    "PrecisionWarning",
    "SolverError",
    "UnknownReferenceError",
    "UnreachableError",
    "UnsupportedFieldError",
]


class DispatchError(Exception):
    """Base class of every error `dispatch` raises on purpose."""


class InvalidInputError(DispatchError, ValueError):
    """Input that breaks a rule of the model; names the field (or id) at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[object, ...]:  # picklable across process boundaries
        return (type(self), (self.field, self.message))


class UnknownReferenceError(DispatchError, KeyError):
    """A reference (task id, courier id, road node) that does not exist."""

    def __init__(self, kind: str, ref: object) -> None:
        self.kind = kind
        self.ref = ref
        super().__init__(f"unknown {kind} {ref!r}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return f"unknown {self.kind} {self.ref!r}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.kind, self.ref))


class UnreachableError(DispatchError):
    """Some locations cannot reach each other on the road network.

    ``pairs`` lists ``(from_node, to_node)`` for the unreachable pairs found
    (at most the first 20 are kept, ``count`` says how many there were).
    """

    def __init__(self, pairs: Sequence[tuple[Hashable, Hashable]], count: int) -> None:
        self.pairs = list(pairs)[:20]
        self.count = count
        shown = ", ".join(f"{a!r}->{b!r}" for a, b in self.pairs)
        more = f" (and {count - len(self.pairs)} more)" if count > len(self.pairs) else ""
        super().__init__(f"{count} unreachable node pair(s): {shown}{more}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.pairs, self.count))


class FormatError(InvalidInputError):
    """A file that does not follow its format; names the file and line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        self.source = source
        self.line = line
        super().__init__(where, message)
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.source, self.line, self.message))


class UnsupportedFieldError(InvalidInputError):
    """A VROOM key that dispatch cannot represent faithfully; ``field`` is its path.

    Examples
    --------
    >>> err = UnsupportedFieldError("vehicles[0].breaks", "breaks are not supported")
    >>> isinstance(err, InvalidInputError), str(err)
    (True, 'vehicles[0].breaks: breaks are not supported')
    """


class SolverError(DispatchError):
    """The routing backend failed in a way that is not a property of the problem."""


class DispatchWarning(UserWarning):
    """Base class of the warnings `dispatch` emits."""


class PrecisionWarning(DispatchWarning):
    """Integer scaling at the solver boundary is close to the 64-bit limit."""
