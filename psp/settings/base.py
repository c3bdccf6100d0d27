"""PSP Portfolio settings.

One module for every environment: production differs only through environment variables read by
the typed helpers in :mod:`psp.settings.env` (see README, "Configuration").
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from psp.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PSP_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)
# Demo mode seeds the ten named sites and enables the documented demo password.
DEMO_MODE = env_bool("PSP_DEMO", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG=1"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "psp.accounts",
    "psp.core",
    "sites",
    "sites.onboarding",
    "engagements",
    "metrics",
    "dashboards",
    "notifications",  # issue 15: reminders and notifications (layer between dashboards and api)
    "api",
    "psp.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "psp.urls"
WSGI_APPLICATION = "psp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "psp.core.context_processors.navigation",
                # Issue 15: the unread count of the header's bell (lazy: one query when shown).
                "notifications.context_processors.bell",
            ],
        },
    }
]

# --- Database: a SQLite file by default, PostgreSQL when DATABASE_URL is set.
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            # A reused connection is checked before a request uses it, so the first requests
            # after a PostgreSQL restart reconnect instead of failing (docs/reliability.md §2.2).
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after 30 minutes without a request (the expiry is pushed forward on every request).
SESSION_COOKIE_AGE = env_int("PSP_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lock an *account* (not an IP address) after five failures; a shared office IP must not lock
# everyone out and rotating IPs must not get past the limit.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "psp.accounts.lockout.lockout_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# axes.W006 warns that username-only lockout ignores IPs; that is the point here (see above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Internationalisation
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("PSP_TIME_ZONE") or "America/New_York"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = "M j, Y"
# Never group digits implicitly: with it on, every integer a template prints is localized, so
# identifiers, page numbers and years came out as "1,234" in element ids, htmx targets
# ("#action-item-1,234" is not a CSS selector, so the inline update sent nothing), option
# values and query strings. Numbers shown to people are grouped explicitly: ``intcomma`` in
# templates, ``f"{n:,}"`` in Python (docs/design.md §6: numbers with thousands separators).
USE_THOUSAND_SEPARATOR = False

# --- Static files, served by WhiteNoise (vendored assets only, never a CDN).
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or VAR_DIR / "staticfiles")
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
# Uploaded outcome files: outside the web root, served only through an access-checked view.
PSP_UPLOAD_DIR = Path(env_str("PSP_UPLOAD_DIR") or VAR_DIR / "uploads")
PSP_UPLOAD_MAX_BYTES = env_int("PSP_UPLOAD_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Forms
CRISPY_ALLOWED_TEMPLATE_PACKS = ("uswds",)
CRISPY_TEMPLATE_PACK = "uswds"

# --- Content-Security-Policy: no inline script anywhere; plotly injects <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


def _rate(name: str, default: str) -> str:
    """A request rate such as ``1200/minute``; anything else stops start-up."""
    value = env_str(name) or default
    count, _, period = value.partition("/")
    if not count.isdigit() or period not in ("second", "minute", "hour", "day"):
        raise ImproperlyConfigured(f"{name} must look like 1200/minute, not {value!r}")
    return value


# --- The REST API (issue 18, docs/decisions/0007-rest-api-with-drf-and-drf-spectacular.md).
# Token first, so an unauthenticated request gets 401 with ``WWW-Authenticate: Token``.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.SignedInWithTokenScope"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.TokenWriteRateThrottle",
    ],
    # Per token (or per signed-in person using the browser session); see README, "API".
    "DEFAULT_THROTTLE_RATES": {
        "api": _rate("PSP_API_RATE", "1200/minute"),
        "api_write": _rate("PSP_API_WRITE_RATE", "120/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PSP Portfolio API",
    "DESCRIPTION": "Read and write PSP Portfolio data with the scoping of the web pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.SignedInWithTokenScope"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a ``status`` or ``kind``; name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "SiteKindEnum": "sites.models.SiteKind",
        "ActivityKindEnum": "engagements.models.ActivityKind",
        "MilestoneKindEnum": "engagements.models.MilestoneKind",
        "UploadKindEnum": "metrics.models.UploadKind",
        "EngagementStatusEnum": "engagements.models.EngagementStatus",
        "RecommendationStatusEnum": "engagements.models.RecommendationStatus",
        "ActionItemStatusEnum": "engagements.models.ActionItemStatus",
        "TARequestStatusEnum": "engagements.models.TARequestStatus",
        "MonthStatusEnum": "metrics.models.MonthStatus",
        "FlagStatusEnum": "metrics.models.FlagStatus",
        "UploadStatusEnum": "metrics.models.UploadStatus",
        "ResultStatusEnum": "metrics.models.ResultStatus",
    },
}

# --- Security (production defaults; DEBUG relaxes the transport ones for local http)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain http by the container health checks.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# A bearer token that lets a monitor read /readyz without signing in (empty: staff only).
PSP_READINESS_TOKEN = env_str("PSP_READINESS_TOKEN", "") or ""

# --- Email: console in development, SMTP configured by the environment otherwise.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "PSP Portfolio <no-reply@psp.example>"
# Issue 15: the public address links in email point at (no request to read it from).
PSP_BASE_URL = env_str("PSP_BASE_URL") or "http://localhost:8000"

# --- Celery: on Redis when a broker is configured, in-process otherwise (embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("REDIS_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)

# --- Logging: plain lines to stderr; the platform collects them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PSP_LOG_LEVEL") or "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
