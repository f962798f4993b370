"""The framework helpers are optional: each imports only its own framework, fails with a
clear ImportError without it, and reads nothing from the environment at import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRAMEWORKS = {"flask": "flask", "django": "django", "fastapi": "fastapi"}


def python(code: str) -> "subprocess.CompletedProcess[str]":
    # An empty environment: no SESSION_SECRET, nothing else.
    return subprocess.run([sys.executable, "-c", code], env={}, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("helper", sorted(FRAMEWORKS))
def test_import_error_only_without_the_framework(helper: str) -> None:
    framework = FRAMEWORKS[helper]
    others = [f for f in FRAMEWORKS.values() if f != framework]
    code = f"""
import sys
sys.modules[{framework!r}] = None          # the framework is not installed
import hawcx_oauth_client                   # the core needs no framework
for other in {others!r}:
    __import__("hawcx_oauth_client." + other)
try:
    __import__("hawcx_oauth_client.{helper}")
except ImportError as e:
    assert "pip install {framework}" in str(e), str(e)
    print("ImportError ok")
else:
    raise SystemExit("imported without {framework}")
"""
    result = python(code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ImportError ok" in result.stdout


def test_helpers_import_without_configuration() -> None:
    code = """
import os
assert "SESSION_SECRET" not in os.environ
import hawcx_oauth_client.flask, hawcx_oauth_client.django, hawcx_oauth_client.fastapi
print("imported")
"""
    result = python(code)
    assert result.returncode == 0, result.stdout + result.stderr
