"""hawcx-oauth-client 1.0.0 against the emulator: exchange_code_for_claims with
jwks_url and with public_key, with and without PKCE, the guide's minimal call, and the
refusals (reused code, wrong verifier)."""

import hawcx_oauth_client as h
from _idp import expect_version, E, ok, expect_raises, login, pkce

expect_version(h, "1.0.0")
client_id = E["OAUTH_CLIENT_ID"]
redirect = E["OAUTH_REDIRECT_URI"]
token_url = E["OAUTH_TOKEN_ENDPOINT"]
issuer = E["OAUTH_ISSUER"]

# jwks_url + PKCE + nonce, every claim checked.
verifier, challenge = pkce()
code = login("v1@example.com", client_id, redirect, challenge=challenge, nonce="n-v1")
claims = h.exchange_code_for_claims(
    code=code, oauth_token_url=token_url, client_id=client_id, jwks_url=E["JWKS_URL"],
    code_verifier=verifier, redirect_uri=redirect, audience=client_id, issuer=issuer, leeway=10)
assert claims["email"] == "v1@example.com" and claims["email_verified"] is True, claims
assert claims["nonce"] == "n-v1" and claims["aud"] == client_id and claims["iss"] == issuer
sub = claims["sub"]
ok("jwks_url with PKCE")

# public_key (the guide's OAUTH_PUBLIC_KEY), no PKCE, with the 1.0 apikey header.
code = login("v1@example.com", client_id, redirect)
claims = h.exchange_code_for_claims(
    code=code, oauth_token_url=token_url, client_id=client_id, public_key=E["OAUTH_PUBLIC_KEY"],
    redirect_uri=redirect, api_key=E["HAWCX_API_KEY"], audience=client_id, issuer=issuer)
assert claims["sub"] == sub and "nonce" not in claims
ok("public_key without PKCE")

# public_key with PKCE; jwks_url without PKCE.
verifier, challenge = pkce()
code = login("v1@example.com", client_id, redirect, challenge=challenge)
h.exchange_code_for_claims(code=code, oauth_token_url=token_url, client_id=client_id,
                           public_key=E["OAUTH_PUBLIC_KEY"], code_verifier=verifier,
                           redirect_uri=redirect, audience=client_id, issuer=issuer)
code = login("v1@example.com", client_id, redirect)
h.exchange_code_for_claims(code=code, oauth_token_url=token_url, client_id=client_id,
                           jwks_url=E["JWKS_URL"], audience=client_id, issuer=issuer)
ok("public_key with PKCE, jwks_url without")

# The guide's exact call: code, token URL, client id, public key; nothing else.
code = login("guide@example.com", client_id, redirect)
claims = h.exchange_code_for_claims(code=code, oauth_token_url=token_url, client_id=client_id,
                                    public_key=E["OAUTH_PUBLIC_KEY"])
assert claims["email"] == "guide@example.com"
ok("the guide's minimal call")

# Refusals: a reused code, a wrong verifier.
verifier, challenge = pkce()
code = login("v1@example.com", client_id, redirect, challenge=challenge)
args = dict(oauth_token_url=token_url, client_id=client_id, jwks_url=E["JWKS_URL"],
            redirect_uri=redirect, audience=client_id, issuer=issuer)
h.exchange_code_for_claims(code=code, code_verifier=verifier, **args)


def reused(e):
    assert e.status_code == 400 and e.response_body["error"] == "invalid_grant", e


expect_raises(h.OAuthExchangeError,
              lambda: h.exchange_code_for_claims(code=code, code_verifier=verifier, **args), reused)
ok("reused code refused")

code = login("v1@example.com", client_id, redirect, challenge=challenge)
other, _ = pkce()
expect_raises(h.OAuthExchangeError,
              lambda: h.exchange_code_for_claims(code=code, code_verifier=other, **args),
              lambda e: ("PKCE" in str(e)) or (_ for _ in ()).throw(AssertionError(str(e))))
ok("wrong verifier refused")

# A token minted for another audience is refused by the SDK's own check.
import requests  # noqa: E402
from _idp import URL  # noqa: E402

bad = requests.post(URL + "/dev/tokens", json={"aud": "someone-else"}, timeout=10).json()["id_token"]
expect_raises(h.JWTVerificationError,
              lambda: h.verify_jwt(bad, jwks_url=E["JWKS_URL"], audience=client_id))
ok("dev token with wrong audience refused by the SDK")

# private_key_jwt with 1.0: the caller supplies the assertion. An EdDSA assertion made with
# PyJWT and the confidential client's key is accepted ...
import base64  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402

import jwt  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

conf = E["HAWCX_CONFIDENTIAL_CLIENT_ID"]
jwk = json.loads(E["HAWCX_PRIVATE_JWK"])
key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(jwk["d"] + "=="))
now = int(time.time())
assertion = jwt.encode({"iss": conf, "sub": conf, "aud": token_url, "iat": now, "exp": now + 60,
                        "jti": secrets.token_urlsafe(16)}, key, algorithm="EdDSA",
                       headers={"kid": jwk["kid"]})
verifier, challenge = pkce()
code = login("v1@example.com", conf, redirect, challenge=challenge)
claims = h.exchange_code_for_claims(code=code, oauth_token_url=token_url, client_id=conf,
                                    jwks_url=E["JWKS_URL"], code_verifier=verifier,
                                    redirect_uri=redirect, client_assertion=assertion,
                                    audience=conf, issuer=issuer)
assert claims["aud"] == conf
ok("1.0 exchange for the confidential client with an EdDSA assertion")

# ... the same assertion again is a replay ...
code = login("v1@example.com", conf, redirect, challenge=challenge)
expect_raises(h.OAuthExchangeError, lambda: h.exchange_code_for_claims(
    code=code, oauth_token_url=token_url, client_id=conf, jwks_url=E["JWKS_URL"],
    code_verifier=verifier, redirect_uri=redirect, client_assertion=assertion),
    lambda e: (e.status_code == 401 and "replay" in e.response_body["error_description"])
    or (_ for _ in ()).throw(AssertionError(repr(e))))
ok("1.0 replayed assertion refused")

# ... and 1.0's own ES256 assertion builder is refused: the OP accepts only EdDSA.
ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption()).decode()
built = h.build_assertion_and_dpop(token_url, conf, ec_pem)
code = login("v1@example.com", conf, redirect, challenge=challenge)
expect_raises(h.OAuthExchangeError, lambda: h.exchange_code_for_claims(
    code=code, oauth_token_url=token_url, client_id=conf, jwks_url=E["JWKS_URL"],
    code_verifier=verifier, client_assertion=built.client_assertion),
    lambda e: e.status_code == 401 or (_ for _ in ()).throw(AssertionError(repr(e))))
ok("1.0 ES256 assertion refused (EdDSA only)")
