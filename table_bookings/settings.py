"""table_bookings settings: one module, driven by environment variables.

With no environment at all this runs as a development site (DEBUG on, SQLite,
files on the local disk). Production sets DJANGO_DEBUG=false and must then
provide the secrets and hosts explicitly; missing ones stop start-up with a
message that names the variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's .env (see .env.example) is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _required_in_production(name: str, default):
    """Return the variable, or the development default; in production it must be set."""
    if name in env.ENVIRON and env.str(name).strip():
        return env.str(name)
    if DEBUG:
        return default
    raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is false.")


SECRET_KEY = _required_in_production(
    "DJANGO_SECRET_KEY", "django-insecure-development-only-key-never-used-in-production"
)
ALLOWED_HOSTS = [
    h.strip()
    for h in _required_in_production("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: its collectstatic (fast S3 publishing) and storage_check commands.
    "table_bookings",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "storages",
    "csp",
    "accounts",
    "bookings",
    "web",
    "office",
]

MIDDLEWARE = [
    # First: health checks answer before host validation and the HTTPS redirect.
    "table_bookings.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "table_bookings.headers.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "table_bookings.urls"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "table_bookings.wsgi.application"

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections save a TLS handshake per request against RDS; health
    # checks drop a connection the database closed (failover, idle timeout) before use.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: wait for a writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions: shared by every instance ---------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # The database cache is shared by all processes using the same database, so
    # rate limits hold across instances even without Redis.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_entries"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Accounts ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Credentials come from boto3's default chain (the IAM instance role in AWS), never from settings.
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="ap-northeast-2")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
    # New buckets enforce "bucket owner" object ownership and reject any ACL.
    AWS_DEFAULT_ACL = env.str("AWS_DEFAULT_ACL", default="") or None
    # "path" for MinIO and other S3-compatible stores reached by host name.
    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    MEDIA_PRIVATE = env.bool("MEDIA_PRIVATE", default=False)
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=3600)  # signed media URLs (MEDIA_PRIVATE)
    STORAGES = {
        "default": {"BACKEND": "table_bookings.storages.MediaStorage"},
        "staticfiles": {"BACKEND": "table_bookings.storages.StaticStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": (
                "django.contrib.staticfiles.storage.StaticFilesStorage"
                if DEBUG
                else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            )
        },
    }

# --- Email -------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Amazon SES (EMAIL_BACKEND=django_ses.SESBackend): credentials from boto3's chain, like S3.
AWS_SES_REGION_NAME = env.str("AWS_SES_REGION_NAME", default=env.str("AWS_S3_REGION_NAME", default="ap-northeast-2"))
AWS_SES_REGION_ENDPOINT = f"email.{AWS_SES_REGION_NAME}.amazonaws.com"
if env.str("AWS_SES_ENDPOINT_URL", default=""):
    AWS_SES_REGION_ENDPOINT_URL = env.str("AWS_SES_ENDPOINT_URL")  # moto or a local SES stand-in
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="table_bookings <no-reply@table-bookings.example>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Security (production behind an HTTPS load balancer) -------------------------
if not DEBUG:
    # The ALB terminates TLS and tells us the original scheme in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # ALB health checks come over plain HTTP
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # Same-origin form posts over HTTPS pass Django's Origin check on their own;
    # listing the public hosts also covers posts that arrive through a CDN name.
    CSRF_TRUSTED_ORIGINS = CSRF_TRUSTED_ORIGINS or [
        f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS if h != "*" and not h.startswith("[")
    ]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token in a hidden field; no script reads the cookie
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Identifies the instance in the X-Instance response header and the access log (set per instance).
INSTANCE_ID = env.str("INSTANCE_ID", default="")

# Content-Security-Policy (django-csp): no inline scripts, styles or handlers anywhere.
# Static and media files may come from the bucket (or its CDN), so that origin is allowed too.
_storage_origins = []
if AWS_STORAGE_BUCKET_NAME:
    if AWS_S3_CUSTOM_DOMAIN:
        _storage_origins = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        from urllib.parse import urlsplit

        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        _storage_origins = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
    else:
        _storage_origins = [
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME}.amazonaws.com",
        ]
    if AWS_S3_CUSTOM_DOMAIN and MEDIA_PRIVATE:
        # Private media are signed S3 URLs, never CDN ones (table_bookings.storages.MediaStorage).
        from urllib.parse import urlsplit

        _storage_origins += (
            ["{0.scheme}://{0.netloc}".format(urlsplit(AWS_S3_ENDPOINT_URL))]
            if AWS_S3_ENDPOINT_URL
            else [
                f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
                f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME}.amazonaws.com",
            ]
        )
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, *_storage_origins],
        "style-src": [_SELF, *_storage_origins],
        "img-src": [_SELF, "data:", *_storage_origins],
        "font-src": [_SELF, *_storage_origins],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
