from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, overload

from flask import Response

from hawcx_oauth_client._webauth import TokenSource as TokenSource

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["TokenSource", "current_claims", "issue_session_token", "require_auth", "unauthorized"]

def issue_session_token(claims: Mapping[str, Any], *, tokens: TokenSource = None) -> str: ...
def unauthorized(exc: Optional[BaseException] = None) -> Response: ...
def current_claims() -> Optional[Dict[str, Any]]: ...
@overload
def require_auth(view: F) -> F: ...
@overload
def require_auth(view: None = None, *, tokens: TokenSource = None) -> Callable[[F], F]: ...
