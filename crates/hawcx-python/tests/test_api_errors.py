"""Every exception path and attribute of the 1.0 API, the gap fills the guide relies on,
the delegation and 2.0 error classes, and the aio twins, against the real emulator."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import pickle
import time
from pathlib import Path
from typing import Any, Dict

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import hawcx_oauth_client as h
from hawcx_oauth_client import aio
from hawcx_oauth_client.delegation import HawcxDelegationClient, MfaMethod

from conftest import Idp, b64url, unique_email

SECRET = "s" * 48


def exchange(idp: Idp, code: str, **kw: Any) -> Dict[str, Any]:
    args: Dict[str, Any] = dict(
        code=code,
        oauth_token_url=idp.env["OAUTH_TOKEN_ENDPOINT"],
        client_id=idp.client_id,
        public_key=idp.env["OAUTH_PUBLIC_KEY"],
    )
    args.update(kw)
    return h.exchange_code_for_claims(**args)


def es256_pair() -> "tuple[str, str]":
    key = ec.generate_private_key(ec.SECP256R1())
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return priv, pub


# --- exchange ---------------------------------------------------------------------------

def test_exchange_returns_claims_and_audience_defaults_to_client_id(idp: Idp) -> None:
    email = unique_email("exch")
    claims = exchange(idp, idp.login(email))
    assert claims["email"] == email and claims["aud"] == idp.client_id


def test_exchange_with_token(idp: Idp) -> None:
    claims, id_token = h.exchange_code_for_token_and_claims(
        code=idp.login(unique_email("tok")), oauth_token_url=idp.env["OAUTH_TOKEN_ENDPOINT"],
        client_id=idp.client_id, jwks_url=idp.env["JWKS_URL"])
    assert jwt.decode(id_token, options={"verify_signature": False})["sub"] == claims["sub"]


def test_invalid_grant_carries_status_body_and_code(idp: Idp) -> None:
    with pytest.raises(h.OAuthExchangeError) as info:
        exchange(idp, "not-a-real-code")
    e = info.value
    assert e.status_code == 400
    assert isinstance(e.response_body, dict) and e.response_body["error"] == "invalid_grant"
    assert str(e).endswith("(HTTP 400)")
    assert e.code == "exchange.invalid_grant" and e.kind == "ServerRefused"
    assert isinstance(e, h.HawcxOAuthError)


def test_reused_code_is_refused(idp: Idp) -> None:
    code = idp.login(unique_email("reuse"))
    exchange(idp, code)
    with pytest.raises(h.OAuthExchangeError) as info:
        exchange(idp, code)
    assert info.value.status_code == 400


def test_unreachable_token_endpoint_is_an_exchange_error_without_status() -> None:
    with pytest.raises(h.OAuthExchangeError) as info:
        h.exchange_code_for_claims(code="c", oauth_token_url="http://127.0.0.1:9/oauth2/token",
                                   client_id="x", public_key=es256_pair()[1], timeout=5)
    assert info.value.status_code is None and info.value.code == "exchange.network"
    assert not str(info.value).endswith(")") or "HTTP" not in str(info.value)


def test_wrong_audience_and_issuer_are_verification_errors(idp: Idp) -> None:
    with pytest.raises(h.JWTVerificationError) as info:
        exchange(idp, idp.login(unique_email("aud")), audience="someone-else")
    assert info.value.code == "jwt.invalid_audience"
    assert isinstance(info.value.original_error, Exception)
    assert getattr(info.value.original_error, "code") == "jwt.invalid_audience"
    with pytest.raises(h.JWTVerificationError) as info:
        exchange(idp, idp.login(unique_email("iss")), issuer="https://other.example")
    assert info.value.code == "jwt.invalid_issuer"


def test_wrong_key_is_a_bad_signature(idp: Idp) -> None:
    with pytest.raises(h.JWTVerificationError) as info:
        exchange(idp, idp.login(unique_email("key")), public_key=es256_pair()[1])
    assert info.value.code == "jws.bad_signature"


def test_unusable_public_keys_are_invalid_public_key_errors(idp: Idp, tmp_path: Path) -> None:
    bad = "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"
    for key in (bad, tmp_path / "missing.pem", str(tmp_path / "missing.pem")):
        with pytest.raises(h.InvalidPublicKeyError) as info:
            exchange(idp, idp.login(unique_email("badkey")), public_key=key)
        assert info.value.code == "config.invalid_key"
        assert "not base64" not in str(info.value)  # the key text is never echoed


def test_public_key_as_path_string_path_and_env_file_escapes(idp: Idp, tmp_path: Path) -> None:
    pem = idp.env["OAUTH_PUBLIC_KEY"]
    file = tmp_path / "idp.pem"
    file.write_text(pem)
    escaped = pem.replace("\n", "\\n")  # a .env value read without python-dotenv
    for key in (file, str(file), escaped):
        email = unique_email("keyform")
        assert exchange(idp, idp.login(email), public_key=key)["email"] == email


def test_missing_public_key_falls_back_to_jwks_url_then_issuer(idp: Idp,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    email = unique_email("jwksenv")
    # The guide's call with OAUTH_PUBLIC_KEY unset: os.getenv() gives None.
    monkeypatch.delenv("OAUTH_PUBLIC_KEY", raising=False)
    assert exchange(idp, idp.login(email), public_key=os.getenv("OAUTH_PUBLIC_KEY"))["email"] == email
    monkeypatch.delenv("JWKS_URL", raising=False)
    email = unique_email("issenv")
    assert exchange(idp, idp.login(email), public_key=None)["email"] == email
    monkeypatch.delenv("OAUTH_ISSUER", raising=False)
    with pytest.raises(h.OAuthExchangeError) as info:
        exchange(idp, "code", public_key=None)
    assert info.value.code == "usage.invalid_input" and "public_key" in str(info.value)


def test_nonce_is_checked_only_when_given(idp: Idp) -> None:
    code = idp.login(unique_email("nonce"), nonce="n-1")
    assert exchange(idp, code)["nonce"] == "n-1"  # 1.0 never looked at the nonce
    with pytest.raises(h.JWTVerificationError) as info:
        exchange(idp, idp.login(unique_email("nonce2"), nonce="n-2"), nonce="other")
    assert info.value.code == "jwt.nonce"


def test_algorithms_outside_the_id_token_list_are_refused(idp: Idp) -> None:
    with pytest.raises(h.HawcxOAuthError):
        exchange(idp, "c", algorithms=["none"])


# --- verify_jwt --------------------------------------------------------------------------

def test_verify_jwt_hs256_session_token() -> None:
    token = jwt.encode({"userId": "u1", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    assert h.verify_jwt(token, SECRET, algorithms=["HS256"])["userId"] == "u1"
    assert h.verify_jwt(token, SECRET.encode(), algorithms=["HS256"])["userId"] == "u1"


def test_verify_jwt_short_secret_says_how_to_fix() -> None:
    token = jwt.encode({"exp": int(time.time()) + 60}, "short" * 8, algorithm="HS256")
    with pytest.raises(h.InvalidPublicKeyError) as info:
        h.verify_jwt(token, "short", algorithms=["HS256"])
    message = str(info.value)
    assert "at least 32 bytes" in message and "secrets.token_urlsafe" in message
    assert "short" not in message.replace("shorter", "")


def test_verify_jwt_refuses_hmac_with_public_key_algorithms_mixed() -> None:
    token = jwt.encode({"exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
    with pytest.raises(h.JWTVerificationError) as info:
        h.verify_jwt(token, SECRET, algorithms=["HS256", "RS256"])
    assert info.value.code == "jose.usage"


def test_verify_jwt_default_algorithms_refuse_hs256_with_a_public_key_as_secret() -> None:
    # The classic confusion attack: sign HS256 with the public key text.
    _, pub = es256_pair()
    signing_input = b64url(b'{"alg":"HS256"}') + "." + b64url(b'{"sub":"x"}')
    mac = hmac.new(pub.encode(), signing_input.encode(), hashlib.sha256).digest()
    forged = signing_input + "." + b64url(mac)
    with pytest.raises(h.JWTVerificationError) as info:
        h.verify_jwt(forged, pub)
    assert info.value.code == "jws.algorithm_not_allowed"


@pytest.mark.parametrize("bad,code", [
    ("", "jose.usage"),
    ("abc", "jws.malformed"),
    ("a.b.c", "jws.malformed"),
])
def test_verify_jwt_malformed(bad: str, code: str) -> None:
    with pytest.raises(h.JWTVerificationError) as info:
        h.verify_jwt(bad, SECRET, algorithms=["HS256"])
    assert info.value.code == code


def test_verify_jwt_expired_and_leeway() -> None:
    token = jwt.encode({"exp": int(time.time()) - 5}, SECRET, algorithm="HS256")
    with pytest.raises(h.JWTVerificationError) as info:
        h.verify_jwt(token, SECRET, algorithms=["HS256"])
    assert info.value.code == "jwt.expired" and info.value.kind == "Expired"
    assert h.verify_jwt(token, SECRET, algorithms=["HS256"], leeway=60)
    assert h.verify_jwt(token, SECRET, algorithms=["HS256"], verify_exp=False)


def test_verify_jwt_with_rsa_pem_path_and_jwks(idp: Idp, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    token = jwt.encode({"sub": "r", "aud": "app", "exp": int(time.time()) + 60}, priv, algorithm="RS256")
    file = tmp_path / "rsa.pem"
    file.write_bytes(pub)
    assert h.verify_jwt(token, file, audience="app")["sub"] == "r"
    assert h.verify_jwt(token, pub.decode(), audience="app")["sub"] == "r"
    with pytest.raises(h.JWTVerificationError):
        h.verify_jwt(token, file, audience="other")
    # An emulator-minted id_token through the JWKS URL.
    minted = requests.post(idp.url + "/dev/tokens", timeout=10,
                           json={"aud": idp.client_id, "claims": {"role": "jwks-user"}})
    id_token = minted.json()["id_token"]
    claims = h.verify_jwt(id_token, jwks_url=idp.env["JWKS_URL"], audience=idp.client_id)
    assert claims["role"] == "jwks-user"


def test_verify_jwt_without_key_or_jwks() -> None:
    with pytest.raises(h.JWTVerificationError) as info:
        h.verify_jwt("a.b.c")
    assert "public_key" in str(info.value)


def test_jwks_helpers(idp: Idp) -> None:
    jwks = h.fetch_jwks(idp.env["JWKS_URL"])
    kid = jwks["keys"][0]["kid"]
    pem = h.get_key_from_jwks(jwks, kid)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    with pytest.raises(h.JWTVerificationError) as info:
        h.get_key_from_jwks(jwks, "no-such-kid")
    assert info.value.code == "jws.key_not_found"
    with pytest.raises(h.InvalidPublicKeyError) as info2:
        h.fetch_jwks("http://127.0.0.1:9/jwks.json", timeout=3)
    assert info2.value.code == "jwks.unreachable"


# --- exceptions as values ------------------------------------------------------------------

def test_exceptions_pickle_with_their_attributes() -> None:
    e = h.OAuthExchangeError("refused", 400, {"error": "invalid_grant"}, code="exchange.invalid_grant")
    back = pickle.loads(pickle.dumps(e))
    assert (back.status_code, back.response_body, back.code) == (400, {"error": "invalid_grant"},
                                                                "exchange.invalid_grant")
    assert str(back) == "refused (HTTP 400)"


def test_constructors_match_1_0() -> None:
    assert str(h.OAuthExchangeError("x")) == "x"
    assert h.JWTVerificationError("x").original_error is None
    assert h.InvalidPublicKeyError("x").code == "config.invalid_key"
    assert issubclass(h.DelegationRequestError, h.HawcxOAuthError)
    assert issubclass(h.InvalidArgumentError, ValueError)


# --- delegation ----------------------------------------------------------------------------

def test_mfa_method_is_a_str_enum() -> None:
    assert MfaMethod("sms") is MfaMethod.SMS and str(MfaMethod.TOTP) == "totp"
    assert isinstance(MfaMethod.EMAIL, str) and MfaMethod.EMAIL.upper() == "EMAIL"


def delegation_client(idp: Idp, **kw: Any) -> HawcxDelegationClient:
    return HawcxDelegationClient.from_keys(
        sp_signing_key=idp.env["SP_ED25519_PRIVATE_KEY_PEM"],
        sp_encryption_key=idp.env["SP_X25519_PRIVATE_KEY_PEM"],
        idp_verify_key=idp.env["IDP_ED25519_PUBLIC_KEY_PEM"],
        idp_encryption_key=idp.env["IDP_X25519_PUBLIC_KEY_PEM"],
        sp_id=idp.client_id, **kw)


def test_delegation_base_url_defaults_from_env(idp: Idp) -> None:
    assert delegation_client(idp).base_url == idp.url
    assert HawcxDelegationClient.from_env().base_url == idp.url


def test_delegation_error_family(idp: Idp) -> None:
    client = delegation_client(idp)
    with pytest.raises(h.DelegationRequestError) as info:
        client.get_user_credentials("ghost-" + unique_email("x"))
    assert info.value.status_code == 404 and str(info.value).endswith("(HTTP 404)")
    assert info.value.code == "delegation.request"
    with pytest.raises(h.InvalidArgumentError):
        client.initiate_mfa_change("someone@example.com", "carrier-pigeon")
    with pytest.raises(h.DelegationCryptoError) as crypto:
        HawcxDelegationClient.from_keys("not a key", "x", "y", "z", "sp", base_url=idp.url)
    assert crypto.value.code == "delegation.crypto"
    with pytest.raises(h.DelegationRequestError) as net:
        delegation_client(idp, base_url="http://127.0.0.1:9", timeout=3).get_user_credentials("a@b.c")
    assert net.value.status_code is None and net.value.kind in ("Network", "Timeout")
    # A reply signed by someone else is not trusted: verify with the wrong IdP key.
    sp_key = serialization.load_pem_private_key(idp.env["SP_ED25519_PRIVATE_KEY_PEM"].encode(), None)
    not_idp = sp_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    wrong = HawcxDelegationClient.from_keys(
        idp.env["SP_ED25519_PRIVATE_KEY_PEM"], idp.env["SP_X25519_PRIVATE_KEY_PEM"], not_idp,
        idp.env["IDP_X25519_PUBLIC_KEY_PEM"], idp.client_id)
    with pytest.raises(h.DelegationResponseError) as untrusted:
        wrong.get_user_credentials(unique_email("anyone"))
    assert untrusted.value.code == "delegation.bad_signature"


def test_repr_never_shows_keys(idp: Idp) -> None:
    client = delegation_client(idp)
    assert "PRIVATE" not in repr(client)
    assert SECRET not in repr(h.SessionTokens(SECRET))


# --- aio -----------------------------------------------------------------------------------

def test_aio_exchange_verify_and_delegation(idp: Idp) -> None:
    email = unique_email("aio")

    async def main() -> None:
        claims = await aio.exchange_code_for_claims(
            code=idp.login(email), oauth_token_url=idp.env["OAUTH_TOKEN_ENDPOINT"],
            client_id=idp.client_id)
        assert claims["email"] == email
        with pytest.raises(h.OAuthExchangeError):
            await aio.exchange_code_for_claims(code="bad", oauth_token_url=idp.env["OAUTH_TOKEN_ENDPOINT"],
                                               client_id=idp.client_id)
        token = jwt.encode({"exp": int(time.time()) + 60}, SECRET, algorithm="HS256")
        assert await aio.verify_jwt(token, SECRET, algorithms=["HS256"]) == {"exp": jwt.decode(
            token, SECRET, algorithms=["HS256"])["exp"]}
        client = aio.HawcxDelegationClient.from_env()
        creds = await client.get_user_credentials(email)
        assert creds["mfa_method"] in (None, "none")
        started = await client.initiate_mfa_change(userid=email, mfa_method=MfaMethod.EMAIL)
        done = await client.verify_mfa_change(userid=email, session_id=started["session_id"],
                                              otp=idp.last_otp(email))
        assert done["status"] == "success"

    asyncio.run(main())


def test_aio_cancellation_cancels_the_call() -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts, never answers
    url = f"http://127.0.0.1:{server.getsockname()[1]}/token"

    async def main() -> float:
        task = asyncio.ensure_future(aio.exchange_code_for_claims(
            code="c", oauth_token_url=url, client_id="x", public_key=es256_pair()[1], timeout=30))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    try:
        assert asyncio.run(main()) < 5
    finally:
        server.close()


def test_unset_variables_are_exchange_errors_not_type_errors(idp: Idp) -> None:
    # The guide passes os.getenv(...) straight in; a missing variable must give the
    # exception its handlers catch (401), naming the parameter.
    for missing in ("oauth_token_url", "client_id", "code"):
        args: Dict[str, Any] = dict(code="c", oauth_token_url=idp.env["OAUTH_TOKEN_ENDPOINT"],
                                    client_id=idp.client_id, public_key=idp.env["OAUTH_PUBLIC_KEY"])
        args[missing] = None
        with pytest.raises(h.OAuthExchangeError) as info:
            h.exchange_code_for_claims(**args)
        assert info.value.code == "usage.invalid_input"


# --- require_oauth_claims (1.0's Flask decorator) -----------------------------------------

def oauth_claims_app(idp: Idp) -> Any:
    from flask import Flask, g, jsonify

    app = Flask("require-oauth-claims")

    @app.post("/callback")
    @h.require_oauth_claims(oauth_token_url=idp.env["OAUTH_TOKEN_ENDPOINT"],
                            client_id=idp.client_id, public_key=idp.env["OAUTH_PUBLIC_KEY"])
    def callback() -> Any:
        return jsonify(email=g.oauth_claims["email"])

    return app


def test_require_oauth_claims_puts_claims_in_g(idp: Idp) -> None:
    client = oauth_claims_app(idp).test_client()
    email = unique_email("decorator")
    r = client.post("/callback", data={"code": idp.login(email)})
    assert r.status_code == 200 and r.get_json() == {"email": email}


def test_require_oauth_claims_400_without_code_401_on_failure(idp: Idp) -> None:
    client = oauth_claims_app(idp).test_client()
    assert client.post("/callback", data={}).status_code == 400
    r = client.post("/callback", data={"code": "not-a-code"})
    assert r.status_code == 401 and b"(HTTP 400)" in r.data


# --- the 2.0 surface through aio -------------------------------------------------------------

def test_aio_hawcx_oauth_discovery_exchange_and_errors(idp: Idp) -> None:
    email = unique_email("aio2")

    async def main() -> None:
        oauth = await aio.HawcxOAuth.from_issuer(idp.url, idp.env["HAWCX_CONFIG_ID"], idp.client_id)
        assert oauth.discovery_metadata["issuer"] == idp.url
        verifier, challenge = idp.peer.pkce()
        code = idp.login(email, challenge=challenge, nonce="n-aio")
        result = await oauth.exchange_code(code, verifier, redirect_uri=idp.redirect_uri,
                                           expected_nonce="n-aio")
        assert result.claims["email"] == email
        assert (await oauth.verify_token(result.id_token, nonce="n-aio"))["sub"] == result.claims["sub"]
        with pytest.raises(h.TokenExchangeError) as info:
            await oauth.exchange_code(code, verifier, redirect_uri=idp.redirect_uri)
        assert info.value.error == "invalid_grant" and info.value.status_code == 400
        with pytest.raises(h.DiscoveryError) as disc:
            await aio.HawcxOAuth.from_issuer("http://127.0.0.1:9", "cfg", "client")
        assert disc.value.code.startswith("discovery.")

    asyncio.run(main())


def test_aio_step_up_and_management(idp: Idp) -> None:
    user = unique_email("stepup")
    requests.post(idp.url + "/dev/users", json={"email": user}, timeout=10).raise_for_status()

    async def main() -> None:
        hx = aio.Hawcx(config_id=idp.env["HAWCX_CONFIG_ID"], secret_key=idp.env["HAWCX_SECRET_KEY"],
                       base_url=idp.url)
        started = await hx.start_step_up(user_id=user, purpose="change_mfa_method",
                                         new_mfa_method="email_otp")
        assert started.start_token and started.expires_in > 0
        assert "start_token" not in repr(started) or "redacted" in repr(started)
        got = await hx.management("/v1/management/users/mfa-enforcement", {"userid": user})
        assert "mfa_enforcement" in got
        with pytest.raises(h.DelegationRequestError) as info:
            await hx.consume_step_up(receipt="not-a-receipt")
        assert info.value.status_code in (400, 401, 409)
        with pytest.raises(h.InvalidArgumentError):
            await hx.start_step_up(user_id=user, purpose="make_coffee")

    asyncio.run(main())
