"""Application session tokens: the guide's ``generate_session_token`` /
``verify_session_token`` without hand-written PyJWT code.

HS256 JWTs signed with ``SESSION_SECRET``. After a rotation, keep the old secret in
``SESSION_SECRET_PREVIOUS``: tokens it signed still verify for a grace period (default:
the session lifetime, counted from when this object is created), so nobody is logged out.

    tokens = SessionTokens.from_env()
    token = tokens.issue({"userId": user.id, "email": user.email})
    claims = tokens.verify(token)   # raises JWTVerificationError (.code says why)
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _native
from .exceptions import JWTVerificationError

__all__ = ["SessionTokens", "DEFAULT_TTL_SECONDS"]

#: The guide's session lifetime: seven days.
DEFAULT_TTL_SECONDS = 7 * 24 * 3600

Secret = Union[str, bytes]


def _bytes(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def _kid(secret: bytes) -> str:
    # A public, stable id per secret (a truncated hash: it reveals nothing usable).
    return hashlib.sha256(b"hawcx-session-kid\0" + secret).hexdigest()[:16]


class SessionTokens:
    """Issues and verifies session tokens; the secrets never appear in ``repr``."""

    def __init__(
        self,
        secret: Secret,
        *,
        ttl: int = DEFAULT_TTL_SECONDS,
        previous_secret: Optional[Secret] = None,
        grace_period: Optional[int] = None,
        issuer: Optional[str] = None,
    ) -> None:
        current = _bytes(secret)
        self.ttl = int(ttl)
        self.issuer = issuer
        # Tokens name their secret by `kid` (PyJWT's jwt.decode ignores it, as the guide's
        # code needs); a token without one, e.g. minted by that code, still verifies.
        self._current = _native.SessionTokens([(_kid(current), current)], self.ttl, issuer)
        self._rotating: Optional[_native.SessionTokens] = None
        self._previous: Optional[_native.SessionTokens] = None
        self._previous_until = 0.0
        if previous_secret:
            previous = _bytes(previous_secret)
            self._previous = _native.SessionTokens([(_kid(previous), previous)], self.ttl, issuer)
            pairs: List[Tuple[Optional[str], bytes]] = [
                (_kid(current), current),
                (_kid(previous), previous),
            ]
            self._rotating = _native.SessionTokens(pairs, self.ttl, issuer)
            grace = self.ttl if grace_period is None else int(grace_period)
            self._previous_until = time.monotonic() + grace

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "SessionTokens":
        """Reads ``SESSION_SECRET`` (required), ``SESSION_SECRET_PREVIOUS``,
        ``SESSION_SECRET_PREVIOUS_GRACE_SECONDS`` and ``SESSION_TTL_SECONDS``."""
        env = os.environ if environ is None else environ
        secret = env.get("SESSION_SECRET")
        if not secret:
            from .exceptions import InvalidPublicKeyError

            raise InvalidPublicKeyError(
                "SESSION_SECRET is not set; generate one with: "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"',
                code="config.missing",
                kind="Configuration",
            )
        grace = env.get("SESSION_SECRET_PREVIOUS_GRACE_SECONDS")
        return cls(
            secret,
            ttl=int(env.get("SESSION_TTL_SECONDS") or DEFAULT_TTL_SECONDS),
            previous_secret=env.get("SESSION_SECRET_PREVIOUS") or None,
            grace_period=int(grace) if grace else None,
        )

    def _in_grace(self) -> bool:
        return self._rotating is not None and time.monotonic() < self._previous_until

    def issue(self, claims: Mapping[str, Any]) -> str:
        """Signs ``claims`` plus ``iat`` and ``exp`` (now + ttl) with the current secret;
        the header's ``kid`` names it."""
        return self._current.issue(dict(claims))

    def verify(self, token: str) -> Dict[str, Any]:
        """The claims of a valid token; ``JWTVerificationError`` otherwise."""
        if self._rotating is None or self._previous is None or not self._in_grace():
            return self._current.verify(token)
        try:
            return self._rotating.verify(token)  # tokens issued since the rotation: by kid
        except JWTVerificationError as e:
            if e.code != "jws.ambiguous_key":
                raise
        # A token from before the rotation carries no kid: it is one of our two secrets'.
        try:
            return self._current.verify(token)
        except JWTVerificationError as e:
            if e.code != "jws.bad_signature":
                raise
        return self._previous.verify(token)

    def __repr__(self) -> str:
        return f"SessionTokens(ttl={self.ttl}, issuer={self.issuer!r}, rotating={self._in_grace()})"
