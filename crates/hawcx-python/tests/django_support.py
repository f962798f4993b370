"""Configures Django once per test process with the guide's settings
(tests/guide/django_app/settings.py); the helper tests override ROOT_URLCONF and
MIDDLEWARE per test with ``override_settings``."""

from __future__ import annotations

import os

import django


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_app.settings")
    from django.apps import apps

    if not apps.ready:
        django.setup()
