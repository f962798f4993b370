#!/usr/bin/env python3
"""Writes the committed seed corpora in fuzz/seeds/<target>/ from the repository's test
vectors (testdata/, crates/hawcx/tests/data) and the fuzz targets' fixed test keys.

Run from the repository root: python3 fuzz/tools/make_seeds.py (needs `cryptography`).
Only test keys appear here: the RFC examples and the fixed keys in fuzz/src/lib.rs.
"""
import base64
import hashlib
import json
import os
import re
import shutil

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "fuzz", "seeds")
NOW = 1_700_000_000


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def text(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def write(target, seeds):
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, data in enumerate(seeds):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, f"seed-{i:03}"), "wb") as f:
            f.write(data)


VECTORS = [
    "testdata/rfc7515/appendix_a.json",
    "testdata/rfc7520/section_4.json",
    "testdata/rfc7638/section_3_1.json",
    "testdata/rfc8037/appendix_a.json",
]
docs = [load(p) for p in VECTORS]
JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
tokens = sorted({v for d in docs for v in walk(d) if isinstance(v, str) and JWS_RE.match(v)})
jwks = []
for d in docs:
    for v in walk(d):
        if isinstance(v, dict) and "kty" in v and v not in jwks:
            jwks.append(v)

# Fixed keys (fuzz/src/lib.rs).
es256_pem = text("crates/hawcx/tests/data/oidc/idp-es256-key.pem")
es256 = serialization.load_pem_private_key(es256_pem.encode(), None)
sp_dec = x25519.X25519PrivateKey.from_private_bytes(b"\x22" * 32)
idp_sign = ed25519.Ed25519PrivateKey.from_private_bytes(b"\x33" * 32)
HS_SECRET = b"fuzzing-secret-fuzzing-secret-32"


def es256_jws(header: dict, payload: bytes) -> str:
    signing_input = f"{b64u(json.dumps(header).encode())}.{b64u(payload)}"
    der = es256.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def seal(plaintext: bytes, peer=sp_dec.public_key()) -> bytes:
    eph = x25519.X25519PrivateKey.from_private_bytes(b"\x55" * 32)
    shared = eph.exchange(peer)
    key = HKDF(hashes.SHA256(), 32, None, b"idp-sp-ecies-v1").derive(shared)
    iv = b"\x07" * 12
    ct = AESGCM(key).encrypt(iv, plaintext, None)
    epk = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return json.dumps({"enc": "x25519-aesgcm", "epk": b64u(epk), "iv": b64u(iv), "ct": b64u(ct)},
                      separators=(",", ":")).encode()


# jws: mode 0 = token, mode 1 = header 0xFF payload (signed by the target with HS256).
claims = {"iss": "https://issuer.example", "sub": "user-1", "aud": "client", "iat": NOW,
          "exp": NOW + 3600, "nonce": "n-0S6_WzA2Mj"}
write("jws", [b"\x00" + t.encode() for t in tokens]
      + [b"\x00" + es256_jws({"alg": "ES256", "kid": "fuzz-es256", "typ": "JWT"},
                             json.dumps(claims).encode()).encode()]
      + [b"\x01" + json.dumps(h).encode() + b"\xff" + json.dumps(claims).encode()
         for h in ({"alg": "HS256"}, {"alg": "HS256", "kid": "k1", "typ": "JWT"},
                   {"alg": "HS256", "crit": ["b64"], "b64": False}, {"alg": "none"})])

# jwk: every JWK in the vectors, a JWK Set of the public ones, the ES256 key.
es_pub = es256.public_key().public_numbers()
es_jwk = {"kty": "EC", "crv": "P-256", "kid": "fuzz-es256",
          "x": b64u(es_pub.x.to_bytes(32, "big")), "y": b64u(es_pub.y.to_bytes(32, "big"))}
public = [{k: v for k, v in j.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "k")}
          for j in jwks if j.get("kty") != "oct"]
write("jwk", [json.dumps(j) for j in jwks] + [json.dumps(es_jwk),
      json.dumps({"keys": public + [es_jwk]}), json.dumps({"keys": [es_jwk, {"kty": "oct", "k": "AAAA"}]})])

