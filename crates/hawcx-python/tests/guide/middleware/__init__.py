"""The guide's ``middleware`` package (Step 5, Flask: ``middleware/auth.py``)."""
