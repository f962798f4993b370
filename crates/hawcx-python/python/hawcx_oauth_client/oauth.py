"""2.0's relying-party client: OIDC discovery, PKCE code exchange, id_token checks and
``private_key_jwt`` client authentication.

    oauth = HawcxOAuth.from_issuer(issuer, config_id, client_id)
    result = oauth.exchange_code(code, code_verifier, redirect_uri=..., expected_nonce=nonce)
    result.claims["sub"]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

from . import _native
from .exceptions import DiscoveryError, TokenExchangeError, TokenVerificationError

__all__ = [
    "CLIENT_ASSERTION_TYPE",
    "ClientAssertionSigner",
    "ExchangeResult",
    "HawcxOAuth",
    "DiscoveryError",
    "TokenExchangeError",
    "TokenVerificationError",
]

#: RFC 7523's client assertion type.
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class ExchangeResult:
    """A verified id_token and its claims."""

    id_token: str
    claims: Dict[str, Any]

    def __repr__(self) -> str:
        return f"ExchangeResult(sub={self.claims.get('sub')!r}, id_token=[redacted])"


class ClientAssertionSigner:
    """Signs RFC 7523 ``private_key_jwt`` client assertions with an Ed25519 key."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def ed25519_from_jwk(cls, private_jwk: Union[Dict[str, Any], str]) -> "ClientAssertionSigner":
        text = private_jwk if isinstance(private_jwk, str) else json.dumps(private_jwk)
        return cls(_native.AssertionSigner.from_jwk(text))

    @classmethod
    def ed25519_from_pem(cls, pkcs8_pem: Union[str, bytes], kid: str) -> "ClientAssertionSigner":
        pem = pkcs8_pem.decode() if isinstance(pkcs8_pem, bytes) else pkcs8_pem
        return cls(_native.AssertionSigner.from_pem(pem, kid))

    def with_lifetime_seconds(self, seconds: int) -> "ClientAssertionSigner":
        return ClientAssertionSigner(self._native.with_lifetime(float(seconds)))

    @property
    def kid(self) -> str:
        return str(self._native.kid)

    def sign(self, client_id: str, audience: str) -> str:
        """A fresh assertion (``iss`` = ``sub`` = client_id, unique ``jti``)."""
        return str(self._native.sign(client_id, audience))

    def __repr__(self) -> str:
        return f"ClientAssertionSigner(kid={self.kid!r})"


class HawcxOAuth:
    """A discovered Hawcx provider for one client. Thread-safe."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def from_issuer(
        cls,
        issuer: str,
        config_id: str,
        client_id: str,
        *,
        timeout_seconds: float = 10,
        discovery_timeout_seconds: float = 5,
        clock_tolerance_seconds: float = 60,
    ) -> "HawcxOAuth":
        """Fetches ``{issuer}/.well-known/openid-configuration`` and checks it (issuer
        match, https endpoints, a supported id_token algorithm)."""
        _check_args(issuer, config_id, client_id, clock_tolerance_seconds)
        return cls(
            _native.OAuthClient.discover(
                issuer, config_id, client_id, float(timeout_seconds),
                float(discovery_timeout_seconds), float(clock_tolerance_seconds),
            )
        )

    @property
    def discovery_metadata(self) -> Dict[str, Any]:
        return self._native.discovery_metadata  # type: ignore[no-any-return]

    def with_client_assertion(self, signer: ClientAssertionSigner) -> "HawcxOAuth":
        """Authenticates the exchange with ``private_key_jwt``; returns ``self``."""
        self._native.set_client_assertion(signer._native)
        return self

    def refresh_jwks(self) -> None:
        """Drops the cached key set; the next verification fetches it again."""
        self._native.refresh_jwks()

    def exchange_code(
        self,
        code: str,
        code_verifier: str,
        redirect_uri: Optional[str] = None,
        expected_nonce: Optional[str] = None,
    ) -> ExchangeResult:
        id_token, claims = self._native.exchange_code(code, code_verifier, redirect_uri, expected_nonce)
        return ExchangeResult(id_token, claims)

    def verify_token(self, token: str, *, nonce: Optional[str] = None) -> Dict[str, Any]:
        return self._native.verify_token(token, nonce)  # type: ignore[no-any-return]


def _check_args(issuer: str, config_id: str, client_id: str, tolerance: float) -> None:
    for name, value in (("issuer", issuer), ("config_id", config_id), ("client_id", client_id)):
        if not value:
            raise ValueError(f"{name} is required")
    if tolerance < 0:
        raise ValueError("clock_tolerance_seconds must be >= 0")
