"""Filled in (the guide leaves it to the reader): the application package that the guide's
Step 4 imports its database from (``from app.db import db``). Not guide code."""
