# The integration guide's "Complete Example" (a minimal Flask backend), runnable against
# the local Hawcx emulator:
#
#     python examples/flask-guide/app.py --env-file .hawcx/idp.env
#
# Everything down to the `if __name__ == '__main__':` block is the guide's code verbatim
# (indentation restored). Added, and marked as such: a sign-in page (GET /) and the page
# the identity provider redirects back to (GET /auth/callback), standing in for the
# frontend the guide assumes; and a command line (--env-file, --host, --port).
# app.py
from flask import Flask, request, jsonify
from hawcx_oauth_client import exchange_code_for_claims
import os
import jwt
from datetime import datetime, timedelta
from dotenv import load_dotenv

load_dotenv()

app = Flask(__name__)
app.secret_key = os.getenv('FLASK_SECRET_KEY')

@app.route('/api/auth/hawcx/callback', methods=['POST'])
def auth_callback():
    try:
        data = request.get_json()
        code = data.get('code')

        claims = exchange_code_for_claims(
            code=code,
            oauth_token_url=os.getenv('OAUTH_TOKEN_ENDPOINT'),
            client_id=os.getenv('OAUTH_CLIENT_ID'),
            public_key=os.getenv('OAUTH_PUBLIC_KEY')
        )

        session_token = jwt.encode(
            {
                'userId': claims['sub'],
                'email': claims['email'],
                'exp': datetime.utcnow() + timedelta(days=7)
            },
            os.getenv('SESSION_SECRET'),
            algorithm='HS256'
        )

        return jsonify({'sessionToken': session_token})
    except Exception as e:
        return jsonify({'error': 'Authentication failed'}), 401

@app.route('/api/me', methods=['GET'])
def get_me():
    token = request.headers.get('Authorization', '').replace('Bearer ', '')
    try:
        payload = jwt.decode(token, os.getenv('SESSION_SECRET'), algorithms=['HS256'])
        return jsonify(payload)
    except:
        return jsonify({'error': 'Unauthorized'}), 401


# --- Added (not in the guide): a stand-in for the frontend ---------------------------
# The guide's backend expects a frontend to send it the authorization code. These two
# pages are that frontend, reduced to the minimum: "/" sends the browser to the identity
# provider's login page; "/auth/callback" (the registered OAUTH_REDIRECT_URI) checks the
# `state`, posts the code to /api/auth/hawcx/callback, then calls /api/me with the
# session token and shows the result.
import html
import json
import secrets
import urllib.parse

from flask import abort, session

CALLBACK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed in?</title></head>
<body><h1>Hawcx guide example</h1><pre id="out">Exchanging the code...</pre>
<p><a href="/">Sign in again</a></p>
<script>
(async () => {
  const out = document.getElementById("out");
  const r = await fetch("/api/auth/hawcx/callback", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({code: %s})});
  const body = await r.json();
  if (!r.ok) { out.textContent = "Login failed: " + JSON.stringify(body); return; }
  const me = await fetch("/api/me", {headers: {Authorization: "Bearer " + body.sessionToken}});
  out.textContent = "GET /api/me -> " + me.status + "\\n" + JSON.stringify(await me.json(), null, 2);
})();
</script></body></html>
"""


@app.route('/', methods=['GET'])
def sign_in_page():
    state = secrets.token_urlsafe(16)
    session['oauth_state'] = state
    query = urllib.parse.urlencode({
        'response_type': 'code',
        'client_id': os.getenv('OAUTH_CLIENT_ID'),
        'redirect_uri': os.getenv('OAUTH_REDIRECT_URI'),
        'scope': 'openid email',
        'state': state,
    })
    authorize = os.getenv('OAUTH_AUTHORIZATION_ENDPOINT') or (
        os.getenv('OAUTH_ISSUER', '').rstrip('/') + '/oauth2/authorize')
    return (f'<!doctype html><title>Hawcx guide example</title><h1>Hawcx guide example</h1>'
            f'<p><a href="{html.escape(authorize + "?" + query)}">Sign in with Hawcx</a></p>')


@app.route('/auth/callback', methods=['GET'])
def oauth_redirect_page():
    expected = session.pop('oauth_state', None)
    state, code = request.args.get('state'), request.args.get('code')
    if not code or not expected or not secrets.compare_digest(expected, state or ''):
        abort(400, 'Missing code or state mismatch: start again from /')
    # json.dumps output is safe inside a script once "<" is escaped.
    return CALLBACK_PAGE % json.dumps(code).replace('<', '\\u003c')


if __name__ == '__main__':
    # Added (not in the guide): --env-file / --host / --port. Without --env-file the
    # guide's load_dotenv() above has already read a `.env` file, if there is one.
    import argparse

    parser = argparse.ArgumentParser(description="The Hawcx guide's Complete Example (Flask).")
    parser.add_argument('--env-file', help="env file to load, e.g. the one `hawcx idp` writes")
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=5000)
    args = parser.parse_args()
    if args.env_file:
        if not load_dotenv(args.env_file, override=True):
            parser.error(f'cannot read {args.env_file}')
        app.secret_key = os.getenv('FLASK_SECRET_KEY')
    missing = [name for name in ('OAUTH_TOKEN_ENDPOINT', 'OAUTH_CLIENT_ID', 'OAUTH_PUBLIC_KEY',
                                 'SESSION_SECRET', 'FLASK_SECRET_KEY') if not os.getenv(name)]
    if missing:
        parser.error('not configured: ' + ', '.join(missing) + ' (pass --env-file or create .env)')
    app.run(debug=False, host=args.host, port=args.port)
