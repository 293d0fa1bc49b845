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
from dispatch.travel._osm import CleaningReport, RoadNetwork, clean_road_graph, load_graphml
from dispatch.travel._pairs import PairLookup, PairTravel, PlaceLookup
from dispatch.travel._snap import Snapped, SnapWarning, snap_locations
from dispatch.travel._speeds import Speeds
from dispatch.travel._table import TravelTable

__all__ = [
    "CleaningReport",
    "HaversineTravel",
    "MatrixTravel",
    "PairLookup",
    "PairTravel",
    "PlaceLookup",
    "RoadGraphTravel",
    "RoadNetwork",
    "SnapWarning",
    "Snapped",
    "Speeds",
    "TravelMatrix",
    "TravelTable",
    "TravelTimes",
    "clean_road_graph",
    "haversine_matrix_m",
    "haversine_pairs_m",
    "load_graphml",
    "local_xy_m",
    "shortest_path_matrices",
    "snap_locations",
    "travel_time_matrix",
]
