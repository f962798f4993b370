"""Tokens shared by the framework-helper tests (test_helpers_*.py): session tokens made
with ``SessionTokens``, their tampered and expired variants, and the environment of a
secret rotation. No emulator needed."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Mapping

import jwt
import pytest

from hawcx_oauth_client.sessions import SessionTokens

from conftest import tamper

SECRET = "helper-tests-current-secret-0123456789abcdef"
OLD_SECRET = "helper-tests-previous-secret-0123456789abcdef"
CLAIMS: Dict[str, Any] = {"sub": "usr_helper", "email": "helper@example.com"}


def use_secret(monkeypatch: pytest.MonkeyPatch, secret: str = SECRET) -> None:
    """The environment SessionTokens.from_env() reads: one secret, no rotation."""
    monkeypatch.setenv("SESSION_SECRET", secret)
    for name in ("SESSION_SECRET_PREVIOUS", "SESSION_SECRET_PREVIOUS_GRACE_SECONDS",
                 "SESSION_TTL_SECONDS"):
        monkeypatch.delenv(name, raising=False)


def rotate(monkeypatch: pytest.MonkeyPatch, grace_seconds: int) -> None:
    """SESSION_SECRET rotated from OLD_SECRET to SECRET, with a grace period."""
    use_secret(monkeypatch)
    monkeypatch.setenv("SESSION_SECRET_PREVIOUS", OLD_SECRET)
    monkeypatch.setenv("SESSION_SECRET_PREVIOUS_GRACE_SECONDS", str(grace_seconds))


def good_token(secret: str = SECRET) -> str:
    return SessionTokens(secret).issue(CLAIMS)


def tampered_token() -> str:
    return tamper(good_token(), email="attacker@example.com")


def expired_token(secret: str = SECRET) -> str:
    now = int(time.time())
    return jwt.encode({**CLAIMS, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256")


def wait_out_grace(seconds: int) -> None:
    time.sleep(seconds + 0.2)


StatusOf = Callable[[str], int]
Issue = Callable[[Mapping[str, Any]], str]


def check_rotation(monkeypatch: pytest.MonkeyPatch, status_of: StatusOf, issue: Issue) -> None:
    """A secret rotation as an app lives it, through the helper's own
    ``issue_session_token`` and ``require_auth`` (``status_of(token)`` is the HTTP status of
    a protected request):

    1. before: ``SESSION_SECRET=OLD`` issues a token (no rotation, so no ``kid``);
    2. rotation with a grace period: ``SESSION_SECRET=NEW``, ``SESSION_SECRET_PREVIOUS=OLD``;
       the pre-rotation token is still accepted, and so are tokens issued now;
    3. after the grace period: the pre-rotation token is refused, tokens issued with the
       new secret (during or after the grace period) are accepted.
    """
    use_secret(monkeypatch, OLD_SECRET)
    before = issue(CLAIMS)
    assert status_of(before) == 200

    rotate(monkeypatch, grace_seconds=1)
    during = issue(CLAIMS)
    assert status_of(before) == 200, "a pre-rotation token must verify during the grace period"
    assert status_of(during) == 200
    assert status_of(good_token()) == 200  # signed with the new secret, no kid

    wait_out_grace(1)
    assert status_of(before) == 401, "the previous secret must stop verifying after the grace period"
    assert status_of(during) == 200, "a token issued during the grace period must outlive it"
    assert status_of(issue(CLAIMS)) == 200
