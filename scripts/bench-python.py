#!/usr/bin/env python3
"""Our Python package vs the official hawcx-oauth-client 1.0.0, side by side, one run.

    cargo build --release -p hawcx-cli          # the emulator serving the token endpoint
    scripts/python.sh --release                 # our package, optimised, into .venvs/ours
    scripts/peers.sh                            # the official 1.0.0 into .venvs/peer-v1
    .venvs/ours/bin/python scripts/bench-python.py

Each package runs in its own venv (a worker subprocess per side), on the same tokens,
keys and emulator, alternating sides per case. Cases:

- verify_jwt with HS256 (the guide's session tokens; 1.0.0 cannot verify HMAC tokens, so
  its side is PyJWT's jwt.decode, which is what its users write), RS256, ES256 and EdDSA
  with a PEM key, and ES256 through a JWKS URL (cache warm);
- exchange_code_for_claims against the emulator's token endpoint (codes minted up front);
- 4 threads verifying ES256 at once: throughput relative to 1 thread (GIL scaling).

Prints operations per second per side and the ratio ours/official. Ratios, not absolute
times, are what to compare across machines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parent.parent
OURS = Path(os.environ.get("HAWCX_OURS_PYTHON", ROOT / ".venvs/ours/bin/python"))
PEER = Path(os.environ.get("HAWCX_PEER_V1_PYTHON", ROOT / ".venvs/peer-v1/bin/python"))
HAWCX = Path(os.environ.get("HAWCX_BIN", ROOT / "target/release/hawcx"))
CODES_PER_SIDE = int(os.environ.get("BENCH_CODES", "300"))

WORKER = r'''
import json, sys, threading, time
cfg = json.load(open(sys.argv[1]))
side = sys.argv[2]
import hawcx_oauth_client as h
import jwt

def rate(fn, seconds=1.5):
    fn()  # warm (caches, JWKS fetch, key parse)
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        n += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed

out = {}
if side == "official":
    out["hs256"] = rate(lambda: jwt.decode(cfg["hs256"], cfg["secret"], algorithms=["HS256"]))
else:
    out["hs256"] = rate(lambda: h.verify_jwt(cfg["hs256"], cfg["secret"], algorithms=["HS256"]))
for alg in ("rs256", "es256", "eddsa"):
    tok, pem = cfg[alg], cfg[alg + "_pem"]
    out[alg] = rate(lambda: h.verify_jwt(tok, pem, audience="bench"))
out["es256_jwks"] = rate(lambda: h.verify_jwt(cfg["jwks_token"], jwks_url=cfg["jwks_url"],
                                               audience=cfg["client_id"]))
codes = iter(cfg["codes_" + side])
def exchange():
    h.exchange_code_for_claims(code=next(codes), oauth_token_url=cfg["token_url"],
                               client_id=cfg["client_id"], public_key=cfg["idp_pem"])
exchange()
n, start = 0, time.perf_counter()
for _ in range(len(cfg["codes_" + side]) - 1):
    exchange(); n += 1
out["exchange"] = n / (time.perf_counter() - start)

def threaded(threads, seconds=2.0):
    tok, pem = cfg["es256"], cfg["es256_pem"]
    h.verify_jwt(tok, pem, audience="bench")
    counts = [0] * threads
    stop = time.perf_counter() + seconds
    def run(i):
        while time.perf_counter() < stop:
            for _ in range(20):
                h.verify_jwt(tok, pem, audience="bench")
            counts[i] += 20
    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    return sum(counts) / (time.perf_counter() - start)
out["es256_1thread"] = threaded(1)
out["es256_4threads"] = threaded(4)
print(json.dumps(out))
'''


def keypairs() -> Dict[str, Any]:
    import jwt
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    def pems(key: Any) -> "tuple[bytes, str]":
        priv = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        pub = key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        return priv, pub.decode()

    claims = {"sub": "bench-user", "aud": "bench", "email": "b@example.com",
              "exp": int(time.time()) + 3600, "iat": int(time.time())}
    cfg: Dict[str, Any] = {"secret": "bench-session-secret-" + "x" * 32}
    # The guide's session token: userId, email, exp (no aud).
    session = {"userId": 1, "email": "b@example.com", "hawcxId": "bench-user", "exp": claims["exp"]}
    cfg["hs256"] = jwt.encode(session, cfg["secret"], algorithm="HS256")
    for name, alg, key in (
        ("rs256", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("es256", "ES256", ec.generate_private_key(ec.SECP256R1())),
        ("eddsa", "EdDSA", ed25519.Ed25519PrivateKey.generate()),
    ):
        priv, pub = pems(key)
        cfg[name] = jwt.encode(claims, priv, algorithm=alg)
        cfg[name + "_pem"] = pub
    return cfg


def main() -> None:
    import requests
    from dotenv import dotenv_values

    for path, what in ((OURS, "scripts/python.sh --release"), (PEER, "scripts/peers.sh"),
                       (HAWCX, "cargo build --release -p hawcx-cli")):
        if not path.exists():
            sys.exit(f"missing {path}: run {what}")
    work = Path(tempfile.mkdtemp(prefix="hawcx-bench-"))
    env_file = work / "idp.env"
    idp = subprocess.Popen(
        [str(HAWCX), "idp", "--listen", "127.0.0.1:0", "--env-file", str(env_file),
         "--state", str(work / "state.json"), "--code-ttl", "600"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert idp.stdout is not None
        url = re.search(r"http://\S+", idp.stdout.readline()).group(0)  # type: ignore[union-attr]
        env = {k: v or "" for k, v in dotenv_values(env_file).items()}
        os.environ["HAWCX_IDP_URL"] = url
        sys.path.insert(0, str(ROOT / "crates/hawcx-idp/tests/peers"))
        import _idp  # the emulator's JSON-login helper

        cfg = keypairs()
        cfg.update(token_url=env["OAUTH_TOKEN_ENDPOINT"], client_id=env["OAUTH_CLIENT_ID"],
                   idp_pem=env["OAUTH_PUBLIC_KEY"], jwks_url=env["JWKS_URL"])
        minted = requests.post(url + "/dev/tokens", json={"expires_in": 3600}, timeout=10).json()
        cfg["jwks_token"] = minted["id_token"]
        for side in ("ours", "official"):
            cfg["codes_" + side] = [
                _idp.login(f"bench-{side}-{i % 20}@example.com", env["OAUTH_CLIENT_ID"],
                           env["OAUTH_REDIRECT_URI"])
                for i in range(CODES_PER_SIDE)
            ]
        (work / "cfg.json").write_text(json.dumps(cfg))
        (work / "worker.py").write_text(WORKER)
        results = {}
        for side, python in (("ours", OURS), ("official", PEER)):
            run = subprocess.run([str(python), str(work / "worker.py"), str(work / "cfg.json"), side],
                                 capture_output=True, text=True, check=True)
            results[side] = json.loads(run.stdout)
    finally:
        idp.terminate()
        idp.wait(10)

    ours, peer = results["ours"], results["official"]
    print(f"{'case':<28}{'ours ops/s':>14}{'official ops/s':>16}{'ratio':>9}")
    for case, label in (("hs256", "verify HS256 (vs jwt.decode)"), ("rs256", "verify RS256 PEM"),
                        ("es256", "verify ES256 PEM"), ("eddsa", "verify EdDSA PEM"),
                        ("es256_jwks", "verify ES256 JWKS (warm)"),
                        ("exchange", "exchange_code_for_claims")):
        print(f"{label:<28}{ours[case]:>14,.0f}{peer[case]:>16,.0f}{ours[case] / peer[case]:>8.1f}x")
    for side, r in (("ours", ours), ("official", peer)):
        print(f"ES256 4 threads / 1 thread, {side}: {r['es256_4threads'] / r['es256_1thread']:.2f}x "
              f"({r['es256_4threads']:,.0f} vs {r['es256_1thread']:,.0f} ops/s)")
    print(f"ES256 4 threads, ours / official: {ours['es256_4threads'] / peer['es256_4threads']:.1f}x")


if __name__ == "__main__":
    main()
