"""Reads of pre-registration (docs/metrics.md §8.5): a site's versions, and the one a set of
results was computed under, for the note shown beside them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.models import Preregistration
from sites.models import Site


def preregistration_history(site: Site) -> list[Preregistration]:
    """Every version of ``site``'s pre-registration, newest first (one query)."""
    return list(
        Preregistration.objects.filter(site=site).select_related("recorded_by").order_by("-version")
    )


@dataclass(frozen=True)
class PreregistrationNote:
    """The pre-registration results computed at ``computed_at`` rest on (``in_force``: the last
    version recorded by then, or ``None`` if none was), and the one in force now."""

    in_force: Preregistration | None
    current: Preregistration

    @property
    def changed_since(self) -> bool:
        return self.in_force is None or self.in_force.pk != self.current.pk


def preregistration_note(site: Site, computed_at: dt.datetime | None) -> PreregistrationNote | None:
    """The note for results of ``site`` computed at ``computed_at`` (one query); ``None`` when
    the site has no pre-registration."""
    versions = preregistration_history(site)
    if not versions:
        return None
    in_force = (
        next((v for v in versions if v.recorded_at <= computed_at), None)
        if computed_at is not None
        else versions[0]
    )
    return PreregistrationNote(in_force=in_force, current=versions[0])
