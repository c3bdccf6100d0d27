"""The demo portfolio of ``make run`` (``manage.py seed_demo``, demo mode only), in one place.

It sits above every app and seeds each through that app's own services: people and sites
(``sites``), engagements and TA (``engagements``), outcome data and metrics (``outcomes``); the
fixed demo values are in ``data`` and the real GVA sample with its attribution in ``demo_data/``.
"""
