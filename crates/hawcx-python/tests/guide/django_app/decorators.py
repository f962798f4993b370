# Guide: "Step 5: Add Authentication Middleware/Decorators", Django (decorators.py).
# Verbatim, indentation restored; nothing filled in. The block's "# Usage" view is in
# tests/guide/django_app/views.py.
# decorators.py
from functools import wraps
from django.http import JsonResponse
import jwt
import os

def require_auth(view_func):
    @wraps(view_func)
    def wrapped_view(request, *args, **kwargs):
        auth_header = request.headers.get('Authorization', '')
        token = auth_header.replace('Bearer ', '') if auth_header else None

        if not token:
            return JsonResponse({'error': 'Missing authorization token'}, status=401)

        try:
            payload = jwt.decode(
                token,
                os.getenv('SESSION_SECRET'),
                algorithms=['HS256']
            )
            request.user = payload
            return view_func(request, *args, **kwargs)
        except jwt.InvalidTokenError:
            return JsonResponse({'error': 'Invalid or expired token'}, status=401)

    return wrapped_view
