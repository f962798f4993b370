"""Fault injection through the Python API: a misbehaving local server (never answers,
trickles, resets, 10 MiB body, invalid UTF-8, 10k-deep JSON, HTML, cross-host redirect)
and a plain-http remote URL. Every call ends in its documented exception class and code
within the configured timeout + 10 %, never a hang."""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest

import hawcx_oauth_client as h
from hawcx_oauth_client.delegation import HawcxDelegationClient

from conftest import Idp

TIMEOUT = 2.0


def _reply(conn: socket.socket, fault: str) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk

    def head(status: str, ctype: str, length: int) -> bytes:
        return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n"
                "Connection: close\r\n\r\n").encode()

    if fault == "silent":
        time.sleep(30)
    elif fault == "trickle":
        conn.sendall(head("200 OK", "application/json", 64))
        for _ in range(64):
            conn.sendall(b" ")
            time.sleep(1)
    elif fault == "reset":
        conn.sendall(head("200 OK", "application/json", 4096) + b'{"keys": [')
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif fault == "huge":
        conn.sendall(head("200 OK", "application/json", 10 * 1024 * 1024))
        chunk = b"a" * 65536
        for _ in range(160):
            conn.sendall(chunk)
    elif fault == "redirect":
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://evil.example.com/x\r\n"
                     b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    else:
        body = {
            "utf8": b'{"keys":"\xff\xfe","id_token":"\xc3\x28"}',
            "deep": b"[" * 10000 + b"]" * 10000,
            "html": b"<html>maintenance</html>",
        }[fault]
        ctype = "text/html" if fault == "html" else "application/json"
        conn.sendall(head("200 OK", ctype, len(body)) + body)


def _serve(fault: str) -> Tuple[str, socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def loop() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return

            def one(c: socket.socket = conn) -> None:
                try:
                    _reply(c, fault)
                except OSError:
                    pass
                finally:
                    c.close()

            threading.Thread(target=one, daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}", server


FAULTS = ["silent", "trickle", "reset", "huge", "utf8", "deep", "html", "redirect", "remote"]


@pytest.fixture(params=FAULTS)
def base(request: pytest.FixtureRequest) -> Iterator[Tuple[str, str]]:
    fault = str(request.param)
    if fault == "remote":
        yield fault, "http://hawcx.example.com"
        return
    url, server = _serve(fault)
    yield fault, url
    server.close()


def _expect(call: Callable[[], Any], cls: type, codes: Dict[str, str], fault: str) -> None:
    started = time.monotonic()
    with pytest.raises(cls) as info:
        call()
    elapsed = time.monotonic() - started
    assert getattr(info.value, "code") == codes[fault], (fault, info.value)
    assert elapsed <= TIMEOUT * 1.1 + 1.0, (fault, elapsed)  # + scheduling slack on busy CI


EXCHANGE = {"silent": "exchange.timeout", "trickle": "exchange.timeout",
            "reset": "exchange.network", "huge": "exchange.too_large",
            "utf8": "exchange.invalid_response", "deep": "exchange.invalid_response",
            "html": "exchange.invalid_response", "redirect": "exchange.http_status",
            "remote": "exchange.invalid_url"}
JWKS = {"silent": "jwks.timeout", "trickle": "jwks.timeout", "reset": "jwks.unreachable",
        "huge": "jwks.too_large", "utf8": "jwks.invalid", "deep": "jwks.invalid",
        "html": "jwks.invalid", "redirect": "jwks.http_status", "remote": "jwks.invalid_url"}
DELEGATION = {"silent": "delegation.network", "trickle": "delegation.network",
              "reset": "delegation.network", "huge": "delegation.network",
              "utf8": "delegation.unsigned_response", "deep": "delegation.unsigned_response",
              "html": "delegation.unsigned_response", "redirect": "delegation.request",
              "remote": "delegation.unsafe_url"}


def test_exchange(base: Tuple[str, str], idp: Idp) -> None:
    fault, url = base
    _expect(lambda: h.exchange_code_for_claims(
        code="c", oauth_token_url=url + "/oauth2/token", client_id="x",
        public_key=idp.env["OAUTH_PUBLIC_KEY"], timeout=TIMEOUT), h.OAuthExchangeError, EXCHANGE, fault)


def test_fetch_jwks(base: Tuple[str, str]) -> None:
    fault, url = base
    _expect(lambda: h.fetch_jwks(url + "/jwks.json", timeout=TIMEOUT),
            h.InvalidPublicKeyError, JWKS, fault)


def test_delegation(base: Tuple[str, str], idp: Idp) -> None:
    fault, url = base
    classes = {"delegation.unsigned_response": h.DelegationResponseError}
    client = HawcxDelegationClient.from_keys(
        idp.env["SP_ED25519_PRIVATE_KEY_PEM"], idp.env["SP_X25519_PRIVATE_KEY_PEM"],
        idp.env["IDP_ED25519_PUBLIC_KEY_PEM"], idp.env["IDP_X25519_PUBLIC_KEY_PEM"],
        idp.client_id, base_url=url, timeout=TIMEOUT) if fault != "remote" else None
    if client is None:
        with pytest.raises(h.DelegationRequestError) as info:
            HawcxDelegationClient.from_keys(
                idp.env["SP_ED25519_PRIVATE_KEY_PEM"], idp.env["SP_X25519_PRIVATE_KEY_PEM"],
                idp.env["IDP_ED25519_PUBLIC_KEY_PEM"], idp.env["IDP_X25519_PUBLIC_KEY_PEM"],
                idp.client_id, base_url=url)
        assert info.value.code == DELEGATION[fault]
        return
    cls = classes.get(DELEGATION[fault], h.DelegationRequestError)
    _expect(lambda: client.get_user_credentials("a@example.com"), cls, DELEGATION, fault)
