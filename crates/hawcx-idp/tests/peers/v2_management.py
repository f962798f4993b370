"""hawcx-oauth-client 2.0.0 management against the emulator: the Hawcx facade (config id
+ blob, ECIES) step-up start and consume; StepUpClient.with_private_key_jwt management
calls with response-signature verification on; key rotation picked up by the response
verifier; and the delegation transport refusals (stale timestamp, replay, tampered body,
wrong kid) checked with the package's own crypto."""

import base64
import json
import time
import warnings

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import hawcx_oauth_client as h
from hawcx_oauth_client import DelegationRequestError, Hawcx, StepUpClient
from hawcx_oauth_client.delegation import (EciesX25519Decryptor, EciesX25519Encryptor,
                                           Ed25519Signer, Verifier,
                                           build_transport_from_secret_key)
from _idp import expect_version, E, URL, dev_user, expect_raises, ok, prove_step_up, rotate_keys

warnings.simplefilter("ignore", DeprecationWarning)
expect_version(h, "2.0.0")
config_id, blob = E["HAWCX_CONFIG_ID"], E["HAWCX_SECRET_KEY"]
user = "mgmt-v2@example.com"
dev_user(user)


def status_is(code):
    def check(e):
        assert e.status_code == code, (code, repr(e), str(e))
    return check


# The Hawcx facade (ECIES path, sends apikey and X-Config-Id = config id).
hx = Hawcx(config_id=config_id, secret_key=blob, base_url=URL)
started = hx.start_step_up(user_id=user, purpose="change_phone_number", new_phone_number="+15550202020")
assert started.start_token and started.expires_in == 60, started
receipt = prove_step_up(started.start_token, user)
assert hx.consume_step_up(receipt=receipt).ok is True
assert requests.get(URL + f"/dev/users/{user}", timeout=10).json()["phone"] == "+15550202020"
expect_raises(DelegationRequestError, lambda: hx.consume_step_up(receipt=receipt), status_is(409))
got = hx.management("/v1/management/users/mfa-enforcement", {"userid": user})
assert got["mfa_enforcement"] == "off", got
ok("Hawcx facade step-up start and consume (once)")

# JWT bearer with response-signature verification (on by default).
jwk = json.loads(E["HAWCX_PRIVATE_JWK"])
seed = base64.urlsafe_b64decode(jwk["d"] + "==")
pem = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
mc = StepUpClient.with_private_key_jwt(oidc_signing_key=pem, kid=jwk["kid"],
                                       client_id=E["HAWCX_CONFIDENTIAL_CLIENT_ID"],
                                       base_url=URL, config_id=config_id)
r = mc.management_request(endpoint="/v1/management/users/mfa-enforcement",
                          payload={"userid": user, "mfa_enforcement": "always_on"})
assert r["mfa_enforcement"] == "always_on", r
r = mc.management_request(endpoint="/v1/management/users/phone",
                          payload={"userid": user, "phone": "+15550303030"})
assert r["phone"] == "+15550303030"
started = mc.start_token(user_id=user, purpose="change_mfa_method", new_mfa_method="sms_otp")
receipt = prove_step_up(started.start_token, user)
assert mc.consume_receipt(receipt=receipt).ok is True
assert requests.get(URL + f"/dev/users/{user}", timeout=10).json()["mfa_method"] == "sms"
expect_raises(DelegationRequestError, lambda: mc.consume_receipt(receipt=receipt), status_is(409))
ok("StepUpClient.with_private_key_jwt with signed responses")

# Key rotation: the response verifier refetches the JWKS on the unknown kid.
rotate_keys()
r = mc.management_request(endpoint="/v1/management/users/mfa-enforcement", payload={"userid": user})
assert r["mfa_enforcement"] == "always_on"
ok("key rotation picked up by the response-signature verifier")

# Errors over JWT bearer are unsigned {"detail"} with the status.
expect_raises(DelegationRequestError, lambda: mc.management_request(
    endpoint="/v1/management/users/mfa-enforcement", payload={"userid": "ghost@example.com"}),
    status_is(404))
ok("management errors")

# The blob drives the 2.0 ECIES transport for the 1.0 endpoints too.
transport = build_transport_from_secret_key(base_url=URL, secret_key=blob)
creds = transport.send("/hc_auth/v5/update/get-creds", {"userid": user})
assert creds["mfa_method"] == "sms", creds

