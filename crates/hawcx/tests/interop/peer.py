"""Drive the official hawcx-oauth-client package (1.0.0 or 2.0.0) for the Rust interop tests.

Protocol: one JSON object on stdin, {"ops": [op, ...]}; one JSON object on stdout,
{"version": ..., "results": [result, ...]}. Binary values travel as unpadded base64url.
Every op returns {"ok": true, ...} or {"ok": false, "error": "<class>: <message>"}; the
Rust side decides what is expected. Only the package's public names are used.
"""
import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import hawcx_oauth_client
from hawcx_oauth_client.delegation import (
    EciesX25519Decryptor,
    EciesX25519Encryptor,
    Ed25519Signer,
    RsaPssSigner,
    Verifier,
)


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class JwksServer:
    """Serves one JWKS document on loopback for ResponseSignatureVerifier."""

    def __init__(self, jwks):
        body = json.dumps(jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/.well-known/jwks.json" % self.httpd.server_address[1]


def run(op):
    kind = op["op"]
    if kind == "encrypt":
        return {"envelope": b64e(EciesX25519Encryptor(op["pub_pem"]).encrypt(b64d(op["plaintext"])))}
    if kind == "decrypt":
        return {"plaintext": b64e(EciesX25519Decryptor(op["priv_pem"]).decrypt(b64d(op["envelope"])))}
    if kind == "sign":
        cls = Ed25519Signer if op["alg"] == "ed25519" else RsaPssSigner
        res = cls(op["priv_pem"], kid=op.get("kid")).sign_detached(b64d(op["body"]), op["ts"])
        return {"alg": res.alg, "signature_b64": res.signature_b64, "kid": res.kid}
    if kind == "verify":
        Verifier(op["pubkeys"]).verify(b64d(op["body"]), op["ts"], op["sig"], op["alg"], op.get("kid"))
        return {}
    if kind == "blob_generate":
        from hawcx_oauth_client import generate_credential_blob

        blob = generate_credential_blob(
            kid=op["kid"],
            hkid=op["hkid"],
            ed_private=b64d(op["ed_private"]),
            x_private=b64d(op["x_private"]),
            hawcx_ed_public=b64d(op["hawcx_ed_public"]),
            hawcx_x_public=b64d(op["hawcx_x_public"]),
        )
        return {"blob": blob}
    if kind == "blob_parse":
        from hawcx_oauth_client import parse_hawcx_secret_key

        c = parse_hawcx_secret_key(op["blob"])
        return {
            "kid": c.kid,
            "hkid": c.hkid,
            "signing_key_pem": c.signing_key_pem,
            "decrypt_key_pem": c.decrypt_key_pem,
            "verify_key_pem": c.verify_key_pem,
            "encrypt_key_pem": c.encrypt_key_pem,
        }
    if kind == "response_verify":
        from hawcx_oauth_client.management.response_signature import ResponseSignatureVerifier

        server = JwksServer(op["jwks"])
        try:
            verifier = ResponseSignatureVerifier(server.url)
            verdicts = []
            for case in op["cases"]:
                try:
                    verifier.verify(case["header"], b64d(case["body"]))
                    verdicts.append({"ok": True})
                except Exception as e:  # the verdict is the data
                    verdicts.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
            return {"verdicts": verdicts}
        finally:
            server.httpd.shutdown()
    raise ValueError("unknown op %r" % kind)


def main():
    request = json.load(sys.stdin)
    results = []
    for op in request["ops"]:
        try:
            out = run(op)
            out["ok"] = True
        except Exception as e:
            out = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        results.append(out)
    json.dump({"version": hawcx_oauth_client.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
