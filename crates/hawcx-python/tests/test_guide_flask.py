"""The guide's Flask backend (tests/guide/flask_app: Step 3 callback, Step 4 user
service, Step 5 ``require_auth`` on ``/api/me``) in Flask's test client against the
emulator: the callback turns a real authorization code into a session token, the
middleware accepts it and refuses a tampered, an expired and a missing one."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from conftest import Idp, bearer, expired_hs256, tamper, unique_email


@pytest.fixture(scope="module")
def app(idp: Idp) -> Flask:
    from flask_app.app import app as guide_app

    guide_app.testing = True
    return guide_app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


def sign_in(client: FlaskClient, idp: Idp, email: str) -> Dict[str, Any]:
    r = client.post("/api/auth/hawcx/callback", json={"code": idp.login(email)})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert isinstance(body, dict)
    return body


def test_callback_returns_session_token_and_creates_user(client: FlaskClient, idp: Idp) -> None:
    email = unique_email("guide-flask")
    body = sign_in(client, idp, email)
    assert body["success"] is True
    assert body["user"]["email"] == email
    assert isinstance(body["user"]["id"], int)
    assert body["sessionToken"].count(".") == 2

    # A second login finds the same user (Step 4's find_or_create_user).
    again = sign_in(client, idp, email)
    assert again["user"]["id"] == body["user"]["id"]


def test_me_accepts_the_session_token(client: FlaskClient, idp: Idp) -> None:
    email = unique_email("guide-flask-me")
    body = sign_in(client, idp, email)
    r = client.get("/api/me", headers=bearer(body["sessionToken"]))
    assert r.status_code == 200, r.get_data(as_text=True)
    me = r.get_json()
    assert me["email"] == email
    assert me["userId"] == str(body["user"]["id"])
    assert me["hawcxId"]


def test_me_refuses_tampered_expired_and_missing(client: FlaskClient, idp: Idp) -> None:
    email = unique_email("guide-flask-bad")
    token = sign_in(client, idp, email)["sessionToken"]

    r = client.get("/api/me", headers=bearer(tamper(token)))
    assert r.status_code == 401
    assert r.get_json() == {"error": "Invalid or expired token"}

    expired = expired_hs256(os.environ["SESSION_SECRET"], {"userId": "1", "email": email})
    r = client.get("/api/me", headers=bearer(expired))
    assert r.status_code == 401
    assert r.get_json() == {"error": "Invalid or expired token"}

    # A token signed with another secret.
    other = expired_hs256("x" * 48, {"userId": "1", "email": email}, ago=-3600)
    assert client.get("/api/me", headers=bearer(other)).status_code == 401

    r = client.get("/api/me")
    assert r.status_code == 401
    assert r.get_json() == {"error": "Missing authorization token"}


def test_callback_refuses_missing_wrong_and_replayed_codes(client: FlaskClient, idp: Idp) -> None:
    r = client.post("/api/auth/hawcx/callback", json={})
    assert r.status_code == 400
    assert r.get_json() == {"error": "Missing authorization code"}

    r = client.post("/api/auth/hawcx/callback", json={"code": "not-a-real-code"})
    assert r.status_code == 401
    assert r.get_json() == {"error": "Authentication failed"}

    code = idp.login(unique_email("guide-flask-replay"))
    assert client.post("/api/auth/hawcx/callback", json={"code": code}).status_code == 200
    r = client.post("/api/auth/hawcx/callback", json={"code": code})
    assert r.status_code == 401  # codes are single use
