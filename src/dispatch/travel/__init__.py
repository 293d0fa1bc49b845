"""Travel times between locations: explicit matrices, road graphs, straight lines."""

from dispatch.travel._base import TravelMatrix, TravelTimes
from dispatch.travel._matrix import MatrixTravel

__all__ = ["MatrixTravel", "TravelMatrix", "TravelTimes"]
