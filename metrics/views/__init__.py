"""Pages of the metrics app: a site's data page and uploads (``data``), metric runs (``runs``)."""
