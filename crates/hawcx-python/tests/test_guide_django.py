"""The guide's Django backend (tests/guide/django_app: Step 3 ``views.auth_callback``,
Step 5 ``decorators.require_auth`` on ``views.get_current_user``) in Django's test
``Client`` against the emulator."""

from __future__ import annotations

import os
from typing import Any, Dict

import pytest

from conftest import Idp, expired_hs256, tamper, unique_email
from django_support import setup_django

setup_django()

from django.test import Client  # noqa: E402


@pytest.fixture
def client(idp: Idp) -> Client:
    return Client()


def sign_in(client: Client, idp: Idp, email: str) -> Dict[str, Any]:
    r = client.post("/api/auth/hawcx/callback", {"code": idp.login(email)},
                    content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert isinstance(body, dict)
    return body


def test_callback_returns_session_token(client: Client, idp: Idp) -> None:
    email = unique_email("guide-django")
    body = sign_in(client, idp, email)
    assert body["success"] is True
    assert body["user"]["email"] == email
    assert body["sessionToken"].count(".") == 2


def test_callback_refuses_a_wrong_code_and_get(client: Client, idp: Idp) -> None:
    r = client.post("/api/auth/hawcx/callback", {"code": "bogus"}, content_type="application/json")
    assert r.status_code == 401
    assert r.json() == {"error": "Authentication failed"}
    r = client.post("/api/auth/hawcx/callback", {}, content_type="application/json")
    assert r.status_code == 400
    assert client.get("/api/auth/hawcx/callback").status_code == 405  # require_http_methods


def test_decorator_accepts_token_refuses_tampered_expired_missing(client: Client, idp: Idp) -> None:
    email = unique_email("guide-django-me")
    token = sign_in(client, idp, email)["sessionToken"]

    r = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200, r.content
    assert r.json()["email"] == email

    r = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tamper(token)}")
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid or expired token"}

    expired = expired_hs256(os.environ["SESSION_SECRET"], {"userId": "1", "email": email})
    r = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {expired}")
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid or expired token"}

    r = client.get("/api/me")
    assert r.status_code == 401
    assert r.json() == {"error": "Missing authorization token"}
