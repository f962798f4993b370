"""hawcx-oauth-client 2.0.0 HawcxOAuth against the emulator: discovery, PKCE exchange
for the public client and, with ClientAssertionSigner, the confidential client; key
rotation; refusals (reused code, wrong verifier, reused assertion)."""

import requests

import hawcx_oauth_client as h
from hawcx_oauth_client import (CLIENT_ASSERTION_TYPE, ClientAssertionSigner, HawcxOAuth,
                                TokenExchangeError)
from _idp import expect_version, E, URL, expect_raises, login, ok, pkce, rotate_keys

expect_version(h, "2.0.0")
issuer, config_id = E["OAUTH_ISSUER"], E["HAWCX_CONFIG_ID"]
public, conf = E["OAUTH_CLIENT_ID"], E["HAWCX_CONFIDENTIAL_CLIENT_ID"]
redirect = E["OAUTH_REDIRECT_URI"]

oauth = HawcxOAuth.from_issuer(issuer, config_id, public)
assert oauth.discovery_metadata["issuer"] == issuer
verifier, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge, nonce="n-v2")
result = oauth.exchange_code(code, verifier, redirect_uri=redirect, expected_nonce="n-v2")
assert result.claims["email"] == "v2@example.com" and result.claims["aud"] == public
ok("public client exchange with PKCE")

# Without redirect_uri (the code is still bound to client and verifier).
verifier, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge)
assert oauth.exchange_code(code, verifier).claims["sub"] == result.claims["sub"]
ok("exchange without redirect_uri")

# Confidential client with private_key_jwt.
signer = ClientAssertionSigner.ed25519_from_jwk(E["HAWCX_PRIVATE_JWK"])
conf_oauth = HawcxOAuth.from_issuer(issuer, config_id, conf).with_client_assertion(signer)
verifier, challenge = pkce()
code = login("v2@example.com", conf, redirect, challenge=challenge, nonce="n-c")
r = conf_oauth.exchange_code(code, verifier, redirect_uri=redirect, expected_nonce="n-c")
assert r.claims["aud"] == conf
ok("confidential client exchange with ClientAssertionSigner")

# The confidential client without an assertion is refused.
bare = HawcxOAuth.from_issuer(issuer, config_id, conf)
verifier, challenge = pkce()
code = login("v2@example.com", conf, redirect, challenge=challenge)
expect_raises(TokenExchangeError, lambda: bare.exchange_code(code, verifier),
              lambda e: (e.status_code == 401 and e.error == "invalid_client")
              or (_ for _ in ()).throw(AssertionError(repr(e))))
ok("confidential client without assertion refused")

# Reused code.
verifier, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge)
oauth.exchange_code(code, verifier, redirect_uri=redirect)
expect_raises(TokenExchangeError, lambda: oauth.exchange_code(code, verifier, redirect_uri=redirect),
              lambda e: (e.status_code == 400 and e.error == "invalid_grant")
              or (_ for _ in ()).throw(AssertionError(repr(e))))
ok("reused code refused")

# Wrong verifier.
_, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge)
other, _ = pkce()
expect_raises(TokenExchangeError, lambda: oauth.exchange_code(code, other, redirect_uri=redirect),
              lambda e: e.error == "invalid_grant" or (_ for _ in ()).throw(AssertionError(repr(e))))
ok("wrong verifier refused")

# Reused assertion: the same signed assertion presented twice.
token_endpoint = oauth.discovery_metadata["token_endpoint"]
assertion = signer.sign(conf, token_endpoint)
statuses = []
for _ in range(2):
    verifier, challenge = pkce()
    code = login("v2@example.com", conf, redirect, challenge=challenge)
    resp = requests.post(token_endpoint, data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "client_id": conf, "redirect_uri": redirect,
        "client_assertion_type": CLIENT_ASSERTION_TYPE, "client_assertion": assertion,
    }, headers={"X-Config-Id": config_id, "Accept": "application/json"}, timeout=10)
    statuses.append((resp.status_code, resp.json()))
assert statuses[0][0] == 200, statuses[0]
assert statuses[1][0] == 401 and "replay" in statuses[1][1]["error_description"], statuses[1]
ok("reused assertion refused (replay)")

# A wrong X-Config-Id is 401.
wrong = HawcxOAuth.from_issuer(issuer, "cfg_wrong", public)
verifier, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge)
expect_raises(TokenExchangeError, lambda: wrong.exchange_code(code, verifier),
              lambda e: e.status_code == 401 or (_ for _ in ()).throw(AssertionError(repr(e))))
ok("wrong X-Config-Id refused")

# Key rotation: a client that has not cached keys yet, or drops its cache, picks it up.
old_kid = rotate_keys()["kid"]
fresh = HawcxOAuth.from_issuer(issuer, config_id, public)
verifier, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge)
fresh.exchange_code(code, verifier)
rotate_keys()
oauth.refresh_jwks()
verifier, challenge = pkce()
code = login("v2@example.com", public, redirect, challenge=challenge)
r = oauth.exchange_code(code, verifier)
import jwt  # noqa: E402
assert jwt.get_unverified_header(r.id_token)["kid"] != old_kid
ok("key rotation picked up")

# Tokens minted by the dev endpoint exercise the SDK's refusals.
for body, fragment in [({"expires_in": -60}, "expired"), ({"aud": "other"}, "audience"),
                       ({"iss": "https://evil.example"}, "issuer"),
                       ({"signing_key": "unpublished"}, "")]:
    t = requests.post(URL + "/dev/tokens", json=body, timeout=10).json()["id_token"]
    e = expect_raises(h.TokenVerificationError, lambda: oauth.verify_token(t))
    assert fragment.lower() in str(e).lower(), (body, str(e))
ok("dev tokens refused by verify_token")
