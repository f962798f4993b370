"""The guide's Step 7 ``handle_hawcx_error`` (tests/guide/utils/errors.py) with real
exceptions raised by the package: a wrong authorization code (OAuthExchangeError), a
tampered id_token (JWTVerificationError), a key that is not a key (InvalidPublicKeyError);
directly, and wired into a Flask app as its error handler."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Tuple

import pytest
from flask import Flask, Response, jsonify

import hawcx_oauth_client
from hawcx_oauth_client import (
    HawcxOAuthError,
    InvalidPublicKeyError,
    JWTVerificationError,
    OAuthExchangeError,
    exchange_code_for_claims,
    verify_jwt,
)
from conftest import Idp, tamper, unique_email


def raised(fn: Callable[[], Any]) -> Exception:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the point is to capture it
        return exc
    raise AssertionError("expected an exception")


def wrong_code() -> Dict[str, Any]:
    return exchange_code_for_claims(
        code="not-a-code",
        oauth_token_url=os.environ["OAUTH_TOKEN_ENDPOINT"],
        client_id=os.environ["OAUTH_CLIENT_ID"],
        public_key=os.environ["OAUTH_PUBLIC_KEY"],
    )


def tampered_id_token(idp: Idp) -> Callable[[], Dict[str, Any]]:
    token = tamper(idp.mint_id_token(claims={"email": unique_email("step7")}))
    return lambda: verify_jwt(token, os.environ["OAUTH_PUBLIC_KEY"],
                              audience=os.environ["OAUTH_CLIENT_ID"])


def bad_key(idp: Idp) -> Callable[[], Dict[str, Any]]:
    token = idp.mint_id_token()
    return lambda: verify_jwt(token, "not-a-key", audience=os.environ["OAUTH_CLIENT_ID"])


def test_real_exceptions_map_to_the_guides_statuses(idp: Idp) -> None:
    from utils.errors import handle_hawcx_error

    exc = raised(wrong_code)
    assert isinstance(exc, OAuthExchangeError), repr(exc)
    assert exc.status_code == 400
    assert handle_hawcx_error(exc) == {
        "status": 401, "message": "The authorization code is invalid or expired"}

    exc = raised(tampered_id_token(idp))
    assert isinstance(exc, JWTVerificationError), repr(exc)
    assert handle_hawcx_error(exc) == {
        "status": 401, "message": "The authentication token could not be verified"}

    exc = raised(bad_key(idp))
    assert isinstance(exc, InvalidPublicKeyError), repr(exc)
    assert handle_hawcx_error(exc) == {"status": 500, "message": "Server configuration error"}

    assert handle_hawcx_error(RuntimeError("boom")) == {
        "status": 500, "message": "An unexpected error occurred"}


def test_exceptions_carry_stable_codes(idp: Idp) -> None:
    """The package's gap fill over 1.0.0: every exception has a stable ``.code``."""
    exchange = raised(wrong_code)
    tampered = raised(tampered_id_token(idp))
    key = raised(bad_key(idp))
    assert getattr(exchange, "code", None) == "exchange.invalid_grant"
    assert getattr(tampered, "code", None) == "jws.bad_signature"
    assert isinstance(getattr(key, "code", None), str)
    assert all(isinstance(e, hawcx_oauth_client.HawcxOAuthError) for e in (exchange, tampered, key))


def test_handler_wired_into_flask(idp: Idp) -> None:
    from utils.errors import handle_hawcx_error

    app = Flask("step7")
    tampered, key = tampered_id_token(idp), bad_key(idp)

    @app.errorhandler(HawcxOAuthError)
    def on_hawcx_error(error: HawcxOAuthError) -> Tuple[Response, int]:
        mapped = handle_hawcx_error(error)
        return jsonify({"error": mapped["message"]}), mapped["status"]

    app.add_url_rule("/exchange", "exchange", lambda: jsonify(wrong_code()))
    app.add_url_rule("/verify", "verify", lambda: jsonify(tampered()))
    app.add_url_rule("/key", "key", lambda: jsonify(key()))

    client = app.test_client()
    for path, expected in (("/exchange", 401), ("/verify", 401), ("/key", 500)):
        r = client.get(path)
        assert r.status_code == expected, (path, r.get_data(as_text=True))
        assert set(r.get_json()) == {"error"}


@pytest.mark.parametrize("expired_by", [120])
def test_expired_id_token_is_a_jwt_verification_error(idp: Idp, expired_by: int) -> None:
    from utils.errors import handle_hawcx_error

    token = idp.mint_id_token(expires_in=-expired_by)
    exc = raised(lambda: verify_jwt(token, os.environ["OAUTH_PUBLIC_KEY"],
                                    audience=os.environ["OAUTH_CLIENT_ID"]))
    assert isinstance(exc, JWTVerificationError), repr(exc)
    assert handle_hawcx_error(exc)["status"] == 401
