# Guide: "Step 4: Integrate with Your User Management" (services/user_service.py).
# Verbatim, indentation restored. Filled in: the imports of `timedelta` and `User`, which
# the guide's code uses without importing (the User table and `db` are in tests/guide/app/).
# services/user_service.py
from datetime import datetime
import os
import jwt
from typing import Dict, Any, Optional

from datetime import timedelta  # filled in: used below, not imported by the guide
from app.models import User  # filled in: the guide's User model (tests/guide/app/models.py)

def find_or_create_user(hawcx_id: str, email: str, email_verified: bool = False) -> Dict[str, Any]:
    """Find existing user or create new one based on Hawcx claims"""
    # Import your database module
    from app.db import db

    # Check if user exists
    user = db.session.query(User).filter_by(hawcx_id=hawcx_id).first()

    if user:
        # Update email_verified if needed
        if email_verified and not user.email_verified:
            user.email_verified = True
            db.session.commit()
        return user.to_dict()

    # Create new user
    new_user = User(
        hawcx_id=hawcx_id,
        email=email,
        email_verified=email_verified,
        created_at=datetime.utcnow(),
        last_login=datetime.utcnow()
    )
    db.session.add(new_user)
    db.session.commit()

    return new_user.to_dict()

def generate_session_token(user: Dict[str, Any]) -> str:
    """Generate JWT session token for user"""
    return jwt.encode(
        {
            'userId': str(user['id']),
            'email': user['email'],
            'hawcxId': user['hawcx_id'],
            'exp': datetime.utcnow() + timedelta(days=7)
        },
        os.getenv('SESSION_SECRET'),
        algorithm='HS256'
    )

def verify_session_token(token: str) -> Optional[Dict[str, Any]]:
    """Verify and decode session token"""
    try:
        return jwt.decode(
            token,
            os.getenv('SESSION_SECRET'),
            algorithms=['HS256']
        )
    except jwt.InvalidTokenError:
        return None
