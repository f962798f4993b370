from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, Union, overload

from django.http import HttpRequest, HttpResponse, JsonResponse

from hawcx_oauth_client._webauth import TokenSource as TokenSource

V = TypeVar("V", bound=Callable[..., Any])

__all__ = [
    "HawcxAuthMiddleware",
    "TokenSource",
    "authenticate",
    "issue_session_token",
    "require_auth",
    "unauthorized",
]

def issue_session_token(claims: Mapping[str, Any], *, tokens: TokenSource = None) -> str: ...
def unauthorized(exc: Optional[BaseException] = None) -> JsonResponse: ...
def authenticate(
    request: HttpRequest, tokens: TokenSource = None
) -> Union[Dict[str, Any], JsonResponse]: ...
@overload
def require_auth(view: V) -> V: ...
@overload
def require_auth(view: None = None, *, tokens: TokenSource = None) -> Callable[[V], V]: ...

class HawcxAuthMiddleware:
    tokens: TokenSource
    get_response: Callable[[HttpRequest], HttpResponse]
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None: ...
    def __call__(self, request: HttpRequest) -> HttpResponse: ...
