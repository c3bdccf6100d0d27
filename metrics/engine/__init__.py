"""The metrics engine: reads a site's outcome data, runs the pure statistics of
:mod:`metrics.compute` on it and stores :class:`~metrics.models.MetricResult` rows.

- :mod:`~metrics.engine.loaders`: ORM → pandas frames, one query per input.
- :mod:`~metrics.engine.fingerprint`: the hash of a site's inputs (fresh vs stale).
- :mod:`~metrics.engine.build`: frames → result rows (no ORM).
- :mod:`~metrics.services.runs`: request a run, compute a site, record the outcome.
- :mod:`~metrics.selectors.results`: read a site's results for pages and exports.
- :mod:`~metrics.engine.export`: the JSON/CSV export contract (docs/metrics.md §9).
"""
