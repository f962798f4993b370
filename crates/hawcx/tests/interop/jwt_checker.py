"""A server-side checker for JWT-bearer management requests (docs/PROTOCOL.md section 4.2),
written against PyJWT, independent of both the Rust code and the official client.

stdin: {"cases": [{"token", "url", "body" (base64url), "client_id", "sp_public_pem",
"sign": optional {"priv_pem", "kid", "claims"} }]}
stdout: {"verdicts": [{"ok": bool, "error"?: str}], "signed": [...]}.
Rules: header alg EdDSA with a kid and typ JWT; signature by the SP key; iss == sub ==
client_id; aud == the exact request URL; exp and iat required, exp > now, iat not in
the future, lifetime <= 120 s; jti a non-empty string; body_sha256 equal to
b64url(SHA-256(body)).
"""
import base64
import hashlib
import hmac
import json
import sys
import time

import jwt


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check(case):
    token = case["token"]
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA" or not header.get("kid") or header.get("typ") != "JWT":
        raise ValueError("bad header %r" % header)
    claims = jwt.decode(
        token,
        case["sp_public_pem"],
        algorithms=["EdDSA"],
        audience=case["url"],
        issuer=case["client_id"],
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
    )
    if claims["sub"] != case["client_id"]:
        raise ValueError("sub != client_id")
    if not isinstance(claims["jti"], str) or not claims["jti"]:
        raise ValueError("jti")
    now = int(time.time())
    if claims["iat"] > now + 10 or claims["exp"] - claims["iat"] > 120:
        raise ValueError("iat/lifetime")
    digest = base64.urlsafe_b64encode(hashlib.sha256(b64d(case["body"])).digest()).rstrip(b"=").decode()
    if not hmac.compare_digest(str(claims.get("body_sha256", "")), digest):
        raise ValueError("body_sha256 mismatch")


def main():
    request = json.load(sys.stdin)
    verdicts = []
    for case in request.get("cases", []):
        try:
            check(case)
            verdicts.append({"ok": True})
        except Exception as e:
            verdicts.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
    signed = []
    for s in request.get("sign", []):
        signed.append(jwt.encode(s["claims"], s["priv_pem"], algorithm=s["alg"], headers={"kid": s["kid"]}))
    json.dump({"verdicts": verdicts, "signed": signed}, sys.stdout)


if __name__ == "__main__":
    main()
