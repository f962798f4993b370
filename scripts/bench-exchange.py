#!/usr/bin/env python3
"""Code-exchange throughput: hawcx-rs vs the official hawcx-oauth-client 1.0.0.

One run, one machine, one scripted token server (the Rust `exchange_load serve`, a
pre-signed ES256 id_token for every POST). Both clients verify the id_token with the same
static PEM key and check audience and issuer:

  * peer:  `exchange_code_for_claims(...)` from hawcx-oauth-client 1.0.0, in the venv
           interpreter named by HAWCX_PEER_V1_PYTHON (default .venvs/peer-v1/bin/python,
           as scripts/peers.sh creates it),
           sequential calls (it opens a new connection and re-parses the key every call);
  * ours:  `exchange_load load` (the public async API: pooled client, cached key), with the
           same sequential pattern, then the blocking facade, then 8 concurrent callers.

Prints requests/s, p50 and p99 for each and the ratio to the peer.

Usage: scripts/bench-exchange.py [--seconds 10] [--no-build]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BINARY = os.path.join(TARGET, "release", "examples", "exchange_load")
PEER_PYTHON = os.environ.get(
    "HAWCX_PEER_V1_PYTHON", os.path.join(ROOT, ".venvs", "peer-v1", "bin", "python")
)

PEER_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from hawcx_oauth_client import exchange_code_for_claims
    url, pem_path, client_id, issuer, secs = sys.argv[1:6]
    pem = open(pem_path).read()
    def once():
        exchange_code_for_claims(
            code="bench-code", oauth_token_url=url, client_id=client_id, public_key=pem,
            code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            audience=client_id, issuer=issuer,
        )
    once()  # warm-up (imports, first connection)
    lat = []
    deadline = time.perf_counter() + float(secs)
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        once()
        lat.append(time.perf_counter() - t)
    lat.sort()
    n = len(lat)
    pct = lambda p: lat[min(int(n * p), n - 1)] * 1000.0
    print(json.dumps({"rps": n / float(secs), "p50_ms": pct(0.5), "p99_ms": pct(0.99), "n": n}))
    """
)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(
            ["cargo", "build", "--release", "--example", "exchange_load", "-p", "hawcx"],
            cwd=ROOT,
            check=True,
        )
    server = subprocess.Popen(
        [BINARY, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        info = json.loads(server.stdout.readline())
        url, pem, client, issuer = (
            info["token_url"],
            info["pem_path"],
            info["client_id"],
            info["issuer"],
        )
        secs = str(args.seconds)
        results = []
        peer = run_json([PEER_PYTHON, "-c", PEER_SCRIPT, url, pem, client, issuer, secs])
        results.append(("hawcx-oauth-client 1.0.0 (sequential)", peer))
        results.append(
            ("hawcx-rs async (sequential)", run_json([BINARY, "load", url, pem, secs, "1"]))
        )
        results.append(
            (
                "hawcx-rs blocking (sequential)",
                run_json([BINARY, "load", url, pem, secs, "1", "blocking"]),
            )
        )
        results.append(
            ("hawcx-rs async (8 concurrent)", run_json([BINARY, "load", url, pem, secs, "8"]))
        )
    finally:
        server.stdin.close()
        server.wait(timeout=10)

    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print(f"duration per client: {args.seconds:g} s; server: exchange_load serve (ES256 id_token)")
    print(f"{'client':40} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'x peer':>8}")
    base = peer["rps"]
    for name, r in results:
        print(f"{name:40} {r['rps']:10.0f} {r['p50_ms']:9.3f} {r['p99_ms']:9.3f} "
              f"{r['rps'] / base:8.1f}")
    seq = results[1][1]["rps"] / base
    print(f"ratio (hawcx-rs async sequential / peer): {seq:.1f}x (goal >= 3x)")
    return 0 if seq >= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