# discovery: flag byte (bit 0: client assertion wanted) then the document.
doc = {
    "issuer": "https://issuer.example",
    "authorization_endpoint": "https://issuer.example/oauth2/authorize",
    "token_endpoint": "https://issuer.example/oauth2/token",
    "jwks_uri": "https://issuer.example/.well-known/jwks.json",
    "id_token_signing_alg_values_supported": ["ES256", "RS256", "EdDSA"],
    "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
    "response_types_supported": ["code"],
}
write("discovery", [b"\x00" + json.dumps(doc).encode(), b"\x01" + json.dumps(doc).encode(),
                    b"\x01" + json.dumps({**doc, "issuer": "https://issuer.example/",
                                          "token_endpoint_auth_methods_supported": []}).encode(),
                    b"\x00" + json.dumps({**doc, "jwks_uri": "http://evil.example/k"}).encode()])

# token_response: two status bytes, then the body.
idt = es256_jws({"alg": "ES256", "kid": "fuzz-es256"}, json.dumps(claims).encode())
ok = {"access_token": "AAAAAAAAAAAAAAAAAAAAAAAA", "token_type": "Bearer", "expires_in": 3600,
      "id_token": idt, "refresh_token": "RRRRRRRRRRRRRRRRRRRR"}
write("token_response", [
    (100).to_bytes(2, "big") + json.dumps(ok).encode(),  # 200
    (100).to_bytes(2, "big") + json.dumps({"access_token": "x"}).encode(),
    (300).to_bytes(2, "big") + json.dumps({"error": "invalid_grant", "error_description": "code expired",
                                           "access_token": "SSSSSSSSSSSSSSSSSSSS"}).encode(),  # 400
    (401).to_bytes(2, "big") + b"<html>bad gateway</html>",  # 501
])

# ecies: mode 0 = envelope to the SP key, mode 1 = plaintext.
write("ecies", [b"\x00" + seal(b'{"status":"ok"}'), b"\x00" + seal(b""),
                b"\x00" + seal(b'{"detail":"x"}', x25519.X25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key()),
                b"\x01" + b'{"status":"ok","devices":[]}'])


# delegation_response: mode, two status bytes, header lines, empty line, body.
def deleg(mode, status, headers, body):
    return bytes([mode]) + (status - 100).to_bytes(2, "big") + "".join(
        f"{k}: {v}\n" for k, v in headers).encode() + b"\n" + body


env = seal(b'{"status":"ok","message":"sent"}')
sig = b64u(idp_sign.sign(env + b"." + str(NOW).encode()))
signed = [("x-signature", sig), ("x-signature-alg", "ed25519"), ("x-enc-alg", "x25519-aesgcm"),
          ("x-timestamp", str(NOW)), ("x-key-id", "hawcx-kid")]
write("delegation_response", [
    deleg(0, 200, signed, env),
    deleg(0, 400, [], b'{"detail":"bad request"}'),
    deleg(0, 200, signed[:3] + [("x-timestamp", "-1")], env),
    deleg(1, 200, [], env),
    deleg(2, 200, [], b'{"status":"ok"}'),
    deleg(2, 404, [], b'{"detail":"user not found"}'),
])

# credentials: mode 0 = blob text, mode 1 = JSON payload.
blob_json = json.dumps({"v": 1, "alg": "ed25519+x25519", "kid": "sp-kid", "ed_priv": b64u(b"\x11" * 32),
                        "x_priv": b64u(b"\x22" * 32), "h_ed_pub": b64u(idp_sign.public_key().public_bytes(
                            serialization.Encoding.Raw, serialization.PublicFormat.Raw)),
                        "h_x_pub": b64u(b"\x09" * 32), "hkid": "hawcx-kid"}, separators=(",", ":"))
write("credentials", [b"\x00hwx_sk_v1_" + b64u(blob_json.encode()).encode(), b"\x01" + blob_json.encode(),
                      b"\x01" + json.dumps({"v": 2, "alg": "rsa"}).encode()])

# pem: mode 0 = PEM text, odd modes = DER wrapped by the target (label = (mode >> 1) % 6).
pems = [es256_pem, text("crates/hawcx/tests/data/oidc/idp-es256-cert.pem")]
for k in (idp_sign, sp_dec):
    pems.append(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode())
    pems.append(k.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode())
