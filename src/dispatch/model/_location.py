"""Where things are: :class:`Location`."""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import attrs

from dispatch.errors import InvalidInputError

__all__ = ["Location"]


def _latitude(instance: Location, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and -90.0 <= value <= 90.0):
        raise InvalidInputError("Location.lat", f"must be within [-90, 90], got {value!r}")


def _longitude(instance: Location, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and -180.0 <= value <= 180.0):
        raise InvalidInputError("Location.lon", f"must be within [-180, 180], got {value!r}")


@attrs.frozen(kw_only=True)
class Location:
    """A place: coordinates, a node of a road graph or travel matrix, or both.

    Parameters
    ----------
    lat, lon
        WGS84 degrees. Both or neither.
    node
        The key of this place in a road graph or explicit travel matrix.

    Examples
    --------
    >>> Location(lat=31.2304, lon=121.4737)
    Location(lat=31.2304, lon=121.4737, node=None)
    >>> Location(node=17).node
    17
    >>> Location()
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Location: needs lat/lon, a node, or both
    """

    lat: float | None = attrs.field(default=None, validator=_latitude)
    lon: float | None = attrs.field(default=None, validator=_longitude)
    node: Hashable | None = None

    def __attrs_post_init__(self) -> None:
        if (self.lat is None) != (self.lon is None):
            raise InvalidInputError("Location", "lat and lon must be given together")
        if self.lat is None and self.node is None:
            raise InvalidInputError("Location", "needs lat/lon, a node, or both")

    @property
    def has_coordinates(self) -> bool:
        """True when latitude and longitude are known."""
        return self.lat is not None
