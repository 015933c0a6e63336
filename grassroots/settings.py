"""Settings for Grassroots, read from the environment (see .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
# Settings that bin/run chose (its secret key file, debug mode…) are kept in .env, so every manage.py
# command a newcomer types afterwards works as written. The environment always wins over the file.
load_dotenv(BASE_DIR / ".env", override=False)


def env(name: str, default: str = "") -> str:
    """A setting from the environment, or from the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = env(name, default).lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes")


def envint(name: str, default: str) -> int:
    value = env(name, default)
    try:
        return int(value)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from e


DEBUG = envbool("DEBUG", "false")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is false")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-" + "x" * 20
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "grassroots.apps.TasksDatabaseConfig",
    "grassroots.apps.AxesConfig",
    "core",
    "org",
    "workdays",
    "ledger",
    "enterprises",
    "policies",
    "insight",
    "open311",
    "visits",
    "cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.RequestSanityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RequestIdMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grassroots.urls"
WSGI_APPLICATION = "grassroots.wsgi.application"

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
                "policies.context_processors.policy_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "0"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, the task worker and commands share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ledger:inbox"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded and generated files (export jobs' spreadsheets). Never served as public URLs: the
# web server must not map MEDIA_URL; downloads go through views that check who asks.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "grassroots@localhost")

# Background work: django-tasks with the database backend (worker: manage.py db_worker) by default,
# RQ on Redis in production (worker: manage.py rqworker default).
INSTALLED_APPS += ["grassroots.apps.RqConfig", "django_tasks_rq"]
RQ_QUEUES = {"default": {"URL": env("REDIS_URL", "redis://127.0.0.1:6379/0")}}
TASKS_BACKEND = env("TASKS_BACKEND", "db")
TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be db, rq or immediate, not {TASKS_BACKEND!r}")
TASKS = {"default": TASK_BACKENDS[TASKS_BACKEND]}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Grassroots API",
    "DESCRIPTION": _("四下基层 ledger: items, measures, results and their closed loop."),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets used under several field names get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ItemKindEnum": "ledger.models.Kind",
        "ResultKindEnum": "ledger.models.ResultKind",
        "StatusEnum": "ledger.models.Status",
    },
}

# Reconcile (对账): an item is at risk when due within this many working days,
# and escalated to its sponsoring leader when overdue by this many working days.
LEDGER_AT_RISK_WORKING_DAYS = envint("LEDGER_AT_RISK_WORKING_DAYS", "1")
LEDGER_ESCALATE_AFTER_WORKING_DAYS = envint("LEDGER_ESCALATE_AFTER_WORKING_DAYS", "2")
# Exports of up to this many rows are answered directly; larger ones are written by the task worker.
# A resolution deadline set by hand on dispatch lies at most this many days ahead.
LEDGER_MAX_RESOLVE_HORIZON_DAYS = envint("LEDGER_MAX_RESOLVE_HORIZON_DAYS", "366")
LEDGER_EXPORT_SYNC_MAX_ROWS = envint("LEDGER_EXPORT_SYNC_MAX_ROWS", "5000")

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "true")
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "true")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"grassroots.security": {"handlers": ["console"], "level": "WARNING"}},
}

# Open311 GeoReport v2 (open311/): list page sizes, the default date window, discovery's contact.
OPEN311_PAGE_SIZE = envint("OPEN311_PAGE_SIZE", "50")
OPEN311_MAX_PAGE_SIZE = envint("OPEN311_MAX_PAGE_SIZE", "500")
OPEN311_WINDOW_DAYS = 90
OPEN311_CONTACT = env("OPEN311_CONTACT", "12345")
OPEN311_KEY_SERVICE = env("OPEN311_KEY_SERVICE", "Ask the 12345 office of the city for an api_key.")
# The Open311 rate limit counts POSTs per key in the cache. One process: the default local-memory
# cache is enough; with several gunicorn workers set CACHE_BACKEND=redis (REDIS_URL) so they share it.
if env("CACHE_BACKEND", "locmem") == "redis":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
elif env("CACHE_BACKEND", "locmem") != "locmem":
    raise ImproperlyConfigured("CACHE_BACKEND must be locmem or redis")

# ---------------------------------------------------------------------------------------------
# Insight (insight/): routing suggestions, repeat detection and hot issues. Models are files under
# INSIGHT_MODEL_DIR (one per version, with its evaluation figures in the database); nothing is
# downloaded at run time.
INSIGHT_MODEL_DIR = Path(env("INSIGHT_MODEL_DIR", str(BASE_DIR / "var" / "models")))
# Below this calibrated confidence no suggestion is shown.
INSIGHT_SUGGEST_MIN_CONFIDENCE = float(env("INSIGHT_SUGGEST_MIN_CONFIDENCE", "0.6"))
# Retraining from the ledger needs at least this many resolved items.
INSIGHT_RETRAIN_MIN_ITEMS = envint("INSIGHT_RETRAIN_MIN_ITEMS", "50")
# Repeats (重复件): open items opened within this many days, whose text similarity reaches the threshold
# (chosen by bench/insight.py on real messages; see docs/insight.md).
INSIGHT_REPEAT_WINDOW_DAYS = envint("INSIGHT_REPEAT_WINDOW_DAYS", "30")
INSIGHT_REPEAT_MIN_SIMILARITY = float(env("INSIGHT_REPEAT_MIN_SIMILARITY", "0.11"))
# Hot issues (热点问题): items of the last this many days, compared with the period before for growth.
INSIGHT_HOT_WINDOW_DAYS = envint("INSIGHT_HOT_WINDOW_DAYS", "30")