pems.append(es256.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode())
seeds = [b"\x00" + p.encode() for p in pems]
seeds.append(b"\x00" + es256_pem.replace("\n", "\\n").encode())  # a .env value with literal \n
for p in pems:
    label = re.search(r"-----BEGIN ([A-Z ]+)-----", p).group(1)
    der = base64.b64decode("".join(l for l in p.splitlines() if not l.startswith("-----")))
    labels = ["PUBLIC KEY", "PRIVATE KEY", "CERTIFICATE", "RSA PRIVATE KEY", "EC PRIVATE KEY", "RSA PUBLIC KEY"]
    if label in labels:
        seeds.append(bytes([labels.index(label) << 1 | 1]) + der)
write("pem", seeds)

# response_signature: mode 0 = token 0xFF body, mode 1 = claims 0xFF body (signed by the target).
body = b'{"ok":true}'
rs_claims = {"body_sha256": b64u(hashlib.sha256(body).digest()), "iat": NOW}
write("response_signature", [
    b"\x00" + es256_jws({"alg": "ES256", "kid": "fuzz-es256"}, json.dumps(rs_claims).encode()).encode() + b"\xff" + body,
    b"\x01" + json.dumps({"body_sha256": "BODY_SHA256", "iat": NOW, "exp": NOW + 60}).encode() + b"\xff" + body,
    b"\x01" + json.dumps({"body_sha256": "BODY_SHA256", "iat": NOW - 1000}).encode() + b"\xff" + body,
    b"\x01" + json.dumps({"body_sha256": "BODY_SHA256", "iat": NOW, "aud": "x"}).encode() + b"\xff",
])


# idp_requests: route byte, content-type byte (0 form, 1 json, 2 none, 3 text), headers, NUL, body.
def req(route, ctype, headers, body):
    return bytes([route, ctype]) + "\n".join(f"{k}: {v}" for k, v in headers).encode() + b"\x00" + body


authz = ("response_type=code&client_id=CLIENT&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fauth%2Fcallback"
         "&scope=openid%20email&state=s1&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGmSqVx89wE"
         "&code_challenge_method=S256")
write("idp_requests", [
    req(0, 0, [], b"grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fauth%2Fcallback"
                  b"&client_id=CLIENT&code_verifier=dBjftJeZ4CVP-mJ92K1s-gNUzfHQMDtMwHGYzUMtuvw"),
    req(0, 0, [("authorization", "Basic Q0xJRU5UOnNlY3JldA==")], b"grant_type=authorization_code&code=x"),
    req(0, 0, [], b"grant_type=authorization_code&code=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth"
                  b"%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + idt.encode()),
    req(1, 0, [], (authz + "&email=user%40example.com").encode()),
    req(1, 1, [("accept", "application/json")], json.dumps({"email": "a@b.example", "client_id": "CLIENT"}).encode()),
    req(2, 0, [], b"login_session=abc&otp=123456"),
    req(3, 2, [], authz.encode()),
    req(4, 1, [("x-enc-alg", "x25519-aesgcm"), ("x-timestamp", str(NOW)), ("x-signature-alg", "ed25519"),
               ("x-signature", "AAAA"), ("x-key-id", "sp")], seal(b'{"userid":"u@example.com","mfa_method":"email"}')),
    req(9, 1, [("x-sp-id", "sp")], b'{"userid":"u@example.com"}'),
    req(13, 1, [("authorization", "Bearer " + idt), ("content-type", "application/json")], b'{"userid":"u"}'),
    req(17, 2, [], b"token=abc&return_to=%2F"),
    req(20, 1, [], json.dumps({"email": "u@example.com", "mfa": "email"}).encode()),
    req(21, 1, [], b'{"offset_seconds": -9223372036854775808}'),
    req(21, 1, [], b'{"now": 9223372036854775807}'),
    req(22, 1, [], json.dumps({"sub": "u", "expires_in": 18446744073709551615}).encode()),
    req(23, 1, [], json.dumps({"kid": "sp", "public_key": idp_sign.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()}).encode()),
    req(24, 1, [], b"{}"),
    req(25, 2, [], b"u%40example.com"),
    req(26, 2, [], b""),
])
print("seeds written to", OUT)
