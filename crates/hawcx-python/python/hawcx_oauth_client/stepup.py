"""2.0's step-up and management clients (``StepUpClient``, and the ``Hawcx`` facade).

    client = StepUpClient.with_private_key_jwt(
        oidc_signing_key=pem, kid=kid, client_id=client_id, base_url=url, config_id=config_id)
    started = client.start_token(user_id=email, purpose="change_mfa_method",
                                 new_mfa_method="sms_otp")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

from . import _native

__all__ = ["StepUpClient", "StepUpStartTokenResponse", "StepUpConsumeResponse", "Hawcx"]


@dataclass
class StepUpStartTokenResponse:
    start_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"StepUpStartTokenResponse(start_token=[redacted], expires_in={self.expires_in})"


@dataclass
class StepUpConsumeResponse:
    ok: bool


def _pem(key: Union[str, bytes]) -> str:
    return key.decode() if isinstance(key, bytes) else key


class StepUpClient:
    """Management endpoints (``/v1/management/*``): step-up start/consume and user
    policy. Replies are verified before they are returned. Thread-safe."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def _call(self, op: str, *args: Optional[str], payload: Optional[Dict[str, Any]] = None) -> Any:
        return self._native.call(op, list(args), payload)

    @classmethod
    def with_private_key_jwt(
        cls,
        *,
        oidc_signing_key: Union[str, bytes],
        kid: str,
        client_id: str,
        base_url: str,
        config_id: str,
        api_prefix: Optional[str] = None,
        relying_party: Optional[str] = None,
        timeout_seconds: float = 15.0,
        jwks_url: Optional[str] = None,
    ) -> "StepUpClient":
        """JWT-bearer authentication with the client's Ed25519 key (PKCS#8 PEM)."""
        return cls(
            _native.StepUp.with_private_key_jwt(
                _pem(oidc_signing_key), kid, client_id, base_url, config_id, api_prefix,
                relying_party, float(timeout_seconds), jwks_url,
            )
        )

    @classmethod
    def from_secret_key(
        cls,
        *,
        secret_key: str,
        base_url: str,
        relying_party: Optional[str] = None,
        api_key: Optional[str] = None,
        config_id: Optional[str] = None,
    ) -> "StepUpClient":
        """The ECIES transport from a ``hwx_sk_v1_…`` credential blob."""
        return cls(_native.StepUp.from_secret_key(secret_key, base_url, config_id, api_key, relying_party))

    def management_request(self, *, endpoint: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self._call("management_request", endpoint, payload=payload)  # type: ignore[no-any-return]

    def start_token(
        self,
        *,
        user_id: str,
        purpose: str,
        new_mfa_method: Optional[str] = None,
        new_phone_number: Optional[str] = None,
    ) -> StepUpStartTokenResponse:
        reply = self._call("start_token", user_id, purpose, new_mfa_method, new_phone_number)
        return StepUpStartTokenResponse(reply["start_token"], int(reply["expires_in"]))

    def consume_receipt(self, *, receipt: str) -> StepUpConsumeResponse:
        return StepUpConsumeResponse(bool(self._call("consume_receipt", receipt)["ok"]))

    def close(self) -> None:
        """Nothing to release (connections are pooled by the core); kept for 2.0 code."""

    def __enter__(self) -> "StepUpClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Hawcx:
    """2.0's facade: a config id and a credential blob, over the ECIES transport."""

    def __init__(self, *, config_id: str, secret_key: str, base_url: str) -> None:
        for name, value in (("config_id", config_id), ("secret_key", secret_key), ("base_url", base_url)):
            if not value:
                raise ValueError(f"{name} is required")
        self.client = StepUpClient.from_secret_key(
            secret_key=secret_key, base_url=base_url, api_key=config_id, config_id=config_id,
        )

    def start_step_up(
        self,
        *,
        user_id: str,
        purpose: str,
        new_mfa_method: Optional[str] = None,
        new_phone_number: Optional[str] = None,
    ) -> StepUpStartTokenResponse:
        return self.client.start_token(
            user_id=user_id, purpose=purpose, new_mfa_method=new_mfa_method,
            new_phone_number=new_phone_number,
        )

    def consume_step_up(self, *, receipt: str) -> StepUpConsumeResponse:
        return self.client.consume_receipt(receipt=receipt)

    def management(self, endpoint: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self.client.management_request(endpoint=endpoint, payload=payload)
