"""The guide's FastAPI backend: Step 3 (``main.auth_callback``) and Step 5
(``dependencies.get_current_user`` and its usage, ``main.get_current_user_endpoint``)."""
