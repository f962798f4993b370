"""The guide's "Complete Example" Flask app (examples/flask-guide/app.py) for load tests.

With HAWCX_LOAD_VERIFY=hawcx, GET /api/me verifies the session token the way the guide's
auth middleware does, with `verify_jwt(token, SESSION_SECRET, algorithms=['HS256'])` from
the installed hawcx_oauth_client (this repository's package). Otherwise it stays as the
guide wrote it, PyJWT's `jwt.decode`: the official 1.0.0 `verify_jwt` cannot verify HS256
session tokens (every request would be a 401), so that is what its users run.

HAWCX_LOAD_VERIFY=none answers GET /api/me with a fixed payload and no verification at
all: the ceiling any verification library can reach in this Flask + gunicorn setup.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "flask-guide"))

from app import app  # noqa: E402  the guide's code, unchanged

if os.environ.get("HAWCX_LOAD_VERIFY") == "hawcx":
    from flask import jsonify, request

    from hawcx_oauth_client import JWTVerificationError, verify_jwt

    def get_me():  # type: ignore[no-untyped-def]
        token = request.headers.get("Authorization", "").replace("Bearer ", "")
        try:
            return jsonify(verify_jwt(token, os.getenv("SESSION_SECRET"), algorithms=["HS256"]))
        except JWTVerificationError:
            return jsonify({"error": "Unauthorized"}), 401

    app.view_functions["get_me"] = get_me

if os.environ.get("HAWCX_LOAD_VERIFY") == "none":
    from flask import jsonify

    CEILING_PAYLOAD = {"userId": "ceiling", "email": "ceiling@example.com", "exp": 4102444800}

    def get_me_unverified():  # type: ignore[no-untyped-def]
        return jsonify(CEILING_PAYLOAD)

    app.view_functions["get_me"] = get_me_unverified
