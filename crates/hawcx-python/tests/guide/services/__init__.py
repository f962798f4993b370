"""The guide's ``services`` package (Step 4 ``services/user_service.py``, Step 6
``services/mfa_service.py``)."""
