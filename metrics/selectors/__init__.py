"""Reads of the metrics app: outcome data (``outcomes``) and computed results (``results``).

Every read starts from a site the caller already resolved with ``get_site_for_user`` (or, for
command-line tools, by slug). The outcome-data reads are re-exported here for the data page.
"""

from metrics.selectors.outcomes import (
    GVA_ATTRIBUTION,
    MonthTable,
    decided_flags,
    has_demo_counts,
    incident_sources,
    month_table,
    open_flags,
    recent_uploads,
    trust_measures,
)

__all__ = [
    "GVA_ATTRIBUTION",
    "MonthTable",
    "decided_flags",
    "has_demo_counts",
    "incident_sources",
    "month_table",
    "open_flags",
    "recent_uploads",
    "trust_measures",
]
