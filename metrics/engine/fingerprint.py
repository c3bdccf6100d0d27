"""The inputs fingerprint: a hash of everything a site's metrics depend on.

Stored with every result; a page recomputes it from the database and compares, so a stale
result is shown as stale. It hashes every input of :data:`~metrics.engine.loaders.SITE_INPUTS`
— the list the engine loads from, so an input cannot be loaded without being fingerprinted —
plus the engine version, the numerical package versions and the current month (the reporting
lag makes the latest months provisional until they settle). Incidents are hashed through their
kept aggregate and the database's write counter, not row by row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.utils import timezone

from metrics.compute.envelope import package_versions
from metrics.engine.loaders import SITE_INPUTS, Reads, read_input
from sites.models import Site

# Bump when the engine's output for the same inputs changes (new metric, fixed formula).
ENGINE_VERSION = (
    "2026.4"  # 2026.3: hot spots and concentration against random placement (§7.1–7.2);
)
# 2026.4: population of each year (§7.6) and tier 3 (§8) on the same inputs


def _default(obj: Any) -> str:
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return str(obj)


def inputs_fingerprint(
    site: Site, *, today: dt.date | None = None, reads: Reads | None = None
) -> str:
    """sha256 of the site's inputs as they are now: one small query per input (the incident
    aggregate takes two more when it is recomputed), whatever the data size.

    Inputs read here are kept in ``reads`` when given, for :func:`load_site_inputs` to reuse.
    """
    today = today or timezone.localdate()
    reads = {} if reads is None else reads
    payload: dict[str, Any] = {
        "engine": ENGINE_VERSION,
        "packages": package_versions(),
        "as_of_month": f"{today:%Y-%m}",
    }
    for item in SITE_INPUTS:
        if item.stand_in is not None:
            payload[item.name] = item.stand_in(site)
        else:
            payload[item.name] = item.hashed(read_input(site, item, reads))
    text = json.dumps(payload, default=_default, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
