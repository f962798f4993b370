# Guide: "Step 3: Create an Authentication Endpoint", Flask; then the "# Usage" part of
# "Step 5", Flask (GET /api/me with middleware/auth.py's require_auth); then "Step 6"'s
# "Create MFA endpoints" (# Flask example). Verbatim, indentation restored.
# Filled in (marked "filled in" below): the import of the guide's Step 4 user service
# (find_or_create_user, generate_session_token), of `request` for the MFA endpoints and
# of the `cache` object (Flask-Caching's in-process SimpleCache, the API the guide's
# `cache.set(key, value, 600)` / `cache.get` / `cache.delete` calls match).
# Reads SESSION_SECRET, FLASK_SECRET_KEY, OAUTH_* and the delegation keys from the
# environment; import it after load_dotenv() (MFAService() is built at import time).
from flask import Flask, request, jsonify, session
from hawcx_oauth_client import exchange_code_for_claims, OAuthExchangeError, JWTVerificationError
import os
import jwt
from datetime import datetime, timedelta

from services.user_service import find_or_create_user, generate_session_token  # filled in

app = Flask(__name__)
app.secret_key = os.getenv('FLASK_SECRET_KEY')

@app.route('/api/auth/hawcx/callback', methods=['POST'])
def auth_callback():
    try:
        data = request.get_json() or {}
        code = data.get('code')

        if not code:
            return jsonify({'error': 'Missing authorization code'}), 400

        # Exchange the authorization code for verified claims
        claims = exchange_code_for_claims(
            code=code,
            oauth_token_url=os.getenv('OAUTH_TOKEN_ENDPOINT'),
            client_id=os.getenv('OAUTH_CLIENT_ID'),
            public_key=os.getenv('OAUTH_PUBLIC_KEY'),
            audience=os.getenv('OAUTH_AUDIENCE') or os.getenv('OAUTH_CLIENT_ID'),
            issuer=os.getenv('OAUTH_ISSUER'),
            leeway=10
        )

        # Find or create user in your database
        user = find_or_create_user(
            hawcx_id=claims['sub'],
            email=claims['email'],
            email_verified=claims.get('email_verified', False)
        )

        # Create your application's session/JWT
        session_token = generate_session_token(user)

        return jsonify({
            'success': True,
            'sessionToken': session_token,
            'user': {
                'id': user['id'],
                'email': user['email']
            }
        })

    except OAuthExchangeError as e:
        app.logger.error(f'OAuth exchange failed: {e}')
        return jsonify({'error': 'Authentication failed'}), 401
    except JWTVerificationError as e:
        app.logger.error(f'JWT verification failed: {e}')
        return jsonify({'error': 'Authentication failed'}), 401
    except Exception as e:
        app.logger.error(f'Unexpected error: {e}')
        return jsonify({'error': 'Internal server error'}), 500


# --- Step 5, Flask: "# Usage" -------------------------------------------------------
from middleware.auth import require_auth  # filled in: the guide's middleware/auth.py

@app.route('/api/me', methods=['GET'])
@require_auth
def get_current_user():
    return jsonify(request.user)


# --- Step 6: "Create MFA endpoints" (# Flask example) -------------------------------
from flask import request  # filled in: the block uses `request` without importing it
from flask_caching import Cache  # filled in: the guide uses a `cache` it never creates
cache = Cache(app, config={'CACHE_TYPE': 'SimpleCache'})  # filled in

# Flask example
from flask import jsonify
from services.mfa_service import MFAService
from middleware.auth import require_auth

mfa_service = MFAService()

@app.route('/api/mfa/initiate', methods=['POST'])
@require_auth
def initiate_mfa():
    try:
        data = request.get_json()
        user_email = request.user.get('email')

        result = mfa_service.initiate_mfa_setup(
            user_email=user_email,
            mfa_method=data.get('mfaMethod'),
            phone_number=data.get('phoneNumber')
        )

        # Store session ID in cache with TTL
        cache.set(f'mfa_session:{user_email}', result['session_id'], 600)

        return jsonify({
            'success': True,
            'message': 'MFA setup initiated. Check your email/SMS for verification code.'
        })
    except Exception as e:
        return jsonify({'error': str(e)}), 400

@app.route('/api/mfa/verify', methods=['POST'])
@require_auth
def verify_mfa():
    try:
        data = request.get_json()
        user_email = request.user.get('email')
        session_id = cache.get(f'mfa_session:{user_email}')

        if not session_id:
            return jsonify({'error': 'MFA session expired. Please try again.'}), 400

        result = mfa_service.verify_mfa_code(
            user_email=user_email,
            session_id=session_id,
            otp=data.get('otp')
        )

        if result['status'] != 'success':
            return jsonify({'error': 'Invalid verification code'}), 400

        cache.delete(f'mfa_session:{user_email}')

        return jsonify({
            'success': True,
            'message': 'MFA setup completed successfully'
        })
    except Exception as e:
        return jsonify({'error': str(e)}), 400

@app.route('/api/mfa/status', methods=['GET'])
@require_auth
def get_mfa_status():
    try:
        user_email = request.user.get('email')
        status = mfa_service.get_user_mfa_status(user_email)
        return jsonify(status)
    except Exception as e:
        return jsonify({'error': str(e)}), 500
