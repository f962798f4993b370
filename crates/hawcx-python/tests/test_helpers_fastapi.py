"""hawcx_oauth_client.fastapi: the ``HawcxAuth`` / ``require_auth()`` dependency (401 via
``HTTPException`` with ``WWW-Authenticate: Bearer``), ``CurrentUser`` and
``issue_session_token``, in FastAPI's ``TestClient``, configured only through the
environment (``SessionTokens.from_env()``)."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from hawcx_oauth_client.fastapi import CurrentUser, HawcxAuth, issue_session_token, require_auth
from hawcx_oauth_client.sessions import SessionTokens

import helper_support as hs


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/me")
    def me(user: Dict[str, Any] = Depends(require_auth())) -> Dict[str, Any]:
        return user

    @app.get("/annotated")
    async def annotated(user: CurrentUser, request: Request) -> Dict[str, Any]:
        assert id(request.state.user) == id(user)  # (`is` would narrow `user` to Any)
        return user

    @app.get("/explicit")
    def explicit(user: Dict[str, Any] = Depends(HawcxAuth(tokens=SessionTokens(hs.OLD_SECRET)))) -> Dict[str, Any]:
        return user

    @app.post("/login")
    def login(claims: Dict[str, Any]) -> Dict[str, str]:
        return {"sessionToken": issue_session_token(claims)}

    return app


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    hs.use_secret(monkeypatch)
    with TestClient(make_app()) as c:
        yield c


def auth(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_accepts_a_valid_token(client: TestClient) -> None:
    for url in ("/me", "/annotated"):
        r = client.get(url, headers=auth(hs.good_token()))
        assert r.status_code == 200, r.text
        assert r.json()["email"] == hs.CLAIMS["email"]


def test_issue_session_token_round_trips(client: TestClient) -> None:
    token = client.post("/login", json={"sub": "u-1"}).json()["sessionToken"]
    assert client.get("/me", headers=auth(token)).json()["sub"] == "u-1"


def test_missing_header(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        r = client.get("/me", headers=headers)
        assert r.status_code == 401
        assert r.json() == {"detail": {"error": "Missing authorization token"}}
        assert r.headers["www-authenticate"] == "Bearer"


def test_tampered(client: TestClient) -> None:
    r = client.get("/me", headers=auth(hs.tampered_token()))
    assert r.status_code == 401
    assert r.json() == {"detail": {"error": "Invalid token", "code": "jws.bad_signature"}}
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_expired(client: TestClient) -> None:
    r = client.get("/annotated", headers=auth(hs.expired_token()))
    assert r.status_code == 401
    assert r.json() == {"detail": {"error": "Token expired", "code": "jwt.expired"}}


def test_explicit_token_source(client: TestClient) -> None:
    assert client.get("/explicit", headers=auth(hs.good_token(hs.OLD_SECRET))).status_code == 200
    assert client.get("/explicit", headers=auth(hs.good_token())).status_code == 401


def test_rotated_secret_within_grace(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    hs.rotate(monkeypatch, grace_seconds=3600)
    assert client.get("/me", headers=auth(hs.good_token(hs.OLD_SECRET))).status_code == 200
    assert client.get("/me", headers=auth(hs.good_token())).status_code == 200


def test_rotation_grace_then_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    hs.check_rotation(monkeypatch, lambda t: client.get("/me", headers=auth(t)).status_code,
                      issue_session_token)


def test_openapi_declares_the_bearer_scheme(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["HawcxSession"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A session token issued by this app (HS256 JWT).",
    }
