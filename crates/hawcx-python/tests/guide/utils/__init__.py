"""The guide's ``utils`` package (Step 7: ``utils/errors.py``)."""
