"""Settings of the platform.

Everything that differs between machines comes from the environment (12-factor), read through
django-environ; the defaults are those of a local installation made by ``scripts/run``.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PLATFORM_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
)


def _secret_key() -> str:
    """Return the configured secret key, or one generated once for this local installation."""
    configured = env.str("DJANGO_SECRET_KEY", default="")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env("DJANGO_DEBUG")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    # Before allauth, so that its templates (allauth/layouts, allauth/elements, account/*) replace allauth's.
    "geo_core.accounts.apps.AccountsConfig",
    "allauth",
    "allauth.account",
    "rules.apps.AutodiscoverRulesConfig",
    "formtools",
    "procrastinate.contrib.django",
    # The platform's own apps; dependencies point from top to bottom only.
    "geo_core.apps.GeoCoreConfig",
    "maps.apps.MapsConfig",
    "districts.apps.DistrictsConfig",
    "defects.apps.DefectsConfig",
    "participation.apps.ParticipationConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "geo_core.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "geo_core.context_processors.platform",
                "districts.context_processors.city",
            ],
        },
    },
]

WSGI_APPLICATION = "geo_core.wsgi.application"

# Database: PostGIS only. scripts/run and scripts/test export DATABASE_URL for the local cluster they manage.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgis://platform:platform@127.0.0.1:5432/platform",
        engine="django.contrib.gis.db.backends.postgis",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostGIS declares its functions expensive (ST_Transform: cost 10,000 per row), so PostgreSQL's JIT compiles
# even short map queries and spends about a second doing it: measured 0.67 s for counting 100,000 points per
# cell, 0.07 s without JIT. Set per connection, so it holds for any server the platform is pointed at.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = " ".join(
    filter(None, [DATABASES["default"]["OPTIONS"].get("options", ""), "-c jit=off"])
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions and cache live in the database so that app servers stay stateless (see docs/architecture.md).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://platform_cache")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:my_area"
LOGOUT_REDIRECT_URL = "geo_core:home"

# django-allauth: e-mail is the login; an account is usable once its address is confirmed.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("ACCOUNT_EMAIL_SUBJECT_PREFIX", default="[Bürgerplattform] ")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")

# E-mail: Django's own backends. Locally mails are written to files under var/mail so links can be followed.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Bürgerplattform <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation: German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "geo_core" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Berlin"

# Static files are served by the platform itself (WhiteNoise); no third-party CDN anywhere.
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_THROTTLE_RATES": {"report_create": env.str("REPORT_CREATE_THROTTLE_RATE", default="30/hour")},
    # Behind a reverse proxy, the client address comes from X-Forwarded-For (one entry per proxy).
    "NUM_PROXIES": env.int("DRF_NUM_PROXIES", default=0),
}
DRF_STANDARDIZED_ERRORS = {"ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bürger*innenplattform API",
    "DESCRIPTION": "Public API of the citizen platform: city geography, gazetteer and map layers.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API docs load their assets from the platform, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

# Uploads: at most five photos per report (see defects.models.MAX_PHOTOS_PER_REPORT); larger files than
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, never into memory.
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Base map: any XYZ raster tile service. Default: the official German basemap.de web raster (colour).
MAP_TILE_URL = env.str(
    "MAP_TILE_URL",
    default="https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png",
)
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://basemap.de">basemap.de</a> / BKG',
)
MAP_TILE_MAX_ZOOM = env.int("MAP_TILE_MAX_ZOOM", default=19)
# Sites allowed to embed the city map in a frame (CSP frame-ancestors syntax), e.g. "https://www.wolfsburg.de".
# The map is public, so any site may by default; the rest of the platform is never framed.
MAP_EMBED_FRAME_ANCESTORS = env.str("MAP_EMBED_FRAME_ANCESTORS", default="*")

# Mängelmelder. Unconfirmed reports (e-mail not confirmed) are deleted after this many days, photos included.
REPORT_UNCONFIRMED_RETENTION_DAYS = env.int("REPORT_UNCONFIRMED_RETENTION_DAYS", default=7)
# Uploaded photos: larger files or images with more pixels are refused; kept photos are at most this long.
REPORT_PHOTO_MAX_BYTES = env.int("REPORT_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
REPORT_PHOTO_MAX_PIXELS = env.int("REPORT_PHOTO_MAX_PIXELS", default=40_000_000)
REPORT_PHOTO_MAX_EDGE = env.int("REPORT_PHOTO_MAX_EDGE", default=2048)
# Scheme and host of the links in the Mängelmelder's e-mails (mails are sent by the worker, without a request).
REPORT_BASE_URL = env.str("REPORT_BASE_URL", default="http://127.0.0.1:8000")

# Task queue: Procrastinate on the same PostgreSQL (no extra service). Jobs hold ids only, never personal
# data; finished jobs are deleted, failed ones are kept for inspection. Tasks live in each app's tasks.py.
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}
# Periodic tasks (e.g. the daily expiry of unconfirmed reports, see defects/tasks.py) that were missed while
# no worker ran are still deferred up to this many seconds late.
PROCRASTINATE_PERIODIC_DEFAULTS = {"max_delay": env.int("PROCRASTINATE_PERIODIC_MAX_DELAY", default=6 * 3600)}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
    },
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# The platform's name as shown in the header; the city's name comes from its imported data.
PLATFORM_NAME = env.str("PLATFORM_NAME", default="Bürger*innenplattform")

# Debian 12 ships GDAL 3.6. GDAL only parses spatial references from files that administrators import, never
# from visitors' input (coordinates are parsed by geo_core.parsing), so the hardening of GDAL 3.9 is not needed.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Public holidays that working-day targets skip (python-holidays country and subdivision codes).
PLATFORM_HOLIDAY_COUNTRY = env.str("PLATFORM_HOLIDAY_COUNTRY", default="DE")
PLATFORM_HOLIDAY_SUBDIVISION = env.str("PLATFORM_HOLIDAY_SUBDIVISION", default="NI")
