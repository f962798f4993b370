# Guide: "Step 3: Create an Authentication Endpoint", Django (views.py); then the
# "# Usage" part of "Step 5", Django (get_current_user with decorators.py's require_auth).
# Verbatim, indentation restored. Filled in (marked below): the imports of the guide's
# Step 4 user service and of the Step 5 decorator.
# views.py
from django.http import JsonResponse
from django.views.decorators.http import require_http_methods
from django.views.decorators.csrf import csrf_exempt
from hawcx_oauth_client import exchange_code_for_claims, OAuthExchangeError
import json
import os
import jwt
from datetime import datetime, timedelta

from services.user_service import find_or_create_user, generate_session_token  # filled in

@csrf_exempt
@require_http_methods(["POST"])
def auth_callback(request):
    try:
        data = json.loads(request.body)
        code = data.get('code')

        if not code:
            return JsonResponse({'error': 'Missing authorization code'}, status=400)

        # Exchange the authorization code for verified claims
        claims = exchange_code_for_claims(
            code=code,
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

        return JsonResponse({
            'success': True,
            'sessionToken': session_token,
            'user': {
                'id': user['id'],
                'email': user['email']
            }
        })

    except OAuthExchangeError as e:
        return JsonResponse({'error': 'Authentication failed'}, status=401)


# --- Step 5, Django: "# Usage" ------------------------------------------------------
from django_app.decorators import require_auth  # filled in: the guide's decorators.py

# Usage
@require_auth
def get_current_user(request):
    return JsonResponse(request.user)
