"""FastAPI helpers: a dependency that verifies the app's session tokens.

Needs FastAPI (``pip install fastapi``); importing this module without it raises
``ImportError``. Tokens are verified with
:class:`~hawcx_oauth_client.sessions.SessionTokens`, by default
``SessionTokens.from_env()`` (``SESSION_SECRET`` and friends), built on first use.

Example::

    from typing import Any
    from fastapi import Depends, FastAPI
    from hawcx_oauth_client.fastapi import CurrentUser, issue_session_token, require_auth

    app = FastAPI()

    @app.get("/api/me")
    def me(user: CurrentUser) -> dict[str, Any]:          # Annotated[..., Depends(HawcxAuth())]
        return user

    @app.get("/api/admin")
    def admin(user: dict[str, Any] = Depends(require_auth())) -> dict[str, Any]:
        return user

A refused request gets ``401`` (``HTTPException``, so ``{"detail": {"error": ...}}``)
with a ``WWW-Authenticate: Bearer`` header. The dependency is an ``HTTPBearer`` security
scheme, so it shows in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

try:
    from fastapi import Depends, HTTPException, Request, status
    from fastapi.security import HTTPBearer
except ImportError as exc:  # pragma: no cover - exercised without FastAPI installed
    raise ImportError(
        "hawcx_oauth_client.fastapi needs FastAPI: pip install fastapi"
    ) from exc

from typing_extensions import Annotated

from hawcx_oauth_client import JWTVerificationError
from hawcx_oauth_client import _webauth
from hawcx_oauth_client._webauth import TokenSource

__all__ = [
    "CurrentUser",
    "HawcxAuth",
    "TokenSource",
    "issue_session_token",
    "require_auth",
    "unauthorized",
]


def issue_session_token(claims: Mapping[str, Any], *, tokens: TokenSource = None) -> str:
    """Signs ``claims`` (``iat``/``exp`` added) with ``SessionTokens.from_env()``, or ``tokens``."""
    return _webauth.issue_session_token(claims, tokens)


def unauthorized(exc: Optional[BaseException] = None) -> HTTPException:
    """The 401 ``HTTPException`` the dependency raises (detail ``{"error": ...}``)."""
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=_webauth.failure_body(exc),
        headers={"WWW-Authenticate": _webauth.www_authenticate(exc)},
    )


class HawcxAuth(HTTPBearer):
    """Dependency: the verified claims of the request's ``Authorization: Bearer`` session
    token (also stored in ``request.state.user``), or a 401.

    ``HawcxAuth(tokens=...)`` verifies with another ``SessionTokens`` (an instance or a
    zero-argument callable); a missing ``SESSION_SECRET`` is a server error, not a 401.
    """

    def __init__(
        self,
        *,
        tokens: TokenSource = None,
        scheme_name: Optional[str] = "HawcxSession",
        description: Optional[str] = "A session token issued by this app (HS256 JWT).",
    ) -> None:
        super().__init__(
            bearerFormat="JWT",
            scheme_name=scheme_name,
            description=description,
            auto_error=False,
        )
        self.tokens = tokens

    async def __call__(self, request: Request) -> Dict[str, Any]:  # type: ignore[override]
        token = _webauth.bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise unauthorized(None)
        try:
            claims = _webauth.verify(token, self.tokens)
        except JWTVerificationError as exc:
            raise unauthorized(exc) from None
        request.state.user = claims
        return claims


def require_auth(*, tokens: TokenSource = None) -> HawcxAuth:
    """A :class:`HawcxAuth` dependency: ``Depends(require_auth())``."""
    return HawcxAuth(tokens=tokens)


#: ``user: CurrentUser`` in a path operation: the verified claims (from the environment's
#: ``SessionTokens``).
CurrentUser = Annotated[Dict[str, Any], Depends(HawcxAuth())]
