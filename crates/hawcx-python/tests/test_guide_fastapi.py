"""The guide's FastAPI backend (tests/guide/fastapi_app: Step 3 callback, Step 5
``get_current_user`` dependency, with the guide's ``HTTPAuthCredentials`` import
corrected) in FastAPI's ``TestClient`` against the emulator."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import Idp, bearer, expired_hs256, tamper, unique_email


@pytest.fixture(scope="module")
def client(idp: Idp) -> Iterator[TestClient]:
    from fastapi_app.main import app

    with TestClient(app) as c:
        yield c


def sign_in(client: TestClient, idp: Idp, email: str) -> Dict[str, Any]:
    r = client.post("/api/auth/hawcx/callback", json={"code": idp.login(email)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, dict)
    return body


def test_callback_returns_session_token(client: TestClient, idp: Idp) -> None:
    email = unique_email("guide-fastapi")
    body = sign_in(client, idp, email)
    assert body["success"] is True
    assert body["user"]["email"] == email
    assert body["sessionToken"].count(".") == 2


def test_callback_refuses_a_wrong_code(client: TestClient, idp: Idp) -> None:
    r = client.post("/api/auth/hawcx/callback", json={"code": "bogus"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication failed"}
    # The guide's "Missing authorization code" branch: an empty code.
    r = client.post("/api/auth/hawcx/callback", json={"code": ""})
    assert r.status_code == 400
    assert r.json() == {"detail": "Missing authorization code"}


def test_dependency_accepts_token_refuses_tampered_expired(client: TestClient, idp: Idp) -> None:
    email = unique_email("guide-fastapi-me")
    token = sign_in(client, idp, email)["sessionToken"]

    r = client.get("/api/me", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json()["email"] == email

    r = client.get("/api/me", headers=bearer(tamper(token)))
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid or expired token"}

    expired = expired_hs256(os.environ["SESSION_SECRET"], {"userId": "1", "email": email})
    r = client.get("/api/me", headers=bearer(expired))
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid or expired token"}

    # No header at all is HTTPBearer's own answer: 403 before FastAPI 0.116, 401 since.
    assert client.get("/api/me").status_code in (401, 403)
