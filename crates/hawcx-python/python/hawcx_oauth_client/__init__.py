"""Hawcx login and MFA for Python backends, on the hawcx-rs Rust core.

The API is that of the official ``hawcx-oauth-client`` package (1.0's functions and
exceptions, 2.0's ``HawcxOAuth``/``Hawcx``/``StepUpClient``), so the Hawcx integration
guide's code runs unchanged::

    from hawcx_oauth_client import exchange_code_for_claims

    claims = exchange_code_for_claims(
        code=code,
        oauth_token_url=os.getenv("OAUTH_TOKEN_ENDPOINT"),
        client_id=os.getenv("OAUTH_CLIENT_ID"),
        public_key=os.getenv("OAUTH_PUBLIC_KEY"),  # or unset: JWKS_URL / OAUTH_ISSUER
    )

Parsing, signature checks, encryption and HTTP run in Rust with the GIL released. Async
twins of every network call live in ``hawcx_oauth_client.aio``; framework helpers in
``hawcx_oauth_client.flask``, ``.django`` and ``.fastapi``.
"""

from __future__ import annotations

import logging
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union, cast

from . import _native
from ._native import fetch_jwks as _fetch_jwks
from ._native import get_key_from_jwks as _get_key_from_jwks
# Exported as is: the per-request call pays no Python frame (its docstring is in src/oauth.rs).
from ._native import verify_jwt
from .exceptions import (
    DelegationCryptoError,
    DelegationError,
    DelegationRequestError,
    DelegationResponseError,
    DiscoveryError,
    HawcxError,
    HawcxOAuthError,
    InvalidArgumentError,
    InvalidPublicKeyError,
    JWTVerificationError,
    OAuthExchangeError,
    ResponseSignatureError,
    TokenExchangeError,
    TokenVerificationError,
)
from .sessions import SessionTokens
from .assertion import AssertionResult, build_assertion_and_dpop
from .oauth import CLIENT_ASSERTION_TYPE, ClientAssertionSigner, ExchangeResult, HawcxOAuth
from .stepup import Hawcx, StepUpClient, StepUpConsumeResponse, StepUpStartTokenResponse
from .delegation import DelegationKeyMaterial, HawcxDelegationClient, MfaMethod

__version__: str = _native.__version__

logger = logging.getLogger(__name__)

KeyInput = Union[str, Path, bytes]

__all__ = [
    "exchange_code_for_claims",
    "exchange_code_for_token_and_claims",
    "require_oauth_claims",
    "verify_jwt",
    "fetch_jwks",
    "get_key_from_jwks",
    "SessionTokens",
    "AssertionResult",
    "build_assertion_and_dpop",
    "HawcxOAuth",
    "ClientAssertionSigner",
    "CLIENT_ASSERTION_TYPE",
    "ExchangeResult",
    "Hawcx",
    "StepUpClient",
    "StepUpStartTokenResponse",
    "StepUpConsumeResponse",
    "HawcxDelegationClient",
    "MfaMethod",
    "DelegationKeyMaterial",
    "HawcxError",
    "HawcxOAuthError",
    "InvalidPublicKeyError",
    "OAuthExchangeError",
    "JWTVerificationError",
    "InvalidArgumentError",
    "DiscoveryError",
    "TokenExchangeError",
    "TokenVerificationError",
    "DelegationError",
    "DelegationCryptoError",
    "DelegationRequestError",
    "DelegationResponseError",
    "ResponseSignatureError",
]


def exchange_code_for_claims(
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
    """Exchanges an authorization code for the verified id_token claims.

    ``public_key`` is PEM text (literal ``\\n`` from ``.env`` files works), a file path
    (``str`` or ``pathlib.Path``) or ``None``; with neither it nor ``jwks_url``, the key
    set at ``JWKS_URL`` (else ``OAUTH_ISSUER``'s ``/.well-known/jwks.json``) is used. The
    audience defaults to ``client_id``; set ``issuer`` in production. ``nonce``, when
    given, must match the id_token's.

    Raises ``OAuthExchangeError`` (the exchange failed), ``JWTVerificationError`` (the
    id_token was refused) or ``InvalidPublicKeyError`` (the key is unusable).
    """
    call = _native.prepare_exchange(**locals())
    return cast(Dict[str, Any], call.run(False))


def exchange_code_for_token_and_claims(
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
    """Like ``exchange_code_for_claims``, and also returns the raw (verified) id_token."""
    call = _native.prepare_exchange(**locals())
    return cast(Tuple[Dict[str, Any], str], call.run(True))


def fetch_jwks(jwks_url: str, timeout: float = 10, ttl: float = 3600) -> Dict[str, Any]:
    """Fetches a JWK Set and returns its public keys as a dict (``{"keys": [...]}``).

    Raises ``InvalidPublicKeyError`` when the URL is refused, unreachable, or the
    document is not a usable key set.
    """
    return _fetch_jwks(jwks_url, timeout, ttl)


def get_key_from_jwks(jwks: Dict[str, Any], kid: Optional[str] = None) -> str:
    """Returns the key named ``kid`` (or the only key) of a JWK Set as SPKI PEM."""
    return _get_key_from_jwks(jwks, kid)


F = TypeVar("F", bound=Callable[..., Any])


def require_oauth_claims(
    oauth_token_url: str,
    client_id: str,
    public_key: Optional[KeyInput] = None,
    code_field: str = "code",
    algorithms: Optional[List[str]] = None,
    **verify_kwargs: Any,
) -> Callable[[F], F]:
    """Flask decorator: exchanges the form field ``code_field`` and puts the verified
    claims in ``flask.g.oauth_claims``. Answers 400 when the code is missing and 401 when
    the exchange or verification fails."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask import g, request

            code = request.form.get(code_field)
            if not code:
                return (f"Missing {code_field}", 400)
            try:
                g.oauth_claims = exchange_code_for_claims(
                    code=code,
                    oauth_token_url=oauth_token_url,
                    client_id=client_id,
                    public_key=public_key,
                    algorithms=algorithms,
                    **verify_kwargs,
                )
            except (OAuthExchangeError, JWTVerificationError, InvalidPublicKeyError) as e:
                logger.warning("OAuth verification failed: %s (%s)", e.code, type(e).__name__)
                return (str(e), 401)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
