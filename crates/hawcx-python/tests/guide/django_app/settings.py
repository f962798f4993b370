"""Filled in (not guide code): the smallest Django settings that serve the guide's views.

No Django database or auth apps: the guide's user service keeps users in its own ``db``
(tests/guide/app/db.py). ``SECRET_KEY`` comes from the environment like the rest of the
guide's configuration (FLASK_SECRET_KEY is what the emulator's env file provides)."""

import os

SECRET_KEY = os.getenv("DJANGO_SECRET_KEY") or os.getenv("FLASK_SECRET_KEY") or "insecure-test-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
ROOT_URLCONF = "django_app.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
