from typing import Any, Dict, Mapping, Optional

from fastapi import HTTPException, Request
from fastapi.security import HTTPBearer
from typing_extensions import Annotated, TypeAlias

from hawcx_oauth_client._webauth import TokenSource as TokenSource

__all__ = [
    "CurrentUser",
    "HawcxAuth",
    "TokenSource",
    "issue_session_token",
    "require_auth",
    "unauthorized",
]

def issue_session_token(claims: Mapping[str, Any], *, tokens: TokenSource = None) -> str: ...
def unauthorized(exc: Optional[BaseException] = None) -> HTTPException: ...

class HawcxAuth(HTTPBearer):
    tokens: TokenSource
    def __init__(
        self,
        *,
        tokens: TokenSource = None,
        scheme_name: Optional[str] = ...,
        description: Optional[str] = ...,
    ) -> None: ...
    async def __call__(self, request: Request) -> Dict[str, Any]: ...  # type: ignore[override]

def require_auth(*, tokens: TokenSource = None) -> HawcxAuth: ...

CurrentUser: TypeAlias = Annotated[Dict[str, Any], ...]
