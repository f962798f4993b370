"""The guide's Django backend: Step 3 (``views.auth_callback``), Step 5
(``decorators.require_auth`` and its usage ``views.get_current_user``). Filled in: the
project files the guide leaves to the reader (``settings.py``, ``urls.py``)."""
