#!/usr/bin/env python3
"""Time the official hawcx-oauth-client 2.0.0 doing what benches/delegation.rs times.

Run with the 2.0.0 venv's python:  /path/to/venv/bin/python scripts/bench-delegation-python.py
Prints one line per operation: name, microseconds per call (best of 5 repeats).

- ecies/request: compact JSON + EciesX25519Encryptor.encrypt + Ed25519Signer.sign_detached
  (what DelegationTransport.send does before the POST), keys loaded once, as the
  transport holds them.
- ecies/reply: Verifier.verify + EciesX25519Decryptor.decrypt + json.loads (what the
  transport does after the response arrives, minus the header/skew bookkeeping).
- jwt_bearer/request: the package's own per-request builder used by
  JwtBearerTransport.send (body, claims, PyJWT EdDSA signing, headers); send() itself
  always does network I/O, so the builder is timed directly.
"""
import json
import timeit

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

import hawcx_oauth_client
from hawcx_oauth_client.delegation import (
    EciesX25519Decryptor,
    EciesX25519Encryptor,
    Ed25519Signer,
    Verifier,
)
from hawcx_oauth_client.management import jwt_transport

assert hawcx_oauth_client.__version__ == "2.0.0", hawcx_oauth_client.__version__


def pem_priv(k):
    return k.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()).decode()


def pem_pub(k):
    return k.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode()


SP_ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
SP_X = x25519.X25519PrivateKey.from_private_bytes(bytes([2]) * 32)
IDP_ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32)
IDP_X = x25519.X25519PrivateKey.from_private_bytes(bytes([4]) * 32)
TS = 1_800_000_000

payload = {"userid": "alice@example.com", "mfa_method": "sms", "contact": "+15551234567"}
reply = {"session_id": "0f8c1b7e-1c1a-4e0b-9b55-3f1c2d4e5a6b", "detail": "OTP sent"}

sp_signer = Ed25519Signer(pem_priv(SP_ED), kid="sp")
sp_encryptor = EciesX25519Encryptor(pem_pub(IDP_X))
sp_decryptor = EciesX25519Decryptor(pem_priv(SP_X))
sp_verifier = Verifier({"hawcx": pem_pub(IDP_ED)})

idp_signer = Ed25519Signer(pem_priv(IDP_ED), kid="hawcx")
idp_encryptor = EciesX25519Encryptor(pem_pub(SP_X))
reply_body = idp_encryptor.encrypt(json.dumps(reply, separators=(",", ":")).encode())
reply_sig = idp_signer.sign_detached(reply_body, TS)


def ecies_request():
    body = sp_encryptor.encrypt(json.dumps(payload, separators=(",", ":")).encode())
    return sp_signer.sign_detached(body, TS)


def ecies_reply():
    sp_verifier.verify(reply_body, TS, reply_sig.signature_b64, reply_sig.alg, reply_sig.kid)
    return json.loads(sp_decryptor.decrypt(reply_body))


step_up = {"subject_userid": "alice@example.com", "purpose": "change_mfa_method", "new_mfa_method": "totp"}
bearer_key = pem_priv(SP_ED)


def jwt_bearer_request():
    return jwt_transport._build_jwt_request(
        base_url="https://api.example",
        endpoint="/v1/management/stepup/start-token",
        include_base_url=True,
        payload=step_up,
        client_id="client-1",
        signing_key=bearer_key,
        kid="sp-bearer",
        jwt_ttl=60,
        config_id="cfg-1",
        protocol_version="2",
        extra_headers=None,
    )


for name, fn in [("ecies/request", ecies_request), ("ecies/reply", ecies_reply), ("jwt_bearer/request", jwt_bearer_request)]:
    fn()
    number = 2000
    best = min(timeit.repeat(fn, number=number, repeat=5)) / number
    print("%-20s %8.1f us" % (name, best * 1e6))
