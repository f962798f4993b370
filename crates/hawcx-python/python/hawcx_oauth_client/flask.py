"""Flask helpers: protect views with the app's session tokens.

Needs Flask (``pip install flask``); importing this module without it raises
``ImportError``. Tokens are verified with
:class:`~hawcx_oauth_client.sessions.SessionTokens`, by default
``SessionTokens.from_env()`` (``SESSION_SECRET`` and friends), built on first use.

Example::

    from flask import Flask, g, jsonify
    from hawcx_oauth_client.flask import issue_session_token, require_auth

    app = Flask(__name__)

    @app.post("/api/auth/hawcx/callback")
    def callback():
        claims = exchange_code_for_claims(...)
        return jsonify(sessionToken=issue_session_token({"sub": claims["sub"], "email": claims["email"]}))

    @app.get("/api/me")
    @require_auth
    def me():
        return jsonify(g.user)          # also request.user

A refused request gets ``401`` with ``{"error": "..."}`` (plus ``"code"``, the stable
error code, when a token was sent and refused) and a ``WWW-Authenticate: Bearer`` header.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, Union, cast, overload

try:
    from flask import Response, g, jsonify, request
except ImportError as exc:  # pragma: no cover - exercised without Flask installed
    raise ImportError(
        "hawcx_oauth_client.flask needs Flask: pip install flask"
    ) from exc

from hawcx_oauth_client import JWTVerificationError
from hawcx_oauth_client import _webauth
from hawcx_oauth_client._webauth import TokenSource

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["TokenSource", "current_claims", "issue_session_token", "require_auth", "unauthorized"]


def issue_session_token(claims: Mapping[str, Any], *, tokens: TokenSource = None) -> str:
    """Signs ``claims`` (``iat``/``exp`` added) with ``SessionTokens.from_env()``, or ``tokens``.

    >>> token = issue_session_token({"sub": "user-1", "email": "a@example.com"})  # doctest: +SKIP
    """
    return _webauth.issue_session_token(claims, tokens)


def unauthorized(exc: Optional[BaseException] = None) -> Response:
    """The 401 response ``require_auth`` answers: JSON ``{"error": ...}`` and a Bearer challenge."""
    response = jsonify(_webauth.failure_body(exc))
    response.status_code = 401
    response.headers["WWW-Authenticate"] = _webauth.www_authenticate(exc)
    return response


def current_claims() -> Optional[Dict[str, Any]]:
    """The claims ``require_auth`` verified for this request (``g.user``), or ``None``."""
    claims = g.get("user")
    return cast(Optional[Dict[str, Any]], claims)


def _authenticate(tokens: TokenSource) -> Optional[Response]:
    token = _webauth.bearer_token(request.headers.get("Authorization"))
    if token is None:
        return unauthorized(None)
    try:
        claims = _webauth.verify(token, tokens)
    except JWTVerificationError as exc:
        return unauthorized(exc)
    g.user = claims
    # The guide's decorator sets request.user; so does this one (the proxy forwards it).
    setattr(request, "user", claims)
    return None


def _decorate(view: F, tokens: TokenSource) -> F:
    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            refused = _authenticate(tokens)
            if refused is not None:
                return refused
            return await view(*args, **kwargs)

        return cast(F, async_wrapper)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refused = _authenticate(tokens)
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    return cast(F, wrapper)


@overload
def require_auth(view: F) -> F: ...
@overload
def require_auth(view: None = None, *, tokens: TokenSource = None) -> Callable[[F], F]: ...


def require_auth(
    view: Optional[F] = None, *, tokens: TokenSource = None
) -> Union[F, Callable[[F], F]]:
    """Decorator: the view runs only with a valid ``Authorization: Bearer`` session token.

    The verified claims are in ``flask.g.user`` and ``request.user``. Use it bare
    (``@require_auth``) or with a token source (``@require_auth(tokens=my_tokens)``).
    Works on ``async def`` views too. A missing ``SESSION_SECRET`` is a server error
    (the exception propagates), not a 401.
    """
    if view is not None:
        return _decorate(view, tokens)

    def decorator(f: F) -> F:
        return _decorate(f, tokens)

    return decorator
