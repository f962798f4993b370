"""Shared fixtures for the hawcx_oauth_client Python tests.

* ``idp`` (session): ONE local Hawcx emulator (``hawcx idp``) for the whole session. The
  binary is ``$HAWCX_BIN`` (default ``<repo>/target/debug/hawcx``). Its env file is
  loaded into ``os.environ`` with python-dotenv's ``load_dotenv`` (as the guide's apps
  do) and ``os.environ`` is restored and the emulator terminated at session end. If it
  cannot start, every test that needs it fails (no skip).
* Logging in, OTPs and TOTP come from the emulator's own peer helpers,
  ``crates/hawcx-idp/tests/peers/_idp.py`` (put on ``sys.path`` here, not copied).
* ``tests/guide/`` (the integration guide's code) is put on ``sys.path`` so its modules
  import each other the way the guide writes it (``from services.user_service import``).
  Import those modules only after ``idp`` (they read the environment at import time).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterator, List, Optional

import jwt
import pytest
import requests
from dotenv import load_dotenv

TESTS = Path(__file__).resolve().parent
GUIDE = TESTS / "guide"
REPO = TESTS.parents[2]
PEERS = REPO / "crates" / "hawcx-idp" / "tests" / "peers"
EXAMPLE = REPO / "examples" / "flask-guide"

for _path in (GUIDE, PEERS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

STARTUP_TIMEOUT = 30.0


def hawcx_bin() -> Path:
    return Path(os.environ.get("HAWCX_BIN") or REPO / "target" / "debug" / "hawcx")


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def unique_phone() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tamper(token: str, **changes: Any) -> str:
    """The same token with its payload rewritten (default: a different ``email``) and the
    original signature kept: what an attacker editing a token produces."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes or {"email": "attacker@example.com"})
    forged = b64url(json.dumps(claims, separators=(",", ":")).encode())
    assert forged != payload
    return f"{header}.{forged}.{signature}"


def expired_hs256(secret: str, claims: Dict[str, Any], ago: int = 3600) -> str:
    """An HS256 token correctly signed with ``secret`` that expired ``ago`` seconds ago."""
    now = int(time.time())
    body = {**claims, "iat": now - ago - 600, "exp": now - ago}
    return jwt.encode(body, secret, algorithm="HS256")


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Idp:
    """The running emulator: its URL, the env-file variables, and login helpers."""

    url: str
    env_file: Path
    env: Dict[str, str]
    peer: ModuleType = field(repr=False)

    @property
    def client_id(self) -> str:
        return self.env["OAUTH_CLIENT_ID"]

    @property
    def redirect_uri(self) -> str:
        return self.env["OAUTH_REDIRECT_URI"]

    def login(self, email: str, **kwargs: Any) -> str:
        """Logs ``email`` in through the emulator's JSON login API (signing it up the first
        time) and returns a fresh authorization code."""
        code = self.peer.login(email, self.client_id, self.redirect_uri, **kwargs)
        assert isinstance(code, str)
        return code

    def last_otp(self, to: str) -> str:
        otp = self.peer.last_otp(to)
        assert isinstance(otp, str)
        return otp

    def totp(self, secret: str, at: Optional[float] = None) -> str:
        code = self.peer.totp(secret, at)
        assert isinstance(code, str)
        return code

    def mint_id_token(self, **fields: Any) -> str:
        """``POST /dev/tokens``: an id_token signed by the emulator (see its README)."""
        r = requests.post(self.url + "/dev/tokens", json=fields, timeout=10)
        assert r.status_code in (200, 201), r.text
        body = r.json()
        token = body.get("id_token") or body.get("token")
        assert isinstance(token, str), body
        return token


def _start_emulator(workdir: Path) -> "tuple[subprocess.Popen[str], str, Path]":
    """Starts ``hawcx idp`` on a free port; its stderr goes to ``workdir/idp.log``."""
    binary = hawcx_bin()
    if not binary.is_file():
        pytest.fail(
            f"hawcx emulator binary not found at {binary}: build it with "
            "`cargo build -p hawcx-cli` or set HAWCX_BIN",
            pytrace=False,
        )
    env_file = workdir / "idp.env"
    with (workdir / "idp.log").open("w") as log:
        proc = subprocess.Popen(
            [str(binary), "idp", "--listen", "127.0.0.1:0", "--env-file", str(env_file),
             "--state", str(workdir / "idp-state.json")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True,
        )
    found: List[str] = []
    ready = threading.Event()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not found and line.startswith("hawcx idp listening on "):
                found.append(line.rsplit(" ", 1)[1].strip())
                ready.set()
        ready.set()  # EOF: the process ended

    threading.Thread(target=drain, name="hawcx-idp-stdout", daemon=True).start()
    ready.wait(STARTUP_TIMEOUT)
    if not found:
        proc.kill()
        proc.wait(10)
        pytest.fail(
            f"the hawcx emulator did not start ({binary}, exit {proc.returncode}):\n"
            + (workdir / "idp.log").read_text(errors="replace")[-4000:],
            pytrace=False,
        )
    if not env_file.is_file():
        proc.kill()
        pytest.fail(f"the hawcx emulator wrote no env file at {env_file}", pytrace=False)
    return proc, found[0], env_file


@pytest.fixture(scope="session")
def idp() -> Iterator[Idp]:
    workdir = Path(tempfile.mkdtemp(prefix="hawcx-pytest-"))
    saved = dict(os.environ)
    proc, url, env_file = _start_emulator(workdir)
    try:
        # The guide's way: load_dotenv (double-quoted values, PEMs with literal \n).
        assert load_dotenv(env_file, override=True)
        os.environ["HAWCX_IDP_URL"] = url  # read by _idp.py at import
        import _idp

        from dotenv import dotenv_values

        env = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        assert env["OAUTH_ISSUER"] == url, (env["OAUTH_ISSUER"], url)
        yield Idp(url=url, env_file=env_file, env=env, peer=_idp)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(workdir, ignore_errors=True)
