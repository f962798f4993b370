"""MFA and device management through Hawcx's delegation API.

Requests are encrypted to Hawcx (X25519 ECIES) and signed (Ed25519 or RSA-PSS); replies
are verified and decrypted before anything is returned. The guide's ``MFAService``::

    client = HawcxDelegationClient.from_keys(
        sp_signing_key=os.getenv('SP_ED25519_PRIVATE_KEY_PEM'),
        sp_encryption_key=os.getenv('SP_X25519_PRIVATE_KEY_PEM'),
        idp_verify_key=os.getenv('IDP_ED25519_PUBLIC_KEY_PEM'),
        idp_encryption_key=os.getenv('IDP_X25519_PUBLIC_KEY_PEM'),
        sp_id=os.getenv('OAUTH_CLIENT_ID'),
    )   # base_url: HAWCX_BASE_URL, else the OAUTH_ISSUER origin
    result = client.initiate_mfa_change(userid=email, mfa_method=MfaMethod.EMAIL)
    client.verify_mfa_change(userid=email, session_id=result['session_id'], otp=otp)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar, Union

from .. import _native
from ..exceptions import (
    DelegationCryptoError,
    DelegationError,
    DelegationRequestError,
    DelegationResponseError,
    InvalidArgumentError,
)

__all__ = [
    "HawcxDelegationClient",
    "IdpDelegationClient",
    "MfaMethod",
    "Ed25519Signer",
    "RsaPssSigner",
    "Verifier",
    "EciesX25519Encryptor",
    "EciesX25519Decryptor",
    "DetachedSignature",
    "DelegationKeyMaterial",
    "DelegationTransport",
    "build_transport_from_keys",
    "build_transport_from_secret_key",
    "DelegationError",
    "DelegationCryptoError",
    "DelegationRequestError",
    "DelegationResponseError",
    "InvalidArgumentError",
]


class MfaMethod(str, Enum):
    """The MFA methods a user can enrol. Plain strings (``"sms"``) work too."""

    EMAIL = "email"
    SMS = "sms"
    TOTP = "totp"

    def __str__(self) -> str:
        return self.value


def _text(value: Union[str, "MfaMethod", None]) -> Optional[str]:
    if value is None:
        return None
    return value.value if isinstance(value, Enum) else str(value)


_C = TypeVar("_C", bound="HawcxDelegationClient")


class HawcxDelegationClient:
    """The guide's MFA client: the nine delegation operations, each returning the
    verified reply as a dict. Thread-safe; create one per process and share it."""

    def __init__(self, native: _native.DelegationClient) -> None:
        self._native = native

    def _call(self, op: str, *args: Optional[str]) -> Dict[str, Any]:
        return self._native.call(op, list(args))

    @classmethod
    def from_keys(
        cls: Type[_C],
        sp_signing_key: str,
        sp_encryption_key: str,
        idp_verify_key: str,
        idp_encryption_key: str,
        sp_id: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = 15,
        kid: str = "hawcx",
        idp_kid: str = "hawcx",
    ) -> _C:
        """From the four PEM keys (literal ``\\n`` from ``.env`` files is fine). Without
        ``base_url``: ``HAWCX_BASE_URL``, else the origin of ``OAUTH_ISSUER``."""
        return cls(
            _native.DelegationClient.from_keys(
                sp_signing_key, sp_encryption_key, idp_verify_key, idp_encryption_key,
                sp_id, base_url, api_key, float(timeout), kid, idp_kid,
            )
        )

    @classmethod
    def from_env(cls: Type[_C]) -> _C:
        """From the guide's environment variables: the four ``*_PEM`` keys,
        ``OAUTH_CLIENT_ID``, ``HAWCX_BASE_URL`` (or ``OAUTH_ISSUER``), ``HAWCX_API_KEY``."""
        return cls(_native.DelegationClient.from_env())

    @property
    def base_url(self) -> str:
        return str(self._native.base_url)

    def initiate_mfa_change(
        self,
        userid: str,
        mfa_method: Union[str, MfaMethod],
        phone_number: Optional[str] = None,
        mfa_change_to: Optional[Union[str, MfaMethod]] = None,
    ) -> Dict[str, Any]:
        """Starts enrolment: sends the OTP (email/sms) or returns the TOTP secret. The
        reply's ``session_id`` goes to ``verify_mfa_change``."""
        return self._call(
            "initiate_mfa_change", userid, _text(mfa_method), phone_number, _text(mfa_change_to)
        )

    def verify_mfa_change(self, userid: str, session_id: str, otp: str) -> Dict[str, Any]:
        """Completes enrolment with the OTP; ``status`` is ``"success"`` when applied."""
        return self._call("verify_mfa_change", userid, session_id, otp)

    def get_user_credentials(self, userid: str) -> Dict[str, Any]:
        """The user's MFA method (``mfa_method``) and contact."""
        return self._call("get_user_credentials", userid)

    def list_user_devices(self, userid: str) -> Dict[str, Any]:
        return self._call("list_user_devices", userid)

    def revoke_device(self, userid: str, h2index: str) -> Dict[str, Any]:
        return self._call("revoke_device", userid, h2index)

    def unrevoke_device(self, userid: str, h2index: str) -> Dict[str, Any]:
        return self._call("unrevoke_device", userid, h2index)

    def delete_device(self, userid: str, h2index: str) -> Dict[str, Any]:
        return self._call("delete_device", userid, h2index)

    def set_suggested_mfa(self, userid: str, suggested_mfa: str) -> Dict[str, Any]:
        """``suggested_mfa``: ``none``, ``always`` or ``risk_only``."""
        return self._call("set_suggested_mfa", userid, suggested_mfa)

    def get_suggested_mfa(self, userid: str) -> Dict[str, Any]:
        return self._call("get_suggested_mfa", userid)

    def __repr__(self) -> str:
        return f"HawcxDelegationClient(base_url={self.base_url!r})"


