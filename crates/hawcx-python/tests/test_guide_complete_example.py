"""The guide's "Complete Example" end to end against the emulator: callback -> session
token -> /api/me, for the verbatim copy (tests/guide/complete_example/app.py) and the
runnable example (examples/flask-guide/app.py) in Flask's test client, plus the example
started the way its README says (one command, ``--env-file``) and driven over HTTP."""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
import requests
from flask import Flask

from conftest import EXAMPLE, Idp, bearer, expired_hs256, tamper, unique_email


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flask_guide_example", EXAMPLE / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["guide-copy", "examples/flask-guide"])
def app(request: pytest.FixtureRequest, idp: Idp) -> Flask:
    if request.param == "guide-copy":
        from complete_example.app import app as guide_app

        flask_app: Flask = guide_app
    else:
        flask_app = load_example().app
    flask_app.testing = True
    return flask_app


def test_callback_then_me(app: Flask, idp: Idp) -> None:
    client = app.test_client()
    email = unique_email("complete")
    r = client.post("/api/auth/hawcx/callback", json={"code": idp.login(email)})
    assert r.status_code == 200, r.get_data(as_text=True)
    token = r.get_json()["sessionToken"]

    me = client.get("/api/me", headers=bearer(token))
    assert me.status_code == 200, me.get_data(as_text=True)
    assert me.get_json()["email"] == email
    assert me.get_json()["userId"].startswith("usr_")


def test_refusals(app: Flask, idp: Idp) -> None:
    client = app.test_client()
    r = client.post("/api/auth/hawcx/callback", json={"code": "bogus"})
    assert r.status_code == 401
    assert r.get_json() == {"error": "Authentication failed"}

    token = client.post("/api/auth/hawcx/callback",
                        json={"code": idp.login(unique_email("complete-bad"))}).get_json()["sessionToken"]
    expired = expired_hs256(os.environ["SESSION_SECRET"], {"userId": "u", "email": "e@example.com"})
    for headers in (bearer(tamper(token)), bearer(expired), {}):
        r = client.get("/api/me", headers=headers)
        assert r.status_code == 401
        assert r.get_json() == {"error": "Unauthorized"}


def test_example_sign_in_pages(idp: Idp) -> None:
    """The example's added pages: "/" links to the authorize endpoint with a state that
    /auth/callback checks before handing the code to the guide's API."""
    client = load_example().app.test_client()
    page = client.get("/").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"', page)
    assert link is not None
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [idp.client_id]
    assert query["redirect_uri"] == [idp.redirect_uri]
    state = query["state"][0]

    code = idp.login(unique_email("complete-pages"), state=state)
    assert client.get("/auth/callback", query_string={"code": code, "state": "forged"}).status_code == 400
    # The state was used up by the forged attempt: start again.
    client.get("/")
    with client.session_transaction() as session:
        state = session["oauth_state"]
    r = client.get("/auth/callback", query_string={"code": code, "state": state})
    assert r.status_code == 200
    assert code in r.get_data(as_text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def running_example(idp: Idp, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in idp.env}  # only the file configures it
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE / "app.py"), "--env-file", str(idp.env_file), "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/api/me", timeout=2)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    _, err = proc.communicate(timeout=10)
                    pytest.fail(f"examples/flask-guide/app.py did not start:\n{err}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_example_runs_with_one_command(running_example: str, idp: Idp) -> None:
    email = unique_email("complete-http")
    r = requests.post(running_example + "/api/auth/hawcx/callback",
                      json={"code": idp.login(email)}, timeout=10)
    assert r.status_code == 200, r.text
    me = requests.get(running_example + "/api/me", headers=bearer(r.json()["sessionToken"]), timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email
    assert requests.get(running_example + "/api/me", timeout=10).status_code == 401
