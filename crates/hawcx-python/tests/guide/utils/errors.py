# Guide: "Step 7: Error Handling" (utils/errors.py). Verbatim, indentation restored;
# nothing filled in.
# utils/errors.py
from hawcx_oauth_client import (
    OAuthExchangeError,
    JWTVerificationError,
    InvalidPublicKeyError
)

def handle_hawcx_error(error: Exception):
    """Convert Hawcx errors to user-friendly messages"""
    if isinstance(error, OAuthExchangeError):
        return {
            'status': 401,
            'message': 'The authorization code is invalid or expired'
        }

    if isinstance(error, JWTVerificationError):
        return {
            'status': 401,
            'message': 'The authentication token could not be verified'
        }

    if isinstance(error, InvalidPublicKeyError):
        return {
            'status': 500,
            'message': 'Server configuration error'
        }

    return {
        'status': 500,
        'message': 'An unexpected error occurred'
    }
