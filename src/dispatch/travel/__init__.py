"""Travel times between locations: explicit matrices, road graphs, straight lines."""

from dispatch.travel._base import TravelMatrix, TravelTimes
from dispatch.travel._graph import RoadGraphTravel, shortest_path_matrices, travel_time_matrix
from dispatch.travel._haversine import HaversineTravel, haversine_matrix_m
from dispatch.travel._matrix import MatrixTravel
from dispatch.travel._speeds import Speeds

__all__ = [
    "HaversineTravel",
    "MatrixTravel",
    "RoadGraphTravel",
    "Speeds",
    "TravelMatrix",
    "TravelTimes",
    "haversine_matrix_m",
    "shortest_path_matrices",
    "travel_time_matrix",
]
