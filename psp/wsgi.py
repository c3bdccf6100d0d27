"""WSGI entry point (gunicorn psp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.base")

application = get_wsgi_application()
