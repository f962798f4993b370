#!/usr/bin/env python3
"""Load and soak runs (issue 12): the Rust example app (1 and 2 instances sharing
PostgreSQL and Redis) and the guide's "Complete Example" Flask app under gunicorn, with
the official hawcx-oauth-client 1.0.0 and with this repository's package.

    scripts/load/run.py                       # prepares everything, runs, writes results
    scripts/load/run.py --duration 20 --soak 600 --out target/load

Prepares (idempotent): wrk (Debian), release builds of `hawcx` and of the Python package,
venvs .venvs/load-official and .venvs/load-ours (Flask, gunicorn, PyJWT, and each side's
hawcx_oauth_client), a fresh PostgreSQL database and Redis key prefix. Then, with the
same wrk settings (2 threads, 64 connections) for every setup:

- GET /api/me with a valid session token: Rust app x1, Rust app x2 (one wrk per
  instance, summed), Flask + official 1.0.0 (PyJWT jwt.decode, as the guide's Complete
  Example does: 1.0.0's verify_jwt cannot verify HS256), Flask + our package
  (verify_jwt(token, SESSION_SECRET, algorithms=['HS256']), the guide's middleware), and
  the same Flask app answering without any verification (the ceiling for any library);
- POST /api/auth/hawcx/callback with codes minted by the emulator (one per request,
  --callback-codes per run, minted beforehand by 8 parallel logins), for at most 10 s:
  Rust app x1 and x2. A run that spends every code reports a lower bound.

Only 200s count. Reports requests/s, p50/p99 latency, CPU (cores busy) and RSS of the
server processes, then soaks the Rust app at 80 % of its measured /api/me capacity
(wrk with a fixed pause between requests per connection, the connection count corrected
by two 10 s probes) sampling RSS every 10 s. Writes results.json, results.md and load.png to
--out. Everything runs on this machine: wrk competes with the servers for the same cores,
which is part of what the numbers mean.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
LOAD = ROOT / "scripts" / "load"
HAWCX = ROOT / "target" / "release" / "hawcx"
WRK_THREADS, WRK_CONNECTIONS = 2, 64


def sh(*cmd: str, **kw: object) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(list(cmd), check=True, **kw)  # type: ignore[call-overload]


def prepare() -> Dict[str, Path]:
    if not shutil.which("wrk"):
        sh("apt-get", "update", "-qq")
        sh("apt-get", "install", "-y", "-qq", "wrk")
    sh("cargo", "build", "--release", "-p", "hawcx-cli", "--quiet", cwd=ROOT)
    sh(str(ROOT / "scripts" / "python.sh"), "--release", cwd=ROOT, stdout=subprocess.DEVNULL)
    wheel = next((ROOT / "target" / "wheels" / "ours").glob("*.whl"))
    common = ["flask", "gunicorn", "PyJWT", "python-dotenv", "requests", "matplotlib"]
    venvs = {}
    for side, package in (("official", "hawcx-oauth-client==1.0.0"), ("ours", str(wheel))):
        venv = ROOT / ".venvs" / f"load-{side}"
        if not (venv / "bin" / "gunicorn").exists():
            sh(sys.executable, "-m", "venv", str(venv))
            sh(str(venv / "bin" / "pip"), "install", "-q", *common, package)
        elif side == "ours":
            sh(str(venv / "bin" / "pip"), "install", "-q", "--force-reinstall", "--no-deps", package)
        venvs[side] = venv
    return venvs


class Proc:
    """A server process and the line it printed when ready."""

    def __init__(self, cmd: List[str], env: Dict[str, str], ready: str, cwd: Optional[Path] = None):
        self.p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        deadline = time.time() + 60
        self.line = ""
        assert self.p.stdout is not None
        while time.time() < deadline:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError(f"{cmd[0]} exited before ready")
            if ready in line:
                self.line = line.strip()
                break
        threading.Thread(target=lambda: [None for _ in self.p.stdout], daemon=True).start()  # type: ignore[union-attr]

    def pids(self) -> List[int]:
        out = [self.p.pid]
        children = Path(f"/proc/{self.p.pid}/task/{self.p.pid}/children")
        if children.exists():
            out += [int(x) for x in children.read_text().split()]
        return out

    def stop(self) -> None:
        self.p.terminate()
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()


def cpu_seconds(pids: List[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / tick


def rss_mb(pids: List[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, seconds: float, threads: int, connections: int, headers: Dict[str, str],
        script: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> Dict[str, float]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})}).stdout
    total = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    elapsed = to_ms(re.search(r"requests in ([\d.]+\w+)", out).group(1)) / 1000  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    ok = total - (int(bad.group(1)) if bad else 0)
    return {
        "ok": ok, "rps": ok / elapsed, "non2xx": total - ok,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "p50_ms": to_ms(lat["50"]), "p99_ms": to_ms(lat["99"]), "seconds": elapsed,
    }


def measure(name: str, servers: List[Proc], runs: List[Dict[str, object]]) -> Dict[str, float]:
    """Runs the wrk invocations in parallel (one per instance) and aggregates them."""
    pids = [p for s in servers for p in s.pids()]
    cpu0, t0 = cpu_seconds(pids), time.time()
    results: List[Dict[str, float]] = [{}] * len(runs)

    def go(i: int, kw: Dict[str, object]) -> None:
        results[i] = wrk(**kw)  # type: ignore[arg-type]

    threads = [threading.Thread(target=go, args=(i, kw)) for i, kw in enumerate(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = (cpu_seconds(pids) - cpu0) / (time.time() - t0)
    row = {
        "setup": name, "rps": sum(r["rps"] for r in results),
        "p50_ms": sum(r["p50_ms"] for r in results) / len(results),
        "p99_ms": max(r["p99_ms"] for r in results),
        "non2xx": sum(r["non2xx"] for r in results),
        "socket_errors": sum(r["socket_errors"] for r in results),
        "cpu_cores": busy, "rss_mb": rss_mb(pids),
        "runs": results,
    }
    print(f"{name:<34} {row['rps']:>10,.0f} req/s  p50 {row['p50_ms']:.2f} ms  "
          f"p99 {row['p99_ms']:.2f} ms  cpu {busy:.2f}  rss {row['rss_mb']:.0f} MiB", flush=True)
    return row  # type: ignore[return-value]


def main() -> None:
    # Prepare with whatever Python started us, then run inside the load venv (requests,
    # python-dotenv, matplotlib).
    load_python = ROOT / ".venvs" / "load-ours" / "bin" / "python"
    if Path(sys.executable) != load_python and "HAWCX_LOAD_PREPARED" not in os.environ:
        prepare()
        os.environ["HAWCX_LOAD_PREPARED"] = "1"
        os.execv(str(load_python), [str(load_python), __file__, *sys.argv[1:]])
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--callback-codes", type=int, default=40000,
                    help="codes minted for each callback run (x1 and x2)")
    ap.add_argument("--soak", type=float, default=600)
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "load")
    args = ap.parse_args()
    venvs = {side: ROOT / ".venvs" / f"load-{side}" for side in ("official", "ours")}
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hawcx-load-"))
    tag = f"hawcx_load_{int(time.time())}"
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {tag}",
       stdout=subprocess.DEVNULL)
    from dotenv import dotenv_values

    servers: List[Proc] = []
    atexit.register(lambda: [p.stop() for p in servers if p.p.poll() is None])
    idp = Proc([str(HAWCX), "idp", "--listen", "127.0.0.1:0", "--env-file", str(work / "idp.env"),
                "--state", str(work / "idp.json"), "--code-ttl", "900"],
               dict(os.environ, RUST_LOG="error"), "hawcx idp listening on ")
    servers.append(idp)
    url = idp.line.rsplit(" ", 1)[1]
    env = {k: v or "" for k, v in dotenv_values(work / "idp.env").items()}
    os.environ["HAWCX_IDP_URL"] = url
    sys.path.insert(0, str(ROOT / "crates" / "hawcx-idp" / "tests" / "peers"))
    import _idp  # the emulator's JSON login helper
    import requests

    sessions = threading.local()

    def code(i: int) -> str:
        # One keep-alive session per minting thread.
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        return str(_idp.login(f"load{i % 500}@example.com", env["OAUTH_CLIENT_ID"],
                              env["OAUTH_REDIRECT_URI"], session=sessions.s))

    def mint(count: int, start: int) -> List[str]:
        """`count` codes from parallel logins (8 at once; addresses cycle through 500, so
        no two concurrent logins share an address and its mailbox)."""
        from concurrent.futures import ThreadPoolExecutor
        began = time.time()
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(code, range(start, start + count)))
        print(f"minted {count:,} codes in {time.time() - began:.0f} s", flush=True)
        return codes

    app_env = dict(os.environ, **env, RUST_LOG="error",
                   DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{tag}",
                   REDIS_URL="redis://127.0.0.1:6379", REDIS_KEY_PREFIX=f"{tag}:")
    apps = [Proc([str(HAWCX), "app", "--listen", "127.0.0.1:0"], app_env, "hawcx app listening on ")
            for _ in range(2)]
    servers.extend(apps)
    app_urls = [a.line.rsplit(" ", 1)[1] for a in apps]
    token = requests.post(app_urls[0] + "/api/auth/hawcx/callback", json={"code": code(0)},
                          timeout=10).json()["sessionToken"]
    bearer = {"Authorization": f"Bearer {token}"}
    me = dict(seconds=args.duration, threads=WRK_THREADS, connections=WRK_CONNECTIONS,
              headers=bearer)
    rows = [
        measure("rust /api/me x1", apps[:1], [dict(me, url=app_urls[0] + "/api/me")]),
        measure("rust /api/me x2", apps, [
            dict(me, url=u + "/api/me", threads=1, connections=WRK_CONNECTIONS // 2) for u in app_urls]),
    ]
    for n in (1, 2):
        # One code file per instance (each wrk process reads its own; codes are single use).
        files = []
        minted = mint(args.callback_codes, start=n * args.callback_codes)
        per_instance = args.callback_codes // n
        for k in range(n):
            f = work / f"codes{n}-{k}.txt"
            f.write_text("\n".join(minted[k * per_instance:(k + 1) * per_instance]) + "\n")
            files.append(f)
        per = WRK_THREADS // n or 1
        # At most 10 s: every request spends a code, and minting them is the slow part.
        callback_seconds = min(args.duration, 10)
        row = measure(f"rust callback x{n}", apps[:n], [
            dict(seconds=callback_seconds, threads=per, connections=WRK_CONNECTIONS // n, headers={},
                 url=u, script=LOAD / "callback.lua",
                 env={"CODES": str(f), "THREADS": str(per)}) for u, f in zip(app_urls, files)])
        # Codes all used before the end: the rate is a lower bound (mint more with
        # --callback-codes).
        row["codes_exhausted"] = row["rps"] * callback_seconds >= 0.95 * args.callback_codes
        rows.append(row)
    # "ceiling": the same app answering /api/me without verifying anything, in the venv
    # with our package; no verification library can make Flask faster than that.
    for side in ("official", "ours", "ceiling"):
        venv = venvs["ours" if side == "ceiling" else side]
        verify = {"official": "pyjwt", "ours": "hawcx", "ceiling": "none"}[side]
        genv = dict(os.environ, **env, HAWCX_LOAD_VERIFY=verify)
        flask = Proc([str(venv / "bin" / "gunicorn"), "-w", str(os.cpu_count() or 2), "-b",
                      "127.0.0.1:0", "--error-logfile", "/dev/stdout", "--chdir", str(LOAD),
                      "flask_app:app"], genv, "Listening at:", cwd=LOAD)
        base = re.search(r"http://[\d.:]+", flask.line).group(0)  # type: ignore[union-attr]
        servers.append(flask)
        # The workers boot after the master listens (slowly on a busy machine).
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(base + "/api/me", timeout=5).status_code == 401:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        flask_token = requests.post(base + "/api/auth/hawcx/callback", json={"code": code(1)},
                                    timeout=60).json()["sessionToken"]
        rows.append(measure(f"flask /api/me ({side})", [flask], [
            dict(me, url=base + "/api/me", headers={"Authorization": f"Bearer {flask_token}"})]))
        flask.stop()

    # Soak: one Rust instance at 80 % of its measured /api/me capacity.
    soak: Dict[str, object] = {}
    if args.soak > 0:
        capacity = float(rows[0]["rps"])
        target = 0.8 * capacity
        # Each connection waits `delay` ms between requests, so the rate is about
        # conns * 1000 / (delay + latency): start from the saturated p50, then correct the
        # connection count with two 10-second probes.
        delay = 4
        pace = {"TOKEN": token, "DELAY_MS": str(delay)}
        conns = max(2, round(target * (delay + float(rows[0]["p50_ms"])) / 1000))
        for _ in range(2):
            probe = wrk(app_urls[0], 10, 2, conns, {}, LOAD / "paced.lua", pace)
            conns = max(2, round(conns * target / max(probe["rps"], 1.0)))
        print(f"soak: {conns} connections, {delay} ms apart, for ~{target:,.0f} req/s", flush=True)
        samples: List[float] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(10):
                samples.append(rss_mb(apps[0].pids()))

        threading.Thread(target=sample, daemon=True).start()
        result = wrk(app_urls[0], args.soak, 2, conns, {}, LOAD / "paced.lua", pace)
        done.set()
        steady = samples[12:] if len(samples) > 12 else samples  # from minute 2
        ref = steady[0] if steady else 0.0
        drift = max((abs(s - ref) / ref for s in steady), default=0.0) if ref else 0.0
        soak = {"seconds": args.soak, "capacity_rps": capacity, "target_rps": target,
                "connections": conns, "delay_ms": delay, **result,
                "fraction_of_capacity": result["rps"] / capacity,
                "rss_samples_mb": samples, "rss_drift_from_minute_2": drift}
        print(f"soak: {result['rps']:,.0f} req/s ({result['rps'] / capacity:.0%} of capacity) for "
              f"{args.soak:.0f} s, p99 {result['p99_ms']:.2f} ms, non-2xx {result['non2xx']}, "
              f"socket errors {result['socket_errors']}, RSS {min(samples, default=0):.1f}-"
              f"{max(samples, default=0):.1f} MiB, drift from minute 2 {drift:.1%}", flush=True)

    for a in apps:
        a.stop()
    idp.stop()
    (args.out / "results.json").write_text(json.dumps({"rows": rows, "soak": soak}, indent=2))
    by = {r["setup"]: r for r in rows}
    lines = ["| setup | req/s (200 only) | p50 ms | p99 ms | CPU cores | RSS MiB |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['setup']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
              f"{r['cpu_cores']:.2f} | {r['rss_mb']:.0f} |" for r in rows]
    ratio_rust = by["rust /api/me x1"]["rps"] / by["flask /api/me (official)"]["rps"]
    ratio_flask = by["flask /api/me (ours)"]["rps"] / by["flask /api/me (official)"]["rps"]
    ratio_ceiling = by["flask /api/me (ceiling)"]["rps"] / by["flask /api/me (official)"]["rps"]
    lines += ["", f"Rust app x1 / Flask + official 1.0.0 on /api/me: {ratio_rust:.1f}x",
              f"Flask + our package / Flask + official 1.0.0 on /api/me: {ratio_flask:.2f}x",
              f"Flask without any verification / Flask + official 1.0.0: {ratio_ceiling:.2f}x "
              "(the most a verification library could give)"]
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(rows, args.out / "load.png")


def plot(rows: List[Dict[str, float]], path: Path) -> None:
    """Throughput (log scale, values printed) and p99 per setup, as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, NullFormatter
    except ImportError:
        print("matplotlib not installed: no plot", file=sys.stderr)
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    names = [str(r["setup"]) for r in rows]
    rps = [float(r["rps"]) for r in rows]
    a1.barh(names, rps)
    a1.set_xscale("log")
    a1.set_xlim(min(rps) / 2, max(rps) * 4)
    a1.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    a1.xaxis.set_minor_formatter(NullFormatter())
    for y, v in enumerate(rps):
        a1.text(v * 1.1, y, f"{v:,.0f}", va="center", fontsize=8)
    a1.set_xlabel("requests/s (200 only, log scale)")
    p99 = [float(r["p99_ms"]) for r in rows]
    a2.barh(names, p99, color="tab:orange")
    for y, v in enumerate(p99):
        a2.text(v, y, f" {v:.1f}", va="center", fontsize=8)
    a2.set_xlabel("p99 latency (ms)")
    a2.set_yticklabels([])
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
