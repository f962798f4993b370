"""1.0's FAPI-style client authentication: a ``private_key_jwt`` assertion bound to a
fresh DPoP key (``cnf.jkt``) and the DPoP proof for the token request."""

from __future__ import annotations

from dataclasses import dataclass

from . import _native

__all__ = ["AssertionResult", "build_assertion_and_dpop"]


@dataclass(frozen=True)
class AssertionResult:
    client_assertion: str
    client_assertion_type: str
    dpop_proof: str

    def __repr__(self) -> str:
        return "AssertionResult(client_assertion=[redacted], dpop_proof=[redacted])"


def build_assertion_and_dpop(
    token_url: str,
    client_id: str,
    signing_key_pem: str,
    algorithm: str = "ES256",
    ttl: int = 120,
) -> AssertionResult:
    """Signs the assertion (audience ``token_url``) with ``signing_key_pem`` (PKCS#8) and
    a DPoP proof (``htm=POST``, ``htu=token_url``) with a new key of the same algorithm."""
    assertion, proof = _native.build_assertion_and_dpop(
        token_url, client_id, signing_key_pem, algorithm, int(ttl)
    )
    return AssertionResult(
        assertion, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", proof
    )
