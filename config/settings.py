"""Pollen's one settings module, read from the environment (see docs/configuration.md)."""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.storage import private_storage

# Generic Django classes subscripted at run time (ModelAdmin[Any], Paginator[int]…), as mypy's
# strict mode has them written: the stubs' own patch, before any app module is imported.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def tiles_origin(url: str) -> list[str]:
    """The CSP source a tile URL is fetched from ({s} subdomains as a wildcard); none if empty."""
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


DEBUG = env_bool("POLLEN_DEBUG", True)
# Django's debug pages (a traceback, a 404 listing the URLs) with DEBUG; `make demo` keeps DEBUG
# (runserver serves the assets, load_demo runs) but shows its visitors the site's own pages.
DEBUG_PAGES = DEBUG and env_bool("POLLEN_DEBUG_PAGES", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "pollen-dev-only-not-secret")
if not DEBUG and SECRET_KEY.startswith("pollen-dev"):
    raise RuntimeError("SECRET_KEY doit être défini quand POLLEN_DEBUG=0.")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The address people reach Pollen at: links in mails (and their QR codes) start with it.
SITE_URL = os.environ.get("POLLEN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Reference data (communes, outlines, places) is read in place, never copied.
DATA_DIR = Path(os.environ.get("POLLEN_DATA_DIR", BASE_DIR.parent / "shared" / "data"))
# Runtime files (SQLite database, uploaded documents) live outside the code and the web root.
VAR_DIR = Path(os.environ.get("POLLEN_VAR_DIR", BASE_DIR / "var"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("POLLEN_MEDIA_ROOT", VAR_DIR / "documents"))
# Documents go through STORAGES["private"]: the folder above by default, an S3-compatible bucket
# with POLLEN_STORAGE_URL (s3://bucket?endpoint_url=https://…&region_name=…) or
# AWS_STORAGE_BUCKET_NAME (+ AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME); decision 0013.
STORAGE_URL = os.environ.get("POLLEN_STORAGE_URL", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": private_storage(STORAGE_URL, os.environ),
}
# With a bucket, a document may be handed out as a link valid 60 s, issued after the access check.
STORAGE_PRESIGNED = env_bool("POLLEN_STORAGE_PRESIGNED", False)
# A demo or a rehearsal may run the platform's clock from a chosen moment (ISO 8601, aware).
CLOCK_START = os.environ.get("POLLEN_CLOCK_START", "")
# The real moment that corresponds to CLOCK_START (default: when each process started).
CLOCK_STARTED_AT = os.environ.get("POLLEN_CLOCK_STARTED_AT", "")
POLLEN_API_RATE_LIMIT = int(os.environ.get("POLLEN_API_RATE_LIMIT", "300"))
# RFC 3161 time-stamping authority for the audit chain's daily digest (timestamp_audit), and the
# CA certificate (PEM file) its tokens are verified against. Empty: no time-stamps.
POLLEN_TSA_URL = os.environ.get("POLLEN_TSA_URL", "")
POLLEN_TSA_CA_FILE = os.environ.get("POLLEN_TSA_CA_FILE", "")
# New questions to the siting page's solver (up to 5 s each) per address and minute; answers
# already computed (by any process) are served from the shared cache without counting.
POLLEN_SITING_SOLVES_PER_MINUTE = int(os.environ.get("POLLEN_SITING_SOLVES_PER_MINUTE", "6"))
POLLEN_MAP_PDFS_PER_MINUTE = int(os.environ.get("POLLEN_MAP_PDFS_PER_MINUTE", "6"))
# The zoomable maps' background (docs/decisions/0023-zoomable-maps.md): raster tiles, {z} {x} {y}
# in the URL, IGN's Plan IGN by default. Empty: no tiles, the pages keep their SVG maps. The
# visitor's browser fetches them, so the CSP's img-src names their origin (below).
POLLEN_MAP_TILES_URL = os.environ.get(
    "POLLEN_MAP_TILES_URL",
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
).strip()
POLLEN_MAP_ATTRIBUTION = os.environ.get("POLLEN_MAP_ATTRIBUTION", "© IGN – Plan IGN")
UPLOAD_MAX_BYTES = int(os.environ.get("POLLEN_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# What an office document (a zip) may expand to, all members together (docs/decisions/0007).
UPLOAD_MAX_EXPANDED_BYTES = int(
    os.environ.get("POLLEN_UPLOAD_MAX_EXPANDED_BYTES", str(100 * 1024 * 1024))
)
# clamd, which scans every upload: "unix:///run/clamav/clamd.ctl" or "tcp://127.0.0.1:3310".
# Empty: nothing is scanned (the demo); `check --deploy` then reports it.
POLLEN_CLAMAV = os.environ.get("POLLEN_CLAMAV", "")
POLLEN_CLAMAV_TIMEOUT = float(os.environ.get("POLLEN_CLAMAV_TIMEOUT", "30"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "widget_tweaks",
    "dsfr",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "pollen.audit",
    "pollen.mailing",
    "pollen.jobs",
    "pollen.accounts",
    "pollen.dashboard",
    "pollen.territory",
    "pollen.calls",
    "pollen.applications",
    "pollen.places",
    "pollen.instruction",
    "pollen.expertise",
    "pollen.selection",
    "pollen.grants",
    "pollen.jam",
    "pollen.opendata",
    "pollen.api",
    "pollen.privacy",
    "pollen.about",
    "pollen.operations",
    "pollen.demo",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # the load balancer's probes, answered whatever Host they carry (config/observability.py)
    "config.observability.ProbeMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pollen.accounts.middleware.RememberLanguageMiddleware",
    "config.middleware.NoStoreForPrivateMiddleware",
    "config.middleware.RefuseNullCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.StyledErrorPagesMiddleware",
    "pollen.accounts.middleware.IdleSessionMiddleware",
    "pollen.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last, as django-axes asks: it turns a sign-in refused for too many failures into its page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pollen" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "pollen.accounts.context_processors.platform",
            ],
            "string_if_invalid": os.environ.get("POLLEN_TEMPLATE_STRICT", ""),
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pollen.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A file, not shared-cache memory, so the live server thread of browser tests can wait for locks.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # WAL and a busy timeout let concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool("POLLEN_DB_PREPARED", True):
    # PostgreSQL: server-side parameters, and statements prepared once a connection has run them
    # five times; parsing and planning leave the hot paths (about 1 ms of PostgreSQL CPU saved
    # per submission). Set POLLEN_DB_PREPARED=0 behind a pooler that cannot keep them.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"].endswith("postgresql") and (
    pool_size := int(os.environ.get("POLLEN_DB_POOL", "0"))
):
    # A pool of at most this many connections per process (psycopg_pool, through Django): the
    # ASGI node of the jam's streams, where a crowd arriving at once would otherwise open one
    # connection per request thread, past PostgreSQL's max_connections. A thread waits for a
    # free connection (up to 30 s) rather than fail; connections are kept, not persistent.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, pool_size),
        "max_size": pool_size,
        "timeout": 30,
    }
# PostgreSQL's pipeline mode for the submission (pollen/sql.py together()): its reads cost one
# round trip, its writes another. Set POLLEN_DB_PIPELINE=0 behind a proxy that cannot pipeline.
DB_PIPELINE = env_bool("POLLEN_DB_PIPELINE", True)
# A jam's live regions (docs/decisions/0002-jam-live-updates.md): server-sent events, fanned
# out by PostgreSQL LISTEN/NOTIFY, when "auto" finds an ASGI request on PostgreSQL; "on" when
# the pages run under WSGI but a proxy sends the jam's …/flux/ paths to ASGI nodes; "off":
# every screen polls once a second (always so on SQLite).
JAM_STREAMS = os.environ.get("POLLEN_JAM_STREAMS", "auto")

# The cache holds what every process and host must agree on (the API's rate limit, computed
# pages): the database by default (shared, nothing to install), Redis with
# POLLEN_CACHE_URL=redis://host:6379/0. Never a process's own memory.
CACHE_URL = os.environ.get("POLLEN_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pollen_cache"}
    )
}
# Behind a load balancer, the client's address is the one the trusted proxies add to
# X-Forwarded-For: POLLEN_TRUSTED_PROXIES is how many proxies stand in front (0: none, use
# the connection's address).
TRUSTED_PROXIES = int(os.environ.get("POLLEN_TRUSTED_PROXIES", "0"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "pollen.accounts.sessions.UserBackend",
]
SESSION_ENGINE = "pollen.accounts.sessions"
LOGIN_URL = "accounts:login"
# A session ends after POLLEN_SESSION_IDLE seconds without activity (staff:
# POLLEN_SESSION_IDLE_STAFF, an hour by default) and in any case POLLEN_SESSION_MAX seconds after
# sign-in (12 hours by default).
SESSION_IDLE_S = int(os.environ.get("POLLEN_SESSION_IDLE", str(4 * 3600)))
SESSION_IDLE_STAFF_S = int(os.environ.get("POLLEN_SESSION_IDLE_STAFF", "3600"))
SESSION_COOKIE_AGE = int(os.environ.get("POLLEN_SESSION_MAX", str(12 * 3600)))
LOGIN_REDIRECT_URL = "dashboard:index"
# Sign-in failures (django-axes, counted in the database so every process and host agrees):
# POLLEN_LOGIN_FAILURES wrong passwords for one account from one address lock that pair, and
# POLLEN_LOGIN_FAILURES_PER_ADDRESS from one address, whatever the accounts, lock the address,
# for POLLEN_LOGIN_LOCK_MINUTES after the last failure. A password reset unlocks the account.
LOGIN_FAILURES = int(os.environ.get("POLLEN_LOGIN_FAILURES", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("POLLEN_LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_LOCK_MINUTES = int(os.environ.get("POLLEN_LOGIN_LOCK_MINUTES", "15"))
AXES_HANDLER = "pollen.accounts.lockout.PollenAxesHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURES
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCK_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock ends when the page says
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "pollen.accounts.lockout.client_ip"
AXES_USERNAME_CALLABLE = "pollen.accounts.lockout.username"
AXES_LOCKOUT_CALLABLE = "pollen.accounts.lockout.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
AXES_VERBOSE = False
# A second factor (TOTP app, or one of ten single-use backup codes) for every role but the
# applicant's; POLLEN_STAFF_2FA=0 turns it off (a rehearsal without phones, never production).
STAFF_2FA = env_bool("POLLEN_STAFF_2FA", True)
OTP_TOTP_ISSUER = "Pollen"
# Sensitive actions (award, payment approval, rights, 2FA reset) ask the password (and code)
# again when the last confirmation is older than POLLEN_REAUTH_MINUTES.
REAUTH_S = int(os.environ.get("POLLEN_REAUTH_MINUTES", "15")) * 60
# A password reset link works once, within POLLEN_PASSWORD_RESET_S seconds (an hour).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("POLLEN_PASSWORD_RESET_S", "3600"))
# Ways in (/inscription/, invitations): a sign-up's confirmation link works once, within
# POLLEN_SIGNUP_CONFIRM_S seconds (two days); an invitation's within POLLEN_INVITATION_S (a
# week). POLLEN_SIGNUPS_PER_HOUR sign-ups (and as many Sirene look-ups) per address and hour.
SIGNUP_CONFIRM_S = int(os.environ.get("POLLEN_SIGNUP_CONFIRM_S", str(2 * 24 * 3600)))
INVITATION_S = int(os.environ.get("POLLEN_INVITATION_S", str(7 * 24 * 3600)))
SIGNUPS_PER_HOUR = int(os.environ.get("POLLEN_SIGNUPS_PER_HOUR", "10"))
# The Sirene directory that confirms an organisation's name from its SIRET, e.g. the public
# « API Recherche d'entreprises »: https://recherche-entreprises.api.gouv.fr/search (asked with
# ?q=<siret>). Empty: the name is typed, the SIRET checked offline only.
SIRENE_URL = os.environ.get("POLLEN_SIRENE_URL", "")
SIRENE_TIMEOUT = float(os.environ.get("POLLEN_SIRENE_TIMEOUT", "5"))
# ProConnect, the State's OpenID Connect (docs/decisions/0016-proconnect-oidc.md): on when a
# client id and secret are given with the issuer (its endpoints are read from its discovery
# document) or with the four endpoints. Off, no button, otherwise.
OIDC_ISSUER = os.environ.get("POLLEN_OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("POLLEN_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("POLLEN_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("POLLEN_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("POLLEN_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("POLLEN_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("POLLEN_OIDC_JWKS_ENDPOINT", "")
OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and OIDC_RP_CLIENT_SECRET
    and (
        OIDC_ISSUER
        or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT)
    )
)
OIDC_RP_SIGN_ALGO = os.environ.get("POLLEN_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("POLLEN_OIDC_SCOPES", "openid email given_name usual_name")
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect_callback"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("pollen.accounts.proconnect.ProConnectBackend")
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = os.environ.get(
    "POLLEN_PASSWORD_HASHERS", "django.contrib.auth.hashers.PBKDF2PasswordHasher"
).split(",")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "pollen" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("POLLEN_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "pollen" / "static"]

# Django 6.1's MAILERS. Whole mails are printed on the console in development only; without
# POLLEN_DEBUG they go out by SMTP, so no mail body ever reaches a production log.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
        "OPTIONS": {
            k: v
            for k, v in {
                "host": os.environ.get("EMAIL_HOST"),
                "port": int(os.environ["EMAIL_PORT"]) if os.environ.get("EMAIL_PORT") else None,
                "username": os.environ.get("EMAIL_HOST_USER"),
                "password": os.environ.get("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False) or None,
            }.items()
            if v is not None
        },
    }
}
# Mail and webhooks are delivered by tasks (docs/decisions/0012-tasks-and-outbox.md).
# "immediate": each runs right after the commit, in the same process (demo, tests);
# "database": queued in the database, run by `manage.py db_worker` on any number of hosts.
TASKS_MODE = os.environ.get("POLLEN_TASKS", "immediate")
if TASKS_MODE not in {"immediate", "database"}:
    raise ImproperlyConfigured("POLLEN_TASKS vaut « immediate » ou « database ».")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_MODE == "database"
        else "django.tasks.backends.immediate.ImmediateBackend"
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Pollen <ne-pas-repondre@pollen.example>")
# Personal data (docs/decisions/0008-personal-data-retention.md): whom people write to about
# their data, who is responsible for it, and how long a copy of a sent mail is kept.
DPO_EMAIL = os.environ.get("POLLEN_DPO_EMAIL", "dpo@pollen.example")
DATA_CONTROLLER = os.environ.get(
    "POLLEN_DATA_CONTROLLER",
    "Direction générale des entreprises (démonstration), 139 rue de Bercy, 75012 Paris",
)
SENT_MAIL_KEPT_DAYS = int(os.environ.get("POLLEN_SENT_MAIL_KEPT_DAYS", "90"))
# The legal notice and the accessibility statement (pollen/about): who publishes the site, who
# answers for it, who hosts it, and where people write (also from the error pages).
PUBLISHER = os.environ.get("POLLEN_PUBLISHER", DATA_CONTROLLER)
PUBLICATION_DIRECTOR = os.environ.get(
    "POLLEN_PUBLICATION_DIRECTOR", "La directrice générale des entreprises (démonstration)"
)
HOSTING_PROVIDER = os.environ.get(
    "POLLEN_HOSTING_PROVIDER", "Hébergeur à renseigner (POLLEN_HOSTING_PROVIDER)"
)
CONTACT_EMAIL = os.environ.get("POLLEN_CONTACT_EMAIL", "contact@pollen.example")

SESSION_COOKIE_HTTPONLY = True
# Secure cookies, HTTPS only and HSTS in production; POLLEN_SECURE_COOKIES=0 and
# POLLEN_SSL_REDIRECT=0 only for a plain-HTTP rehearsal or benchmark.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("POLLEN_SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("POLLEN_SSL_REDIRECT", not DEBUG)
# A node's health probes come over plain HTTP from the load balancer or the container engine.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("POLLEN_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("POLLEN_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("POLLEN_HSTS_PRELOAD", True)
# Behind a TLS-terminating proxy the request reaches Django over HTTP: without this, the SSL
# redirect would loop. Only set it when that proxy overwrites X-Forwarded-Proto.
if env_bool("POLLEN_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Django's own CSP (docs/decisions/0005-content-security-policy.md): no inline script or style,
# no eval; the nonce is for the DSFR's script tag and any inline script a page may one day need.
# data: images are the DSFR's own (its logo's Marianne, form controls: SVG in its stylesheet).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *tiles_origin(POLLEN_MAP_TILES_URL)],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Pollen uses none of the browser's powerful features (a QR code is shown, never scanned).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# One JSON object per line (with the request's id) for the log collectors; plain text on a
# developer's console (POLLEN_LOG_FORMAT=text, the default with POLLEN_DEBUG=1).
LOG_FORMAT = os.environ.get("POLLEN_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.observability.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # One line per task run is for debugging a worker, not for `make demo`'s console.
    "loggers": {"django.tasks": {"level": os.environ.get("LOG_LEVEL", "WARNING")}},
}
