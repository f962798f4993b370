"""hawcx_oauth_client.django: the ``require_auth`` view decorator, ``HawcxAuthMiddleware``
(``request.hawcx_user``) and ``issue_session_token``, in Django's test ``Client``,
configured only through the environment (``SessionTokens.from_env()``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Iterator, List

import pytest

from django_support import setup_django

setup_django()

from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from hawcx_oauth_client.django import (  # noqa: E402
    HawcxAuthMiddleware,
    issue_session_token,
    require_auth,
)
from hawcx_oauth_client.sessions import SessionTokens  # noqa: E402

import helper_support as hs  # noqa: E402

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


@require_auth
def me(request: HttpRequest) -> JsonResponse:
    return JsonResponse(getattr(request, "hawcx_user"))


@require_auth
async def async_me(request: HttpRequest) -> JsonResponse:
    return JsonResponse(getattr(request, "hawcx_user"))


@require_auth(tokens=lambda: SessionTokens(hs.OLD_SECRET))
def explicit(request: HttpRequest) -> JsonResponse:
    return JsonResponse(getattr(request, "hawcx_user"))


def whoami(request: HttpRequest) -> JsonResponse:
    """Not protected: shows what the middleware found."""
    error = getattr(request, "hawcx_auth_error", None)
    return JsonResponse({"user": getattr(request, "hawcx_user", "unset"),
                         "error": getattr(error, "code", None)})


def login(request: HttpRequest) -> JsonResponse:
    claims: Dict[str, Any] = json.loads(request.body)
    return JsonResponse({"sessionToken": issue_session_token(claims)})


urlpatterns = [
    path("me", me),
    path("async-me", async_me),
    path("explicit", explicit),
    path("whoami", whoami),
    path("login", login),
]

MIDDLEWARE: List[str] = ["hawcx_oauth_client.django.HawcxAuthMiddleware"]


@pytest.fixture(params=["decorator", "middleware+decorator"])
def client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    hs.use_secret(monkeypatch)
    middleware = MIDDLEWARE if request.param != "decorator" else []
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=middleware):
        yield Client()


def get(client: Client, url: str, token: str = "") -> "TestResponse":
    if token:
        return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(url)


def body(response: "TestResponse") -> Dict[str, Any]:
    data = json.loads(response.content)
    assert isinstance(data, dict)
    return data


def test_accepts_a_valid_token(client: Client) -> None:
    for url in ("/me", "/async-me"):
        r = get(client, url, hs.good_token())
        assert r.status_code == 200, r.content
        assert body(r)["email"] == hs.CLAIMS["email"]


def test_issue_session_token_round_trips(client: Client) -> None:
    r = client.post("/login", {"sub": "u-1"}, content_type="application/json")
    token = body(r)["sessionToken"]
    assert body(get(client, "/me", token))["sub"] == "u-1"


def test_missing_header(client: Client) -> None:
    r = get(client, "/me")
    assert r.status_code == 401
    assert body(r) == {"error": "Missing authorization token"}
    assert r["WWW-Authenticate"] == "Bearer"
    r = client.get("/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert r.status_code == 401


def test_tampered(client: Client) -> None:
    r = get(client, "/me", hs.tampered_token())
    assert r.status_code == 401
    assert body(r) == {"error": "Invalid token", "code": "jws.bad_signature"}
    assert r["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_expired(client: Client) -> None:
    r = get(client, "/me", hs.expired_token())
    assert r.status_code == 401
    assert body(r) == {"error": "Token expired", "code": "jwt.expired"}


def test_explicit_token_source(client: Client) -> None:
    assert get(client, "/explicit", hs.good_token(hs.OLD_SECRET)).status_code == 200
    assert get(client, "/explicit", hs.good_token()).status_code == 401


def test_rotated_secret_within_grace(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    hs.rotate(monkeypatch, grace_seconds=3600)
    assert get(client, "/me", hs.good_token(hs.OLD_SECRET)).status_code == 200
    assert get(client, "/me", hs.good_token()).status_code == 200


def test_rotation_grace_then_refused(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    hs.check_rotation(monkeypatch, lambda t: get(client, "/me", t).status_code, issue_session_token)


def test_middleware_sets_hawcx_user(monkeypatch: pytest.MonkeyPatch) -> None:
    hs.use_secret(monkeypatch)
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=MIDDLEWARE):
        client = Client()
        assert body(get(client, "/whoami")) == {"user": None, "error": None}
        seen = body(get(client, "/whoami", hs.good_token()))
        assert seen["user"]["sub"] == hs.CLAIMS["sub"] and seen["error"] is None
        assert body(get(client, "/whoami", hs.expired_token())) == {"user": None, "error": "jwt.expired"}
        # The middleware refuses nothing by itself; the decorator does.
        assert get(client, "/me", hs.expired_token()).status_code == 401


def test_middleware_subclass_with_its_own_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    hs.use_secret(monkeypatch)

    class OldSecretMiddleware(HawcxAuthMiddleware):
        tokens = SessionTokens(hs.OLD_SECRET)

    request = HttpRequest()
    request.META["HTTP_AUTHORIZATION"] = "Bearer " + hs.good_token(hs.OLD_SECRET)
    seen: Dict[str, Any] = {}

    def view(r: HttpRequest) -> HttpResponse:
        seen["user"] = getattr(r, "hawcx_user")
        return HttpResponse("ok")

    OldSecretMiddleware(view)(request)
    assert seen["user"]["sub"] == hs.CLAIMS["sub"]
