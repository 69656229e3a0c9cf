"""Settings of the demo (``paste.ini.sample``): the admin, auth and sessions on sqlite.

The database lives in ``var/demo.sqlite3`` at the repository root (git-ignored), or wherever
``$DJWSGI_DEMO_DB`` says; ``migrate = true`` in the ini creates it on first start.
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATABASE = Path(os.environ.get("DJWSGI_DEMO_DB", HERE.parent.parent / "var" / "demo.sqlite3"))
DATABASE.parent.mkdir(parents=True, exist_ok=True)

SECRET_KEY = "djwsgi-demo-not-secret"  # a demo: never deploy this key
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "demo.urls"
INSTALLED_APPS = [
    "demo.apps.DemoConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATABASE)}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The login page as the browser sees it: paste.ini.sample mounts demo.urls at /django.
LOGIN_URL = "/django/accounts/login/"
LOGIN_REDIRECT_URL = "/django/"
