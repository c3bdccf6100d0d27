"""Test settings: the base settings with a throwaway secret and fast password hashing.

The database follows ``DATABASE_URL`` exactly as in production (SQLite when unset), so the same
suite runs on SQLite locally and on PostgreSQL in CI.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault(
    "PSP_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test")
)

from psp.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run tasks in-process unless an integration test points at a real broker itself.
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True

# WhiteNoise warns when the collected-static folder is missing; tests serve from finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
