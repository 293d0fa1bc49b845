"""Travel times between locations: explicit matrices, road graphs, straight lines."""

from dispatch.travel._base import TravelMatrix, TravelTimes
from dispatch.travel._graph import RoadGraphTravel, shortest_path_matrices, travel_time_matrix
from dispatch.travel._haversine import (
    HaversineTravel,
    haversine_matrix_m,
    haversine_pairs_m,
    local_xy_m,
)
from dispatch.travel._matrix import MatrixTravel
from dispatch.travel._pairs import PairLookup, PairTravel, PlaceLookup
from dispatch.travel._speeds import Speeds
from dispatch.travel._table import TravelTable

__all__ = [
    "HaversineTravel",
    "MatrixTravel",
    "PairLookup",
    "PairTravel",
    "PlaceLookup",
    "RoadGraphTravel",
    "Speeds",
    "TravelMatrix",
    "TravelTable",
    "TravelTimes",
    "haversine_matrix_m",
    "haversine_pairs_m",
    "local_xy_m",
    "shortest_path_matrices",
    "travel_time_matrix",
]
