# Guide: "Step 3: Create an Authentication Endpoint", FastAPI; then the "# Usage" part of
# "Step 5", FastAPI (GET /api/me with dependencies.py's get_current_user). Verbatim,
# indentation restored. Filled in (marked below): the imports of the guide's Step 4 user
# service, of `Depends` and of the Step 5 dependency.
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from hawcx_oauth_client import exchange_code_for_claims, OAuthExchangeError
import os
import jwt

from services.user_service import find_or_create_user, generate_session_token  # filled in

app = FastAPI()

class AuthCallbackRequest(BaseModel):
    code: str

@app.post("/api/auth/hawcx/callback")
async def auth_callback(request: AuthCallbackRequest):
    try:
        if not request.code:
            raise HTTPException(status_code=400, detail="Missing authorization code")

        # Exchange the authorization code for verified claims
        claims = exchange_code_for_claims(
            code=request.code,
            oauth_token_url=os.getenv('OAUTH_TOKEN_ENDPOINT'),
            client_id=os.getenv('OAUTH_CLIENT_ID'),
            public_key=os.getenv('OAUTH_PUBLIC_KEY')
        )

        # Find or create user
        user = find_or_create_user(
            hawcx_id=claims['sub'],
            email=claims['email']
        )

        # Create session token
        session_token = generate_session_token(user)

        return {
            'success': True,
            'sessionToken': session_token,
            'user': {
                'id': user['id'],
                'email': user['email']
            }
        }

    except OAuthExchangeError:
        raise HTTPException(status_code=401, detail="Authentication failed")


# --- Step 5, FastAPI: "# Usage" -----------------------------------------------------
from fastapi import Depends  # filled in: used below, not imported by the guide's block
from fastapi_app.dependencies import get_current_user  # filled in: the guide's dependencies.py

# Usage
@app.get("/api/me")
async def get_current_user_endpoint(user = Depends(get_current_user)):
    return user
