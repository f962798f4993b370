"""``mypy --strict`` (crates/hawcx-python/mypy.ini) is clean on the framework helpers, the
tests and the test apps, and the helpers' ``.pyi`` stubs match their implementation
(``mypy.stubtest`` against the installed package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CRATE = Path(__file__).resolve().parents[1]
HELPERS = ["hawcx_oauth_client.flask", "hawcx_oauth_client.django", "hawcx_oauth_client.fastapi"]


def run(*args: str) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "MYPYPATH": str(CRATE / "python")}
    return subprocess.run([sys.executable, "-m", *args], cwd=CRATE, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_mypy_strict() -> None:
    result = run("mypy", "--config-file", str(CRATE / "mypy.ini"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubs_match_the_helpers() -> None:
    result = run("mypy.stubtest", "--allowlist", str(CRATE / "tests" / "stubtest_allowlist.txt"), *HELPERS)
    assert result.returncode == 0, result.stdout + result.stderr
