#!/usr/bin/env python3
"""Startup time (exec to the "listening" line) and idle RSS of the emulator, 10 runs.
usage: scripts/idp-startup.py BINARY [ARGS...]   (e.g. target/release/examples/idp)"""
import os, statistics, subprocess, sys, tempfile, time
times, rss = [], []
for _ in range(10):
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        p = subprocess.Popen(sys.argv[1:] + ["--listen", "127.0.0.1:0", "--env-file", os.path.join(d, ".env")],
                             stdout=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        times.append((time.perf_counter() - t0) * 1000)
        assert line.startswith("hawcx idp listening on http://127.0.0.1:"), line
        time.sleep(1.0)
        with open(f"/proc/{p.pid}/status") as f:
            rss.append(int(next(l for l in f if l.startswith("VmRSS")).split()[1]))
        p.terminate(); p.wait()
print(f"startup ms: median {statistics.median(times):.1f}, min {min(times):.1f}, max {max(times):.1f}")
print(f"idle RSS kB: median {statistics.median(rss)}, min {min(rss)}, max {max(rss)}")
