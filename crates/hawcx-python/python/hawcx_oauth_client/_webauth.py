"""Shared, framework-free parts of the ``flask``, ``django`` and ``fastapi`` helpers:
reading the bearer token, choosing the :class:`~hawcx_oauth_client.sessions.SessionTokens`
to verify with, and turning a verification failure into a 401 body.

Nothing here reads the environment at import time. The only module-level state is one
lazily built ``SessionTokens.from_env()`` instance, cached together with the values of
the variables it was built from and rebuilt when any of them changes (so a rotated
``SESSION_SECRET`` takes effect without a restart, and its grace period starts then).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

from hawcx_oauth_client import JWTVerificationError
from hawcx_oauth_client.sessions import SessionTokens

#: What a helper accepts as its ``tokens=`` argument: an instance, a zero-argument
#: callable returning one (called per request), or ``None`` for
#: ``SessionTokens.from_env()``.
TokenSource = Union[SessionTokens, Callable[[], SessionTokens], None]

#: The variables ``SessionTokens.from_env()`` reads; the cache key.
ENV_VARS: Tuple[str, ...] = (
    "SESSION_SECRET",
    "SESSION_SECRET_PREVIOUS",
    "SESSION_SECRET_PREVIOUS_GRACE_SECONDS",
    "SESSION_TTL_SECONDS",
)


class _EnvTokensCache:
    """One ``SessionTokens.from_env()`` instance, keyed by the values it was built from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Optional[Tuple[Optional[str], ...]] = None
        self._tokens: Optional[SessionTokens] = None

    def get(self) -> SessionTokens:
        key = tuple(os.environ.get(name) for name in ENV_VARS)
        with self._lock:
            if self._tokens is None or key != self._key:
                # Raises (a configuration error, not a 401) when SESSION_SECRET is unset.
                self._tokens = SessionTokens.from_env()
                self._key = key
            return self._tokens

    def clear(self) -> None:
        with self._lock:
            self._key = None
            self._tokens = None


_ENV_TOKENS = _EnvTokensCache()


def env_session_tokens() -> SessionTokens:
    """``SessionTokens.from_env()``, built on first use and cached per configuration."""
    return _ENV_TOKENS.get()


def resolve(tokens: TokenSource) -> SessionTokens:
    if tokens is None:
        return env_session_tokens()
    if isinstance(tokens, SessionTokens):
        return tokens
    return tokens()


def issue_session_token(claims: Mapping[str, Any], tokens: TokenSource = None) -> str:
    return resolve(tokens).issue(dict(claims))


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive),
    or ``None`` when the header is absent, empty or of another scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def error_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) and code else "jwt.invalid"


MISSING_MESSAGE = "Missing authorization token"


def failure_message(exc: BaseException) -> str:
    return "Token expired" if error_code(exc) == "jwt.expired" else "Invalid token"


def failure_body(exc: Optional[BaseException]) -> Dict[str, str]:
    """The JSON body of a 401: ``{"error": message}``, plus ``"code"`` (the exception's
    stable code) when a token was present but refused."""
    if exc is None:
        return {"error": MISSING_MESSAGE}
    return {"error": failure_message(exc), "code": error_code(exc)}


def www_authenticate(exc: Optional[BaseException]) -> str:
    """The RFC 6750 challenge: bare ``Bearer`` without a token, ``invalid_token`` with one."""
    if exc is None:
        return "Bearer"
    return f'Bearer error="invalid_token", error_description="{failure_message(exc)}"'


def verify(token: str, tokens: TokenSource) -> Dict[str, Any]:
    """Verifies a session token; raises :class:`JWTVerificationError` when refused."""
    return resolve(tokens).verify(token)


__all__ = [
    "ENV_VARS",
    "JWTVerificationError",
    "TokenSource",
    "bearer_token",
    "env_session_tokens",
    "failure_body",
    "issue_session_token",
    "resolve",
    "verify",
    "www_authenticate",
]
