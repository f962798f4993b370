"""Helpers shared by the peer scripts: log in through the emulator's JSON login API,
read the dev mailbox, compute PKCE and TOTP. The emulator URL and the env-file variables
come from the environment (set by the Rust driver, tests/emulator/peers.rs)."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import struct
import time
import urllib.parse

import requests

URL = os.environ["HAWCX_IDP_URL"]
E = os.environ


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce():
    verifier = secrets.token_urlsafe(48)
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def last_otp(to: str) -> str:
    r = requests.get(URL + "/dev/mailbox", params={"to": to}, timeout=10)
    r.raise_for_status()
    return r.json()["messages"][-1]["otp"]


def totp(secret_b32: str, at=None) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def dev_user(email: str, **fields) -> dict:
    r = requests.post(URL + "/dev/users", json={"email": email, **fields}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def rotate_keys(retire_old=False) -> dict:
    r = requests.post(URL + "/dev/keys/rotate", json={"retire_old": retire_old}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def login(email, client_id, redirect_uri, challenge=None, nonce=None, state="st-1",
          session=None, phone=None, totp_secret=None) -> str:
    """Logs in through the JSON API, answering every step; returns the code."""
    s = session or requests.Session()
    form = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
            "scope": "openid email", "state": state, "email": email}
    if nonce:
        form["nonce"] = nonce
    if challenge:
        form.update(code_challenge=challenge, code_challenge_method="S256")
    accept = {"Accept": "application/json"}
    r = s.post(URL + "/oauth2/authorize", data=form, headers=accept, timeout=10)
    assert r.status_code == 200, r.text
    j = r.json()
    while "redirect_to" not in j:
        step = j["next"]
        if step == "email_otp":
            otp = last_otp(email)
        elif step == "sms_otp":
            otp = last_otp(phone)
        else:
            otp = totp(totp_secret)
        r = s.post(URL + "/oauth2/authorize/verify",
                   data={"login_session": j["login_session"], "otp": otp},
                   headers=accept, timeout=10)
        assert r.status_code == 200, r.text
        j = r.json()
    to = urllib.parse.urlparse(j["redirect_to"])
    q = urllib.parse.parse_qs(to.query)
    assert q["state"] == [state]
    return q["code"][0]


def prove_step_up(start_token: str, to: str) -> str:
    """Plays the user's part of step-up: send the challenge, read the OTP, get the receipt."""
    r = requests.post(URL + "/stepup/start", json={"start_token": start_token},
                      headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 200, r.text
    j = r.json()
    r = requests.post(URL + "/stepup/verify",
                      json={"challenge_session": j["challenge_session"], "otp": last_otp(to)},
                      headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["step_up_receipt"]


def expect_version(module, version: str):
    """The official package must be the version the script targets; the hawcx-rs build of
    the package (HAWCX_PEER_IMPL=hawcx-rs) runs the same flows in its place."""
    if os.environ.get("HAWCX_PEER_IMPL") == "hawcx-rs":
        assert hasattr(module, "_native"), "expected the hawcx-rs build of hawcx_oauth_client"
    else:
        assert module.__version__ == version, module.__version__


def ok(name: str):
    print("ok", name, flush=True)


def expect_raises(exc_type, fn, check=None):
    try:
        fn()
    except exc_type as e:  # noqa: PERF203
        if check:
            check(e)
        return e
    raise AssertionError(f"expected {exc_type.__name__}")


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))
