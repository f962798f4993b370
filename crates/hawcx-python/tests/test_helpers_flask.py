"""hawcx_oauth_client.flask: ``require_auth`` (``g.user`` and ``request.user``, 401 JSON
``{"error": ...}`` with a Bearer challenge) and ``issue_session_token``, in Flask's test
client, configured only through the environment (``SessionTokens.from_env()``)."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Tuple

import pytest
from flask import Flask, Response, g, jsonify, request
from flask.testing import FlaskClient

from hawcx_oauth_client.flask import current_claims, issue_session_token, require_auth
from hawcx_oauth_client.sessions import SessionTokens

import helper_support as hs


def make_app() -> Flask:
    app = Flask("helper-flask")
    app.testing = True

    @app.get("/me")
    @require_auth
    def me() -> Response:
        claims = current_claims()
        assert claims is g.user
        assert getattr(request, "user") is g.user
        return jsonify(g.user)

    @app.get("/async-me")
    @require_auth
    async def async_me() -> Response:
        return jsonify(g.user)

    @app.get("/called")
    @require_auth()
    def called() -> Response:
        return jsonify(g.user)

    explicit = SessionTokens(hs.OLD_SECRET)

    @app.get("/explicit")
    @require_auth(tokens=explicit)
    def explicit_tokens() -> Response:
        return jsonify(g.user)

    @app.post("/login")
    def login() -> Tuple[Response, int]:
        body: Dict[str, Any] = request.get_json() or {}
        return jsonify(sessionToken=issue_session_token(body)), 200

    return app


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    hs.use_secret(monkeypatch)
    with make_app().test_client() as c:
        yield c


def auth(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_accepts_a_valid_token(client: FlaskClient) -> None:
    r = client.get("/me", headers=auth(hs.good_token()))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["email"] == hs.CLAIMS["email"]
    for url in ("/async-me", "/called"):
        r = client.get(url, headers=auth(hs.good_token()))
        assert r.status_code == 200, r.get_data(as_text=True)
    assert client.get("/called").status_code == 401
    # The scheme is case-insensitive (RFC 7235).
    assert client.get("/me", headers={"Authorization": "bearer " + hs.good_token()}).status_code == 200


def test_issue_session_token_round_trips(client: FlaskClient) -> None:
    r = client.post("/login", json={"sub": "u-1", "email": "u1@example.com"})
    token = r.get_json()["sessionToken"]
    me = client.get("/me", headers=auth(token)).get_json()
    assert me["sub"] == "u-1" and me["exp"] > me["iat"]


def test_missing_header(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer"}):
        r = client.get("/me", headers=headers)
        assert r.status_code == 401, headers
        assert r.get_json() == {"error": "Missing authorization token"}
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_tampered(client: FlaskClient) -> None:
    r = client.get("/me", headers=auth(hs.tampered_token()))
    assert r.status_code == 401
    assert r.get_json()["error"] == "Invalid token"
    assert r.get_json()["code"] == "jws.bad_signature"
    assert r.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert client.get("/me", headers=auth("not.a.jwt")).status_code == 401


def test_expired(client: FlaskClient) -> None:
    r = client.get("/me", headers=auth(hs.expired_token()))
    assert r.status_code == 401
    assert r.get_json() == {"error": "Token expired", "code": "jwt.expired"}


def test_explicit_token_source(client: FlaskClient) -> None:
    assert client.get("/explicit", headers=auth(hs.good_token(hs.OLD_SECRET))).status_code == 200
    assert client.get("/explicit", headers=auth(hs.good_token())).status_code == 401


def test_rotated_secret_within_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    hs.rotate(monkeypatch, grace_seconds=3600)
    with make_app().test_client() as c:
        assert c.get("/me", headers=auth(hs.good_token(hs.OLD_SECRET))).status_code == 200
        assert c.get("/me", headers=auth(hs.good_token())).status_code == 200


def test_rotation_grace_then_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with make_app().test_client() as c:
        hs.check_rotation(
            monkeypatch,
            lambda token: c.get("/me", headers=auth(token)).status_code,
            issue_session_token,
        )


def test_missing_session_secret_is_a_server_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    app = make_app()
    app.testing = False  # let Flask turn the exception into a 500
    with app.test_client() as c:
        assert c.get("/me", headers=auth(hs.good_token())).status_code == 500
