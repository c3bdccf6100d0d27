"""The site dashboard's incident map, drawn from the database when the engine computes a site
(with new results, or for kept results stored before maps were); the dashboard only reads it.

Incidents of the concentration result's analysis period on projected coordinates (no map
tiles), the incidents in the densest cells that together hold half of them highlighted. The
cell counts are a database aggregate over every geocoded incident of the period; the most
recent :data:`MAX_POINTS` are drawn.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Count, F
from django.db.models.functions import Floor

from metrics.charts import points_dict
from metrics.models import HotSpotMap, Incident
from sites.models import Site

MAX_POINTS = 5000  # incident points drawn on the hot-spot map (the counts use every incident)
MAP_CELL_DEG = 0.0015  # about 150 m of latitude: the grid the map highlights dense cells on
TABLE_CELLS = 25  # densest cells listed under the map


def draw_hot_spot_map(site: Site, start: dt.date, end: dt.date) -> HotSpotMap | None:
    """The map of ``site``'s geocoded incidents from ``start`` to ``end`` (unsaved; None when
    there is none)."""
    located = Incident.objects.filter(
        site=site, occurred_on__gte=start, occurred_on__lte=end, latitude__isnull=False
    ).exclude(longitude__isnull=True)
    cells = list(
        located.annotate(
            gx=Floor(F("longitude") / MAP_CELL_DEG), gy=Floor(F("latitude") / MAP_CELL_DEG)
        )
        .values("gx", "gy")
        .annotate(n=Count("id"))
        .order_by("-n", "gx", "gy")
    )
    if not cells:
        return None
    total = sum(c["n"] for c in cells)
    dense: set[tuple[int, int]] = set()
    running = 0
    for c in cells:
        if running >= total / 2:
            break
        dense.add((int(c["gx"]), int(c["gy"])))
        running += c["n"]
    points = [
        (lat, lon)
        for lat, lon in located.order_by("-occurred_on", "id").values_list("latitude", "longitude")[
            :MAX_POINTS
        ]
        if lat is not None and lon is not None  # ``located`` has both: narrows the type
    ]
    hot = [
        (math.floor(lon / MAP_CELL_DEG), math.floor(lat / MAP_CELL_DEG)) in dense
        for lat, lon in points
    ]
    figure = points_dict(
        title="Incidents and their densest cells",
        latitudes=[p[0] for p in points],
        longitudes=[p[1] for p in points],
        hot=hot,
        # Named by what it is on this map (densest cells, not Gi*).
        hot_name="In the densest cells (half of all incidents)",
    )
    return HotSpotMap(
        site=site,
        total=total,
        dense_cells=len(dense),
        figure=figure,
        cells=[
            [
                f"{(c['gy'] + 0.5) * MAP_CELL_DEG:.4f}, {(c['gx'] + 0.5) * MAP_CELL_DEG:.4f}",
                f"{c['n']:,}",
                "Yes" if (int(c["gx"]), int(c["gy"])) in dense else "No",
            ]
            for c in cells[:TABLE_CELLS]
        ],
    )
