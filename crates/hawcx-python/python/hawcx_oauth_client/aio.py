"""Awaitable twins of every network call, for FastAPI and other asyncio apps.

The calls run on the Rust runtime, never blocking the event loop; cancelling the awaiting
task cancels the HTTP request. Same arguments, results and exceptions as the blocking API::

    from hawcx_oauth_client import aio

    claims = await aio.exchange_code_for_claims(code=code, oauth_token_url=..., client_id=...)
    client = aio.HawcxDelegationClient.from_env()
    result = await client.initiate_mfa_change(userid=email, mfa_method="email")
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union, cast

from . import _native
from . import delegation as _delegation
from . import oauth as _oauth
from . import stepup as _stepup
from . import KeyInput

__all__ = [
    "exchange_code_for_claims",
    "exchange_code_for_token_and_claims",
    "verify_jwt",
    "HawcxDelegationClient",
    "DelegationTransport",
    "build_transport_from_keys",
    "build_transport_from_secret_key",
    "HawcxOAuth",
    "StepUpClient",
    "Hawcx",
]


async def exchange_code_for_claims(
    code: Optional[str],
    oauth_token_url: Optional[str],
    client_id: Optional[str],
    public_key: Optional[KeyInput] = None,
    api_key: Optional[str] = None,
    jwks_url: Optional[str] = None,
    code_verifier: Optional[str] = None,
    redirect_uri: Optional[str] = None,
    timeout: float = 20,
    audience: Optional[str] = None,
    issuer: Optional[str] = None,
    verify_exp: bool = True,
    leeway: float = 0,
    algorithms: Optional[List[str]] = None,
    client_assertion: Optional[str] = None,
    client_assertion_type: Optional[str] = None,
    bearer_token: Optional[str] = None,
    nonce: Optional[str] = None,
) -> Dict[str, Any]:
    """See ``hawcx_oauth_client.exchange_code_for_claims``."""
    call = _native.prepare_exchange(**locals())
    return cast(Dict[str, Any], await call.run_async(False))


async def exchange_code_for_token_and_claims(
    code: Optional[str],
    oauth_token_url: Optional[str],
    client_id: Optional[str],
    public_key: Optional[KeyInput] = None,
    api_key: Optional[str] = None,
    jwks_url: Optional[str] = None,
    code_verifier: Optional[str] = None,
    redirect_uri: Optional[str] = None,
    timeout: float = 20,
    audience: Optional[str] = None,
    issuer: Optional[str] = None,
    verify_exp: bool = True,
    leeway: float = 0,
    algorithms: Optional[List[str]] = None,
    client_assertion: Optional[str] = None,
    client_assertion_type: Optional[str] = None,
    bearer_token: Optional[str] = None,
    nonce: Optional[str] = None,
) -> Tuple[Dict[str, Any], str]:
    """See ``hawcx_oauth_client.exchange_code_for_token_and_claims``."""
    call = _native.prepare_exchange(**locals())
    return cast(Tuple[Dict[str, Any], str], await call.run_async(True))


async def verify_jwt(
    token: str,
    public_key: Optional[KeyInput] = None,
    jwks_url: Optional[str] = None,
    audience: Optional[str] = None,
    issuer: Optional[str] = None,
    verify_exp: bool = True,
    leeway: float = 0,
    algorithms: Optional[List[str]] = None,
) -> Dict[str, Any]:
    """See ``hawcx_oauth_client.verify_jwt``; a cold JWKS is fetched without blocking."""
    return await _native.verify_jwt_async(
        token, public_key, jwks_url, audience, issuer, verify_exp, leeway, algorithms
    )


class HawcxDelegationClient(_delegation.HawcxDelegationClient):
    """The delegation client whose operations are coroutines (same arguments)."""

    async def _acall(self, op: str, *args: Optional[str]) -> Dict[str, Any]:
        return await self._native.call_async(op, list(args))

    async def initiate_mfa_change(  # type: ignore[override]
        self,
        userid: str,
        mfa_method: Union[str, _delegation.MfaMethod],
        phone_number: Optional[str] = None,
        mfa_change_to: Optional[Union[str, _delegation.MfaMethod]] = None,
    ) -> Dict[str, Any]:
        return await self._acall(
            "initiate_mfa_change", userid, _delegation._text(mfa_method), phone_number,
            _delegation._text(mfa_change_to),
        )

    async def verify_mfa_change(self, userid: str, session_id: str, otp: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("verify_mfa_change", userid, session_id, otp)

    async def get_user_credentials(self, userid: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("get_user_credentials", userid)

    async def list_user_devices(self, userid: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("list_user_devices", userid)

    async def revoke_device(self, userid: str, h2index: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("revoke_device", userid, h2index)

    async def unrevoke_device(self, userid: str, h2index: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("unrevoke_device", userid, h2index)

    async def delete_device(self, userid: str, h2index: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("delete_device", userid, h2index)

    async def set_suggested_mfa(self, userid: str, suggested_mfa: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("set_suggested_mfa", userid, suggested_mfa)

    async def get_suggested_mfa(self, userid: str) -> Dict[str, Any]:  # type: ignore[override]
        return await self._acall("get_suggested_mfa", userid)


class DelegationTransport(_delegation.DelegationTransport):
    """A delegation transport whose ``send`` is a coroutine."""

    async def send(self, endpoint: str, payload: Dict[str, Any]) -> Dict[str, Any]:  # type: ignore[override]
        return await self._native.send_async(endpoint, payload)


def build_transport_from_keys(
    *, base_url: str, keys: _delegation.DelegationKeyMaterial, api_key: Optional[str] = None,
    timeout_seconds: float = 15,
) -> DelegationTransport:
    """See ``hawcx_oauth_client.delegation.build_transport_from_keys``."""
    sync = _delegation.build_transport_from_keys(
        base_url=base_url, keys=keys, api_key=api_key, timeout_seconds=timeout_seconds)
    return DelegationTransport(sync._native)


def build_transport_from_secret_key(
    *, base_url: str, secret_key: str, api_key: Optional[str] = None,
    timeout_seconds: float = 15,
) -> DelegationTransport:
    """See ``hawcx_oauth_client.delegation.build_transport_from_secret_key``."""
    sync = _delegation.build_transport_from_secret_key(
        base_url=base_url, secret_key=secret_key, api_key=api_key, timeout_seconds=timeout_seconds)
    return DelegationTransport(sync._native)


class HawcxOAuth(_oauth.HawcxOAuth):
    """``HawcxOAuth`` whose network calls are coroutines (2.0's ``HawcxOAuthAsync``)."""

    @classmethod
    async def from_issuer(  # type: ignore[override]
        cls,
        issuer: str,
        config_id: str,
        client_id: str,
        *,
        timeout_seconds: float = 10,
        discovery_timeout_seconds: float = 5,
        clock_tolerance_seconds: float = 60,
    ) -> "HawcxOAuth":
        _oauth._check_args(issuer, config_id, client_id, clock_tolerance_seconds)
        native = await _native.OAuthClient.discover_async(
            issuer, config_id, client_id, float(timeout_seconds),
            float(discovery_timeout_seconds), float(clock_tolerance_seconds),
        )
        return cls(native)

    async def exchange_code(  # type: ignore[override]
        self,
        code: str,
        code_verifier: str,
        redirect_uri: Optional[str] = None,
        expected_nonce: Optional[str] = None,
    ) -> _oauth.ExchangeResult:
        id_token, claims = await self._native.exchange_code_async(
            code, code_verifier, redirect_uri, expected_nonce
        )
        return _oauth.ExchangeResult(id_token, claims)

    async def verify_token(self, token: str, *, nonce: Optional[str] = None) -> Dict[str, Any]:  # type: ignore[override]
        return cast(Dict[str, Any], await self._native.verify_token_async(token, nonce))


class StepUpClient(_stepup.StepUpClient):
    """``StepUpClient`` whose calls are coroutines (2.0's ``StepUpClientAsync``)."""

    def _call(self, op: str, *args: Optional[str], payload: Optional[Dict[str, Any]] = None) -> Any:
        return self._native.call_async(op, list(args), payload)

    async def management_request(self, *, endpoint: str, payload: Dict[str, Any]) -> Dict[str, Any]:  # type: ignore[override]
        return cast(Dict[str, Any], await self._call("management_request", endpoint, payload=payload))

    async def start_token(  # type: ignore[override]
        self,
        *,
        user_id: str,
        purpose: str,
        new_mfa_method: Optional[str] = None,
        new_phone_number: Optional[str] = None,
    ) -> _stepup.StepUpStartTokenResponse:
        reply = await self._call("start_token", user_id, purpose, new_mfa_method, new_phone_number)
        return _stepup.StepUpStartTokenResponse(reply["start_token"], int(reply["expires_in"]))

    async def consume_receipt(self, *, receipt: str) -> _stepup.StepUpConsumeResponse:  # type: ignore[override]
        reply = await self._call("consume_receipt", receipt)
        return _stepup.StepUpConsumeResponse(bool(reply["ok"]))


class Hawcx:
    """The ``Hawcx`` facade with coroutine methods (2.0's ``HawcxAsync``)."""

    def __init__(self, *, config_id: str, secret_key: str, base_url: str) -> None:
        sync = _stepup.Hawcx(config_id=config_id, secret_key=secret_key, base_url=base_url)
        self.client = StepUpClient(sync.client._native)

    async def start_step_up(
        self,
        *,
        user_id: str,
        purpose: str,
        new_mfa_method: Optional[str] = None,
        new_phone_number: Optional[str] = None,
    ) -> _stepup.StepUpStartTokenResponse:
        return await self.client.start_token(
            user_id=user_id, purpose=purpose, new_mfa_method=new_mfa_method,
            new_phone_number=new_phone_number,
        )

    async def consume_step_up(self, *, receipt: str) -> _stepup.StepUpConsumeResponse:
        return await self.client.consume_receipt(receipt=receipt)

    async def management(self, endpoint: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return await self.client.management_request(endpoint=endpoint, payload=payload)
