"""attrs validators of the elder-care model; each raises :class:`InvalidInputError` naming
``Class.field`` and the object's id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from dispatch.errors import InvalidInputError

__all__ = ["check_diets", "instance_of", "optional_instance_of", "text", "where"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def where(instance: Any, attribute: attrs.Attribute[Any] | str) -> str:
    """``Class.field (id 'x')`` for error messages (the id when the object has one)."""
    name = attribute if isinstance(attribute, str) else attribute.name
    label = f"{type(instance).__name__}.{name}"
    ident = getattr(instance, "id", None) if name != "id" else None
    return f"{label} (id {ident!r})" if isinstance(ident, str) else label


def text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A string (may be empty)."""
    if not isinstance(value, str):
        raise InvalidInputError(where(instance, attribute), f"must be a string, got {value!r}")


def instance_of(cls: type) -> Validator:
    """An instance of ``cls``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, cls):
            raise InvalidInputError(
                where(instance, attribute), f"expected {cls.__name__}, got {value!r}"
            )

    return check


def optional_instance_of(cls: type) -> Validator:
    """None or an instance of ``cls``."""
    check = instance_of(cls)

    def maybe(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)

    return maybe


def check_diets(instance: Any, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    """Diet names are non-empty trimmed strings."""
    for diet in value:
        if not isinstance(diet, str) or not diet or diet.strip() != diet:
            raise InvalidInputError(
                where(instance, attribute), f"diet names must be non-empty trimmed, got {diet!r}"
            )
