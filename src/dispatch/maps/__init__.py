"""Pictures of plans: PNG maps (matplotlib, the ``plot`` extra) and HTML maps (folium, ``map``).

- :func:`plot_plan`: a PNG of the routes over the faint roads, stops marked by
  what happens there, unassigned tasks highlighted.
- :func:`plan_html`: the same as a self-contained Leaflet page (tiles load
  from the web when a person opens it).
- :func:`write_map`: either one, chosen by the file's suffix (``.png``,
  ``.html``); :func:`check_map_path` checks a path and the library it needs
  before a long solve.
"""

from dispatch.maps._html import plan_html
from dispatch.maps._png import plot_plan
from dispatch.maps._write import MAP_SUFFIXES, check_map_path, write_map

__all__ = ["MAP_SUFFIXES", "check_map_path", "plan_html", "plot_plan", "write_map"]
