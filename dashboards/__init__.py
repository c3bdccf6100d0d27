"""Dashboards: the portfolio, a site's dashboard and brief, the core-area and workload views.

Every page here reads stored metric results (:class:`metrics.models.MetricResult`) and database
aggregates only; no statistic is computed in a request (docs/design.md §2, docs/metrics.md §6).
Figures come from the pure builders in :mod:`metrics.charts`.
"""
