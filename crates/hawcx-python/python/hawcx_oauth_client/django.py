"""Django helpers: protect views with the app's session tokens.

Needs Django (``pip install django``); importing this module without it raises
``ImportError``. Tokens are verified with
:class:`~hawcx_oauth_client.sessions.SessionTokens`, by default
``SessionTokens.from_env()`` (``SESSION_SECRET`` and friends), built on first use.
Django's own ``request.user`` is left alone: the claims go to ``request.hawcx_user``.

Example::

    # views.py
    from django.http import JsonResponse
    from hawcx_oauth_client.django import issue_session_token, require_auth

    @require_auth
    def me(request):
        return JsonResponse(request.hawcx_user)

    # settings.py (optional: every request gets request.hawcx_user, claims or None)
    MIDDLEWARE = [..., "hawcx_oauth_client.django.HawcxAuthMiddleware"]

A refused request gets ``401`` with ``{"error": "..."}`` (plus ``"code"``, the stable
error code, when a token was sent and refused) and a ``WWW-Authenticate: Bearer`` header.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, Union, cast, overload

try:
    from django.http import HttpRequest, HttpResponse, JsonResponse
except ImportError as exc:  # pragma: no cover - exercised without Django installed
    raise ImportError(
        "hawcx_oauth_client.django needs Django: pip install django"
    ) from exc

from hawcx_oauth_client import JWTVerificationError
from hawcx_oauth_client import _webauth
from hawcx_oauth_client._webauth import TokenSource

V = TypeVar("V", bound=Callable[..., Any])

__all__ = [
    "HawcxAuthMiddleware",
    "TokenSource",
    "authenticate",
    "issue_session_token",
    "require_auth",
    "unauthorized",
]

_UNSET = object()


def issue_session_token(claims: Mapping[str, Any], *, tokens: TokenSource = None) -> str:
    """Signs ``claims`` (``iat``/``exp`` added) with ``SessionTokens.from_env()``, or ``tokens``."""
    return _webauth.issue_session_token(claims, tokens)


def unauthorized(exc: Optional[BaseException] = None) -> JsonResponse:
    """The 401 response ``require_auth`` answers: JSON ``{"error": ...}`` and a Bearer challenge."""
    response = JsonResponse(_webauth.failure_body(exc), status=401)
    response["WWW-Authenticate"] = _webauth.www_authenticate(exc)
    return response


def authenticate(
    request: HttpRequest, tokens: TokenSource = None
) -> Union[Dict[str, Any], JsonResponse]:
    """Verifies the request's bearer token: the claims, or the 401 response to return.

    With the default ``tokens`` (``None``), reuses what :class:`HawcxAuthMiddleware`
    already found for this request; with explicit ``tokens`` it always verifies afresh.
    """
    if tokens is None:
        claims = getattr(request, "hawcx_user", _UNSET)
        if isinstance(claims, dict):
            return claims
        error = getattr(request, "hawcx_auth_error", None)
        if claims is None and isinstance(error, JWTVerificationError):
            return unauthorized(error)
    token = _webauth.bearer_token(request.headers.get("Authorization"))
    if token is None:
        return unauthorized(None)
    try:
        verified = _webauth.verify(token, tokens)
    except JWTVerificationError as exc:
        return unauthorized(exc)
    setattr(request, "hawcx_user", verified)
    return verified


def _decorate(view: V, tokens: TokenSource) -> V:
    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            outcome = authenticate(request, tokens)
            if isinstance(outcome, HttpResponse):
                return outcome
            return await view(request, *args, **kwargs)

        return cast(V, async_wrapper)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        outcome = authenticate(request, tokens)
        if isinstance(outcome, HttpResponse):
            return outcome
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


@overload
def require_auth(view: V) -> V: ...
@overload
def require_auth(view: None = None, *, tokens: TokenSource = None) -> Callable[[V], V]: ...


def require_auth(
    view: Optional[V] = None, *, tokens: TokenSource = None
) -> Union[V, Callable[[V], V]]:
    """View decorator: the view runs only with a valid ``Authorization: Bearer`` session
    token; the verified claims are in ``request.hawcx_user``.

    Use it bare (``@require_auth``) or with a token source (``@require_auth(tokens=...)``);
    works on ``async def`` views too. A missing ``SESSION_SECRET`` is a server error (the
    exception propagates), not a 401.
    """
    if view is not None:
        return _decorate(view, tokens)

    def decorator(f: V) -> V:
        return _decorate(f, tokens)

    return decorator


class HawcxAuthMiddleware:
    """Sets ``request.hawcx_user`` on every request: the verified claims of its bearer
    token, or ``None`` (no token, or a refused one; then ``request.hawcx_auth_error`` holds
    the :class:`JWTVerificationError`). It refuses nothing itself: protect views with
    :func:`require_auth`, which reuses its result.

    Subclass it and set ``tokens`` to verify with something other than
    ``SessionTokens.from_env()``.
    """

    tokens: TokenSource = None

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        claims: Optional[Dict[str, Any]] = None
        error: Optional[JWTVerificationError] = None
        token = _webauth.bearer_token(request.headers.get("Authorization"))
        if token is not None:
            try:
                claims = _webauth.verify(token, type(self).tokens)
            except JWTVerificationError as exc:
                error = exc
        setattr(request, "hawcx_user", claims)
        setattr(request, "hawcx_auth_error", error)
        return self.get_response(request)
