# Guide: "Step 5: Add Authentication Middleware/Decorators", FastAPI (dependencies.py).
# Verbatim, indentation restored, with ONE correction: the guide imports
# `HTTPAuthCredentials`, which fastapi.security does not have (ImportError); the class is
# `HTTPAuthorizationCredentials`. The block's "# Usage" route is in fastapi_app/main.py.
# dependencies.py
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPBearer, HTTPAuthorizationCredentials  # corrected: the guide says HTTPAuthCredentials
import jwt
import os

security = HTTPBearer()

async def get_current_user(credentials: HTTPAuthorizationCredentials = Depends(security)):  # corrected name, as above
    try:
        payload = jwt.decode(
            credentials.credentials,
            os.getenv('SESSION_SECRET'),
            algorithms=['HS256']
        )
        return payload
    except jwt.InvalidTokenError:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid or expired token"
        )
