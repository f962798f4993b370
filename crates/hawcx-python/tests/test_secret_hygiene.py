"""Secrets never leak through the Python package: the suite's scenarios (login exchange,
refusals, MFA enrolment with a wrong and a right OTP, session tokens) run with every
logger at DEBUG, and no log line, exception message, ``repr`` or ``str`` of the objects
involved may contain a token, private key, OTP, HMAC secret, API key, code verifier or
authorization code."""

from __future__ import annotations

import logging
from typing import Any, List

import pytest

import hawcx_oauth_client as h
from hawcx_oauth_client import aio
from hawcx_oauth_client.delegation import HawcxDelegationClient, MfaMethod

from conftest import Idp, unique_email


def pem_body(pem: str) -> List[str]:
    """The base64 lines of a PEM (any of them would leak key material)."""
    lines = pem.replace("\\n", "\n").splitlines()
    return [line for line in lines if line and not line.startswith("-----") and len(line) > 16]


def test_no_secret_in_logs_errors_or_reprs(idp: Idp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    env = idp.env
    secrets: List[str] = [env["SESSION_SECRET"], env["HAWCX_API_KEY"], env["FLASK_SECRET_KEY"]]
    for name in ("SP_ED25519_PRIVATE_KEY_PEM", "SP_X25519_PRIVATE_KEY_PEM"):
        secrets += pem_body(env[name])
    texts: List[str] = []

    def seen(*objects: Any) -> None:
        for obj in objects:
            texts.append(str(obj))
            texts.append(repr(obj))
            if isinstance(obj, BaseException):
                texts.append(repr(getattr(obj, "original_error", None)))
                texts.append(repr(getattr(obj, "response_body", None)))

    email = unique_email("hygiene")
    verifier, challenge = idp.peer.pkce()
    code = idp.login(email, challenge=challenge)
    secrets += [code, verifier]

    # A refused exchange (wrong verifier) and its exception.
    try:
        h.exchange_code_for_claims(code=code, oauth_token_url=env["OAUTH_TOKEN_ENDPOINT"],
                                   client_id=idp.client_id, code_verifier="x" * 43)
    except h.OAuthExchangeError as e:
        seen(e)
    code = idp.login(email, challenge=challenge)
    secrets.append(code)
    claims, id_token = h.exchange_code_for_token_and_claims(
        code=code, oauth_token_url=env["OAUTH_TOKEN_ENDPOINT"], client_id=idp.client_id,
        code_verifier=verifier)
    secrets.append(id_token)
    # Replaying the code: refused, the code is not echoed.
    try:
        h.exchange_code_for_claims(code=code, oauth_token_url=env["OAUTH_TOKEN_ENDPOINT"],
                                   client_id=idp.client_id, code_verifier=verifier)
    except h.OAuthExchangeError as e:
        seen(e)

    # Session tokens: issued, tampered, verified with a short secret.
    tokens = h.SessionTokens.from_env()
    session = tokens.issue({"sub": claims["sub"], "email": email})
    secrets.append(session)
    seen(tokens)
    for bad in (session[:-4] + "AAAA", session + "x"):
        try:
            tokens.verify(bad)
        except h.JWTVerificationError as e:
            seen(e)
    try:
        h.verify_jwt(session, env["SESSION_SECRET"][:10], algorithms=["HS256"])
    except h.InvalidPublicKeyError as e:
        seen(e)
        secrets.append(env["SESSION_SECRET"][:10])

    # MFA enrolment: a wrong OTP, then the right one; TOTP secret in the reply only.
    client = HawcxDelegationClient.from_env()
    seen(client, aio.HawcxDelegationClient.from_env())
    started = client.initiate_mfa_change(userid=email, mfa_method=MfaMethod.EMAIL)
    otp = idp.last_otp(email)
    secrets += [otp, started["session_id"]]
    wrong = "000000" if otp != "000000" else "111111"
    try:
        client.verify_mfa_change(userid=email, session_id=started["session_id"], otp=wrong)
    except h.DelegationError as e:
        seen(e)
    client.verify_mfa_change(userid=email, session_id=started["session_id"], otp=otp)
    totp = client.initiate_mfa_change(userid=email, mfa_method=MfaMethod.TOTP)
    secrets.append(totp["totp_secret"])
    try:
        client.verify_mfa_change(userid=email, session_id=totp["session_id"], otp="12345")
    except h.HawcxOAuthError as e:
        seen(e)

    # Broken configuration: the key text is never echoed back.
    try:
        HawcxDelegationClient.from_keys(env["SP_X25519_PRIVATE_KEY_PEM"], env["SP_ED25519_PRIVATE_KEY_PEM"],
                                        "x", "y", "sp", base_url=idp.url)
    except h.DelegationError as e:
        seen(e)

    texts.append(caplog.text)
    haystack = "\n".join(texts)
    assert len(secrets) > 10
    for secret in secrets:
        assert secret and secret not in haystack, f"a secret leaked ({len(secret)} chars)"
