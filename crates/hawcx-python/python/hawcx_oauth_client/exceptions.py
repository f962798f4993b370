"""Exception classes of hawcx_oauth_client.

The classes and their attributes are those of the official package (1.0 names, plus the
2.0 classes), so existing ``except`` clauses keep working. Every exception also carries:

- ``code``: a stable machine-readable string (``jwt.expired``, ``exchange.invalid_grant``,
  ... listed in docs/ERRORS.md), the same in Rust, Python, HTTP JSON and CLI output;
- ``kind``: the failure class (``InvalidToken``, ``Expired``, ``Network``, ...), enough to
  choose an HTTP status or a retry.

Messages never contain tokens, keys, OTPs or secrets.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

__all__ = [
    "HawcxError",
    "HawcxOAuthError",
    "OAuthExchangeError",
    "JWTVerificationError",
    "InvalidPublicKeyError",
    "InvalidArgumentError",
    "DiscoveryError",
    "TokenExchangeError",
    "TokenVerificationError",
    "DelegationError",
    "DelegationCryptoError",
    "DelegationRequestError",
    "DelegationResponseError",
    "ResponseSignatureError",
    "TokenError",
]


def _with_status(message: str, status_code: Optional[int]) -> str:
    suffix = f"(HTTP {status_code})"
    if status_code and not message.endswith(suffix):
        return f"{message} {suffix}"
    return message


class HawcxError(Exception):
    """Root of every exception this package raises (2.0's canonical name)."""

    code: str = "hawcx.error"
    kind: Optional[str] = None

    def __init__(
        self,
        message: str = "",
        *,
        error: Optional[str] = None,
        error_description: Optional[str] = None,
        code: Optional[str] = None,
        kind: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.error_description = error_description
        if code is not None:
            self.code = code
        if kind is not None:
            self.kind = kind

    def __reduce__(self) -> Any:
        # Pickle (multiprocessing, Celery) with the attributes, not just the message.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: "type[HawcxError]", args: "tuple[Any, ...]", state: Dict[str, Any]
) -> "HawcxError":
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class HawcxOAuthError(HawcxError):
    """Base class of the 1.0 API's exceptions (every class here derives from it)."""


class OAuthExchangeError(HawcxOAuthError):
    """The code exchange failed: network, a refusal by the token endpoint, or an unusable
    reply. ``status_code`` and ``response_body`` (the parsed JSON body, tokens redacted)
    are set when the server answered."""

    code = "exchange.error"

    def __init__(
        self,
        message: str,
        status_code: Optional[int] = None,
        response_body: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.response_body = response_body

    def __str__(self) -> str:
        return _with_status(super().__str__(), self.status_code)


class TokenError(Exception):
    """The specific token failure behind a ``JWTVerificationError`` (its
    ``original_error``), with the same ``code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class JWTVerificationError(HawcxOAuthError):
    """A token failed verification: malformed, bad signature, expired, wrong audience or
    issuer, not yet valid. ``original_error`` describes the specific failure."""

    code = "jws.invalid"

    def __init__(
        self, message: str, original_error: Optional[BaseException] = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.original_error = original_error


class InvalidPublicKeyError(HawcxOAuthError):
    """The configured key is unusable (bad PEM, unreadable file, weak key, short HMAC
    secret) or the JWKS could not be fetched. An operator must fix configuration."""

    code = "config.invalid_key"


class InvalidArgumentError(HawcxOAuthError, ValueError):
    """An argument is invalid (e.g. an unknown MFA method); nothing was sent."""

    code = "usage.invalid_input"


class DiscoveryError(HawcxOAuthError):
    """OIDC discovery failed or its document was refused (2.0 ``HawcxOAuth``)."""

    code = "discovery.error"


class TokenExchangeError(HawcxOAuthError):
    """The code exchange failed (2.0 ``HawcxOAuth``). ``error`` holds the OAuth error
    code (e.g. ``invalid_grant``) when the server sent one."""

    code = "exchange.error"

    def __init__(self, message: str, status_code: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code


class TokenVerificationError(HawcxOAuthError):
    """An id_token failed verification (2.0 ``HawcxOAuth``)."""

    code = "jws.invalid"


class DelegationError(HawcxOAuthError):
    """Base class of the delegation (MFA/device management) exceptions."""

    code = "delegation.error"


class DelegationCryptoError(DelegationError):
    """A delegation key could not be loaded or a crypto operation failed."""

    code = "delegation.crypto"


class DelegationRequestError(DelegationError):
    """The request failed or Hawcx refused it; ``status_code`` and ``response_body`` (an
    excerpt of the reply) are set when it answered."""

    code = "delegation.request"

    def __init__(
        self,
        message: str,
        status_code: Optional[int] = None,
        response_body: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.response_body = response_body

    def __str__(self) -> str:
        return _with_status(super().__str__(), self.status_code)


class DelegationResponseError(DelegationError):
    """Hawcx's reply was unsigned, badly signed, stale or undecryptable: not trusted."""

    code = "delegation.response"


class ResponseSignatureError(DelegationResponseError):
    """A management reply's ``X-Response-Signature`` was rejected."""

    code = "management.response_signature"


# The class each code is raised as, per calling API (docs/ERRORS.md). Codes are matched
# by full name first, then by their prefix before the dot.
_V1: Dict[str, "type[HawcxError]"] = {
    "jose.invalid_key": InvalidPublicKeyError,
    "config.invalid_key": InvalidPublicKeyError,
    "config.missing": HawcxOAuthError,
    "usage.invalid_input": OAuthExchangeError,
    "jws": JWTVerificationError,
    "jwt": JWTVerificationError,
    "jose": JWTVerificationError,
    "jwks": InvalidPublicKeyError,
    "exchange": OAuthExchangeError,
    "discovery": DiscoveryError,
}
_OAUTH: Dict[str, "type[HawcxError]"] = {
    "jose.invalid_key": InvalidPublicKeyError,
    "config.invalid_key": InvalidPublicKeyError,
    "usage.invalid_input": TokenExchangeError,
    "jws": TokenVerificationError,
    "jwt": TokenVerificationError,
    "jose": TokenVerificationError,
    "jwks": TokenVerificationError,
    "exchange": TokenExchangeError,
    "discovery": DiscoveryError,
}
_DELEGATION: Dict[str, "type[HawcxError]"] = {
    "delegation.invalid_argument": InvalidArgumentError,
    "management.invalid_argument": InvalidArgumentError,
    "delegation.crypto": DelegationCryptoError,
    "config.missing": DelegationError,
    "delegation.unsafe_url": DelegationRequestError,
    "delegation.network": DelegationRequestError,
    "delegation.request": DelegationRequestError,
    "management.response_signature": ResponseSignatureError,
    "management.response": DelegationResponseError,
    "management": DelegationRequestError,
    "delegation": DelegationResponseError,
}
_SESSION: Dict[str, "type[HawcxError]"] = {
    "jose.invalid_key": InvalidPublicKeyError,
    "jws": JWTVerificationError,
    "jwt": JWTVerificationError,
    "jose": JWTVerificationError,
}
_TABLES: Dict[str, Dict[str, "type[HawcxError]"]] = {
    "v1": _V1,
    "oauth": _OAUTH,
    "delegation": _DELEGATION,
    "stepup": _DELEGATION,
    "session": _SESSION,
}


def _class_for(surface: str, code: str) -> "type[HawcxError]":
    table: Dict[str, "type[HawcxError]"] = _TABLES.get(surface, _V1)
    return table.get(code) or table.get(code.split(".", 1)[0]) or HawcxOAuthError


def _from_native(info: Dict[str, Any]) -> HawcxError:
    """Builds the exception for a failure reported by the Rust core (called from Rust)."""
    code: str = info["code"]
    cls = _class_for(info["surface"], code)
    message: str = info["message"]
    status = info.get("status")
    common = {
        "code": code,
        "kind": info.get("kind"),
        "error": info.get("error"),
        "error_description": info.get("error_description"),
    }
    if cls is OAuthExchangeError or issubclass(cls, OAuthExchangeError):
        body = info.get("body_json")
        parsed = None
        if body is not None:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        return OAuthExchangeError(message, status, parsed, **common)
    if issubclass(cls, JWTVerificationError):
        return cls(message, TokenError(message, code), **common)
    if issubclass(cls, TokenExchangeError):
        return cls(message, status, **common)
    if issubclass(cls, DelegationRequestError):
        return cls(message, status, info.get("body_text"), **common)
    exc = cls(message, **common)
    if status is not None:
        exc.status_code = status  # type: ignore[attr-defined]
    return exc
