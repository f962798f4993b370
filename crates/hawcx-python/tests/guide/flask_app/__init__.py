"""The guide's Flask backend: Step 3 (callback), Step 5 (``require_auth`` usage) and
Step 6 (MFA endpoints) in ``flask_app/app.py``; the ``cache`` object the guide uses is
filled in there with Flask-Caching."""
