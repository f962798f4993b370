"""The integration guide's own code against the emulator, configured the way the guide
says: `load_dotenv()` of the env file `hawcx idp` writes (double-quoted values, PEMs with
literal \\n that python-dotenv turns into newlines). Runs the guide's "Complete Example"
callback logic and its session-token round trip with hawcx-oauth-client 1.0.0 and PyJWT."""

import os
import sys
from datetime import datetime, timedelta

import jwt
from dotenv import load_dotenv

env_file = sys.argv[1]
# The driver passes only HAWCX_IDP_URL; everything else must come from the file.
for name in ("OAUTH_TOKEN_ENDPOINT", "OAUTH_CLIENT_ID", "OAUTH_PUBLIC_KEY", "SESSION_SECRET"):
    assert name not in os.environ, name
load_dotenv(env_file)

from hawcx_oauth_client import exchange_code_for_claims  # noqa: E402
from _idp import login, ok  # noqa: E402

code = login("guide-dotenv@example.com", os.getenv("OAUTH_CLIENT_ID"), os.getenv("OAUTH_REDIRECT_URI"))

# Step 3 (Flask) / Complete Example: the exchange exactly as the guide writes it.
claims = exchange_code_for_claims(
    code=code,
    oauth_token_url=os.getenv('OAUTH_TOKEN_ENDPOINT'),
    client_id=os.getenv('OAUTH_CLIENT_ID'),
    public_key=os.getenv('OAUTH_PUBLIC_KEY'),
    audience=os.getenv('OAUTH_AUDIENCE') or os.getenv('OAUTH_CLIENT_ID'),
    issuer=os.getenv('OAUTH_ISSUER'),
    leeway=10
)
assert claims["email"] == "guide-dotenv@example.com", claims
ok("guide exchange with load_dotenv")

# Step 4: the session token the guide mints and verifies with SESSION_SECRET.
session_token = jwt.encode(
    {'userId': claims['sub'], 'email': claims['email'], 'exp': datetime.utcnow() + timedelta(days=7)},
    os.getenv('SESSION_SECRET'),
    algorithm='HS256'
)
payload = jwt.decode(session_token, os.getenv('SESSION_SECRET'), algorithms=['HS256'])
assert payload["email"] == "guide-dotenv@example.com"
assert len(os.getenv('SESSION_SECRET').encode()) >= 32, "SESSION_SECRET must be HS256-strength"
ok("guide session token")
