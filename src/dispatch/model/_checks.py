"""attrs validators and converters that raise :class:`InvalidInputError`.

They name the class and field at fault, e.g. ``Courier.capacity``, so a bad
record in a batch of thousands is found at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from dispatch.errors import InvalidInputError

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    """``Class.field`` for error messages."""
    return f"{type(instance).__name__}.{attribute.name}"


def _where(instance: object, attribute: attrs.Attribute[Any]) -> str:
    ident = getattr(instance, "id", None) if attribute.name != "id" else None
    name = field_name(instance, attribute)
    return f"{name} (id {ident!r})" if isinstance(ident, str) else name


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ``int`` (not bool) that is >= 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(_where(instance, attribute), f"must be an int, got {value!r}")
    if value < 0:
        raise InvalidInputError(_where(instance, attribute), f"must be >= 0, got {value}")


def positive_int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ``int`` (not bool) that is >= 1."""
    non_negative_int(instance, attribute, value)
    if value < 1:
        raise InvalidInputError(_where(instance, attribute), f"must be >= 1, got {value}")


def optional(check: Validator) -> Validator:
    """Apply ``check`` unless the value is None."""

    def _check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)

    return _check


def identifier(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty string without surrounding white space."""
    if not isinstance(value, str) or not value or value.strip() != value:
        raise InvalidInputError(
            field_name(instance, attribute), f"must be a non-empty trimmed string, got {value!r}"
        )


def int_vector(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-empty tuple of non-negative ints."""
    if not isinstance(value, tuple) or not value:
        raise InvalidInputError(_where(instance, attribute), f"must be non-empty, got {value!r}")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InvalidInputError(
                _where(instance, attribute), f"entries must be ints >= 0, got {value!r}"
            )


def to_int_vector(value: int | Iterable[int]) -> tuple[int, ...]:
    """``5`` -> ``(5,)``; ``[1, 2]`` -> ``(1, 2)``."""
    if isinstance(value, int):
        return (value,)
    return tuple(value)


def to_str_set(value: Iterable[str] | str) -> frozenset[str]:
    """A single string or an iterable of strings as a frozenset."""
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(value)
