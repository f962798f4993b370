"""Type stubs of the compiled module (crates/hawcx-python/src). Use the public API of
``hawcx_oauth_client`` instead of calling these directly."""

from os import PathLike
from typing import Any, Awaitable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

_Key = Union[str, bytes, "PathLike[str]", None]
_Json = Dict[str, Any]

__version__: str

class ExchangeCall:
    def run(self, with_token: bool) -> Any: ...
    def run_async(self, with_token: bool) -> Awaitable[Any]: ...

def prepare_exchange(
    code: Optional[str],
    oauth_token_url: Optional[str],
    client_id: Optional[str],
    public_key: _Key = None,
    api_key: Optional[str] = None,
    jwks_url: Optional[str] = None,
    code_verifier: Optional[str] = None,
    redirect_uri: Optional[str] = None,
    timeout: float = 20.0,
    audience: Optional[str] = None,
    issuer: Optional[str] = None,
    verify_exp: bool = True,
    leeway: float = 0.0,
    algorithms: Optional[Sequence[str]] = None,
    client_assertion: Optional[str] = None,
    client_assertion_type: Optional[str] = None,
    bearer_token: Optional[str] = None,
    nonce: Optional[str] = None,
) -> ExchangeCall: ...
def verify_jwt(
    token: str,
    public_key: _Key = None,
    jwks_url: Optional[str] = None,
    audience: Optional[str] = None,
    issuer: Optional[str] = None,
    verify_exp: bool = True,
    leeway: float = 0.0,
    algorithms: Optional[Sequence[str]] = None,
) -> _Json: ...
def verify_jwt_async(
    token: str,
    public_key: _Key = None,
    jwks_url: Optional[str] = None,
    audience: Optional[str] = None,
    issuer: Optional[str] = None,
    verify_exp: bool = True,
    leeway: float = 0.0,
    algorithms: Optional[Sequence[str]] = None,
) -> Awaitable[_Json]: ...
def fetch_jwks(jwks_url: str, timeout: float = 10.0, ttl: float = 3600.0) -> _Json: ...
def get_key_from_jwks(jwks: Mapping[str, Any], kid: Optional[str] = None) -> str: ...
def build_assertion_and_dpop(
    token_url: str, client_id: str, signing_key_pem: str, algorithm: str = "ES256", ttl: int = 120
) -> Tuple[str, str]: ...

class SessionTokens:
    def __init__(
        self, secrets: Sequence[Tuple[Optional[str], bytes]], ttl: int, issuer: Optional[str] = None
    ) -> None: ...
    def issue(self, claims: Mapping[str, Any]) -> str: ...
    def verify(self, token: str) -> _Json: ...

class AssertionSigner:
    @staticmethod
    def from_jwk(private_jwk: str) -> AssertionSigner: ...
    @staticmethod
    def from_pem(pkcs8_pem: str, kid: str) -> AssertionSigner: ...
    def with_lifetime(self, seconds: float) -> AssertionSigner: ...
    @property
    def kid(self) -> str: ...
    def sign(self, client_id: str, audience: str) -> str: ...

class OAuthClient:
    @staticmethod
    def discover(
        issuer: str, config_id: str, client_id: str, timeout: float, discovery_timeout: float,
        leeway: float,
    ) -> OAuthClient: ...
    @staticmethod
    def discover_async(
        issuer: str, config_id: str, client_id: str, timeout: float, discovery_timeout: float,
        leeway: float,
    ) -> Awaitable[OAuthClient]: ...
    @property
    def discovery_metadata(self) -> _Json: ...
    @property
    def issuer(self) -> str: ...
    @property
    def token_endpoint(self) -> str: ...
    def set_client_assertion(self, signer: AssertionSigner) -> None: ...
    def refresh_jwks(self) -> None: ...
    def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: Optional[str] = None,
        expected_nonce: Optional[str] = None,
    ) -> Tuple[str, _Json]: ...
    def exchange_code_async(
        self, code: str, code_verifier: str, redirect_uri: Optional[str] = None,
        expected_nonce: Optional[str] = None,
    ) -> Awaitable[Tuple[str, _Json]]: ...
    def verify_token(self, token: str, nonce: Optional[str] = None) -> _Json: ...
    def verify_token_async(self, token: str, nonce: Optional[str] = None) -> Awaitable[_Json]: ...

class DelegationClient:
    @staticmethod
    def from_keys(
        sp_signing_key: str, sp_encryption_key: str, idp_verify_key: str,
        idp_encryption_key: str, sp_id: str, base_url: Optional[str] = None,
        api_key: Optional[str] = None, timeout: float = 15.0, kid: str = "hawcx",
        idp_kid: str = "hawcx",
    ) -> DelegationClient: ...
    @staticmethod
    def from_env() -> DelegationClient: ...
    @property
    def base_url(self) -> str: ...
    def call(
        self, op: str, args: List[Optional[str]], payload: Optional[Mapping[str, Any]] = None
    ) -> _Json: ...
    def call_async(
        self, op: str, args: List[Optional[str]], payload: Optional[Mapping[str, Any]] = None
    ) -> Awaitable[_Json]: ...

class Transport:
    @staticmethod
    def from_secret_key(
        base_url: str, secret_key: str, api_key: Optional[str] = None, timeout: float = 15.0
    ) -> Transport: ...
    @staticmethod
    def from_keys(
        base_url: str, sp_signing_key: str, sp_encryption_key: str, idp_verify_key: str,
        idp_encryption_key: str, sp_kid: str = "hawcx", idp_kid: str = "hawcx",
        api_key: Optional[str] = None, timeout: float = 15.0,
    ) -> Transport: ...
    def send(self, endpoint: str, payload: Mapping[str, Any]) -> _Json: ...
    def send_async(self, endpoint: str, payload: Mapping[str, Any]) -> Awaitable[_Json]: ...

class StepUp:
    @staticmethod
    def with_private_key_jwt(
        oidc_signing_key: str, kid: str, client_id: str, base_url: str, config_id: str,
        api_prefix: Optional[str] = None, relying_party: Optional[str] = None,
        timeout: Optional[float] = None, jwks_url: Optional[str] = None,
    ) -> StepUp: ...
    @staticmethod
    def from_secret_key(
        secret_key: str, base_url: str, config_id: Optional[str] = None,
        api_key: Optional[str] = None, relying_party: Optional[str] = None,
    ) -> StepUp: ...
    def call(
        self, op: str, args: List[Optional[str]], payload: Optional[Mapping[str, Any]] = None
    ) -> _Json: ...
    def call_async(
        self, op: str, args: List[Optional[str]], payload: Optional[Mapping[str, Any]] = None
    ) -> Awaitable[_Json]: ...

class BodySigner:
    def __init__(self, private_key_pem: str, kid: Optional[str] = None) -> None: ...
    @property
    def alg(self) -> str: ...
    def sign_detached(self, body: bytes, ts: int) -> Tuple[str, str, Optional[str]]: ...

class BodyVerifier:
    def __init__(self, keys: Sequence[Tuple[str, str]]) -> None: ...
    def verify(
        self, body: bytes, ts: int, signature_b64: str, alg: str, kid: Optional[str] = None
    ) -> None: ...

class EciesEncryptor:
    def __init__(self, public_key_pem: str) -> None: ...
    def encrypt(self, plaintext: bytes) -> bytes: ...

class EciesDecryptor:
    def __init__(self, private_key_pem: str) -> None: ...
    def decrypt(self, envelope: bytes) -> bytes: ...
