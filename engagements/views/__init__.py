"""Views of the engagements app, split by sub-domain. Thin: permission, form, service, message,
redirect (or an HTMX fragment when HTMX asks)."""
