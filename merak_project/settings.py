"""Merak settings: every value comes from the environment (or `.env`), read once here."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="merak-dev-only-secret-key-change-me" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    # daphne first: `manage.py runserver` then serves ASGI, so SSE streams.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",  # its system checks; it serves static files as middleware
    "django.contrib.staticfiles",
    "chatkit_app",
    "agents_app",
]

MIDDLEWARE = [
    # First, so its JSON line covers every request and every response carries X-Request-ID.
    "merak_project.request_log.RequestLogMiddleware",
    # Django's, without thread hops; its deployment checks are run with the subclasses counted (same module).
    "merak_project.runtime.api_middleware.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",  # async: no thread hop per request
    # Django's own, stepped over on the JSON API paths (see merak_project/runtime/api_middleware.py).
    "merak_project.runtime.api_middleware.SessionMiddleware",
    "merak_project.runtime.api_middleware.CommonMiddleware",
    "merak_project.runtime.api_middleware.CsrfViewMiddleware",
    "merak_project.runtime.api_middleware.AuthenticationMiddleware",
    "merak_project.runtime.api_middleware.MessageMiddleware",
    "merak_project.runtime.api_middleware.XFrameOptionsMiddleware",
]

# Django's checks for these middleware look for them by name: `api_middleware.deployment_checks` runs them
# counting Merak's subclasses, and reports a missing one as merak.W101-W103.
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

ROOT_URLCONF = "merak_project.urls"
ASGI_APPLICATION = "merak_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent streams write from several threads: WAL lets readers run beside
    # the writer, IMMEDIATE takes the write lock up front (no upgrade deadlocks),
    # and the timeout makes a writer wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer must fail a request fast (503
    # `database_unavailable`), not hold it: a new connection gives up after 2 s
    # (libpq's least), and a request waits at most 1.5 s for one from the pool.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    if env.bool("DATABASE_POOL", default=True):
        # Token checks and Django's own ORM calls run on several threads; the
        # pool keeps them from opening a connection per request.
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 2,
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
            "timeout": 1.5,
        }

# Threads the ChatKit store runs its queries on, per worker process (merak_project/runtime/db_threads.py).
MERAK_DB_THREADS = env.int("MERAK_DB_THREADS", default=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development static files come straight from the apps; in production from
# `collectstatic`'s output, served by ServeStatic.
SERVESTATIC_USE_FINDERS = DEBUG
SERVESTATIC_AUTOREFRESH = DEBUG

# --- ChatKit ----------------------------------------------------------------
# When off, /chatkit answers 503 (the server process still serves admin and health).
MERAK_ENABLE_CHATKIT_SERVER = env.bool("MERAK_ENABLE_CHATKIT_SERVER", default=True)
CHATKIT_SERVER_HOST = env("CHATKIT_SERVER_HOST", default="127.0.0.1")
CHATKIT_SERVER_PORT = env.int("CHATKIT_SERVER_PORT", default=8000)
CHATKIT_SERVER_WORKERS = env.int("CHATKIT_SERVER_WORKERS", default=1)
CHATKIT_MAX_BODY_BYTES = env.int("CHATKIT_MAX_BODY_BYTES", default=1_000_000)
# Django refuses bodies above this before our view reads them; keep both equal.
DATA_UPLOAD_MAX_MEMORY_SIZE = CHATKIT_MAX_BODY_BYTES
# Where browsers reach this server: the base of attachment upload and preview URLs.
MERAK_PUBLIC_URL = env("MERAK_PUBLIC_URL", default=f"http://127.0.0.1:{CHATKIT_SERVER_PORT}")
MERAK_MAX_ATTACHMENT_BYTES = env.int("MERAK_MAX_ATTACHMENT_BYTES", default=10_000_000)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Feature flags handed to the agent through its context (comma-separated names).
MERAK_FEATURE_FLAGS = env.list("MERAK_FEATURE_FLAGS", default=[])

# --- Identity ---------------------------------------------------------------
# The server key: what the frontend's backend (and any trusted proxy) sends as
# `Authorization: Bearer ...` to issue client tokens, or to call /chatkit for a
# user named in X-User-ID. Development falls back to a fixed, public key so a
# fresh checkout (and the frontend's dev default) work with no configuration;
# with DJANGO_DEBUG off there is no default.
DEV_SERVER_API_KEY = "merak-dev-server-key"
MERAK_SERVER_API_KEY = env("MERAK_SERVER_API_KEY", default="") or (DEV_SERVER_API_KEY if DEBUG else "")
if not MERAK_SERVER_API_KEY:
    raise ImproperlyConfigured("Set MERAK_SERVER_API_KEY: it is required when DJANGO_DEBUG is off.")
# How long a client secret works, and how long after that it may still be refreshed.
MERAK_CLIENT_TOKEN_TTL_SECONDS = env.int("MERAK_CLIENT_TOKEN_TTL_SECONDS", default=900)
MERAK_CLIENT_TOKEN_REFRESH_GRACE_SECONDS = env.int("MERAK_CLIENT_TOKEN_REFRESH_GRACE_SECONDS", default=86_400)

# --- Limits -----------------------------------------------------------------
# Rate limits and open-stream counts live in this cache: local memory counts per
# process, so several workers need a shared one (CACHE_URL=redis://host:6379/0).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Requests per user per window on /chatkit, and streams a user may have open at once (0: no limit).
MERAK_RATE_LIMIT_REQUESTS = env.int("MERAK_RATE_LIMIT_REQUESTS", default=120)
MERAK_RATE_LIMIT_WINDOW_SECONDS = env.int("MERAK_RATE_LIMIT_WINDOW_SECONDS", default=60)
MERAK_MAX_OPEN_STREAMS_PER_USER = env.int("MERAK_MAX_OPEN_STREAMS_PER_USER", default=3)

# What each model costs, for the admin's usage figures: {"model": {"input": USD, "cached": USD, "output": USD}},
# per million tokens. A model without a price shows no cost.
MERAK_MODEL_PRICES = env.json("MERAK_MODEL_PRICES", default={})

# --- Runs -------------------------------------------------------------------
# A reply runs to its end however its connection ends (reload, tab closed, network lost), and
# counts as an open stream until it does; off: a client leaving cancels it, as it once did.
MERAK_REPLIES_OUTLIVE_CLIENTS = env.bool("MERAK_REPLIES_OUTLIVE_CLIENTS", default=True)
# The longest a reply may run before it is cancelled (its partial reply kept).
MERAK_RUN_MAX_SECONDS = env.float("MERAK_RUN_MAX_SECONDS", default=600.0)
# On SIGTERM a worker takes no new replies and lets running ones finish for this long, then
# cancels the rest (their partial replies kept). The process manager must wait longer than this.
MERAK_RUN_DRAIN_SECONDS = env.float("MERAK_RUN_DRAIN_SECONDS", default=60.0)
# Signals between workers (stopping a reply that runs on another one) go through Django
# Channels' channel layer: Redis when CACHE_URL names one, else this process's memory.
if CACHES["default"]["BACKEND"].startswith("django_redis"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CACHES["default"]["LOCATION"]], "prefix": "merak:channels"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Agent ------------------------------------------------------------------
# The agent /chatkit serves: a dotted path to a `chatkit_app.responder.Responder` subclass.
MERAK_RESPONDER = env("MERAK_RESPONDER", default="agents_app.responder.TripPlanner")
# The Trip Planner's model.
# No key: the deterministic offline planner. A key: the OpenAI model named by
# MERAK_MODEL. OPENAI_BASE_URL points the same code at any compatible server.
OPENAI_API_KEY = env("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env("OPENAI_BASE_URL", default="")
MERAK_MODEL = env("MERAK_MODEL", default="gpt-4.1-mini")
# More models a user may pick in the composer, as "id=Label" pairs: "gpt-4.1=GPT-4.1,o4-mini=o4 mini".
# MERAK_MODEL is always offered, and is the default. Only with a key: the offline planner is one model.
MERAK_MODELS = env.list("MERAK_MODELS", default=[])
MERAK_USE_CHAT_COMPLETIONS = env.bool("MERAK_USE_CHAT_COMPLETIONS", default=False)
# Models that reason (shell-style patterns): on the Responses API they are asked for reasoning
# summaries, which ChatKit shows as the reply's thoughts.
MERAK_REASONING_MODELS = env.list("MERAK_REASONING_MODELS", default=["o1*", "o3*", "o4*", "gpt-5*"])
# Dictation (`input.transcribe`): with a key, recordings go to this model at /v1/audio/transcriptions.
# Empty: no microphone. With OPENAI_BASE_URL, name one the server serves ("whisper-1"): none by default.
MERAK_TRANSCRIPTION_MODEL = env(
    "MERAK_TRANSCRIPTION_MODEL", default="" if OPENAI_BASE_URL else "gpt-4o-mini-transcribe"
)
# The largest and longest recording dictation takes (its base64 must also fit CHATKIT_MAX_BODY_BYTES).
MERAK_MAX_RECORDING_BYTES = env.int("MERAK_MAX_RECORDING_BYTES", default=700_000)
MERAK_MAX_RECORDING_SECONDS = env.int("MERAK_MAX_RECORDING_SECONDS", default=120)
# Pause between streamed words of the offline planner, so it reads like a model.
MERAK_OFFLINE_STREAM_DELAY_MS = env.float("MERAK_OFFLINE_STREAM_DELAY_MS", default=15.0)

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# `json`: one JSON object per line (what log shippers want); `plain`: human-readable text.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "merak_project.log_format.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"not_on_api_paths": {"()": "merak_project.log_format.NotOnApiPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain" if LOG_FORMAT == "plain" else "json"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The SDKs log every request at INFO; keep our own lines readable.
        "chatkit": {"level": "WARNING"},
        "openai.agents": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # merak.requests logs every request once; Django's own line per 4xx would
        # repeat it (with the raw path, which may hold a signed attachment token),
        # and on the API paths so would its line per 5xx.
        "django.request": {"level": "ERROR", "filters": ["not_on_api_paths"]},
    },
}
