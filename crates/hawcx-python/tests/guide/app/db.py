"""Filled in (not guide code): the ``db`` object the guide's Step 4 ``user_service.py``
imports with ``from app.db import db`` and uses as ``db.session.query(User)...``,
``db.session.add(...)`` and ``db.session.commit()``.

Plain SQLAlchemy 2.x with a thread-local ``scoped_session``, so the same object serves
the Flask, Django and FastAPI apps. ``DATABASE_URL`` picks the database; the default is
one in-memory SQLite database shared by every thread of the process (the test clients
run views on other threads)."""

from __future__ import annotations

import os

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session, sessionmaker, Session
from sqlalchemy.pool import StaticPool

from app.models import Base


def _engine() -> Engine:
    url = os.getenv("DATABASE_URL", "sqlite://")
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(
            url, connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    return create_engine(url)


class Database:
    """What the guide calls ``db``: an engine and its thread-local ``session``."""

    def __init__(self) -> None:
        self.engine = _engine()
        Base.metadata.create_all(self.engine)
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(bind=self.engine, expire_on_commit=False)
        )


db = Database()
