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
# Local mode (`make run`): a development machine without Django's debug pages. The relaxations
# DEBUG brings for local http (development key, localhost hosts, plain-http cookies, console
# email, static files from the source folders) apply, but a mistyped link shows the friendly
# 404 (not Django's technical page listing every URL pattern) and errors the friendly 403/500.
LOCAL = env_bool("PSP_LOCAL", False)
DEVELOPMENT = DEBUG or LOCAL
# Demo mode seeds the ten named sites and enables the documented demo password.
DEMO_MODE = env_bool("PSP_DEMO", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set unless DJANGO_DEBUG or PSP_LOCAL is on"
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG=1"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEVELOPMENT else [])
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
    # Second factor (issue 21 M4, docs/decisions/0009-mfa.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
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
    # Second factor (issue 21 M4): request.user.is_verified(), then the enforcement.
    "django_otp.middleware.OTPMiddleware",
    "psp.accounts.middleware.SecondFactorMiddleware",
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
# Password reset links (issue 21 M4) work once, for an hour.
PASSWORD_RESET_TIMEOUT = 60 * 60
# Sessions end after 30 minutes without a request (the expiry is pushed forward on every request).
SESSION_COOKIE_AGE = env_int("PSP_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in throttling (docs/reliability.md, "Sign-in and second factor"; issue 21 M4): five
# failures for one account from one address lock that account *at that address* for 15
# minutes, so nobody can lock someone else out from elsewhere; twenty failures from one address,
# whatever the accounts, block that address (password spraying). See psp/accounts/lockout.py.
AXES_FAILURE_LIMIT = 5
PSP_AXES_ADDRESS_FAILURE_LIMIT = env_int("PSP_SIGN_IN_ADDRESS_LIMIT", 20, minimum=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_HANDLER = "psp.accounts.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "psp.accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "psp.accounts.lockout.client_address"
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (1 behind the TLS proxy).
PSP_TRUSTED_PROXY_HOPS = env_int(
    "PSP_TRUSTED_PROXY_HOPS", 1 if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else 0, minimum=0
)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Second factor (issue 21 M4; docs/decisions/0009-mfa.md). Staff-wide roles that must use
# one; everyone else may. Security keys are a second factor only, never a password replacement.
PSP_MFA_REQUIRED_ROLES = env_list("PSP_MFA_REQUIRED_ROLES", ["admin", "bja_staff"])
OTP_TOTP_ISSUER = "PSP Portfolio"
OTP_WEBAUTHN_RP_NAME = "PSP Portfolio"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# The relying party is the host the browser sees (PSP_WEBAUTHN_RP_ID pins it); allowed origins
# default to https on each allowed host (plus http://localhost:8000 in development).
PSP_WEBAUTHN_RP_ID = env_str("PSP_WEBAUTHN_RP_ID") or ""
OTP_WEBAUTHN_RP_ID_CALLABLE = "psp.accounts.mfa.webauthn_rp_id"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "PSP_WEBAUTHN_ORIGINS",
    [f"https://{h}" for h in ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
    + (["http://localhost:8000"] if DEBUG else []),
)

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
# Local mode serves static files straight from the source folders, as DEBUG does (no collectstatic).
WHITENOISE_USE_FINDERS = DEVELOPMENT
WHITENOISE_AUTOREFRESH = DEVELOPMENT
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
    # API docs axe-clean (issue 18, tests/e2e/test_api_docs.py): no deep links, which rewrite
    # the address on every click and give each operation a link nested in its button.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
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
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEVELOPMENT)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEVELOPMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEVELOPMENT else 31_536_000, minimum=0)
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
    if DEVELOPMENT
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
    "filters": {"quiet_client_errors": {"()": "psp.core.logging.QuietClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PSP_LOG_LEVEL") or "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One line per refused request, once: Django's own "django" handlers (a second console
        # under DEBUG, mail to ADMINS) are replaced by the root's, and a 4xx keeps no traceback.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["quiet_client_errors"],
        },
    },
}

# --- Incident import stages (issue 20): the preview's checked rows wait in an UNLOGGED table
# per upload for confirmation; the upload sweeper drops stages older than this many hours (the
# import then reads the file again).
PSP_IMPORT_STAGE_HOURS = env_int("PSP_IMPORT_STAGE_HOURS", 24, minimum=1)