# Raw delegation requests built with the package's crypto, for the refusals.
signer = Ed25519Signer(E["SP_ED25519_PRIVATE_KEY_PEM"], kid="hawcx")
encryptor = EciesX25519Encryptor(E["IDP_X25519_PUBLIC_KEY_PEM"])
verifier = Verifier({"hawcx": E["IDP_ED25519_PUBLIC_KEY_PEM"]})
decryptor = EciesX25519Decryptor(E["SP_X25519_PRIVATE_KEY_PEM"])
endpoint = URL + "/hc_auth/v5/update/get-creds"


def build(ts=None, kid="hawcx"):
    body = encryptor.encrypt(json.dumps({"userid": user}, separators=(",", ":")).encode())
    ts = int(time.time()) if ts is None else ts
    sig = signer.sign_detached(body, ts)
    headers = {"Content-Type": "application/json", "X-Enc-Alg": "x25519-aesgcm",
               "X-Timestamp": str(ts), "X-Signature-Alg": sig.alg,
               "X-Signature": sig.signature_b64, "X-Key-Id": kid}
    return body, headers


def signed_detail(resp):
    """Verifies and decrypts a reply with the package's own crypto; returns its JSON."""
    h_ = resp.headers
    verifier.verify(resp.content, int(h_["X-Timestamp"]), h_["X-Signature"],
                    h_["X-Signature-Alg"], h_.get("X-Key-Id"))
    return json.loads(decryptor.decrypt(resp.content))


body, headers = build()
first = requests.post(endpoint, data=body, headers=headers, timeout=10)
assert first.status_code == 200 and signed_detail(first)["mfa_method"] == "sms"
replay = requests.post(endpoint, data=body, headers=headers, timeout=10)
assert replay.status_code == 401 and "replay" in signed_detail(replay)["detail"], replay.status_code
ok("replayed delegation request refused")

body, headers = build(ts=int(time.time()) - 400)
stale = requests.post(endpoint, data=body, headers=headers, timeout=10)
assert stale.status_code == 401 and "skew" in signed_detail(stale)["detail"]
ok("stale delegation timestamp refused")

body, headers = build()
env = json.loads(body)
ct = bytearray(base64.urlsafe_b64decode(env["ct"] + "=="))
ct[0] ^= 1
env["ct"] = base64.urlsafe_b64encode(bytes(ct)).rstrip(b"=").decode()
tampered = json.dumps(env, separators=(",", ":")).encode()
resp = requests.post(endpoint, data=tampered, headers=headers, timeout=10)
assert resp.status_code == 401 and "signature" in signed_detail(resp)["detail"]
ok("tampered delegation body refused")

body, headers = build(kid="someone-else")
resp = requests.post(endpoint, data=body, headers=headers, timeout=10)
assert resp.status_code == 401 and "X-Signature" not in resp.headers
assert "X-Key-Id" in resp.json()["detail"]
ok("wrong kid refused")

# The package's own transport surfaces a signed error with its status.
bad_transport = build_transport_from_secret_key(base_url=URL, secret_key=blob)
expect_raises(DelegationRequestError,
              lambda: bad_transport.send("/hc_auth/v5/update/get-creds", {"userid": "ghost@example.com"}),
              status_is(404))
ok("signed error replies verified by the package")

# An RSA-PSS signing SP: register its public key, then use the package's RSA-PSS signer.
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from hawcx_oauth_client.delegation import DelegationKeyMaterial, build_transport_from_keys  # noqa: E402

rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
rsa_priv = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
rsa_pub = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
r = requests.post(URL + "/dev/sp-keys", json={"kid": "sp-rsa", "public_key_pem": rsa_pub}, timeout=10)
assert r.status_code == 201, r.text
rsa_transport = build_transport_from_keys(base_url=URL, keys=DelegationKeyMaterial(
    sp_signing_key=rsa_priv, sp_encryption_key=E["SP_X25519_PRIVATE_KEY_PEM"],
    idp_verify_key=E["IDP_ED25519_PUBLIC_KEY_PEM"], idp_encryption_key=E["IDP_X25519_PUBLIC_KEY_PEM"],
    sp_kid="sp-rsa", idp_kid="hawcx", signing_alg="rsa-pss-sha256"))
assert rsa_transport.send("/hc_auth/v5/update/get-creds", {"userid": user})["mfa_method"] == "sms"
ok("RSA-PSS signed delegation request")