#: 1.0's lower-level name; the operations are the same.
IdpDelegationClient = HawcxDelegationClient


@dataclass(frozen=True)
class DetachedSignature:
    """The ``X-Signature-Alg`` / ``X-Signature`` / ``X-Key-Id`` values of a body."""

    alg: str
    signature_b64: str
    kid: Optional[str]


class _Signer:
    def __init__(self, private_key_pem: Union[str, bytes], kid: Optional[str] = None) -> None:
        pem = private_key_pem.decode() if isinstance(private_key_pem, bytes) else private_key_pem
        self._native = _native.BodySigner(pem, kid)
        self.kid = kid

    @property
    def alg(self) -> str:
        return str(self._native.alg)

    def sign_detached(self, body: bytes, ts: int) -> DetachedSignature:
        """Signs ``body ‖ "." ‖ ts``."""
        alg, sig, kid = self._native.sign_detached(bytes(body), int(ts))
        return DetachedSignature(alg, sig, kid)


class Ed25519Signer(_Signer):
    """Signs delegation request bodies with the SP's Ed25519 key (PKCS#8 PEM)."""


class RsaPssSigner(_Signer):
    """Signs delegation request bodies with an RSA key (RSA-PSS SHA-256)."""


class Verifier:
    """Verifies Hawcx's reply signatures; ``keys`` maps key id to public key PEM."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._native = _native.BodyVerifier(list(keys.items()))

    def verify(
        self, body: bytes, ts: int, signature_b64: str, alg: str, kid: Optional[str] = None
    ) -> None:
        """Raises ``DelegationCryptoError`` unless the signature verifies."""
        self._native.verify(bytes(body), int(ts), signature_b64, alg, kid)


class EciesX25519Encryptor:
    """Encrypts request bodies to Hawcx's X25519 public key (SPKI PEM)."""

    def __init__(self, public_key_pem: str) -> None:
        self._native = _native.EciesEncryptor(public_key_pem)

    def encrypt(self, plaintext: bytes) -> bytes:
        """The JSON envelope (``enc``, ``epk``, ``iv``, ``ct``) as bytes."""
        return bytes(self._native.encrypt(bytes(plaintext)))


class EciesX25519Decryptor:
    """Decrypts reply envelopes with the SP's X25519 private key (PKCS#8 PEM)."""

    def __init__(self, private_key_pem: str) -> None:
        self._native = _native.EciesDecryptor(private_key_pem)

    def decrypt(self, envelope: bytes) -> bytes:
        return bytes(self._native.decrypt(bytes(envelope)))


@dataclass(frozen=True)
class DelegationKeyMaterial:
    """The four PEM keys of a delegation channel and their key ids."""

    sp_signing_key: str
    sp_encryption_key: str
    idp_verify_key: str
    idp_encryption_key: str
    sp_kid: str = "hawcx"
    idp_kid: str = "hawcx"
    signing_alg: str = "ed25519"

    def __repr__(self) -> str:
        return f"DelegationKeyMaterial(sp_kid={self.sp_kid!r}, idp_kid={self.idp_kid!r}, keys=[redacted])"


class DelegationTransport:
    """Sends one encrypted, signed request to any delegation endpoint and returns the
    verified, decrypted reply."""

    def __init__(self, native: _native.Transport) -> None:
        self._native = native

    def send(self, endpoint: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self._native.send(endpoint, payload)


def build_transport_from_keys(
    *, base_url: str, keys: DelegationKeyMaterial, api_key: Optional[str] = None,
    timeout_seconds: float = 15,
) -> DelegationTransport:
    """A transport from PEM keys (Ed25519 or RSA-PSS signing key)."""
    return DelegationTransport(
        _native.Transport.from_keys(
            base_url, keys.sp_signing_key, keys.sp_encryption_key, keys.idp_verify_key,
            keys.idp_encryption_key, keys.sp_kid, keys.idp_kid, api_key, float(timeout_seconds),
        )
    )


def build_transport_from_secret_key(
    *, base_url: str, secret_key: str, api_key: Optional[str] = None,
    timeout_seconds: float = 15,
) -> DelegationTransport:
    """A transport from a ``hwx_sk_v1_…`` credential blob (``HAWCX_SECRET_KEY``)."""
    return DelegationTransport(
        _native.Transport.from_secret_key(base_url, secret_key, api_key, float(timeout_seconds))
    )

