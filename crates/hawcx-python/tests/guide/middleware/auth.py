# Guide: "Step 5: Add Authentication Middleware/Decorators", Flask (middleware/auth.py).
# Verbatim, indentation restored; nothing filled in. The block's "# Usage" part (the
# /api/me route) needs the Flask `app`, so it lives in tests/guide/flask_app/app.py.
# middleware/auth.py
from functools import wraps
from flask import request, jsonify
from hawcx_oauth_client import verify_jwt
import os

def require_auth(f):
    @wraps(f)
    def decorated_function(*args, **kwargs):
        token = request.headers.get('Authorization', '').replace('Bearer ', '')

        if not token:
            return jsonify({'error': 'Missing authorization token'}), 401

        try:
            payload = verify_jwt(
                token,
                os.getenv('SESSION_SECRET'),
                algorithms=['HS256']
            )
            request.user = payload
            return f(*args, **kwargs)
        except Exception as e:
            return jsonify({'error': 'Invalid or expired token'}), 401

    return decorated_function
