"""Seeded synthetic instances: street grids, and districts of couriers and errands on them.

:func:`street_grid` builds a road graph in the OSMnx convention;
:func:`incidental_district` puts a day of residents' errands and of couriers
on their own paid rounds on one (issue 3, the incidental-errand matcher).
"""

from dispatch.synthetic._city import DAY_S
from dispatch.synthetic._district import (
    COURIERS_PER_KM2,
    ERRANDS_PER_KM2,
    MIN_SIDE_M,
    District,
    incidental_district,
)
from dispatch.synthetic._errands import ERRAND_MIX
from dispatch.synthetic._rounds import COURIER_MIX, OWN_STOPS
from dispatch.synthetic._streets import ARTERIAL_KPH, RESIDENTIAL_KPH, street_grid

__all__ = [
    "ARTERIAL_KPH",
    "COURIERS_PER_KM2",
    "COURIER_MIX",
    "DAY_S",
    "ERRANDS_PER_KM2",
    "ERRAND_MIX",
    "MIN_SIDE_M",
    "OWN_STOPS",
    "RESIDENTIAL_KPH",
    "District",
    "incidental_district",
    "street_grid",
]
